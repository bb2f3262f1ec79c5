/**
 * rollout-pilot.dev/first-deploy-analysis: "true": Argo skips analysis on a first deploy; with the
 * annotation the rollout's analysis (background and analysis steps, merged into one run) measures the
 * first revision once it is fully up. A failing metric fails the job with its value, scales nothing
 * down and says there is nothing to roll back to; a re-run does not measure again. A passing one
 * ends Healthy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRateQuery, useDemoMetrics } from '../support/demo-metrics.ts';
import { namespaceWithRole } from '../support/cluster.ts';
import { actionIn, canaryManifests, replicaSets, storedStatus, writeManifests } from '../support/rollout.ts';

const demo = useDemoMetrics();

const ERROR_RATE = errorRateQuery('{{args.version}}', '4s');
const CANARY_RATE = errorRateQuery('canary', '4s');

function template(name: string, metric: Record<string, unknown>): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      args: [{ name: 'version' }],
      metrics: [
        {
          successCondition: 'result[0] < 0.1',
          provider: { prometheus: { address: demo.prom.url, query: ERROR_RATE } },
          ...metric,
        },
      ],
    },
  };
}

/** Background analysis that runs until stopped (bounded on a first deploy) and an analysis step. */
function manifests(): unknown[] {
  const args = [{ name: 'version', value: 'canary' }];
  const [rollout, ...services] = canaryManifests({
    steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'smoke' }], args } }],
    canary: { analysis: { templates: [{ templateName: 'error-rate' }], args } },
  }) as [{ metadata: Record<string, unknown> }, ...unknown[]];
  rollout.metadata.annotations = { 'rollout-pilot.dev/first-deploy-analysis': 'true' };
  return [
    rollout,
    ...services,
    template('error-rate', { name: 'error-rate', interval: '2s', failureLimit: 1 }),
    template('smoke', { name: 'smoke-error-rate', count: 1 }),
  ];
}

interface RunOutput {
  id: string;
  kind: string;
  phase: string;
  note?: string;
  metrics: { name: string; phase: string; measurements: { phase: string; value?: string }[] }[];
}

function firstDeployRun(outputs: Record<string, string | undefined>): RunOutput | undefined {
  const runs = JSON.parse(outputs.analysis ?? '[]') as RunOutput[];
  return runs.find((r) => r.kind === 'FirstDeploy');
}

test('a first deploy whose analysis fails fails the job with the value, keeps its pods, and a re-run does not measure again', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0.6 });
  await demo.prom.waitForValue(CANARY_RATE, (v) => v > 0.3, { timeoutMs: 20_000 });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(manifests());
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 1, first.stdout);
  assert.equal(first.outputs.phase, 'Degraded');
  assert.equal(first.outputs.aborted, 'false');
  const message = first.outputs.message ?? '';
  assert.match(
    message,
    /^FirstDeployAnalysisFailed: revision 1 failed its first-deploy analysis: analysis \w+-0-first-deploy Failed: .*metric "(smoke-)?error-rate" failed: measured \[0\.\d+\]/,
  );
  assert.match(
    message,
    /no earlier revision to roll back to: fix forward .* or scale to 0 with spec\.replicas: 0/,
  );
  const run = firstDeployRun(first.outputs);
  assert.equal(run?.phase, 'Failed');
  assert.match(run?.note ?? '', /First-deploy analysis \(rollout-pilot\.dev\/first-deploy-analysis\)/);
  // Both the background metric and the step's metric belong to the one run.
  assert.deepEqual(run?.metrics.map((m) => m.name).sort(), ['error-rate', 'smoke-error-rate']);
  assert.match(first.stdout, /start first-deploy analysis/);
  // Nothing is scaled down: there is no other revision to serve.
  assert.deepEqual(
    (await replicaSets(namespace)).map((rs) => [rs.image, rs.spec]),
    [['example/web:1', 5]],
  );
  const measured = run?.metrics.reduce((n, m) => n + m.measurements.length, 0) ?? 0;

  // The job re-run for the same revision: the verdict stands, nothing is measured again.
  const again = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(again.exitCode, 1, again.stdout);
  assert.equal(again.outputs.message, message);
  const rerun = firstDeployRun(again.outputs);
  assert.equal(rerun?.id, run?.id);
  assert.equal(
    rerun?.metrics.reduce((n, m) => n + m.measurements.length, 0),
    measured,
  );
  assert.doesNotMatch(again.stdout, /start first-deploy analysis/);
});

test('a first deploy whose analysis passes ends Healthy, the indefinite metric measured a bounded number of times', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0 });
  await demo.prom.waitForValue(CANARY_RATE, (v) => v < 0.01, { timeoutMs: 20_000 });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(manifests());
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);
  assert.equal(first.outputs.phase, 'Healthy');
  const run = firstDeployRun(first.outputs);
  assert.equal(run?.phase, 'Successful');
  const background = run?.metrics.find((m) => m.name === 'error-rate');
  // failureLimit 1: the fewest measurements in which it could fail is 2.
  assert.equal(background?.measurements.length, 2);
  assert.match(run?.note ?? '', /error-rate 2×/);
  assert.equal((await storedStatus(namespace))?.phase, 'Healthy');
  assert.match(first.summary ?? '', /First-deploy analysis/);
});
