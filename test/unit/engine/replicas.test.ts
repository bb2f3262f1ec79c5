import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  IntOrPercentError,
  applyMinPodsPerReplicaSet,
  approximateWeightedCanaryStableReplicaCounts,
  atDesiredReplicaCountsForBasicCanary,
  atDesiredReplicaCountsForTrafficRoutedCanary,
  calculateReplicaCountsForBasicCanary,
  calculateReplicaCountsForTrafficRoutedCanary,
  canaryLimits,
  currentCanaryStep,
  currentSetCanaryScale,
  currentSetWeight,
  desiredCanaryReplicasOrWeight,
  isValidPercent,
  parseIntOrPercent,
  planBasicCanaryReconcile,
  previousSetWeight,
  replicaProgressThresholdMet,
  resolveFenceposts,
  resolveIntOrPercent,
  scaleDownOlderReplicaSetsForBasicCanary,
  trafficWeightOnAbort,
  trafficWeightToReplicas,
  type BasicCanaryInput,
  type BasicCanaryReconcileStep,
  type CanaryStepLike,
  type ObservedReplicaSet,
  type OlderReplicaSet,
  type ReplicaProgressThreshold,
  type ReplicaSetCounts,
  type TrafficRoutedCanaryInput,
  type TrafficWeights,
} from '../../../src/engine/replicas.ts';
import { modelLimits, modelTargetCounts } from './replicas-model.ts';
import type { IntOrPercent } from '../../../src/manifests/rollout.ts';

const rs = (specReplicas: number, availableReplicas: number): ReplicaSetCounts => ({
  specReplicas,
  availableReplicas,
});
const observed = (specReplicas: number, availableReplicas: number, replicas: number): ObservedReplicaSet => ({
  specReplicas,
  availableReplicas,
  replicas,
});

// -------------------------------------------------------------------------------------------
// 1. maxSurge / maxUnavailable
// -------------------------------------------------------------------------------------------

describe('resolveIntOrPercent', () => {
  const rows: Array<[name: string, value: IntOrPercent, total: number, roundUp: boolean, want: number]> = [
    ['an int passes through unscaled', 3, 10, true, 3],
    ['an int is not capped at the total', 7, 5, false, 7],
    ['25% of 5 rounds up to 2', '25%', 5, true, 2],
    ['25% of 5 rounds down to 1', '25%', 5, false, 1],
    ['20% of 10 is exact either way (up)', '20%', 10, true, 2],
    ['20% of 10 is exact either way (down)', '20%', 10, false, 2],
    ['1% of 1 rounds up to 1', '1%', 1, true, 1],
    ['1% of 1 rounds down to 0', '1%', 1, false, 0],
    ['0% is 0', '0%', 10, true, 0],
    ['a percentage of 0 replicas is 0', '50%', 0, true, 0],
    ['over 100% is allowed', '150%', 4, true, 6],
    ['a leading + is accepted like Go strconv.Atoi', '+10%', 10, true, 1],
  ];
  for (const [name, value, total, roundUp, want] of rows) {
    it(name, () => {
      assert.equal(resolveIntOrPercent(value, total, roundUp), want);
    });
  }

  const invalid = ['25', 'abc%', '%', '', ' 25%', '2.5%', '25 %', '0x10%'];
  for (const value of invalid) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.throws(() => parseIntOrPercent(value), IntOrPercentError);
    });
  }

  it('Argo validation only calls ^[0-9]+%$ a percentage', () => {
    assert.equal(isValidPercent('25%'), true);
    assert.equal(isValidPercent('+25%'), false);
    assert.equal(isValidPercent('25'), false);
  });
});

describe('resolveFenceposts', () => {
  const rows: Array<
    [
      name: string,
      surge: IntOrPercent | undefined,
      unavailable: IntOrPercent | undefined,
      n: number,
      want: [number, number],
    ]
  > = [
    ['defaults 25%/25% on 5 replicas give 2/1', undefined, undefined, 5, [2, 1]],
    ['defaults 25%/25% on 10 replicas give 3/2', undefined, undefined, 10, [3, 2]],
    ['defaults on 1 replica give 1/0', undefined, undefined, 1, [1, 0]],
    ['defaults on 0 replicas resolve to 0/0, then unavailable 1', undefined, undefined, 0, [0, 1]],
    ['0%/0% resolve to 0/0, so unavailable becomes 1', '0%', '0%', 10, [0, 1]],
    ['percentages that round to zero also trigger the rule', '0%', '1%', 10, [0, 1]],
    ['ints are used as written', 3, 0, 10, [3, 0]],
    ['maxSurge 0 keeps a non-zero maxUnavailable', 0, 2, 10, [0, 2]],
    ['only maxSurge given: maxUnavailable defaults to 25%', 1, undefined, 10, [1, 2]],
  ];
  for (const [name, surge, unavailable, n, [wantSurge, wantUnavailable]] of rows) {
    it(name, () => {
      assert.deepEqual(resolveFenceposts(surge, unavailable, n), {
        maxSurge: wantSurge,
        maxUnavailable: wantUnavailable,
      });
    });
  }

  it('throws on a malformed string', () => {
    assert.throws(() => resolveFenceposts('25', 0, 10), IntOrPercentError);
  });
});

describe('canaryLimits (Argo MaxSurge / MaxUnavailable)', () => {
  it('5 replicas with defaults: floor 4, ceiling 7', () => {
    assert.deepEqual(canaryLimits(undefined, undefined, 5), {
      maxSurge: 2,
      maxUnavailable: 1,
      minAvailable: 4,
      maxTotal: 7,
    });
  });
  it('maxUnavailable is 0 when replicas is 0', () => {
    assert.equal(canaryLimits(0, 0, 0).maxUnavailable, 0);
  });
  it('maxUnavailable is capped at replicas', () => {
    const limits = canaryLimits(1, 10, 4);
    assert.equal(limits.maxUnavailable, 4);
    assert.equal(limits.minAvailable, 0);
  });
  it('a malformed value makes Argo run with 0/0 and reports the error', () => {
    const limits = canaryLimits('two', 1, 10);
    assert.equal(limits.maxSurge, 0);
    assert.equal(limits.maxUnavailable, 0);
    assert.equal(limits.minAvailable, 10);
    assert.match(limits.error ?? '', /not a percentage/);
  });
});

// -------------------------------------------------------------------------------------------
// 2. approximateWeightedCanaryStableReplicaCounts
// -------------------------------------------------------------------------------------------

