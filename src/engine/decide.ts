/**
 * One reconcile of a Rollout: picks the decider of its strategy. Each strategy adds a member to
 * `EngineRollout` and a case here; the switch stops compiling until it does. Pure.
 */
import type { Decision, TickInput } from './actions.ts';
import { decideBlueGreen } from './bluegreen.ts';
import { decideCanary } from './canary.ts';
import type { EngineRollout } from './spec.ts';

export function decide(input: TickInput<EngineRollout>): Decision {
  const { rollout } = input;
  switch (rollout.strategy) {
    case 'canary':
      return decideCanary({ ...input, rollout });
    case 'blueGreen':
      return decideBlueGreen({ ...input, rollout });
  }
}
