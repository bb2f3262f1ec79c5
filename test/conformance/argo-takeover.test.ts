/**
 * Taking a rollout over from the real Argo Rollouts controller (the conformance oracle's cluster):
 * refused while Argo's Rollout exists, with nothing changed; after `kubectl delete rollout
 * --cascade=orphan`, Argo's stable ReplicaSet becomes ours, the new revision goes through the steps
 * (revision numbers continue, no extra pods), and an unchanged template rolls out nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { runAction } from '../support/action.ts';
import { admin, argoClusterKubeconfig } from './harness/kube.ts';
import { eventually } from '../support/cluster.ts';
import { canaryManifests, writeManifests } from '../support/rollout.ts';

const argoKubeconfig = argoClusterKubeconfig;
const argoConfig = (): KubeConfig => admin('argo');

async function namespaceOnArgo(t: TestContext): Promise<string> {
  const name = `takeover-${randomBytes(4).toString('hex')}`;
  const core = argoConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

const STEPS = [{ setWeight: 34 }, { pause: {} }];

/** Argo deploys v1 of `name` and reports it Healthy. */
async function deployWithArgo(namespace: string, name: string): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(argoConfig());
  for (const doc of canaryManifests({ name, replicas: 3, steps: STEPS, image: 'example/web:1' })) {
    const o = doc as { metadata: { namespace?: string } };
    o.metadata.namespace = namespace;
    await objects.create(o as never);
  }
  await eventually(
    'Argo Rollouts to report v1 Healthy',
    async () => {
      const r = (await objects.read({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name, namespace },
      })) as { status?: { phase?: string; stableRS?: string; currentPodHash?: string } };
      const s = r.status;
      return s?.phase === 'Healthy' && s.stableRS !== undefined && s.stableRS === s.currentPodHash
        ? true
        : undefined;
    },
    90_000,
    250,
  );
}

async function replicaSets(namespace: string): Promise<V1ReplicaSet[]> {
  const apps = argoConfig().makeApiClient(AppsV1Api);
  return (await apps.listNamespacedReplicaSet({ namespace })).items;
}

const summary = (sets: V1ReplicaSet[]): string[] =>
  sets
    .map(
      (rs) =>
        `rev ${rs.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? '?'}: ${rs.spec?.replicas ?? 0} ${rs.metadata?.labels?.['rollout-pilot.dev/rollout'] === undefined ? 'argo' : 'ours'}`,
    )
    .sort();

async function orphanArgoRollout(namespace: string, name: string): Promise<void> {
  execFileSync('kubectl', [
    `--kubeconfig=${argoKubeconfig()}`,
    '-n',
    namespace,
    'delete',
    'rollout',
    name,
    '--cascade=orphan',
    '--wait=true',
  ]);
  await eventually('the garbage collector to drop the Rollout from its ReplicaSets', async () => {
    const sets = await replicaSets(namespace);
    return sets.every((rs) => (rs.metadata?.ownerReferences ?? []).length === 0) ? true : undefined;
  });
}

test('Argo-managed rollout: refused while Argo owns it; after the hand-over the canary runs from Argo’s stable', async (t) => {
  const namespace = await namespaceOnArgo(t);
  await deployWithArgo(namespace, 'moved');
  const before = summary(await replicaSets(namespace));
  assert.deepEqual(before, ['rev 1: 3 argo']);

  const repo = await writeManifests(
    canaryManifests({ name: 'moved', replicas: 3, steps: STEPS, image: 'example/web:2' }),
  );
  const args = { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: argoKubeconfig() };
  const env = { ROLLOUT_PILOT_DRIVER_ID: `takeover-${namespace}#1` };
  const refused = await runAction(args, { cwd: repo, env });
  assert.equal(refused.exitCode, 1, refused.stdout);
  assert.match(
    refused.stdout,
    /Argo Rollouts manages Rollout [a-z0-9-]+\/moved \(ReplicaSets moved-[a-z0-9]+\).*--cascade=orphan/,
  );
  assert.deepEqual(summary(await replicaSets(namespace)), before, 'the refused run changed ReplicaSets');
  const core = argoConfig().makeApiClient(CoreV1Api);
  const configMaps = (await core.listNamespacedConfigMap({ namespace })).items.map((c) => c.metadata?.name);
  assert.ok(!configMaps.includes('rollout-pilot.moved'), 'the refused run stored state');

  await orphanArgoRollout(namespace, 'moved');
  const paused = await runAction(args, { cwd: repo, env });
  assert.equal(paused.exitCode, 0, paused.stdout);
  assert.equal(paused.outputs.phase, 'Paused', paused.stdout);
  assert.match(paused.stdout, /adopted Argo Rollouts' ReplicaSet moved-[a-z0-9]+ \(revision 1, stable\)/);
  // 34% of 3 pods: one canary pod of revision 2 beside Argo's two, never six pods.
  assert.deepEqual(summary(await replicaSets(namespace)), ['rev 1: 2 ours', 'rev 2: 1 ours']);

  const promoted = await runAction(
    { ...args, command: 'promote', manifests: '', rollout: 'moved' },
    { cwd: repo, env },
  );
  assert.equal(promoted.exitCode, 0, promoted.stdout);
  assert.equal(promoted.outputs.phase, 'Healthy', promoted.stdout);
  assert.deepEqual(summary(await replicaSets(namespace)), ['rev 1: 0 ours', 'rev 2: 3 ours']);
});

test('Argo-managed rollout with an unchanged template: adopted, nothing rolled out', async (t) => {
  const namespace = await namespaceOnArgo(t);
  await deployWithArgo(namespace, 'same');
  await orphanArgoRollout(namespace, 'same');
  const repo = await writeManifests(
    canaryManifests({ name: 'same', replicas: 3, steps: STEPS, image: 'example/web:1' }),
  );
  const run = await runAction(
    { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: argoKubeconfig() },
    { cwd: repo, env: { ROLLOUT_PILOT_DRIVER_ID: `takeover-${namespace}#1` } },
  );
  assert.equal(run.exitCode, 0, run.stdout);
  assert.equal(run.outputs.phase, 'Healthy', run.stdout);
  assert.match(run.stdout, /\(revision 1, stable, runs this pod template\)/);
  assert.deepEqual(summary(await replicaSets(namespace)), ['rev 1: 3 ours']);
});