describe('approximateWeightedCanaryStableReplicaCounts', () => {
  // [name, replicas, weight, maxSurge, canary, stable]; maxWeight 100 unless a row says otherwise.
  type Row = [name: string, n: number, w: number, surge: number, canary: number, stable: number];
  const reference: Row[] = [
    ['reference: 5 replicas, 20% -> 1/4', 5, 20, 2, 1, 4],
    ['reference: 5 replicas, 40% -> 2/3', 5, 40, 2, 2, 3],
    ['reference: 5 replicas, 70% (tie at 3.5) surges to 4/2', 5, 70, 2, 4, 2],
    ['reference: 5 replicas, 70% with maxSurge 0 -> 4/1', 5, 70, 0, 4, 1],
    ['reference: 5 replicas, 100% -> 5/0', 5, 100, 2, 5, 0],
    ['reference: 10 replicas, 41% -> 4/6 (docs example)', 10, 41, 3, 4, 6],
    ['gap: 2 replicas at 75% without surge has no candidate -> 0/2', 2, 75, 0, 0, 2],
    ['gap: 10 replicas at 95% without surge -> 0/10', 10, 95, 0, 0, 10],
    ['gap closed by surge: 2 replicas at 75% with surge -> 2/1', 2, 75, 1, 2, 1],
  ];
  // Argo's TestApproximateWeightedNewStableReplicaCounts table (inputs and expected values).
  const argoTable: Array<[n: number, w: number, surge: number, canary: number, stable: number]> = [
    [0, 0, 0, 0, 0],
    [0, 50, 0, 0, 0],
    [0, 100, 0, 0, 0],
    [0, 0, 1, 0, 0],
    [0, 50, 1, 0, 0],
    [0, 100, 1, 0, 0],
    [1, 0, 0, 0, 1],
    [1, 1, 0, 0, 1],
    [1, 49, 0, 0, 1],
    [1, 50, 0, 1, 0],
    [1, 99, 0, 1, 0],
    [1, 100, 0, 1, 0],
    [1, 0, 1, 0, 1],
    [1, 1, 1, 1, 1],
    [1, 49, 1, 1, 1],
    [1, 50, 1, 1, 1],
    [1, 99, 1, 1, 1],
    [1, 100, 1, 1, 0],
    [2, 0, 0, 0, 2],
    [2, 1, 0, 1, 1],
    [2, 50, 0, 1, 1],
    [2, 99, 0, 1, 1],
    [2, 100, 0, 2, 0],
    [2, 0, 1, 0, 2],
    [2, 1, 1, 1, 2],
    [2, 50, 1, 1, 1],
    [2, 99, 1, 2, 1],
    [2, 100, 1, 2, 0],
    [3, 10, 0, 1, 2],
    [3, 25, 0, 1, 2],
    [3, 33, 0, 1, 2],
    [3, 34, 0, 1, 2],
    [3, 49, 0, 1, 2],
    [3, 50, 0, 2, 1],
    [3, 10, 1, 1, 3],
    [3, 25, 1, 1, 3],
    [3, 33, 1, 1, 2],
    [3, 34, 1, 1, 2],
    [3, 49, 1, 2, 2],
    [3, 50, 1, 2, 2],
    [10, 0, 1, 0, 10],
    [10, 1, 0, 1, 9],
    [10, 14, 0, 1, 9],
    [10, 15, 0, 2, 8],
    [10, 16, 0, 2, 8],
    [10, 99, 0, 9, 1],
    [10, 100, 1, 10, 0],
    [10, 1, 1, 1, 10],
    [10, 18, 1, 2, 9],
    [10, 19, 1, 2, 9],
    [10, 20, 1, 2, 8],
    [10, 23, 1, 2, 8],
    [10, 24, 1, 3, 8],
    [10, 25, 1, 3, 8],
    [10, 99, 1, 10, 1],
  ];
  const rows: Row[] = [
    ...reference,
    ...argoTable.map(([n, w, surge, canary, stable]): Row => [
      `argo table: replicas ${n}, weight ${w}, surge ${surge} -> ${canary}/${stable}`,
      n,
      w,
      surge,
      canary,
      stable,
    ]),
  ];
  for (const [name, n, w, surge, canary, stable] of rows) {
    it(name, () => {
      assert.deepEqual(approximateWeightedCanaryStableReplicaCounts(n, w, 100, surge), { canary, stable });
    });
  }

  it('a larger maxWeight scales the same way (maxTrafficWeight 1000, 5 replicas, 700 -> 4/2)', () => {
    assert.deepEqual(approximateWeightedCanaryStableReplicaCounts(5, 700, 1000, 1), { canary: 4, stable: 2 });
  });
  it('weight equal to maxWeight allows a zero stable (1000 of 1000)', () => {
    assert.deepEqual(approximateWeightedCanaryStableReplicaCounts(3, 1000, 1000, 1), {
      canary: 3,
      stable: 0,
    });
  });
});

// -------------------------------------------------------------------------------------------
// 3. Basic canary, per reconcile
// -------------------------------------------------------------------------------------------

interface BasicRow {
  name: string;
  replicas: number;
  weight: number;
  surge: IntOrPercent;
  unavailable: IntOrPercent;
  stable: [spec: number, available: number] | null;
  canary: [spec: number, available: number] | null;
  older?: Array<[spec: number, available: number]>;
  stableIsCanary?: boolean;
  want: { canary: number; stable: number };
}

const basicInput = (row: BasicRow): BasicCanaryInput => ({
  replicas: row.replicas,
  desiredWeight: row.weight,
  maxSurge: row.surge,
  maxUnavailable: row.unavailable,
  stable: row.stable === null ? null : rs(...row.stable),
  canary: row.canary === null ? null : rs(...row.canary),
  older: (row.older ?? []).map(([spec, available]) => rs(spec, available)),
  stableIsCanary: row.stableIsCanary ?? false,
});

