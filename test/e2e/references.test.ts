/**
 * Every object the Rollout names must exist before anything changes: a Service or a Secret that is in
 * neither the manifests nor the cluster stops `run` at once, at the referencing line, with the
 * namespace untouched (it used to wait for the Service forever, past any progress deadline). A
 * Service deleted under a running rollout ends the run as InvalidSpec instead of a wait.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { runAction } from '../support/action.ts';
import { adminKubeConfig, clusterKubeconfig, testNamespace } from '../support/cluster.ts';
import { canaryManifests, writeManifests } from '../support/rollout.ts';

/** What `run` may create in the namespace: nothing of it may exist after a refused run. */
async function created(namespace: string): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  const kinds: [string, string][] = [
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['apps/v1', 'ReplicaSet'],
    ['coordination.k8s.io/v1', 'Lease'],
  ];
  const out: string[] = [];
  for (const [v, k] of kinds) {
    for (const o of (await api.list(v, k, namespace)).items) {
      if (k === 'ConfigMap' && o.metadata?.name === 'kube-root-ca.crt') continue;
      out.push(`${k}/${o.metadata?.name ?? ''}`);
    }
  }
  return out.sort();
}

/** The 1-based number of the first line of `text` that matches `re`. */
function lineOf(text: string, re: RegExp): number {
  const i = text.split('\n').findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matches ${String(re)}`);
  return i + 1;
}

test('a Service the Rollout names that exists nowhere: refused at its line in seconds, nothing changed', async (t) => {
  const namespace = await testNamespace(t, 'refs');
  // Only the stable Service is in the manifests; the canary Service is nowhere.
  const docs = canaryManifests({ name: 'ghost', spec: { progressDeadlineSeconds: 15 } }).slice(0, 2);
  const text = docs.map((d) => stringify(d)).join('---\n');
  const repo = await writeManifests(docs);
  const started = Date.now();
  const run = await runAction(
    { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: clusterKubeconfig() },
    { cwd: repo, env: { ROLLOUT_PILOT_DRIVER_ID: `refs-${namespace}#1` } },
  );
  const ms = Date.now() - started;
  assert.equal(run.exitCode, 1, run.stdout);
  const line = lineOf(text, /canaryService: ghost-canary/);
  assert.match(
    run.stdout,
    new RegExp(
      `::error [^\\n]*file=rollout\\.yaml,line=${line}[^\\n]*::Service "ghost-canary" is neither in the manifests nor in namespace ${namespace}`,
    ),
  );
  assert.ok(ms < 15_000, `run took ${ms} ms to refuse`);
  assert.deepEqual(await created(namespace), []);
});

test('a Service that exists only in the cluster is found there, and the rollout runs', async (t) => {
  const namespace = await testNamespace(t, 'refs');
  const docs = canaryManifests({ name: 'there', replicas: 1, steps: [] });
  const canarySvc = docs[2] as { metadata: { name: string; namespace?: string } };
  canarySvc.metadata.namespace = namespace;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedService({ namespace, body: canarySvc });
  const repo = await writeManifests(docs.slice(0, 2));
  const run = await runAction(
    { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: clusterKubeconfig() },
    { cwd: repo, env: { ROLLOUT_PILOT_DRIVER_ID: `refs-${namespace}#1` } },
  );
  assert.equal(run.exitCode, 0, run.stdout);
  assert.equal(run.outputs.phase, 'Healthy');
});

test('a Secret-backed analysis argument whose Secret is missing: refused at the argument, nothing changed', async (t) => {
  const namespace = await testNamespace(t, 'refs');
  const docs = canaryManifests({
    name: 'secretless',
    canary: { analysis: { templates: [{ templateName: 'rate' }] } },
  });
  docs.push({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'rate' },
    spec: {
      args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'metrics-token', key: 'token' } } }],
      metrics: [
        {
          name: 'rate',
          successCondition: 'result == 1',
          provider: {
            web: { url: 'http://127.0.0.1:9/', headers: [{ key: 'Authorization', value: '{{args.token}}' }] },
          },
        },
      ],
    },
  });
  const text = docs.map((d) => stringify(d)).join('---\n');
  const repo = await writeManifests(docs);
  await writeFile(path.join(repo, 'rollout.yaml'), text);
  const run = await runAction(
    { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: clusterKubeconfig() },
    { cwd: repo, env: { ROLLOUT_PILOT_DRIVER_ID: `refs-${namespace}#1` } },
  );
  assert.equal(run.exitCode, 1, run.stdout);
  const line = lineOf(text, /secretKeyRef:/);
  assert.match(
    run.stdout,
    new RegExp(
      `file=rollout\\.yaml,line=${line}[^\\n]*::Secret "metrics-token" with key "token" is not in namespace`,
    ),
  );
  assert.deepEqual(await created(namespace), []);
});

test('a Service deleted under a paused rollout: the next run ends it as InvalidSpec, not a wait', async (t) => {
  const namespace = await testNamespace(t, 'refs');
  const docs = canaryManifests({ name: 'vanish', replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] });
  const repo = await writeManifests(docs);
  const env = { ROLLOUT_PILOT_DRIVER_ID: `refs-${namespace}#1` };
  const args = { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: clusterKubeconfig() };
  assert.equal((await runAction(args, { cwd: repo, env })).exitCode, 0);
  const rollout = docs[0] as { spec: { template: { spec: { containers: { image: string }[] } } } };
  const container = rollout.spec.template.spec.containers[0];
  assert.ok(container);
  container.image = 'example/web:2';
  await writeFile(path.join(repo, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  const paused = await runAction(args, { cwd: repo, env });
  assert.equal(paused.exitCode, 0, paused.stdout);
  assert.equal(paused.outputs.phase, 'Paused');
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.deleteNamespacedService({ name: 'vanish-canary', namespace });
  const started = Date.now();
  const resumed = await runAction(
    { command: 'run', rollout: 'vanish', namespace, kubeconfig: clusterKubeconfig() },
    { cwd: repo, env },
  );
  assert.equal(resumed.exitCode, 1, resumed.stdout);
  assert.equal(resumed.outputs.phase, 'Degraded');
  assert.match(
    resumed.stdout,
    /InvalidSpec: spec\.strategy\.canary\.canaryService: Service "vanish-canary" not found/,
  );
  assert.ok(Date.now() - started < 30_000);
});
