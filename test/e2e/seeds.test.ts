import assert from 'node:assert/strict';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { startDatadogServer } from '../support/metrics-servers/datadog.ts';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, replicaSets, storedStatus } from '../support/rollout.ts';

const SEEDS = path.resolve(import.meta.dirname, '../fixtures/manifests/seeds');

test('seed 1, the Datadog-gated canary, runs end to end with its manifest unchanged', async (t) => {
  const dd = await startDatadogServer();
  t.after(() => dd.close());
  const queries: string[] = [];
  dd.setSeries((query) => {
    queries.push(query);
    return [[Date.now(), 2]]; // two 5xx in the window: default(result, 0) < 5 holds
  });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  // Argo's Secret layout for Datadog credentials, in the rollout's namespace.
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'datadog' },
        stringData: { address: dd.url, 'api-key': dd.apiKey, 'app-key': dd.appKey },
      },
    });
  const repo = await mkdtemp(path.join(tmpdir(), 'rp-seed-'));
  await copyFile(path.join(SEEDS, '1-canary-datadog.yaml'), path.join(repo, 'rollout.yaml'));
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout);
  assert.equal(first.outputs.phase, 'Healthy');

  // blue → green: setWeight 20 then the indefinite pause.
  const paused = await run({
    manifests: 'rollout.yaml',
    image: 'rollouts-demo=argoproj/rollouts-demo:green',
  });
  assert.equal(paused.outputs.phase, 'Paused', paused.stdout);
  assert.equal(paused.outputs['step-index'], '1');
  assert.equal(queries.length, 0, 'analysis starts at step index 2, not before');

  // promote: setWeight 40 starts the background analysis, which measures at once; the 5m pause is
  // longer than this run may take, so it hands over with the measurement recorded in the cluster.
  const promoted = await run({ command: 'promote', rollout: 'rollout-canary', 'max-runtime': '20s' });
  assert.equal(promoted.exitCode, 0, promoted.stdout);
  assert.match(promoted.stdout, /analysis .*background metric success-rate: 2 → Successful/);
  assert.deepEqual(queries, [
    'sum:aws.applicationelb.httpcode_target_5xx{name:sample,account:develop}.as_count()\n',
  ]);
  assert.equal((await storedStatus(namespace, 'rollout-canary'))?.currentStepIndex, 3);

  // promote-full from the workflow UI: remaining steps skipped, the background run terminated Successful.
  const full = await run({ command: 'promote-full', rollout: 'rollout-canary' });
  assert.equal(full.exitCode, 0, full.stdout);
  assert.equal(full.outputs.phase, 'Healthy');
  const analysis = JSON.parse(full.outputs.analysis ?? '[]') as { kind: string; phase: string }[];
  assert.deepEqual(
    analysis.map((a) => [a.kind, a.phase]),
    [['Background', 'Successful']],
  );
  const sets = await replicaSets(namespace, 'rollout-canary');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['argoproj/rollouts-demo:blue', 0],
      ['argoproj/rollouts-demo:green', 3],
    ],
  );
});
