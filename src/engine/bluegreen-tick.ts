import type { Action, AnalysisAction, TickInput } from './actions.ts';
import type { PauseChanges } from './bluegreen-pause.ts';
import type { BlueGreenEngineRollout } from './spec.ts';
import type { AnalysisView, ObservedReplicaSet, RolloutStatus } from './state.ts';

/** What one blue-green reconcile works on once the new ReplicaSet exists. */
export interface BlueGreenTick {
  input: TickInput<BlueGreenEngineRollout>;
  rollout: BlueGreenEngineRollout;
  /** The status the reconcile started from (Argo reads `rollout.Status` for most decisions). */
  prev: RolloutStatus;
  /** The status being built. */
  s: RolloutStatus;
  actions: Action[];
  analysis: AnalysisAction[];
  log: string[];
  now: Date;
  /** The ReplicaSet of the desired pod template: the preview until it is promoted. */
  newRS: ObservedReplicaSet;
  /** The stable ReplicaSet (status.stableRS), the active one until the promotion completes. */
  stableRS: ObservedReplicaSet | undefined;
  /** The rollout's other ReplicaSets (not an Experiment's), scaled down after their delay. */
  others: ObservedReplicaSet[];
  /** The hash the active Service selects as observed, before this reconcile's switch. */
  liveActive: string | undefined;
  /** This revision's pre- and post-promotion runs, if started. */
  runs: { pre: AnalysisView | undefined; post: AnalysisView | undefined };
  /** Whether a person promoted past this Inconclusive run. */
  acked: (id: string) => boolean;
  pause: PauseChanges;
  /** When something falls due by itself (a scale-down deadline, an automatic promotion). */
  dueAt: Date | undefined;
}

export function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