describe('calculateReplicaCountsForBasicCanary', () => {
  const rows: BasicRow[] = [
    // The reference's first reconcile at setWeight 20: surge room 2 -> canary 1; floor 4 -> stable 4.
    {
      name: 'reference: 5 replicas at 20% from 0/5, defaults -> canary 1, stable 4',
      replicas: 5,
      weight: 20,
      surge: '25%',
      unavailable: '25%',
      stable: [5, 5],
      canary: [0, 0],
      want: { canary: 1, stable: 4 },
    },
    // Rows from Argo's TestCalculateReplicaCountsForCanary (basic canary ones).
    {
      name: 'argo: do not add extra RSs in scaleDownCount when spec < available',
      replicas: 10,
      weight: 100,
      surge: 3,
      unavailable: 0,
      stable: [7, 8],
      canary: [6, 3],
      want: { canary: 6, stable: 7 },
    },
    {
      name: 'argo: use max surge int to scale up canary',
      replicas: 10,
      weight: 20,
      surge: 2,
      unavailable: 0,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 2, stable: 10 },
    },
    {
      name: 'argo: use max surge percentage to scale up canary',
      replicas: 10,
      weight: 20,
      surge: '20%',
      unavailable: 0,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 2, stable: 10 },
    },
    {
      name: 'argo: scale down extra stable replicas',
      replicas: 10,
      weight: 20,
      surge: '20%',
      unavailable: 0,
      stable: [10, 10],
      canary: [2, 2],
      want: { canary: 2, stable: 8 },
    },
    {
      name: 'argo: do not go past max surge',
      replicas: 10,
      weight: 30,
      surge: 2,
      unavailable: 0,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 2, stable: 10 },
    },
    {
      name: 'argo: use max unavailable int to scale down stable',
      replicas: 10,
      weight: 20,
      surge: 0,
      unavailable: 2,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 0, stable: 8 },
    },
    {
      name: 'argo: use max unavailable percentage to scale down stable',
      replicas: 10,
      weight: 20,
      surge: 0,
      unavailable: '20%',
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 0, stable: 8 },
    },
    {
      name: 'argo: do not go past max unavailable',
      replicas: 10,
      weight: 30,
      surge: 0,
      unavailable: 2,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 0, stable: 8 },
    },
    {
      name: 'argo: use max surge and max unavailable together',
      replicas: 10,
      weight: 50,
      surge: 2,
      unavailable: 1,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 2, stable: 9 },
    },
    {
      name: 'argo: scale canary to zero on setWeight 0',
      replicas: 10,
      weight: 0,
      surge: 1,
      unavailable: 1,
      stable: [10, 10],
      canary: [1, 1],
      want: { canary: 0, stable: 10 },
    },
    {
      name: 'argo: scale stable to zero on setWeight 100',
      replicas: 10,
      weight: 100,
      surge: 1,
      unavailable: 1,
      stable: [1, 1],
      canary: [10, 10],
      want: { canary: 10, stable: 0 },
    },
    {
      name: 'argo: do not leave the canary at zero on a non-zero weight (1 replica, 20%)',
      replicas: 1,
      weight: 20,
      surge: 1,
      unavailable: 0,
      stable: [1, 1],
      canary: [0, 0],
      want: { canary: 1, stable: 1 },
    },
    {
      name: 'argo: do not leave the canary at zero on a non-100 weight (1 replica, 90%)',
      replicas: 1,
      weight: 90,
      surge: 1,
      unavailable: 0,
      stable: [1, 1],
      canary: [0, 0],
      want: { canary: 1, stable: 1 },
    },
    {
      name: 'argo: scale up stable before canary; older RS blocks any scale-down',
      replicas: 10,
      weight: 30,
      surge: 1,
      unavailable: 0,
      stable: [1, 1],
      canary: [0, 0],
      older: [[3, 3]],
      want: { canary: 1, stable: 7 },
    },
    {
      name: 'argo: scale down canary and stable',
      replicas: 10,
      weight: 30,
      surge: 0,
      unavailable: 3,
      stable: [8, 5],
      canary: [4, 4],
      want: { canary: 3, stable: 7 },
    },
    {
      name: 'argo: scale down stable when the canary is available',
      replicas: 10,
      weight: 100,
      surge: 1,
      unavailable: 0,
      stable: [10, 2],
      canary: [10, 8],
      want: { canary: 9, stable: 2 },
    },
    {
      name: 'argo: no scale-down of canary or stable while an older RS has replicas',
      replicas: 10,
      weight: 30,
      surge: 0,
      unavailable: 1,
      stable: [8, 6],
      canary: [4, 2],
      older: [[3, 3]],
      want: { canary: 4, stable: 8 },
    },
    {
      name: 'argo: do not round past maxSurge with an uneven weight',
      replicas: 10,
      weight: 5,
      surge: 0,
      unavailable: 1,
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 0, stable: 9 },
    },
    {
      name: 'argo: do not round past maxSurge with an uneven weight (part 2)',
      replicas: 10,
      weight: 5,
      surge: 0,
      unavailable: 1,
      stable: [9, 9],
      canary: [0, 0],
      want: { canary: 1, stable: 9 },
    },
    {
      name: 'argo: 0%/0% fenceposts mean maxUnavailable 1',
      replicas: 10,
      weight: 10,
      surge: '0%',
      unavailable: '0%',
      stable: [10, 10],
      canary: [0, 0],
      want: { canary: 0, stable: 9 },
    },
    {
      name: 'argo: honor maxSurge during scale-up while the stable is unavailable',
      replicas: 4,
      weight: 100,
      surge: 1,
      unavailable: 0,
      stable: [4, 1],
      canary: [0, 0],
      want: { canary: 1, stable: 4 },
    },
    {
      name: 'argo: scale down to maxUnavailable without exceeding maxSurge',
      replicas: 3,
      weight: 99,
      surge: 0,
      unavailable: 2,
      stable: [3, 3],
      canary: [0, 0],
      want: { canary: 0, stable: 1 },
    },
    {
      name: 'argo: scale down to maxUnavailable without exceeding maxSurge (part 2)',
      replicas: 3,
      weight: 99,
      surge: 0,
      unavailable: 2,
      stable: [1, 1],
      canary: [0, 0],
      want: { canary: 2, stable: 1 },
    },
    {
      name: 'argo: honor maxUnavailable when scaling down an unavailable stable',
      replicas: 4,
      weight: 100,
      surge: 1,
      unavailable: 0,
      stable: [4, 1],
      canary: [1, 1],
      want: { canary: 1, stable: 3 },
    },
    {
      name: 'argo: abort part 1 - surge the stable before touching the canary',
      replicas: 4,
      weight: 0,
      surge: 1,
      unavailable: 0,
      stable: [0, 0],
      canary: [4, 4],
      want: { canary: 4, stable: 1 },
    },
    {
      name: 'argo: abort part 2 - nothing moves while the surged stable pod is unavailable',
      replicas: 4,
      weight: 0,
      surge: 1,
      unavailable: 0,
      stable: [1, 0],
      canary: [4, 4],
      want: { canary: 4, stable: 1 },
    },
    {
      name: 'argo: abort part 3 - reduce the canary by one once the stable pod is available',
      replicas: 4,
      weight: 0,
      surge: 1,
      unavailable: 0,
      stable: [1, 1],
      canary: [4, 4],
      want: { canary: 3, stable: 1 },
    },
    {
      name: 'argo: promote-full (weight 100) with wide fenceposts',
      replicas: 4,
      weight: 100,
      surge: 4,
      unavailable: 4,
      stable: [4, 4],
      canary: [0, 0],
      want: { canary: 4, stable: 0 },
    },
    {
      name: 'argo: promote-full (weight 100) still honours maxSurge 3 / maxUnavailable 0',
      replicas: 4,
      weight: 100,
      surge: 3,
      unavailable: 0,
      stable: [4, 4],
      canary: [0, 0],
      want: { canary: 3, stable: 4 },
    },
    {
      name: 'argo: no stable RS - the canary goes to replicas',
      replicas: 10,
      weight: 10,
      surge: 0,
      unavailable: 1,
      stable: null,
      canary: [9, 9],
      want: { canary: 10, stable: 0 },
    },
    {
      name: 'argo: stable RS is the canary RS - the canary goes to replicas',
      replicas: 10,
      weight: 10,
      surge: 0,
      unavailable: 1,
      stable: null,
      stableIsCanary: true,
      canary: [9, 9],
      want: { canary: 10, stable: 0 },
    },
    {
      name: 'no canary RS yet: Argo leaves the canary at 0 and only drains the stable',
      replicas: 10,
      weight: 50,
      surge: 2,
      unavailable: 1,
      stable: [10, 10],
      canary: null,
      want: { canary: 0, stable: 9 },
    },
    {
      // Derived by hand: new RS doubles as stable; its available pods are counted twice in the
      // scale-down budget, and the kept-RS trim then takes 2 pods off the drained canary.
      name: 'stable is the canary, scaling 10 -> 5 with 2 available and no surge: Argo overshoots to 3',
      replicas: 5,
      weight: 100,
      surge: 0,
      unavailable: 1,
      stable: null,
      stableIsCanary: true,
      canary: [10, 2],
      want: { canary: 3, stable: 2 },
    },
    {
      name: 'same scale-down with a separate (absent) stable does not overshoot',
      replicas: 5,
      weight: 100,
      surge: 0,
      unavailable: 1,
      stable: null,
      canary: [10, 2],
      want: { canary: 5, stable: 0 },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(calculateReplicaCountsForBasicCanary(basicInput(row)), row.want);
    });
  }
});

