import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  calculateReplicaCountsForBasicCanary,
  desiredCanaryReplicasOrWeight,
  type CanaryStepLike,
  type ObservedReplicaSet,
} from '../../../src/engine/replicas.ts';
import {
  canaryTarget,
  type CanaryTargetInput,
  type TrafficRoutingSettings,
} from '../../../src/engine/traffic.ts';

const rs = (spec: number, available = spec, replicas = spec): ObservedReplicaSet => ({
  specReplicas: spec,
  availableReplicas: available,
  replicas,
});

const steps: CanaryStepLike[] = [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: {} }];
const router: TrafficRoutingSettings = { currentWeights: null };

function input(overrides: Partial<CanaryTargetInput>): CanaryTargetInput {
  return {
    replicas: 10,
    steps,
    trafficRouting: router,
    currentStepIndex: 0,
    aborted: false,
    promoteFull: false,
    canaryInProgress: true,
    canary: rs(2),
    stable: rs(10),
    stableIsCanary: false,
    older: [],
    ...overrides,
  };
}

// Expected values follow Argo's reconcileTrafficRouting and CalculateReplicaCountsForTrafficRoutedCanary.
const routed: [
  string,
  Partial<CanaryTargetInput>,
  { weight: number; counts: [number, number]; atTarget: boolean; routerWeight: number },
][] = [
  [
    'setWeight 20 reached: the router moves to 20',
    {},
    { weight: 20, counts: [2, 10], atTarget: true, routerWeight: 20 },
  ],
  [
    'no canary pod available yet: the router sends it nothing',
    { canary: rs(2, 0) },
    { weight: 20, counts: [2, 10], atTarget: false, routerWeight: 0 },
  ],
  [
    'setWeight 40 not reached: the router stays at the previous setWeight',
    { currentStepIndex: 2 },
    { weight: 40, counts: [4, 10], atTarget: false, routerWeight: 20 },
  ],
  [
    'setWeight 40 reached',
    { currentStepIndex: 2, canary: rs(4) },
    { weight: 40, counts: [4, 10], atTarget: true, routerWeight: 40 },
  ],
  [
    'the canary running ahead of the step is not at its counts',
    { canary: rs(4) },
    { weight: 20, counts: [2, 10], atTarget: false, routerWeight: 0 },
  ],
  [
    'past the last step: all traffic',
    { currentStepIndex: 4, canary: rs(10) },
    { weight: 100, counts: [10, 10], atTarget: true, routerWeight: 100 },
  ],
  [
    'aborted: everything back to stable at once',
    { aborted: true, currentStepIndex: 2, canary: rs(4) },
    { weight: 0, counts: [0, 10], atTarget: false, routerWeight: 0 },
  ],
  [
    'aborted with dynamicStableScale: what the stable can carry, never above the current weight',
    {
      aborted: true,
      currentStepIndex: 2,
      canary: rs(4),
      stable: rs(6),
      trafficRouting: { dynamicStableScale: true, currentWeights: { canary: 50, stable: 50 } },
    },
    { weight: 0, counts: [5, 10], atTarget: false, routerWeight: 40 },
  ],
  [
    'aborted with dynamicStableScale, the stable already carrying more than the router gives it',
    {
      aborted: true,
      canary: rs(4),
      stable: rs(10, 9),
      trafficRouting: { dynamicStableScale: true, currentWeights: { canary: 30, stable: 70 } },
    },
    { weight: 0, counts: [3, 10], atTarget: false, routerWeight: 10 },
  ],
  [
    'promote-full keeps the router where it is',
    { promoteFull: true, canary: rs(4), trafficRouting: { currentWeights: { canary: 40, stable: 60 } } },
    { weight: 100, counts: [10, 10], atTarget: false, routerWeight: 40 },
  ],
  [
    'promote-full with dynamicStableScale: what the canary can carry',
    {
      promoteFull: true,
      canary: rs(10, 7),
      trafficRouting: { dynamicStableScale: true, currentWeights: { canary: 40, stable: 60 } },
    },
    { weight: 100, counts: [10, 6], atTarget: false, routerWeight: 70 },
  ],
  [
    'fully promoted: the canary weight is 0 (the stable is the canary)',
    { canaryInProgress: false, currentStepIndex: 4, canary: rs(10), stable: null, stableIsCanary: true },
    { weight: 100, counts: [10, 10], atTarget: true, routerWeight: 0 },
  ],
  [
    'setCanaryScale replicas: the pods without traffic',
    { steps: [{ setCanaryScale: { replicas: 3 } }, { setWeight: 20 }], canary: rs(3) },
    { weight: 0, counts: [3, 10], atTarget: true, routerWeight: 0 },
  ],
  [
    'setCanaryScale weight 50 then setWeight 10: pods for 50, traffic 10',
    {
      steps: [{ setCanaryScale: { weight: 50 } }, { setWeight: 10 }, { pause: {} }],
      currentStepIndex: 1,
      canary: rs(5),
    },
    { weight: 50, counts: [5, 10], atTarget: true, routerWeight: 10 },
  ],
  [
    'setCanaryScale matchTrafficWeight: pods follow the setWeight again',
    {
      steps: [
        { setCanaryScale: { weight: 50 } },
        { setCanaryScale: { matchTrafficWeight: true } },
        { setWeight: 30 },
      ],
      currentStepIndex: 2,
      canary: rs(3),
    },
    { weight: 30, counts: [3, 10], atTarget: true, routerWeight: 30 },
  ],
  [
    'maxTrafficWeight 1000',
    {
      steps: [{ setWeight: 200 }, { pause: {} }],
      trafficRouting: { maxTrafficWeight: 1000, currentWeights: null },
    },
    { weight: 200, counts: [2, 10], atTarget: true, routerWeight: 200 },
  ],
  [
    'minPodsPerReplicaSet raises a small canary',
    {
      steps: [{ setWeight: 5 }, { pause: {} }],
      trafficRouting: { minPodsPerReplicaSet: 2, currentWeights: null },
    },
    { weight: 5, counts: [2, 10], atTarget: true, routerWeight: 5 },
  ],
  [
    'dynamicStableScale scales the stable down with the weight, never below the router’s stable weight',
    {
      currentStepIndex: 2,
      canary: rs(4),
      stable: rs(6),
      trafficRouting: { dynamicStableScale: true, currentWeights: { canary: 20, stable: 80 } },
    },
    { weight: 40, counts: [4, 8], atTarget: true, routerWeight: 40 },
  ],
  [
    'no steps: no traffic to the canary until it is promoted',
    { steps: [], currentStepIndex: undefined, canary: rs(10) },
    { weight: 100, counts: [10, 10], atTarget: true, routerWeight: 0 },
  ],
];

