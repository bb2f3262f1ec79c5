import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgoSide } from './harness/argo.ts';
import { clients, freshNamespace, roleKubeconfig, sleep } from './harness/kube.ts';
import { PilotSide } from './harness/pilot.ts';
import { manifests, type Scenario } from './harness/scenario.ts';
import { settlePilot } from './harness/settle.ts';

const ARGO_MARK = 'argo-rollouts.argoproj.io/managed-by-rollouts';
const HASH = 'rollouts-pod-template-hash';

const sc: Scenario = {
  name: 'coexistence',
  replicas: 3,
  steps: [{ setWeight: 34 }, { pause: {} }],
  ops: [],
};

interface SvcView {
  hash: string | undefined;
  mark: string | undefined;
}

async function service(namespace: string, name: string): Promise<SvcView> {
  const svc = await clients('argo').core.readNamespacedService({ name, namespace });
  return { hash: svc.spec?.selector?.[HASH], mark: svc.metadata?.annotations?.[ARGO_MARK] };
}

/** Samples both Services for `ms`: the hash each selected, and every moment one had none. */
async function watchServices(namespace: string, ms: number): Promise<string[]> {
  const lost: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const name of ['app-stable', 'app-canary']) {
      const v = await service(namespace, name);
      if (v.hash === undefined) lost.push(`${name} lost its hash selector`);
      if (v.mark !== undefined) lost.push(`${name} carries ${ARGO_MARK}`);
    }
    await sleep(100);
  }
  return lost;
}

test('with Argo’s controller running cluster-wide, the Services rollout-pilot drives keep their hash selectors', async (t) => {
  // What Argo v1.10.2 does, asserted so a change cannot go unnoticed: a Service marked as managed by
  // a Rollout that does not exist loses its hash selector (and the mark) within seconds.
  const control = await freshNamespace(t, 'argo', 'argo-control');
  await clients('argo').core.createNamespacedService({
    namespace: control,
    body: {
      metadata: { name: 'orphan', annotations: { [ARGO_MARK]: 'gone' } },
      spec: { selector: { app: 'x', [HASH]: 'abc' }, ports: [{ port: 80 }] },
    },
  });
  let stripped: string | undefined = 'abc';
  for (let i = 0; i < 50 && stripped !== undefined; i++) {
    await sleep(200);
    stripped = (await clients('argo').core.readNamespacedService({ name: 'orphan', namespace: control })).spec
      ?.selector?.[HASH];
  }
  assert.equal(stripped, undefined, 'Argo’s controller strips the hash selector of a marked orphan Service');

  // A team moving off Argo: its Services still carry Argo's mark (no hash selector yet), and the
  // manifests exported from the cluster carry it too.
  const namespace = await freshNamespace(t, 'argo', 'rp-coexist');
  const kubeconfig = await roleKubeconfig('argo', namespace);
  for (const role of ['stable', 'canary']) {
    await clients('argo').core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: `app-${role}`, annotations: { [ARGO_MARK]: 'app' } },
        spec: { selector: { app: 'app' }, ports: [{ port: 80 }] },
      },
    });
  }
  const docs = manifests(sc, 'example/app:1').docs.map((d) => {
    const doc = d as { kind: string; metadata: Record<string, unknown> };
    return doc.kind === 'Service'
      ? { ...doc, metadata: { ...doc.metadata, annotations: { [ARGO_MARK]: 'app' } } }
      : doc;
  });
  const pilot = new PilotSide('argo', namespace, 'app', kubeconfig, {
    stableService: 'app-stable',
    canaryService: 'app-canary',
  });
  const v1 = await pilot.deploy(docs, undefined);
  assert.equal(v1.exitCode, 0, v1.stdout);
  const p1 = await settlePilot(pilot, 1, v1);
  assert.equal(p1.phase, 'Healthy');
  assert.deepEqual(await watchServices(namespace, 3000), [], 'after the first deploy');

  const v2 = await pilot.deploy(docs, { container: 'app', image: 'example/app:2' });
  const p2 = await settlePilot(pilot, 2, v2);
  assert.equal(p2.phase, 'Paused');
  assert.equal(p2.stableServiceRevision, 1);
  assert.equal(p2.canaryServiceRevision, 2);
  assert.deepEqual(await watchServices(namespace, 3000), [], 'while paused at the canary');

  const promoted = await pilot.command('promote');
  const p3 = await settlePilot(pilot, 2, promoted);
  assert.equal(p3.phase, 'Healthy');
  assert.equal(p3.stableServiceRevision, 2);
  assert.deepEqual(await watchServices(namespace, 2000), [], 'after the promotion');

  // Argo's controller never made anything of it: no Rollout object, no ReplicaSet of its own.
  const argo = new ArgoSide(namespace, 'app');
  assert.deepEqual(await argo.ownedReplicaSets(), []);
});
