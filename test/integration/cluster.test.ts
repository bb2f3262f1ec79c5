import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, eventually, testNamespace } from '../support/cluster.ts';

test('a 5-replica ReplicaSet gets 5 Ready pods and its Service 5 ready endpoints', async (t) => {
  const ns = await testNamespace(t);
  const kc = adminKubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const labels = { app: 'web' };
  await apps.createNamespacedReplicaSet({
    namespace: ns,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 5,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'example/web:1' }] } },
      },
    },
  });
  await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80 }] } },
  });

  const pods = await eventually('5 ready pods', async () => {
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    const ready = list.items.filter(
      (p) =>
        p.status?.phase === 'Running' &&
        p.spec?.nodeName?.startsWith('kwok-node-') === true &&
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    return ready.length === 5 ? ready : undefined;
  });
  assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 5, 'every pod has its own IP');

  const rs = await eventually('ReplicaSet status', async () => {
    const r = await apps.readNamespacedReplicaSet({ name: 'web', namespace: ns });
    return r.status?.readyReplicas === 5 ? r : undefined;
  });
  assert.equal(rs.status?.availableReplicas, 5);

  const endpoints = await eventually('5 ready endpoints', async () => {
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace: ns,
      labelSelector: 'kubernetes.io/service-name=web',
    });
    const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true);
    return ready.length === 5 ? ready : undefined;
  });
  assert.deepEqual(
    endpoints.map((e) => e.addresses[0]).sort(),
    pods.map((p) => p.status?.podIP).sort(),
    'the endpoints are exactly the pods',
  );
});

test('pod behaviours: crash-looping and never-ready pods stay unready; a slow pod becomes ready late', async (t) => {
  const ns = await testNamespace(t);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const pod = (name: string, annotations: Record<string, string>) =>
    core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name, annotations }, spec: { containers: [{ name: 'c', image: 'example/c:1' }] } },
    });
  await pod('crash', { 'rollout-pilot.dev/pod-behaviour': 'crashloop' });
  await pod('never', { 'rollout-pilot.dev/pod-behaviour': 'never-ready' });
  const created = Date.now();
  await pod('slow', { 'rollout-pilot.dev/ready-delay': '2s' });
  const isReady = async (name: string) => {
    const p = await core.readNamespacedPod({ name, namespace: ns });
    return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  };
  await eventually('slow pod ready', async () => ((await isReady('slow')) ? true : undefined), 15_000);
  assert.ok(Date.now() - created >= 1900, 'the slow pod waited for its delay');
  const crash = await core.readNamespacedPod({ name: 'crash', namespace: ns });
  assert.equal(crash.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(await isReady('crash'), false);
  const never = await core.readNamespacedPod({ name: 'never', namespace: ns });
  assert.equal(never.status?.phase, 'Running');
  assert.equal(await isReady('never'), false);
});