for (const [name, overrides, want] of routed) {
  test(`canaryTarget with a router: ${name}`, () => {
    const got = canaryTarget(input(overrides));
    assert.deepEqual(
      {
        weight: got.weight,
        counts: [got.counts.canary, got.counts.stable],
        atTarget: got.atTarget,
        routerWeight: got.routerWeight,
      },
      want,
    );
  });
}

// Without a router the target is exactly what the basic canary computed before (Argo's counts).
const basic: [
  string,
  Partial<CanaryTargetInput>,
  { weight: number; counts: [number, number]; atTarget: boolean },
][] = [
  [
    'setWeight 20 of 5, first scaling',
    { replicas: 5, canary: rs(0), stable: rs(5) },
    { weight: 20, counts: [1, 4], atTarget: false },
  ],
  [
    'setWeight 20 of 5, reached',
    { replicas: 5, canary: rs(1), stable: rs(4) },
    { weight: 20, counts: [1, 4], atTarget: true },
  ],
  [
    'setWeight 40 of 5',
    { replicas: 5, currentStepIndex: 2, canary: rs(1), stable: rs(4) },
    { weight: 40, counts: [2, 3], atTarget: false },
  ],
  [
    'setCanaryScale is ignored without a router: no setWeight yet, no canary',
    { replicas: 5, steps: [{ setCanaryScale: { replicas: 3 } }], canary: rs(0), stable: rs(5) },
    { weight: 0, counts: [0, 5], atTarget: true },
  ],
  [
    'aborted',
    { replicas: 5, aborted: true, canary: rs(2), stable: rs(4) },
    { weight: 0, counts: [0, 5], atTarget: false },
  ],
  [
    'fully promoted (Argo’s basic check reads the shared ReplicaSet as the stable too)',
    { replicas: 5, canaryInProgress: false, canary: rs(5), stable: null, stableIsCanary: true },
    { weight: 100, counts: [5, 0], atTarget: false },
  ],
];

for (const [name, overrides, want] of basic) {
  test(`canaryTarget without a router: ${name}`, () => {
    const i = input({ ...overrides, trafficRouting: undefined });
    const got = canaryTarget(i);
    assert.deepEqual(
      { weight: got.weight, counts: [got.counts.canary, got.counts.stable], atTarget: got.atTarget },
      want,
    );
    assert.equal(got.routerWeight, undefined);
    const desired = desiredCanaryReplicasOrWeight({ ...i, trafficRouted: false });
    assert.equal(got.weight, desired.weight);
    assert.deepEqual(
      got.counts,
      calculateReplicaCountsForBasicCanary({ ...i, desiredWeight: desired.weight }),
    );
  });
}
