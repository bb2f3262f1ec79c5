import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgoSide } from './harness/argo.ts';
import { clients, freshNamespace, roleKubeconfig, sleep } from './harness/kube.ts';
import { PilotSide } from './harness/pilot.ts';
import { manifests, type Scenario } from './harness/scenario.ts';

// Argo v1.10.2 accepts setCanaryScale only with trafficRouting (validation.go,
// InvalidSetCanaryScaleTrafficPolicy): without a router both refuse it and create nothing.
test('setCanaryScale without a traffic router: both refuse the Rollout and create no ReplicaSet', async (t) => {
  const sc: Scenario = {
    name: 'setCanaryScale',
    replicas: 4,
    steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 50 }, { pause: {} }],
    ops: [],
  };
  const argoNs = await freshNamespace(t, 'argo', 'argo-scale');
  const pilotNs = await freshNamespace(t, 'main', 'rp-scale');
  const argo = new ArgoSide(argoNs, 'app');
  const pilot = new PilotSide('main', pilotNs, 'app', await roleKubeconfig('main', pilotNs), {});
  const docs = manifests(sc, 'example/app:1').docs;
  await argo.create(docs);
  const run = await pilot.deploy(docs, undefined);

  let message = '';
  let phase = '';
  for (let i = 0; i < 75 && phase !== 'Degraded'; i++) {
    await sleep(200);
    const ro = await argo.get();
    phase = ro.status?.phase ?? '';
    message = ro.status?.message ?? '';
  }
  assert.equal(phase, 'Degraded');
  assert.match(message, /InvalidSpec.*SetCanaryScale requires TrafficRouting/);
  assert.deepEqual(await argo.ownedReplicaSets(), []);

  assert.equal(run.exitCode, 1, run.stdout);
  assert.match(run.outputs.message ?? '', /setCanaryScale/);
  const sets = await clients('main').apps.listNamespacedReplicaSet({ namespace: pilotNs });
  assert.deepEqual(sets.items, [], 'rollout-pilot created nothing either');
});
