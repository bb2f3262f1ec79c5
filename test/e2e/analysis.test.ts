import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRateQuery, useDemoMetrics } from '../support/demo-metrics.ts';
import { eventually, namespaceWithRole } from '../support/cluster.ts';
import {
  actionIn,
  canaryManifests,
  replicaSets,
  serviceHash,
  storedStatus,
  writeManifests,
} from '../support/rollout.ts';

const demo = useDemoMetrics();

const ERROR_RATE = (window: string): string => errorRateQuery('canary', window);

function template(name: string, metric: Record<string, unknown>): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      args: [{ name: 'version' }],
      metrics: [
        {
          name: 'error-rate',
          provider: {
            prometheus: {
              address: demo.prom.url,
              query: ERROR_RATE('4s').replace('"canary"', '"{{args.version}}"'),
            },
          },
          ...metric,
        },
      ],
    },
  };
}

const STEPS = [
  { setWeight: 20 },
  { pause: { duration: '2s' } },
  { setWeight: 40 },
  { pause: { duration: '6s' } },
  { setWeight: 60 },
  { pause: { duration: '2s' } },
];

async function deployed(t: Parameters<typeof namespaceWithRole>[0], docs: unknown[]) {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(docs);
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);
  return { namespace, kubeconfig, repo };
}

const background = (extra: Record<string, unknown> = {}) => ({
  analysis: {
    templates: [{ templateName: 'error-rate' }],
    args: [{ name: 'version', value: 'canary' }],
    ...extra,
  },
});

test('a canary whose error rate rises after the second step is aborted within two intervals, by itself', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0 });
  await demo.prom.waitForValue(ERROR_RATE('4s'), (v) => v < 0.01, { timeoutMs: 20_000 });
  const docs = [
    ...canaryManifests({ steps: STEPS, canary: background() }),
    template('error-rate', { interval: '3s', successCondition: 'result[0] < 0.1', failureLimit: 0 }),
  ];
  const { namespace, kubeconfig, repo } = await deployed(t, docs);
  const run = actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  await eventually(
    'the update at its second step',
    async () => {
      // v1's status (all steps done) counts only once v2 is the revision being rolled out.
      const s = await storedStatus(namespace);
      return s !== undefined && s.stableRS !== s.currentPodHash && (s.currentStepIndex ?? 0) >= 2
        ? true
        : undefined;
    },
    60_000,
    50,
  );
  const raisedAt = Date.now();
  demo.app.setVersion('canary', { errorRate: 0.6 });
  const result = await run;
  const abortedAfter = Date.now() - raisedAt;
  assert.equal(result.exitCode, 1, result.stdout);
  assert.equal(result.outputs.aborted, 'true');
  assert.ok(abortedAfter < 2 * 3000 + 3000, `aborted ${abortedAfter} ms after the error rate rose`);
  assert.match(
    result.outputs.message ?? '',
    /RolloutAborted: .*metric "error-rate" failed: measured \[0\.\d+\], successCondition "result\[0\] < 0\.1" false/,
  );
  const analysis = JSON.parse(result.outputs.analysis ?? '[]') as {
    phase: string;
    metrics: { measurements: { phase: string; value: string; query: string; startedAt: string }[] }[];
  }[];
  assert.equal(analysis[0]?.phase, 'Failed');
  const measurements = analysis[0]?.metrics[0]?.measurements ?? [];
  const shown = JSON.stringify(measurements.map((m) => [m.startedAt, m.phase, m.value]));
  // Before the error rate rose nothing failed (on a loaded machine Prometheus may not have had a
  // window's worth of samples yet: that is an Error measurement, which does not abort).
  assert.ok(
    measurements.every((m) => Date.parse(m.startedAt) >= raisedAt - 1000 || m.phase !== 'Failed'),
    `nothing failed before the error rate rose: ${shown}`,
  );
  assert.ok(measurements.length >= 2, `it measured before and after: ${shown}`);
  assert.equal(measurements.at(-1)?.phase, 'Failed');
  assert.match(measurements.at(-1)?.query ?? '', /version="canary"/);
  // Traffic and replicas are back on stable.
  const sets = await replicaSets(namespace);
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['example/web:1', 5],
      ['example/web:2', 0],
    ],
  );
  assert.equal(await serviceHash(namespace, 'web-canary'), sets[0]?.hash);
});