describe('scaleDownOlderReplicaSetsForBasicCanary', () => {
  const older = (spec: number, available: number, revision: number): OlderReplicaSet => ({
    specReplicas: spec,
    availableReplicas: available,
    revision,
  });
  it('cuts an older RS to its available pods, then by the availability budget', () => {
    // 10 replicas, maxUnavailable 2 -> floor 8. Available: canary 2 + stable 6 + older 3 = 11.
    // Cleanup: older 5 -> 3 (its available). Budget 11 - 8 = 3 -> older 3 -> 0.
    const next = scaleDownOlderReplicaSetsForBasicCanary({
      replicas: 10,
      maxSurge: 0,
      maxUnavailable: 2,
      canary: rs(2, 2),
      stable: rs(6, 6),
      older: [older(5, 3, 1)],
    });
    assert.deepEqual(next, [0]);
  });
  it('spends the budget on the newest revision first', () => {
    // floor 9; available 4 + 4 + 2 + 2 = 12 -> budget 3: rev 3 loses 2, rev 2 loses 1.
    const next = scaleDownOlderReplicaSetsForBasicCanary({
      replicas: 10,
      maxSurge: 1,
      maxUnavailable: 1,
      canary: rs(4, 4),
      stable: rs(4, 4),
      older: [older(2, 2, 2), older(2, 2, 3)],
    });
    assert.deepEqual(next, [1, 0]);
  });
  it('keeps the cleanup but scales nothing more when there is no budget', () => {
    // floor 10 (maxUnavailable 0); available 4 + 5 + 1 = 10 -> budget 0.
    const next = scaleDownOlderReplicaSetsForBasicCanary({
      replicas: 10,
      maxSurge: 1,
      maxUnavailable: 0,
      canary: rs(4, 4),
      stable: rs(5, 5),
      older: [older(3, 1, 1)],
    });
    assert.deepEqual(next, [1]);
  });
  it('an older RS with more available pods than spec stops the step', () => {
    const next = scaleDownOlderReplicaSetsForBasicCanary({
      replicas: 4,
      maxSurge: 1,
      maxUnavailable: 1,
      canary: rs(2, 2),
      stable: rs(2, 2),
      older: [older(2, 1, 1), older(1, 3, 2)],
    });
    assert.deepEqual(next, [1, 1]);
  });
});

describe('planBasicCanaryReconcile', () => {
  type PlanInput = Parameters<typeof planBasicCanaryReconcile>[0];
  const plan = (input: Partial<PlanInput> & Pick<PlanInput, 'replicas' | 'desiredWeight'>) =>
    planBasicCanaryReconcile({ canary: null, stable: null, older: [], ...input });
  const rows: Array<[name: string, step: BasicCanaryReconcileStep, want: BasicCanaryReconcileStep]> = [
    [
      'stable first: 5 at 20% from 0/5 scales the stable to 4',
      plan({ replicas: 5, desiredWeight: 20, stable: rs(5, 5), canary: rs(0, 0) }),
      { action: 'scaleStable', replicas: 4 },
    ],
    [
      'then the canary once the stable is settled',
      plan({ replicas: 5, desiredWeight: 20, stable: rs(4, 4), canary: rs(0, 0) }),
      { action: 'scaleCanary', replicas: 1 },
    ],
    [
      'older RSs last, when stable and canary are where they should be',
      plan({
        replicas: 10,
        desiredWeight: 30,
        maxSurge: 1,
        maxUnavailable: 0,
        stable: rs(7, 7),
        canary: rs(3, 3),
        older: [{ specReplicas: 1, availableReplicas: 1, revision: 1 }],
      }),
      { action: 'scaleOlder', replicas: [0] },
    ],
    [
      'nothing to do at the target',
      plan({ replicas: 5, desiredWeight: 20, stable: rs(4, 4), canary: rs(1, 1) }),
      { action: 'none' },
    ],
  ];
  for (const [name, step, want] of rows)
    it(name, () => {
      assert.deepEqual(step, want);
    });
});

// -------------------------------------------------------------------------------------------
// 4. Traffic-routed canary
// -------------------------------------------------------------------------------------------

describe('calculateReplicaCountsForTrafficRoutedCanary', () => {
  const base: TrafficRoutedCanaryInput = {
    replicas: 10,
    setCanaryScaleReplicas: null,
    desiredWeight: 10,
    aborted: false,
    currentWeights: null,
  };
  const weights = (canary: number, stable: number): TrafficWeights => ({ canary, stable });
  const rows: Array<[name: string, input: Partial<TrafficRoutedCanaryInput>, want: [number, number]]> = [
    ['reference: 5 replicas at 20% -> 1 canary, stable stays 5', { replicas: 5, desiredWeight: 20 }, [1, 5]],
    ['reference: 5 replicas at 40% -> 2', { replicas: 5, desiredWeight: 40 }, [2, 5]],
    ['reference: 5 replicas at 70% -> ceil(3.5) = 4', { replicas: 5, desiredWeight: 70 }, [4, 5]],
    ['argo: 10 replicas at 10% -> 1/10', {}, [1, 10]],
    [
      'argo: setCanaryScale.replicas 9 on 1 replica (weight ignored)',
      { replicas: 1, setCanaryScaleReplicas: 9, desiredWeight: 0 },
      [9, 1],
    ],
    ['argo: setCanaryScale.weight 200 on 4 replicas -> 8', { replicas: 4, desiredWeight: 200 }, [8, 4]],
    [
      'argo: minPodsPerReplicaSet 2 lifts a 5% canary from 1 to 2',
      { desiredWeight: 5, minPodsPerReplicaSet: 2 },
      [2, 10],
    ],
    [
      'minPodsPerReplicaSet leaves a zero canary at zero',
      { desiredWeight: 0, minPodsPerReplicaSet: 2 },
      [0, 10],
    ],
    [
      'minPodsPerReplicaSet is not capped at replicas',
      { replicas: 2, desiredWeight: 50, minPodsPerReplicaSet: 3 },
      [3, 2],
    ],
    [
      'setCanaryScale.replicas skips minPods without dynamicStableScale',
      { setCanaryScaleReplicas: 1, minPodsPerReplicaSet: 3 },
      [1, 10],
    ],
    [
      'setCanaryScale.replicas gets minPods with dynamicStableScale',
      { setCanaryScaleReplicas: 1, desiredWeight: 0, minPodsPerReplicaSet: 3, dynamicStableScale: true },
      [3, 10],
    ],
    ['maxTrafficWeight 1000: 100/1000 of 10 -> 1', { desiredWeight: 100, maxTrafficWeight: 1000 }, [1, 10]],
    [
      'argo dynamic: stable follows 90% actual weight -> 1/9',
      { dynamicStableScale: true, currentWeights: weights(10, 90) },
      [1, 9],
    ],
    [
      'argo dynamic: desired canary 20% above actual 10% -> 2/9',
      { desiredWeight: 20, dynamicStableScale: true, currentWeights: weights(10, 90) },
      [2, 9],
    ],
    [
      'argo dynamic abort: canary kept for its 20% of traffic',
      { desiredWeight: 0, aborted: true, dynamicStableScale: true, currentWeights: weights(20, 80) },
      [2, 10],
    ],
    [
      'argo dynamic abort: canary reduced as traffic leaves (10%)',
      { desiredWeight: 0, aborted: true, dynamicStableScale: true, currentWeights: weights(10, 90) },
      [1, 10],
    ],
    [
      'dynamic without recorded weights uses the desired split only',
      { desiredWeight: 30, dynamicStableScale: true },
      [3, 7],
    ],
    [
      'dynamic: minPods applies to the stable too',
      { desiredWeight: 95, dynamicStableScale: true, minPodsPerReplicaSet: 2 },
      [10, 2],
    ],
  ];
  for (const [name, input, [canary, stable]] of rows) {
    it(name, () => {
      assert.deepEqual(calculateReplicaCountsForTrafficRoutedCanary({ ...base, ...input }), {
        canary,
        stable,
      });
    });
  }

  it('trafficWeightToReplicas matches Argo table', () => {
    const table: Array<[number, number]> = [
      [0, 0],
      [20, 2],
      [25, 3],
      [33, 4],
      [99, 10],
      [100, 10],
    ];
    for (const [weight, want] of table) assert.equal(trafficWeightToReplicas(10, weight), want);
  });
  it('applyMinPodsPerReplicaSet', () => {
    assert.equal(applyMinPodsPerReplicaSet(0, 5), 0);
    assert.equal(applyMinPodsPerReplicaSet(1, undefined), 1);
    assert.equal(applyMinPodsPerReplicaSet(1, 5), 5);
    assert.equal(applyMinPodsPerReplicaSet(7, 5), 7);
  });
});

