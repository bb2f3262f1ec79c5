import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TickInput } from '../../../src/engine/actions.ts';
import { decideBlueGreen } from '../../../src/engine/bluegreen.ts';
import { decideCanary } from '../../../src/engine/canary.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { BlueGreenEngineRollout, CanaryEngineRollout, EngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type ObservedReplicaSet } from '../../../src/engine/state.ts';

const canary: CanaryEngineRollout = {
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

const blueGreen: BlueGreenEngineRollout = {
  ...canary,
  strategy: 'blueGreen',
  blueGreen: {
    activeService: 'web-active',
    autoPromotionEnabled: false,
    autoPromotionSeconds: 0,
    scaleDownDelaySeconds: 30,
    scaleDownDelayWritten: false,
    abortScaleDownDelaySeconds: 30,
  },
};

function input<R extends EngineRollout>(
  rollout: R,
  replicaSets: ObservedReplicaSet[],
  stableRS?: string,
): TickInput<R> {
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
  /** The strategy's own decider on a copy of the same input. */
  direct: () => ReturnType<typeof decide>;
}[] = [
  ...[
    { name: 'canary, first deploy', input: input(canary, []) },
    { name: 'canary, update from a stable revision', input: input(canary, [rs('old', 4, 1)], 'old') },
    {
      name: 'canary, paused by the spec',
      input: input({ ...canary, paused: true }, [rs('old', 4, 1)], 'old'),
    },
  ].map((row) => ({ ...row, direct: () => decideCanary(structuredClone(row.input)) })),
  ...[
    { name: 'blue-green, first deploy', input: input(blueGreen, []) },
    { name: 'blue-green, update from a stable revision', input: input(blueGreen, [rs('old', 4, 1)], 'old') },
  ].map((row) => ({ ...row, direct: () => decideBlueGreen(structuredClone(row.input)) })),
];

for (const row of table) {
  test(`decide: ${row.name}`, () => {
    assert.deepEqual(decide(row.input), row.direct());
  });
}

test('decide: a canary first deploy creates the new ReplicaSet', () => {
  const d = decide(input(canary, []));
  assert.ok(d.actions.some((a) => a.kind === 'createReplicaSet' && a.hash === 'new'));
});
