import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, eventually, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, replicaSets, serviceHash, writeManifests } from '../support/rollout.ts';

test('workloadRef migrates a live Deployment without downtime and scales it down progressively', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const kc = adminKubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  const labels = { app: 'shop' };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'shop' },
      spec: {
        replicas: 4,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'shop', image: 'example/shop:7' }] } },
      },
    },
  });
  // The app is live: a Deployment behind a Service, before rollout-pilot arrives.
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace,
    body: { metadata: { name: 'shop' }, spec: { selector: labels, ports: [{ port: 80 }] } },
  });
  await eventually('Deployment ready', async () => {
    const d = await apps.readNamespacedDeployment({ name: 'shop', namespace });
    return d.status?.availableReplicas === 4 ? true : undefined;
  });
  const repo = await writeManifests([
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop' },
      spec: {
        replicas: 4,
        selector: { matchLabels: labels },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', scaleDown: 'progressively' },
        strategy: {
          canary: {
            stableService: 'shop',
            canaryService: 'shop-canary',
            steps: [{ setWeight: 50 }, { pause: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop' },
      spec: { selector: labels, ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop-canary' },
      spec: { selector: labels, ports: [{ port: 80 }] },
    },
  ]);

  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const readyEndpoints = async (): Promise<number> => {
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace,
      labelSelector: 'kubernetes.io/service-name=shop',
    });
    return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length;
  };
  await eventually('the live Service has its endpoints', async () =>
    (await readyEndpoints()) === 4 ? true : undefined,
  );
  let watching = true;
  let empty = 0;
  let samples = 0;
  const watcher = (async () => {
    while (watching) {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace,
        labelSelector: 'kubernetes.io/service-name=shop',
      });
      const ready = slices.items
        .flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready === true).length;
      samples++;
      if (ready === 0) empty++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const run = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  await eventually(
    'Deployment scaled to 0',
    async () =>
      (await apps.readNamespacedDeployment({ name: 'shop', namespace })).spec?.replicas === 0
        ? true
        : undefined,
    10_000,
  );
  watching = false;
  await watcher;
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(run.outputs.phase, 'Healthy');
  assert.match(run.stdout, /scale Deployment shop 4 → \d \(workloadRef scaleDown progressively\)/);
  const sets = await replicaSets(namespace, 'shop');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec, rs.available]),
    [['example/shop:7', 4, 4]],
  );
  assert.equal(await serviceHash(namespace, 'shop'), sets[0]?.hash);
  assert.ok(samples > 5);
  assert.equal(empty, 0, `the Service had no ready endpoints in ${empty} of ${samples} samples`);

  // An image change on top of the workloadRef goes through the steps like any update.
  const update = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'shop=example/shop:8' },
    { kubeconfig },
  );
  assert.equal(update.outputs.phase, 'Paused', update.stdout);
  assert.deepEqual(
    (await replicaSets(namespace, 'shop')).map((rs) => [rs.image, rs.spec]),
    [
      ['example/shop:7', 2],
      ['example/shop:8', 2],
    ],
  );
});