describe('trafficWeightOnAbort', () => {
  const rows: Array<
    [name: string, dynamic: boolean, n: number, stableAvailable: number, current: number | null, want: number]
  > = [
    ['without dynamicStableScale the weight drops to 0 at once', false, 10, 0, 50, 0],
    ['dynamic: stable can carry 60% -> canary keeps 40%', true, 10, 6, 50, 40],
    ['dynamic: never raised above the current canary weight', true, 10, 2, 50, 50],
    ['dynamic: integer division rounds the stable share down (1 of 3 -> 67)', true, 3, 1, 100, 67],
    ['dynamic: fully available stable -> 0', true, 10, 10, 30, 0],
    ['dynamic: no recorded weight yet', true, 4, 1, null, 75],
    ['dynamic: zero replicas fall back to 0', true, 0, 0, 50, 0],
  ];
  for (const [
    name,
    dynamicStableScale,
    replicas,
    stableAvailableReplicas,
    currentCanaryWeight,
    want,
  ] of rows) {
    it(name, () => {
      assert.equal(
        trafficWeightOnAbort({ dynamicStableScale, replicas, stableAvailableReplicas, currentCanaryWeight }),
        want,
      );
    });
  }
});

// -------------------------------------------------------------------------------------------
// 5. Completion checks
// -------------------------------------------------------------------------------------------

describe('atDesiredReplicaCountsForBasicCanary', () => {
  const check = (
    n: number,
    weight: number,
    canary: ObservedReplicaSet | null,
    stable: ObservedReplicaSet | null,
    older: ReplicaSetCounts[] = [],
    threshold?: ReplicaProgressThreshold,
  ) =>
    atDesiredReplicaCountsForBasicCanary({
      replicas: n,
      desiredWeight: weight,
      maxSurge: 1,
      maxUnavailable: 1,
      canary,
      stable,
      older,
      replicaProgressThreshold: threshold,
    });
  const rows: Array<[name: string, got: boolean, want: boolean]> = [
    [
      'argo: at desired counts and availability (4 at 50%: 2/2)',
      check(4, 50, observed(2, 2, 2), observed(2, 2, 2)),
      true,
    ],
    ['argo: canary not fully available', check(4, 50, observed(2, 1, 2), observed(2, 2, 2)), false],
    [
      'argo: stable has the wrong count (4 at 75% wants 3/1)',
      check(4, 75, observed(3, 3, 3), observed(2, 2, 2)),
      false,
    ],
    [
      'argo: stable counted by existing pods, not availability',
      check(4, 75, observed(3, 3, 1), observed(1, 0, 1)),
      true,
    ],
    [
      'argo: stable status.replicas lagging behind spec fails',
      check(4, 50, observed(2, 2, 2), observed(2, 2, 3)),
      false,
    ],
    [
      'an older RS with an available pod blocks completion',
      check(4, 50, observed(2, 2, 2), observed(2, 2, 2), [rs(1, 1)]),
      false,
    ],
    [
      'an older RS with spec but no available pods does not block',
      check(4, 50, observed(2, 2, 2), observed(2, 2, 2), [rs(1, 0)]),
      true,
    ],
    ['no canary RS is never at desired', check(4, 50, null, observed(2, 2, 2)), false],
    ['no stable RS is never at desired', check(4, 50, observed(2, 2, 2), null), false],
    [
      'the count must be the per-reconcile fixed point, not just the target',
      check(10, 20, observed(2, 2, 2), observed(10, 10, 10)),
      false,
    ],
    [
      'replicaProgressThreshold 50% accepts 1 of 2 available',
      check(4, 50, observed(2, 1, 2), observed(2, 2, 2), [], { type: 'Percent', value: 50 }),
      true,
    ],
  ];
  for (const [name, got, want] of rows)
    it(name, () => {
      assert.equal(got, want);
    });
});

describe('atDesiredReplicaCountsForTrafficRoutedCanary', () => {
  const base: TrafficRoutedCanaryInput = {
    replicas: 10,
    setCanaryScaleReplicas: null,
    desiredWeight: 20,
    aborted: false,
    currentWeights: null,
  };
  const rows: Array<[name: string, got: boolean, want: boolean]> = [
    [
      'canary 2/2 and stable 10 -> done',
      atDesiredReplicaCountsForTrafficRoutedCanary({
        ...base,
        canary: observed(2, 2, 2),
        stable: observed(10, 10, 10),
      }),
      true,
    ],
    [
      'canary not yet available',
      atDesiredReplicaCountsForTrafficRoutedCanary({
        ...base,
        canary: observed(2, 1, 2),
        stable: observed(10, 10, 10),
      }),
      false,
    ],
    [
      'stable not at 100% -> not done',
      atDesiredReplicaCountsForTrafficRoutedCanary({
        ...base,
        canary: observed(2, 2, 2),
        stable: observed(9, 9, 9),
      }),
      false,
    ],
    [
      'dynamicStableScale: the stable is not checked',
      atDesiredReplicaCountsForTrafficRoutedCanary({
        ...base,
        dynamicStableScale: true,
        canary: observed(2, 2, 2),
        stable: observed(3, 0, 3),
      }),
      true,
    ],
    [
      'setCanaryScale.replicas 3 is the canary target',
      atDesiredReplicaCountsForTrafficRoutedCanary({
        ...base,
        setCanaryScaleReplicas: 3,
        desiredWeight: 0,
        canary: observed(3, 3, 3),
        stable: observed(10, 10, 10),
      }),
      true,
    ],
    [
      'replicaProgressThreshold Pod 1 accepts 1 of 2 available',
      atDesiredReplicaCountsForTrafficRoutedCanary({
        ...base,
        replicaProgressThreshold: { type: 'Pod', value: 1 },
        canary: observed(2, 1, 2),
        stable: observed(10, 10, 10),
      }),
      true,
    ],
  ];
  for (const [name, got, want] of rows)
    it(name, () => {
      assert.equal(got, want);
    });
});

describe('replicaProgressThresholdMet', () => {
  const rows: Array<
    [
      name: string,
      available: number,
      desired: number,
      threshold: ReplicaProgressThreshold | undefined,
      want: boolean,
    ]
  > = [
    ['argo: 4 of 5 meets 80%', 4, 5, { type: 'Percent', value: 80 }, true],
    ['argo: 3 of 5 misses 80%', 3, 5, { type: 'Percent', value: 80 }, false],
    ['argo: no threshold needs all 5', 4, 5, undefined, false],
    ['no threshold, all available', 5, 5, undefined, true],
    ['no threshold, more available than desired is not "at desired"', 6, 5, undefined, false],
    ['Pod 3 with 3 available', 3, 5, { type: 'Pod', value: 3 }, true],
    ['Pod 3 with 2 available', 2, 5, { type: 'Pod', value: 3 }, false],
    ['desired 0 still needs 0 available', 1, 0, { type: 'Percent', value: 50 }, false],
  ];
  for (const [name, available, desired, threshold, want] of rows) {
    it(name, () => {
      assert.equal(replicaProgressThresholdMet(available, desired, threshold), want);
    });
  }
});

// -------------------------------------------------------------------------------------------
// 6. Step helpers
// -------------------------------------------------------------------------------------------

