import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canaryLimits,
  planBasicCanaryReconcile,
  planBasicCanarySync,
  type BasicCanaryPlanInput,
  type ReplicaSetCounts,
} from '../../../src/engine/replicas.ts';
import { canaryRollout, drive, SimCluster } from './sim.ts';

const rs = (specReplicas: number, availableReplicas = specReplicas): ReplicaSetCounts => ({
  specReplicas,
  availableReplicas,
});

test('planBasicCanarySync: the stable down and the canary up in one sync, as Argo’s back-to-back reconciles', () => {
  const input: BasicCanaryPlanInput = {
    replicas: 5,
    desiredWeight: 20,
    canary: rs(0),
    stable: rs(5),
    older: [],
  };
  assert.deepEqual(planBasicCanarySync(input), [
    { action: 'scaleStable', replicas: 4 },
    { action: 'scaleCanary', replicas: 1 },
  ]);
  // The second move is the one Argo's next reconcile makes once it sees the stable at 4.
  assert.deepEqual(planBasicCanaryReconcile({ ...input, stable: rs(4, 5) }), {
    action: 'scaleCanary',
    replicas: 1,
  });
  // Nothing to move on the stable: the canary's move alone; nothing at all: no move.
  assert.deepEqual(planBasicCanarySync({ ...input, stable: rs(4), canary: rs(0) }), [
    { action: 'scaleCanary', replicas: 1 },
  ]);
  assert.deepEqual(planBasicCanarySync({ ...input, stable: rs(4), canary: rs(1) }), []);
  // Older ReplicaSets still hold pods: they go first, alone.
  assert.deepEqual(planBasicCanarySync({ ...input, stable: rs(4), canary: rs(1), older: [rs(1)] }), [
    { action: 'scaleOlder', replicas: [0] },
  ]);
});

test('planBasicCanarySync keeps maxSurge and maxUnavailable after each move, applied in order', () => {
  const percents = ['0%', '10%', '25%', '50%', '100%'];
  let pairs = 0;
  for (let replicas = 1; replicas <= 8; replicas++) {
    for (const maxSurge of [...percents, 1, 2]) {
      for (const maxUnavailable of [...percents, 1]) {
        const limits = canaryLimits(maxSurge, maxUnavailable, replicas);
        for (const desiredWeight of [0, 10, 20, 33, 50, 80, 100]) {
          for (let canarySpec = 0; canarySpec <= replicas; canarySpec++) {
            for (let stableSpec = 0; stableSpec <= replicas; stableSpec++) {
              if (canarySpec + stableSpec > limits.maxTotal) continue;
              for (const canaryAvail of new Set([0, canarySpec])) {
                const base = { replicas, desiredWeight, maxSurge, maxUnavailable, older: [] };
                const before = { canary: rs(canarySpec, canaryAvail), stable: rs(stableSpec) };
                const moves = planBasicCanarySync({ ...base, ...before });
                if (moves.length === 2) pairs++;
                let { canary, stable } = before;
                const counted = (): number =>
                  Math.min(canary.specReplicas, canary.availableReplicas) +
                  Math.min(stable.specReplicas, stable.availableReplicas);
                const floor = Math.min(limits.minAvailable, counted());
                for (const move of moves) {
                  if (move.action === 'scaleStable') stable = { ...stable, specReplicas: move.replicas };
                  if (move.action === 'scaleCanary') canary = { ...canary, specReplicas: move.replicas };
                  const at = JSON.stringify({ base, before, moves });
                  assert.ok(canary.specReplicas + stable.specReplicas <= limits.maxTotal, `surge: ${at}`);
                  assert.ok(counted() >= floor, `unavailable: ${at}`);
                }
              }
            }
          }
        }
      }
    }
  }
  assert.ok(pairs > 100, `both ReplicaSets moved together in ${pairs} cases`);
});

test('an update creates the canary at its first size, after the stable’s move, within maxSurge throughout', async () => {
  const sim = new SimCluster(
    canaryRollout([{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]),
  );
  const r1 = await drive(sim, 'v1');
  const seen: Record<string, number>[] = [];
  const r2 = await drive(sim, 'v2', r1.status, {
    untilCluster: (s) => {
      seen.push(s.counts());
      return false;
    },
  });
  assert.equal(r2.status.phase, 'Paused');
  // First change: the stable 5 → 4; second: v2 created with its one pod (never at 0).
  assert.deepEqual(seen.slice(0, 2), [{ v1: 4 }, { v1: 4, v2: 1 }]);
  for (const counts of seen) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    assert.ok(total <= 5 + 2, `maxSurge 25% of 5 rounds up to 2: ${JSON.stringify(counts)}`);
  }
  assert.deepEqual(sim.counts(), { v1: 4, v2: 1 });
});
