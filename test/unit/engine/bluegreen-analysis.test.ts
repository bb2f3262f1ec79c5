import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from '../../../src/engine/actions.ts';
import { decideBlueGreen } from '../../../src/engine/bluegreen.ts';
import type { BlueGreenEngineRollout } from '../../../src/engine/spec.ts';
import {
  initialStatus,
  type AnalysisView,
  type ObservedReplicaSet,
  type RolloutStatus,
} from '../../../src/engine/state.ts';

const analysis = {
  templates: [{ templateName: 'success-rate', clusterScope: false }],
  args: [],
  dryRun: [],
  measurementRetention: [],
  analysisRunMetadata: { labels: {}, annotations: {} },
};

function rollout(which: 'pre' | 'post', autoPromotionEnabled = false): BlueGreenEngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas: 3,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    strategy: 'blueGreen',
    blueGreen: {
      activeService: 'web-active',
      previewService: 'web-preview',
      autoPromotionEnabled,
      autoPromotionSeconds: 0,
      scaleDownDelaySeconds: 30,
      scaleDownDelayWritten: false,
      abortScaleDownDelaySeconds: 30,
      ...(which === 'pre' ? { prePromotionAnalysis: analysis } : { postPromotionAnalysis: analysis }),
    },
  };
}

function rs(hash: string, revision: number, replicas = 3): ObservedReplicaSet {
  return {
    name: `web-${hash}`,
    hash,
    revision,
    specReplicas: replicas,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    createdAt: `2026-01-01T00:00:0${revision}Z`,
    podIssues: [],
  };
}

/** v1 stable, v2 the preview at full size; the active Service on `active`. */
function tick(
  r: BlueGreenEngineRollout,
  active: 'v1' | 'v2',
  runs: AnalysisView[] = [],
  status: Partial<RolloutStatus> = {},
): Decision {
  return decideBlueGreen({
    rollout: r,
    templateHash: 'v2',
    podTemplate: {},
    stepsHash: '',
    status: {
      ...initialStatus(),
      currentPodHash: 'v2',
      stableRS: 'v1',
      blueGreen: { activeSelector: active, previewSelector: 'v2' },
      ...status,
    },
    observed: {
      replicaSets: [rs('v1', 1), rs('v2', 2)],
      services: {
        'web-active': { name: 'web-active', selectedHash: active },
        'web-preview': { name: 'web-preview', selectedHash: 'v2' },
      },
    },
    now: new Date('2026-01-01T00:01:00Z'),
    analysis: new Map(runs.map((run) => [run.id, run])),
  });
}

const PRE = 'v2-0-pre-promotion';
const POST = 'v2-0-post-promotion';
const run = (id: string, phase: AnalysisView['phase'], message?: string): AnalysisView => ({
  id,
  phase,
  message,
});
const switches = (d: Decision): string[] =>
  d.actions.flatMap((a) => (a.kind === 'switchService' ? [`${a.service}→${a.hash}`] : []));

test('pre-promotion: starts once the preview is up, before any pause or switch', () => {
  const d = tick(rollout('pre'), 'v1');
  assert.deepEqual(d.analysis, [
    { kind: 'startAnalysis', analysis: 'PrePromotion', stepIndex: undefined, id: PRE },
  ]);
  assert.deepEqual(d.status.pauseConditions, []);
  assert.deepEqual(switches(d), []);
});

test('pre-promotion running: neither the pause nor the switch', () => {
  const d = tick(rollout('pre', true), 'v1', [run(PRE, 'Running')]);
  assert.deepEqual(d.analysis, []);
  assert.deepEqual(switches(d), []);
  assert.equal(d.status.phase, 'Progressing');
});

test('pre-promotion passed: the pause for a person (autoPromotionEnabled false)', () => {
  const d = tick(rollout('pre'), 'v1', [run(PRE, 'Successful')]);
  assert.deepEqual(
    d.status.pauseConditions.map((c) => c.reason),
    ['BlueGreenPause'],
  );
  assert.deepEqual(switches(d), []);
});

test('pre-promotion passed with auto-promotion: the switch at once', () => {
  const d = tick(rollout('pre', true), 'v1', [run(PRE, 'Successful')]);
  assert.deepEqual(switches(d), ['web-active→v2']);
});

test('pre-promotion failed: aborted, the active Service untouched, the reason in the message', () => {
  const d = tick(rollout('pre', true), 'v1', [
    run(PRE, 'Failed', 'metric "success-rate" failed: measured [0.4]'),
  ]);
  assert.equal(d.status.abort, true);
  assert.deepEqual(switches(d), []);
  assert.equal(d.status.phase, 'Degraded');
  assert.match(
    d.status.message,
    /RolloutAborted: .*v2-0-pre-promotion Failed: metric "success-rate" failed: measured \[0\.4\]/,
  );
});

test('post-promotion: starts once the active Service points at the new revision; not stable until it passes', () => {
  const d = tick(rollout('post'), 'v2');
  assert.deepEqual(d.analysis, [
    { kind: 'startAnalysis', analysis: 'PostPromotion', stepIndex: undefined, id: POST },
  ]);
  assert.equal(d.status.stableRS, 'v1');
  assert.equal(d.status.message, 'waiting for analysis to complete');
});

test('post-promotion passed: the new revision is stable', () => {
  const d = tick(rollout('post'), 'v2', [run(POST, 'Successful')]);
  assert.equal(d.status.stableRS, 'v2');
  assert.equal(d.status.phase, 'Healthy');
});

test('post-promotion failed: aborted, and the active Service goes back to the stable revision', () => {
  const d = tick(rollout('post'), 'v2', [run(POST, 'Failed', 'measured [0.4]')]);
  assert.equal(d.status.abort, true);
  assert.equal(d.status.stableRS, 'v1');
  // As in Argo, the Service is reconciled before the analysis: the switch back comes next reconcile.
  const next = tick(rollout('post'), 'v2', [run(POST, 'Failed', 'measured [0.4]')], d.status);
  assert.deepEqual(switches(next), ['web-active→v1']);
  assert.equal(next.status.abort, true);
});

test('post-promotion inconclusive: paused for a person; a promote goes on past it and promotes', () => {
  const paused = tick(rollout('post'), 'v2', [run(POST, 'Inconclusive')]);
  assert.deepEqual(
    paused.status.pauseConditions.map((c) => c.reason),
    ['InconclusiveAnalysisRun'],
  );
  assert.equal(paused.status.phase, 'Paused');
  assert.equal(paused.status.stableRS, 'v1');
  // The promote clears the pause condition; the next reconcile takes that as the person's yes.
  const promoted = tick(rollout('post'), 'v2', [run(POST, 'Inconclusive')], {
    ...paused.status,
    pauseConditions: [],
  });
  assert.equal(promoted.status.stableRS, 'v2');
  assert.deepEqual(promoted.status.inconclusiveAcked, [POST]);
});