describe('step helpers', () => {
  const steps: CanaryStepLike[] = [
    { setWeight: 20 },
    { pause: {} },
    { setCanaryScale: { replicas: 3 } },
    { setWeight: 50 },
    { analysis: { templates: [] } },
    { setCanaryScale: { matchTrafficWeight: true } },
    { setWeight: 80 },
  ];

  it('currentCanaryStep: index, past the end, no steps', () => {
    assert.deepEqual(currentCanaryStep({ steps, currentStepIndex: 1 }), { step: { pause: {} }, index: 1 });
    assert.deepEqual(currentCanaryStep({ steps }), { step: { setWeight: 20 }, index: 0 });
    assert.deepEqual(currentCanaryStep({ steps, currentStepIndex: 7 }), { step: null, index: 7 });
    assert.deepEqual(currentCanaryStep({ steps: [] }), { step: null, index: null });
  });

  const weightRows: Array<[name: string, index: number | undefined, aborted: boolean, want: number]> = [
    ['the setWeight step itself', 0, false, 20],
    ['a pause keeps the last setWeight', 1, false, 20],
    ['setCanaryScale does not change setWeight', 2, false, 20],
    ['a later setWeight takes over', 4, false, 50],
    ['unset index reads as 0', undefined, false, 20],
    ['after the last step: 100', 7, false, 100],
    ['aborted: 0', 4, true, 0],
  ];
  for (const [name, index, aborted, want] of weightRows) {
    it(`currentSetWeight: ${name}`, () => {
      assert.equal(currentSetWeight({ steps, currentStepIndex: index, aborted }), want);
    });
  }
  it('currentSetWeight: no setWeight at or before the step is 0', () => {
    assert.equal(
      currentSetWeight({ steps: [{ pause: {} }, { setWeight: 10 }], currentStepIndex: 0, aborted: false }),
      0,
    );
  });
  it('currentSetWeight: no steps at all is the full weight (maxTrafficWeight)', () => {
    assert.equal(currentSetWeight({ steps: [], aborted: false }), 100);
    assert.equal(currentSetWeight({ steps: [], aborted: false, maxTrafficWeight: 1000 }), 1000);
  });
  it('argo: GetCurrentSetWeight test (one setWeight 10 step)', () => {
    const one: CanaryStepLike[] = [{ setWeight: 10 }];
    assert.equal(currentSetWeight({ steps: one, currentStepIndex: 1, aborted: false }), 100);
    assert.equal(currentSetWeight({ steps: one, currentStepIndex: 0, aborted: false }), 10);
    assert.equal(currentSetWeight({ steps: one, currentStepIndex: 0, aborted: true }), 0);
  });

  it('previousSetWeight: the setWeight before the current step', () => {
    assert.equal(previousSetWeight({ steps, currentStepIndex: 0 }), 0);
    assert.equal(previousSetWeight({ steps, currentStepIndex: 3 }), 20);
    assert.equal(previousSetWeight({ steps, currentStepIndex: 6 }), 50);
    assert.equal(previousSetWeight({ steps, currentStepIndex: 7 }), 80);
  });

  const scaleRows: Array<
    [
      name: string,
      index: number,
      extra: { trafficRouted?: boolean; aborted?: boolean; abortScaleDownDelaySeconds?: number },
      want: unknown,
    ]
  > = [
    ['none before any setCanaryScale', 1, {}, null],
    ['the setCanaryScale step itself', 2, {}, { replicas: 3 }],
    ['stays in force over later steps', 4, {}, { replicas: 3 }],
    ['matchTrafficWeight ends it', 6, {}, null],
    ['ignored without traffic routing', 4, { trafficRouted: false }, null],
    ['ignored when aborted (default abortScaleDownDelaySeconds)', 4, { aborted: true }, null],
    [
      'ignored when aborted with abortScaleDownDelaySeconds 30',
      4,
      { aborted: true, abortScaleDownDelaySeconds: 30 },
      null,
    ],
    [
      'kept when aborted with abortScaleDownDelaySeconds 0',
      4,
      { aborted: true, abortScaleDownDelaySeconds: 0 },
      { replicas: 3 },
    ],
    ['none past the last step', 7, {}, null],
  ];
  for (const [name, index, extra, want] of scaleRows) {
    it(`currentSetCanaryScale: ${name}`, () => {
      const got = currentSetCanaryScale({
        steps,
        currentStepIndex: index,
        trafficRouted: extra.trafficRouted ?? true,
        aborted: extra.aborted ?? false,
        abortScaleDownDelaySeconds: extra.abortScaleDownDelaySeconds,
      });
      assert.deepEqual(got, want);
    });
  }

  const query = { steps, trafficRouted: true, aborted: false, promoteFull: false, canaryInProgress: true };
  const desiredRows: Array<
    [
      name: string,
      overrides: Partial<typeof query> & { currentStepIndex?: number; abortScaleDownDelaySeconds?: number },
      want: { replicas: number | null; weight: number },
    ]
  > = [
    [
      'argo: promoteFull is the full weight',
      { promoteFull: true, currentStepIndex: 0 },
      { replicas: null, weight: 100 },
    ],
    [
      'not mid-update (stable == current) is the full weight',
      { canaryInProgress: false, currentStepIndex: 0 },
      { replicas: null, weight: 100 },
    ],
    [
      'argo: setCanaryScale.replicas gives replicas and weight 0',
      { currentStepIndex: 2 },
      { replicas: 3, weight: 0 },
    ],
    ['setWeight otherwise', { currentStepIndex: 0 }, { replicas: null, weight: 20 }],
    [
      'basic canary ignores setCanaryScale',
      { currentStepIndex: 2, trafficRouted: false },
      { replicas: null, weight: 20 },
    ],
    ['after matchTrafficWeight, the setWeight', { currentStepIndex: 6 }, { replicas: null, weight: 80 }],
    ['aborted: weight 0', { currentStepIndex: 4, aborted: true }, { replicas: null, weight: 0 }],
    [
      'aborted with abortScaleDownDelaySeconds 0 keeps setCanaryScale',
      { currentStepIndex: 4, aborted: true, abortScaleDownDelaySeconds: 0 },
      { replicas: 3, weight: 0 },
    ],
  ];
  for (const [name, overrides, want] of desiredRows) {
    it(`desiredCanaryReplicasOrWeight: ${name}`, () => {
      assert.deepEqual(desiredCanaryReplicasOrWeight({ ...query, ...overrides }), want);
    });
  }
  it('argo: desiredCanaryReplicasOrWeight with setCanaryScale.weight 20', () => {
    const two: CanaryStepLike[] = [{ setWeight: 10 }, { setCanaryScale: { weight: 20 } }];
    assert.deepEqual(desiredCanaryReplicasOrWeight({ ...query, steps: two, currentStepIndex: 1 }), {
      replicas: null,
      weight: 20,
    });
  });
  it('an empty setCanaryScale falls through to the setWeight', () => {
    const two: CanaryStepLike[] = [{ setWeight: 10 }, { setCanaryScale: {} }];
    assert.deepEqual(desiredCanaryReplicasOrWeight({ ...query, steps: two, currentStepIndex: 1 }), {
      replicas: null,
      weight: 10,
    });
  });
});

// -------------------------------------------------------------------------------------------
// Property tests
// -------------------------------------------------------------------------------------------

const SURGES: IntOrPercent[] = [0, 1, 2, '25%', '50%'];
const UNAVAILABLES: IntOrPercent[] = [0, 1, '25%'];

