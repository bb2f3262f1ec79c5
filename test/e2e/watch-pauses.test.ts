/**
 * watch-pauses (default true): at a pause without a duration the run stays while the canary's
 * background analysis measures; a bad measurement aborts it there, and a promote recorded by a
 * workflow_dispatch run is taken up by the waiting run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRateQuery, useDemoMetrics } from '../support/demo-metrics.ts';
import { eventually, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, canaryManifests, replicaSets, storedStatus, writeManifests } from '../support/rollout.ts';

const demo = useDemoMetrics();

const ERROR_RATE = errorRateQuery('canary', '4s');

function manifests(): unknown[] {
  return [
    ...canaryManifests({
      steps: [{ setWeight: 20 }, { pause: {} }],
      canary: { analysis: { templates: [{ templateName: 'error-rate' }] } },
    }),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'error-rate' },
      spec: {
        metrics: [
          {
            name: 'error-rate',
            interval: '2s',
            successCondition: 'result[0] < 0.1',
            failureLimit: 0,
            provider: { prometheus: { address: demo.prom.url, query: ERROR_RATE } },
          },
        ],
      },
    },
  ];
}

/** Revision 1 deployed; revision 2 driven by a run (not awaited) that reaches the indefinite pause. */
async function pausedWithAnalysis(t: Parameters<typeof namespaceWithRole>[0]) {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(manifests());
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);
  let settled = false;
  const driving = actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2', 'max-runtime': '4m' },
    { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'deploy/job#1' } },
  ).finally(() => (settled = true));
  await eventually(
    'revision 2 at its indefinite pause',
    async () => {
      const s = await storedStatus(namespace);
      return s !== undefined && s.stableRS !== s.currentPodHash && s.pauseConditions.length > 0
        ? true
        : undefined;
    },
    90_000,
    100,
  );
  // Several intervals later the run is still there, measuring.
  await new Promise((r) => setTimeout(r, 7000));
  assert.equal(settled, false, 'the run did not end at the pause');
  return { namespace, kubeconfig, repo, driving };
}

test('at an indefinite pause the background analysis keeps measuring; a bad metric aborts the run by itself', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0 });
  await demo.prom.waitForValue(ERROR_RATE, (v) => v < 0.01, { timeoutMs: 20_000 });
  const { namespace, driving } = await pausedWithAnalysis(t);
  const raisedAt = Date.now();
  demo.app.setVersion('canary', { errorRate: 0.6 });
  const result = await driving;
  const abortedAfter = Date.now() - raisedAt;
  assert.equal(result.exitCode, 1, result.stdout);
  assert.equal(result.outputs.aborted, 'true');
  assert.ok(abortedAfter < 15_000, `aborted ${abortedAfter} ms after the error rate rose`);
  assert.match(
    result.stdout,
    /watching: background analysis keeps measuring while paused \(up to max-runtime/,
  );
  assert.match(
    result.outputs.message ?? '',
    /RolloutAborted: .*background Failed: .*metric "error-rate" failed: measured \[0\.\d+\]/,
  );
  const analysis = JSON.parse(result.outputs.analysis ?? '[]') as {
    kind: string;
    phase: string;
    metrics: { measurements: { phase: string; startedAt: string }[] }[];
  }[];
  const background = analysis.find((a) => a.kind === 'Background');
  assert.equal(background?.phase, 'Failed');
  const atPause = (background?.metrics[0]?.measurements ?? []).filter(
    (m) => Date.parse(m.startedAt) < raisedAt && m.phase === 'Successful',
  );
  assert.ok(atPause.length >= 3, `measured while paused: ${atPause.length} successful measurements`);
  const sets = await replicaSets(namespace);
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['example/web:1', 5],
      ['example/web:2', 0],
    ],
  );
});

test('a promote recorded by a second run is taken up by the waiting run, which finishes Healthy', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0 });
  await demo.prom.waitForValue(ERROR_RATE, (v) => v < 0.01, { timeoutMs: 20_000 });
  const { repo, namespace, kubeconfig, driving } = await pausedWithAnalysis(t);
  const promote = await actionIn(
    repo,
    namespace,
    { command: 'promote', rollout: 'web' },
    { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'dispatch/job#1' } },
  );
  assert.equal(promote.exitCode, 0, promote.stdout);
  assert.match(
    promote.outputs.message ?? '',
    /recorded promote for web: the driving run \(deploy\/job#1\) acts on it/,
  );
  const promotedAt = Date.now();
  const driven = await driving;
  assert.equal(driven.exitCode, 0, driven.stdout);
  assert.equal(driven.outputs.phase, 'Healthy');
  assert.match(driven.stdout, /promote requested by dispatch\/job#1/);
  assert.ok(Date.now() - promotedAt < 60_000, 'taken up at once, not at max-runtime');
});
