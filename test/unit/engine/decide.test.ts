import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TickInput } from '../../../src/engine/actions.ts';
import { decideCanary } from '../../../src/engine/canary.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { EngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type ObservedReplicaSet } from '../../../src/engine/state.ts';

const canary: EngineRollout = {
  name: 'web',
  namespace: 'ns',
  replicas: 4,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  revisionHistoryLimit: 10,
  strategy: 'canary',
  canary: { steps: [{ setWeight: 25 }, { pause: {} }], maxSurge: '25%', maxUnavailable: '25%' },
};

function rs(hash: string, replicas: number, revision: number): ObservedReplicaSet {
  return {
    name: `web-${hash}`,
    hash,
    revision,
    specReplicas: replicas,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    createdAt: '2026-01-01T00:00:00Z',
    podIssues: [],
  };
}

function input(
  rollout: EngineRollout,
  replicaSets: ObservedReplicaSet[],
  stableRS?: string,
): TickInput<EngineRollout> {
  return {
    rollout,
    templateHash: 'new',
    podTemplate: {},
    stepsHash: 'steps',
    status: { ...initialStatus(), ...(stableRS === undefined ? {} : { stableRS }) },
    observed: { replicaSets, services: {} },
    now: new Date('2026-01-01T00:01:00Z'),
  };
}

// One row per strategy and situation: decide hands the tick to that strategy's decider unchanged.
const table: {
  name: string;
  input: TickInput<EngineRollout>;
  decider: (i: TickInput<EngineRollout>) => ReturnType<typeof decide>;
}[] = [
  { name: 'canary, first deploy', input: input(canary, []), decider: decideCanary },
  {
    name: 'canary, update from a stable revision',
    input: input(canary, [rs('old', 4, 1)], 'old'),
    decider: decideCanary,
  },
  {
    name: 'canary, paused by the spec',
    input: input({ ...canary, paused: true }, [rs('old', 4, 1)], 'old'),
    decider: decideCanary,
  },
];

for (const row of table) {
  test(`decide: ${row.name}`, () => {
    assert.deepEqual(decide(row.input), row.decider(structuredClone(row.input)));
  });
}

test('decide: a canary first deploy creates the new ReplicaSet', () => {
  const d = decide(input(canary, []));
  assert.ok(d.actions.some((a) => a.kind === 'createReplicaSet' && a.hash === 'new'));
});