interface SimReplicaSet {
  specReplicas: number;
  availableReplicas: number;
  revision?: number;
}
interface SimState {
  canary: SimReplicaSet;
  stable: SimReplicaSet;
  older: SimReplicaSet[];
}
interface SimResult {
  reconciles: number;
  converged: boolean;
  violation: string | null;
  final: SimState;
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Drives Argo's basic-canary reconcile loop: one scaling per reconcile (planBasicCanaryReconcile),
 * pods deleted at once on scale-down (unavailable ones first), then `becomeAvailable` lets new
 * pods come up before the next reconcile. Checks the surge ceiling and availability floor right
 * after every scaling, before any new pod is available.
 */
function simulateBasicCanary(
  replicas: number,
  weight: number,
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  start: SimState,
  maxReconciles: number,
  becomeAvailable: (rs: SimReplicaSet) => void,
): SimResult {
  const limits = canaryLimits(maxSurge, maxUnavailable, replicas);
  const state: SimState = {
    canary: { ...start.canary },
    stable: { ...start.stable },
    older: start.older.map((o) => ({ ...o })),
  };
  const all = (): SimReplicaSet[] => [state.canary, state.stable, ...state.older];
  const scale = (target: SimReplicaSet, to: number): void => {
    target.specReplicas = to;
    target.availableReplicas = Math.min(target.availableReplicas, to);
  };
  for (let reconcile = 0; reconcile < maxReconciles; reconcile++) {
    const step = planBasicCanaryReconcile({
      replicas,
      desiredWeight: weight,
      maxSurge,
      maxUnavailable,
      canary: state.canary,
      stable: state.stable,
      older: state.older,
    });
    const settled = all().every((r) => r.availableReplicas === r.specReplicas);
    if (step.action === 'none' && settled) {
      return { reconciles: reconcile, converged: true, violation: null, final: state };
    }
    if (step.action === 'scaleStable') scale(state.stable, step.replicas);
    else if (step.action === 'scaleCanary') scale(state.canary, step.replicas);
    else if (step.action === 'scaleOlder') {
      step.replicas.forEach((to, i) => {
        const older = state.older[i];
        if (older !== undefined) scale(older, to);
      });
    }
    const total = all().reduce((sum, r) => sum + r.specReplicas, 0);
    const available = all().reduce((sum, r) => sum + r.availableReplicas, 0);
    if (total > limits.maxTotal) {
      return {
        reconciles: reconcile,
        converged: false,
        violation: `spec total ${total} > ${limits.maxTotal}`,
        final: state,
      };
    }
    if (available < limits.minAvailable) {
      return {
        reconciles: reconcile,
        converged: false,
        violation: `available ${available} < ${limits.minAvailable}`,
        final: state,
      };
    }
    for (const r of all()) becomeAvailable(r);
  }
  return { reconciles: maxReconciles, converged: false, violation: null, final: state };
}

const instantly = (r: SimReplicaSet): void => {
  r.availableReplicas = r.specReplicas;
};

describe('property: target counts match the brute-force model', () => {
  it('every replicas 0..30 x weight 0..100 x maxSurge x maxUnavailable tuple', () => {
    let tuples = 0;
    const mismatches: string[] = [];
    for (let n = 0; n <= 30; n++) {
      for (let weight = 0; weight <= 100; weight++) {
        for (const surge of SURGES) {
          for (const unavailable of UNAVAILABLES) {
            tuples++;
            const limits = canaryLimits(surge, unavailable, n);
            const model = modelLimits(surge, unavailable, n);
            const got = approximateWeightedCanaryStableReplicaCounts(n, weight, 100, limits.maxSurge);
            const want = modelTargetCounts(n, weight, 100, model.maxSurge);
            const sameLimits =
              limits.maxSurge === model.maxSurge &&
              limits.maxUnavailable === model.maxUnavailable &&
              limits.minAvailable === model.minAvailable &&
              limits.maxTotal === model.maxTotal;
            if (!sameLimits || got.canary !== want.canary || got.stable !== want.stable) {
              mismatches.push(`n=${n} w=${weight} surge=${surge} unavailable=${unavailable}`);
            }
          }
        }
      }
    }
    assert.equal(tuples, 31 * 101 * 5 * 3);
    assert.deepEqual(mismatches.slice(0, 10), []);
  });

  it('other maxWeights (37, 1000) agree too, replicas 0..40', () => {
    const mismatches: string[] = [];
    for (const maxWeight of [37, 1000]) {
      for (let n = 0; n <= 40; n++) {
        for (let weight = 0; weight <= maxWeight; weight++) {
          for (const surge of [0, 1]) {
            const got = approximateWeightedCanaryStableReplicaCounts(n, weight, maxWeight, surge);
            const want = modelTargetCounts(n, weight, maxWeight, surge);
            if (got.canary !== want.canary || got.stable !== want.stable) {
              mismatches.push(`M=${maxWeight} n=${n} w=${weight} surge=${surge}`);
            }
          }
        }
      }
    }
    assert.deepEqual(mismatches.slice(0, 10), []);
  });

  it('the target sums to replicas (+1 only with surge) and keeps both sides non-empty for 1..99%, but for one gap', () => {
    for (let n = 1; n <= 30; n++) {
      for (let weight = 0; weight <= 100; weight++) {
        for (const surge of [0, 1]) {
          const { canary, stable } = approximateWeightedCanaryStableReplicaCounts(n, weight, 100, surge);
          const total = canary + stable;
          assert.ok(total === n || (surge > 0 && total === n + 1), `n=${n} w=${weight} surge=${surge}`);
          if (weight === 0 || weight === 100 || (n === 1 && surge === 0)) continue;
          // Argo's one gap: without surge, when n·w/100 is exactly n − ½ the round-up candidate
          // would leave no stable pod and the round-down one is excluded as a tie, so no candidate
          // survives and Argo falls back to 0 canary / n stable (2@75%, 5@90%, 10@95%, 25@98%).
          if (surge === 0 && 2 * n * weight === (2 * n - 1) * 100) {
            assert.deepEqual({ canary, stable }, { canary: 0, stable: n }, `n=${n} w=${weight}`);
          } else {
            assert.ok(canary > 0 && stable > 0, `n=${n} w=${weight} surge=${surge}`);
          }
        }
      }
    }
  });
});

describe('property: basic canary reconcile loop', () => {
  it('from all-stable, every tuple converges to the model target within bounds, limits never broken', () => {
    const failures: string[] = [];
    for (let n = 0; n <= 30; n++) {
      for (let weight = 0; weight <= 100; weight++) {
        for (const surge of SURGES) {
          for (const unavailable of UNAVAILABLES) {
            const start: SimState = {
              canary: { specReplicas: 0, availableReplicas: 0 },
              stable: { specReplicas: n, availableReplicas: n },
              older: [],
            };
            const result = simulateBasicCanary(n, weight, surge, unavailable, start, 2 * n + 4, instantly);
            const model = modelLimits(surge, unavailable, n);
            const want = modelTargetCounts(n, weight, 100, model.maxSurge);
            const { canary, stable } = result.final;
            const atTarget = canary.specReplicas === want.canary && stable.specReplicas === want.stable;
            const done = atDesiredReplicaCountsForBasicCanary({
              replicas: n,
              desiredWeight: weight,
              maxSurge: surge,
              maxUnavailable: unavailable,
              canary: { ...canary, replicas: canary.specReplicas },
              stable: { ...stable, replicas: stable.specReplicas },
              older: [],
            });
            if (!result.converged || result.violation !== null || !atTarget || !done) {
              failures.push(
                `n=${n} w=${weight} surge=${surge} unavailable=${unavailable}: ${JSON.stringify(result)}`,
              );
            }
          }
        }
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });

  it('from every small starting state (n <= 8, with an older RS), same guarantees', () => {
    const failures: string[] = [];
    let states = 0;
    for (let n = 0; n <= 8; n++) {
      for (const surge of SURGES) {
        for (const unavailable of UNAVAILABLES) {
          const limits = canaryLimits(surge, unavailable, n);
          for (let weight = 0; weight <= 100; weight += 5) {
            for (let c0 = 0; c0 <= limits.maxTotal; c0++) {
              for (let s0 = 0; c0 + s0 <= limits.maxTotal; s0++) {
                for (let o0 = 0; c0 + s0 + o0 <= limits.maxTotal; o0++) {
                  if (c0 + s0 + o0 < limits.minAvailable) continue;
                  states++;
                  const start: SimState = {
                    canary: { specReplicas: c0, availableReplicas: c0 },
                    stable: { specReplicas: s0, availableReplicas: s0 },
                    older: o0 > 0 ? [{ specReplicas: o0, availableReplicas: o0, revision: 1 }] : [],
                  };
                  const bound = 2 * (n + o0) + 4;
                  const result = simulateBasicCanary(n, weight, surge, unavailable, start, bound, instantly);
                  const want = modelTargetCounts(n, weight, 100, limits.maxSurge);
                  const final = result.final;
                  const atTarget =
                    final.canary.specReplicas === want.canary &&
                    final.stable.specReplicas === want.stable &&
                    final.older.every((o) => o.specReplicas === 0);
                  if (!result.converged || result.violation !== null || !atTarget) {
                    failures.push(
                      `n=${n} w=${weight} surge=${surge} unavailable=${unavailable} start=${c0}/${s0}/${o0}: ${JSON.stringify(result)}`,
                    );
                  }
                }
              }
            }
          }
        }
      }
    }
    assert.ok(states > 100_000, `explored ${states} starting states`);
    assert.deepEqual(failures.slice(0, 5), []);
  });

  it('with pods that come up slowly and at random, the limits still hold and it settles', () => {
    const random = prng(20260828);
    const failures: string[] = [];
    for (let run = 0; run < 20_000; run++) {
      const n = Math.floor(random() * 16);
      const surge = SURGES[Math.floor(random() * SURGES.length)] ?? 0;
      const unavailable = UNAVAILABLES[Math.floor(random() * UNAVAILABLES.length)] ?? 1;
      const weight = Math.floor(random() * 101);
      const limits = canaryLimits(surge, unavailable, n);
      const c0 = Math.floor(random() * (limits.maxTotal + 1));
      const s0 = Math.floor(random() * (limits.maxTotal - c0 + 1));
      const o0 = Math.floor(random() * (limits.maxTotal - c0 - s0 + 1));
      if (c0 + s0 + o0 < limits.minAvailable) continue;
      const start: SimState = {
        canary: { specReplicas: c0, availableReplicas: c0 },
        stable: { specReplicas: s0, availableReplicas: s0 },
        older: o0 > 0 ? [{ specReplicas: o0, availableReplicas: o0, revision: 1 }] : [],
      };
      const slowly = (r: SimReplicaSet): void => {
        if (r.availableReplicas < r.specReplicas && random() < 0.5) r.availableReplicas++;
      };
      const result = simulateBasicCanary(n, weight, surge, unavailable, start, 500, slowly);
      if (!result.converged || result.violation !== null) {
        failures.push(
          `n=${n} w=${weight} surge=${surge} unavailable=${unavailable} start=${c0}/${s0}/${o0}: ${JSON.stringify(result)}`,
        );
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });

  it('abort (weight 0) from any converged step returns to stable = replicas, canary 0', () => {
    const failures: string[] = [];
    for (let n = 0; n <= 30; n++) {
      for (let weight = 0; weight <= 100; weight += 5) {
        for (const surge of SURGES) {
          for (const unavailable of UNAVAILABLES) {
            const allStable: SimState = {
              canary: { specReplicas: 0, availableReplicas: 0 },
              stable: { specReplicas: n, availableReplicas: n },
              older: [],
            };
            const midway = simulateBasicCanary(
              n,
              weight,
              surge,
              unavailable,
              allStable,
              2 * n + 4,
              instantly,
            );
            const aborted = simulateBasicCanary(n, 0, surge, unavailable, midway.final, 2 * n + 4, instantly);
            const { canary, stable } = aborted.final;
            if (
              !aborted.converged ||
              aborted.violation !== null ||
              canary.specReplicas !== 0 ||
              stable.specReplicas !== n
            ) {
              failures.push(
                `n=${n} w=${weight} surge=${surge} unavailable=${unavailable}: ${JSON.stringify(aborted)}`,
              );
            }
          }
        }
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });
});

describe('property: traffic-routed abort with dynamicStableScale', () => {
  it('drains the canary only as the stable takes traffic back, and ends at stable = replicas', () => {
    const failures: string[] = [];
    for (let n = 1; n <= 20; n++) {
      for (let weight = 0; weight <= 100; weight += 5) {
        // Steady state at `weight` with dynamic stable scaling.
        let weights: TrafficWeights = { canary: weight, stable: 100 - weight };
        const at = calculateReplicaCountsForTrafficRoutedCanary({
          replicas: n,
          setCanaryScaleReplicas: null,
          desiredWeight: weight,
          dynamicStableScale: true,
          aborted: false,
          currentWeights: weights,
        });
        const canary = { specReplicas: at.canary, availableReplicas: at.canary };
        const stable = { specReplicas: at.stable, availableReplicas: at.stable };
        let converged = false;
        for (let reconcile = 0; reconcile < 3 * n + 6 && !converged; reconcile++) {
          // Router first (weights for this reconcile), then the stable RS (from the previous
          // weights) and, if the stable did not change, the canary RS (from the new weights).
          const previous = weights;
          const canaryWeight = trafficWeightOnAbort({
            dynamicStableScale: true,
            replicas: n,
            stableAvailableReplicas: stable.availableReplicas,
            currentCanaryWeight: previous.canary,
          });
          weights = { canary: canaryWeight, stable: 100 - canaryWeight };
          const input = {
            replicas: n,
            setCanaryScaleReplicas: null,
            desiredWeight: 0,
            dynamicStableScale: true,
            aborted: true,
          };
          const forStable = calculateReplicaCountsForTrafficRoutedCanary({
            ...input,
            currentWeights: previous,
          });
          if (forStable.stable !== stable.specReplicas) {
            stable.specReplicas = forStable.stable;
          } else {
            const forCanary = calculateReplicaCountsForTrafficRoutedCanary({
              ...input,
              currentWeights: weights,
            });
            canary.specReplicas = forCanary.canary;
            canary.availableReplicas = Math.min(canary.availableReplicas, canary.specReplicas);
          }
          // Whatever weight the router holds, the canary still has the pods to serve it, and the
          // stable's share never exceeds what its available pods carry.
          if (canary.availableReplicas < trafficWeightToReplicas(n, weights.canary)) {
            failures.push(`n=${n} w=${weight}: canary short for ${weights.canary}%`);
          }
          if (weights.stable * n > 100 * stable.availableReplicas) {
            failures.push(`n=${n} w=${weight}: stable short for ${weights.stable}%`);
          }
          stable.availableReplicas = stable.specReplicas;
          converged = weights.canary === 0 && canary.specReplicas === 0 && stable.specReplicas === n;
        }
        if (!converged) failures.push(`n=${n} w=${weight}: did not converge`);
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });
});
