import assert from 'node:assert/strict';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, replicaSets, serviceHash, storedStatus } from '../support/rollout.ts';

const SEEDS = path.resolve(import.meta.dirname, '../fixtures/manifests/seeds');

async function serviceAccount(namespace: string, name: string): Promise<void> {
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
}

test('seed 3, NGINX with header routing: canary Ingress at weight 10 with the header annotations, paused; promote → Healthy, weight 0, stable Service on the new ReplicaSet', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  await serviceAccount(namespace, 'tomozo');
  const repo = await mkdtemp(path.join(tmpdir(), 'rp-seed-'));
  await copyFile(path.join(SEEDS, '3-nginx-header-routing.yaml'), path.join(repo, 'rollout.yaml'));
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });
  const networking = adminKubeConfig().makeApiClient(NetworkingV1Api);
  const canaryIngress = () => networking.readNamespacedIngress({ name: 'tomozo-tomozo-canary', namespace });

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  assert.equal(first.outputs['canary-weight'], '0');
  const created = await canaryIngress();
  assert.equal(created.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'], '0');

  const paused = await run({ manifests: 'rollout.yaml', image: 'tomozo=tomozo-repo/tomozo:0.0.2' });
  assert.equal(paused.exitCode, 0, paused.stdout + paused.stderr);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.equal(paused.outputs['canary-weight'], '10');
  const ingress = await canaryIngress();
  const a = ingress.metadata?.annotations ?? {};
  assert.equal(a['nginx.ingress.kubernetes.io/canary'], 'true');
  assert.equal(a['nginx.ingress.kubernetes.io/canary-weight'], '10');
  assert.equal(a['nginx.ingress.kubernetes.io/canary-by-header'], 'X-Canary');
  assert.equal(a['nginx.ingress.kubernetes.io/canary-by-header-value'], 'true');
  assert.equal(a['nginx.ingress.kubernetes.io/use-regex'], 'true');
  assert.equal(a['kubernetes.io/ingress.class'], 'nginx');
  const backend = ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
  assert.deepEqual([backend?.name, backend?.port?.number], ['tomozo-canary', 80]);
  assert.equal(ingress.spec?.rules?.[0]?.host, 'tomozo.tokyo');
  assert.ok(
    ingress.metadata?.ownerReferences?.some(
      (o) => o.kind === 'ConfigMap' && o.name === 'rollout-pilot.tomozo',
    ),
    'the canary Ingress goes with the rollout',
  );
  assert.match(paused.stdout, /router: canary weight 0 → 10 of 100/);
  let sets = await replicaSets(namespace, 'tomozo');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['tomozo-repo/tomozo:0.0.1', 1],
      ['tomozo-repo/tomozo:0.0.2', 1],
    ],
  );

  const promoted = await run({ command: 'promote', rollout: 'tomozo' });
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(promoted.outputs['canary-weight'], '0');
  assert.equal(
    (await canaryIngress()).metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'],
    '0',
  );
  sets = await replicaSets(namespace, 'tomozo');
  const v2 = sets.find((rs) => rs.image === 'tomozo-repo/tomozo:0.0.2');
  assert.equal(await serviceHash(namespace, 'tomozo-stable'), v2?.hash);
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['tomozo-repo/tomozo:0.0.1', 0],
      ['tomozo-repo/tomozo:0.0.2', 1],
    ],
    'the old stable is scaled down once its scale-down delay is over',
  );
  const status = await storedStatus(namespace, 'tomozo');
  assert.equal(status?.stableRS, v2?.hash);
});