test('the same rollout with a healthy canary reaches Healthy without a person', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0 });
  await demo.prom.waitForValue(ERROR_RATE('4s'), (v) => v < 0.01, { timeoutMs: 20_000 });
  const docs = [
    ...canaryManifests({
      steps: [...STEPS.slice(0, 2), { analysis: background().analysis }, ...STEPS.slice(2)],
      canary: background(),
    }),
    template('error-rate', { interval: '2s', count: 2, successCondition: 'result[0] < 0.1' }),
  ];
  const { namespace, kubeconfig, repo } = await deployed(t, docs);
  const result = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(result.exitCode, 0, result.stdout);
  assert.equal(result.outputs.phase, 'Healthy');
  const analysis = JSON.parse(result.outputs.analysis ?? '[]') as { kind: string; phase: string }[];
  assert.deepEqual(analysis.map((a) => [a.kind, a.phase]).sort(), [
    ['Background', 'Successful'],
    ['Step', 'Successful'],
  ]);
  assert.match(result.stdout, /analysis .*step3: start|start analysis/);
});

test('Inconclusive pauses for a person and promote continues; a dry-run metric never decides', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0.2 });
  const docs = [
    ...canaryManifests({
      steps: [
        { setWeight: 20 },
        {
          analysis: {
            templates: [{ templateName: 'error-rate' }],
            args: [{ name: 'version', value: 'canary' }],
          },
        },
      ],
    }),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'error-rate' },
      spec: {
        args: [{ name: 'version' }],
        dryRun: [{ metricName: 'strict' }],
        metrics: [
          {
            name: 'error-rate',
            successCondition: 'result[0] < 0.1',
            failureCondition: 'result[0] > 0.4',
            provider: { prometheus: { address: demo.prom.url, query: ERROR_RATE('10s') } },
          },
          {
            name: 'strict',
            successCondition: 'result[0] < 0.01',
            provider: { prometheus: { address: demo.prom.url, query: ERROR_RATE('10s') } },
          },
        ],
      },
    },
  ];
  await demo.prom.waitForValue(ERROR_RATE('10s'), (v) => v > 0.15 && v < 0.25, { timeoutMs: 20_000 });
  const { namespace, kubeconfig, repo } = await deployed(t, docs);
  const paused = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(paused.exitCode, 0, paused.stdout);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.match(paused.outputs.message ?? '', /InconclusiveAnalysisRun/);
  const run = (
    JSON.parse(paused.outputs.analysis ?? '[]') as {
      phase: string;
      metrics: { name: string; phase: string; dryRun: boolean }[];
    }[]
  )[0];
  assert.equal(run?.phase, 'Inconclusive');
  assert.deepEqual(
    run?.metrics.map((m) => [m.name, m.phase, m.dryRun]),
    [
      ['error-rate', 'Inconclusive', false],
      ['strict', 'Failed', true],
    ],
    'the failing dry-run metric did not fail the run',
  );
  const promoted = await actionIn(repo, namespace, { command: 'promote', rollout: 'web' }, { kubeconfig });
  assert.equal(promoted.exitCode, 0, promoted.stdout);
  assert.equal(promoted.outputs.phase, 'Healthy');
});

test('an unreachable Prometheus becomes Error after consecutiveErrorLimit and aborts, never a success', async (t) => {
  const docs = [
    ...canaryManifests({
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'down' }] } }],
    }),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'down' },
      spec: {
        metrics: [
          {
            name: 'error-rate',
            interval: '1s',
            count: 3,
            consecutiveErrorLimit: 1,
            successCondition: 'result[0] < 0.1',
            provider: { prometheus: { address: 'http://127.0.0.1:9', query: 'up', timeout: 2 } },
          },
        ],
      },
    },
  ];
  const { namespace, kubeconfig, repo } = await deployed(t, docs);
  const result = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(result.exitCode, 1, result.stdout);
  assert.equal(result.outputs.aborted, 'true');
  assert.match(result.outputs.message ?? '', /analysis .* Error/);
  const run = (
    JSON.parse(result.outputs.analysis ?? '[]') as {
      phase: string;
      metrics: { measurements: { phase: string }[] }[];
    }[]
  )[0];
  assert.equal(run?.phase, 'Error');
  assert.deepEqual(
    run?.metrics[0]?.measurements.map((m) => m.phase),
    ['Error', 'Error'],
  );
  assert.deepEqual(
    (await replicaSets(namespace)).map((rs) => rs.spec),
    [5, 0],
  );
});
