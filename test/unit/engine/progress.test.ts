import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIndefiniteStep, trackProgress } from '../../../src/engine/progress.ts';
import type { CanaryEngineRollout, EngineStep } from '../../../src/engine/spec.ts';
import { initialStatus, type ObservedReplicaSet, type RolloutStatus } from '../../../src/engine/state.ts';

const analysisStep: EngineStep = {
  analysis: {
    templates: [],
    args: [],
    dryRun: [],
    measurementRetention: [],
    analysisRunMetadata: { labels: {}, annotations: {} },
  },
};
const experimentStep: EngineStep = {
  experiment: {
    templates: [],
    analyses: [],
    dryRun: [],
    analysisRunMetadata: { labels: {}, annotations: {} },
  },
};

function rollout(step: EngineStep): CanaryEngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas: 2,
    paused: false,
    progressDeadlineSeconds: 10,
    progressDeadlineAbort: true,
    revisionHistoryLimit: 10,
    strategy: 'canary',
    canary: { steps: [{ setWeight: 50 }, step], maxSurge: '25%', maxUnavailable: '25%' },
  };
}

function rs(hash: string, available: number): ObservedReplicaSet {
  return {
    name: `web-${hash}`,
    hash,
    revision: hash === 'new' ? 2 : 1,
    specReplicas: 1,
    replicas: 1,
    readyReplicas: available,
    availableReplicas: available,
    createdAt: '2026-01-01T00:00:00Z',
    podIssues: [],
  };
}

/** A rollout that has made no progress for 60 s, sitting at step 1. */
function stalledAt(step: EngineStep): RolloutStatus {
  const newRS = rs('new', 1);
  const stableRS = rs('old', 1);
  const prev: RolloutStatus = {
    ...initialStatus(),
    currentStepIndex: 1,
    stableRS: 'old',
    currentPodHash: 'new',
  };
  const s: RolloutStatus = { ...prev, pauseConditions: [] };
  const observed = { replicaSets: [newRS, stableRS] } as Parameters<typeof trackProgress>[5];
  const t0 = new Date('2026-01-01T00:00:00Z');
  trackProgress(rollout(step), prev, s, newRS, stableRS, observed, false, t0, []);
  const later = new Date(t0.getTime() + 60_000);
  trackProgress(rollout(step), { ...s }, s, newRS, stableRS, observed, false, later, []);
  return s;
}

test('isIndefiniteStep: pause, analysis and experiment steps, as Argo’s rollout/sync.go', () => {
  assert.equal(isIndefiniteStep({ pause: {} }), true);
  assert.equal(isIndefiniteStep(analysisStep), true);
  assert.equal(isIndefiniteStep(experimentStep), true);
  assert.equal(isIndefiniteStep({ setWeight: 20 }), false);
  assert.equal(isIndefiniteStep(undefined), false);
});

test('a setWeight step without progress past the deadline times out and aborts', () => {
  const s = stalledAt({ setWeight: 80 });
  assert.equal(s.progressDeadlineExceeded, true);
  assert.equal(s.abort, true);
});

for (const [name, step] of [
  ['analysis', analysisStep],
  ['experiment', experimentStep],
] as const) {
  test(`Argo exempts an ${name} step from progressDeadlineSeconds: no timeout while it runs`, () => {
    const s = stalledAt(step);
    assert.notEqual(s.progressDeadlineExceeded, true);
    assert.equal(s.abort, false);
  });
}
