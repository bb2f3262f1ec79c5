// The adapter reads its ReplicaSets from the API server's watch cache ("not older than" what it has
// seen, src/adapters/k8s/seen-versions.ts) and starts its watches from its last read. Against the
// real kube-apiserver: every write of its own shows in the next observation, and a change someone
// else makes between its read and its wait wakes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KubeCluster } from '../../src/adapters/k8s/cluster.ts';
import type { KubeObject } from '../../src/controller/ports.ts';
import { adminKubeConfig, testNamespace } from '../support/cluster.ts';

const LABELS = { 'rollout-pilot.dev/rollout': 'web', 'rollouts-pod-template-hash': 'h1' };

async function setUp(namespace: string): Promise<{ cluster: KubeCluster; rollout: KubeObject }> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  await apps.createNamespacedReplicaSet({
    namespace,
    body: {
      metadata: { name: 'web-h1', labels: LABELS },
      spec: {
        replicas: 0,
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: { containers: [{ name: 'web', image: 'example/web:1' }] },
        },
      },
    },
  });
  const rollout: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace },
    spec: {},
  };
  return { cluster: new KubeCluster(adminKubeConfig()), rollout };
}

test('a write of the driver shows in its next observation, every time', async (t) => {
  const namespace = await testNamespace(t, 'floor');
  const { cluster, rollout } = await setUp(namespace);
  await cluster.observe(rollout, []);
  for (let replicas = 1; replicas <= 12; replicas++) {
    await cluster.apply(rollout, { kind: 'scaleReplicaSet', name: 'web-h1', replicas, role: 'canary' });
    const seen = await cluster.observe(rollout, []);
    assert.equal(seen.replicaSets[0]?.specReplicas, replicas, `the observation after scaling to ${replicas}`);
  }
});

test("a change made between the driver's read and its wait wakes it", async (t) => {
  const namespace = await testNamespace(t, 'floor');
  const { cluster, rollout } = await setUp(namespace);
  t.after(() => {
    cluster.stopWatching();
  });
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  await cluster.observe(rollout, []);
  // Someone else (a person, the controller-manager) changes the ReplicaSet before the wait starts.
  await apps.patchNamespacedReplicaSet(
    { name: 'web-h1', namespace, body: { metadata: { annotations: { touched: 'yes' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const LONG = 30_000;
  const started = performance.now();
  await cluster.waitForChange(rollout, LONG);
  const waited = performance.now() - started;
  // A watch from "now" shows the changed object as it starts, which is not news: it slept LONG.
  assert.ok(waited < LONG / 2, `woken by the change (waited ${Math.round(waited)} ms of ${LONG})`);
});
