import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, eventually, namespaceWithRole } from '../support/cluster.ts';
import {
  actionIn,
  canaryManifests,
  replicaSets,
  serviceHash,
  storedStatus,
  writeManifests,
  type RSView,
} from '../support/rollout.ts';

/** Stable and canary spec.replicas right now, by image. */
async function counts(namespace: string): Promise<Record<string, number>> {
  const sets = await replicaSets(namespace);
  return Object.fromEntries(sets.map((rs: RSView) => [rs.image, rs.spec]));
}

/** Waits until the stored status is paused at step `index` (0-based), then returns the counts. */
async function countsWhenPausedAt(namespace: string, index: number): Promise<Record<string, number>> {
  await eventually(
    `pause at step ${index + 1}`,
    async () => {
      const s = await storedStatus(namespace);
      return s?.currentStepIndex === index && s.pauseConditions.length > 0 ? true : undefined;
    },
    60_000,
    50,
  );
  return counts(namespace);
}

test('v1 → v2 holds Argo’s counts at every step, stops Paused, and a promote by name drives it to Healthy', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(canaryManifests());
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  assert.deepEqual(await counts(namespace), { 'example/web:1': 5 }, 'the first deploy goes straight to 5');

  // Watch the whole update: surge and availability limits hold at every moment.
  const limits = { maxTotal: 5 + 2, minAvailable: 5 - 1 };
  const violations: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const sets = await replicaSets(namespace);
      const total = sets.reduce((n, rs) => n + rs.spec, 0);
      const available = sets.reduce((n, rs) => n + rs.available, 0);
      if (total > limits.maxTotal) violations.push(`total ${total} > ${limits.maxTotal}`);
      if (available < limits.minAvailable) violations.push(`available ${available} < ${limits.minAvailable}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const update = actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  // Argo's counts for 5 replicas, maxSurge 25% (2), maxUnavailable 25% (1): 20% → 1/4, 40% → 2/3.
  assert.deepEqual(await countsWhenPausedAt(namespace, 1), { 'example/web:1': 4, 'example/web:2': 1 });
  const second = await update;
  assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  assert.equal(second.outputs.phase, 'Paused');
  assert.equal(second.outputs['step-index'], '3');
  assert.equal(second.outputs['step-count'], '6');
  assert.equal(second.outputs['canary-weight'], '40');
  assert.equal(second.outputs['stable-revision'], '1');
  assert.equal(second.outputs['canary-revision'], '2');
  assert.deepEqual(await counts(namespace), { 'example/web:1': 3, 'example/web:2': 2 });
  assert.match(second.stdout, /step 1\/6 setWeight 20 completed: canary 1\/1 ready, stable 4\/4 ready/);
  assert.match(second.stdout, /::group::Drive Rollout/);

  // The promote names only the rollout and namespace: everything else comes from the cluster.
  const promote = actionIn(repo, namespace, { command: 'promote', rollout: 'web' }, { kubeconfig });
  // 70%: ⌈3.5⌉ ties, Argo picks 4 canary / 2 stable using the surge.
  assert.deepEqual(await countsWhenPausedAt(namespace, 5), { 'example/web:1': 2, 'example/web:2': 4 });
  const promoted = await promote;
  sampling = false;
  await sampler;
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(promoted.outputs['stable-revision'], '2');
  assert.deepEqual(await counts(namespace), { 'example/web:1': 0, 'example/web:2': 5 });
  const sets = await replicaSets(namespace);
  assert.equal(
    await serviceHash(namespace, 'web-stable'),
    sets.find((rs) => rs.image === 'example/web:2')?.hash,
  );
  assert.deepEqual(violations, [], 'maxSurge and maxUnavailable held throughout');
});

test('abort returns to 5 stable pods, retry re-runs, undo rolls back, a crash-looping v3 is aborted by the deadline', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(
    canaryManifests({ spec: { progressDeadlineSeconds: 8, progressDeadlineAbort: true } }),
  );
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });
  assert.equal((await run({ manifests: 'rollout.yaml' })).exitCode, 0);
  const paused = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(paused.outputs.phase, 'Paused');

  const aborted = await run({ command: 'abort', rollout: 'web' });
  assert.equal(aborted.exitCode, 1, 'an abort fails the job');
  assert.equal(aborted.outputs.phase, 'Degraded');
  assert.equal(aborted.outputs.aborted, 'true');
  assert.match(aborted.outputs.message ?? '', /RolloutAborted: Rollout aborted update to revision 2/);
  assert.deepEqual(await counts(namespace), { 'example/web:1': 5, 'example/web:2': 0 });
  const v1 = (await replicaSets(namespace)).find((rs) => rs.image === 'example/web:1');
  assert.equal(await serviceHash(namespace, 'web-canary'), v1?.hash, 'canary traffic is back on stable');
  assert.equal(v1?.available, 5);

  const retried = await run({ command: 'retry', rollout: 'web' });
  assert.equal(retried.exitCode, 0, retried.stdout);
  assert.equal(retried.outputs.phase, 'Paused');
  assert.equal(retried.outputs['step-index'], '3');
  assert.deepEqual(await counts(namespace), { 'example/web:1': 3, 'example/web:2': 2 });

  // undo goes back to revision 1, which is the stable one: the steps are skipped.
  const undone = await run({ command: 'undo', rollout: 'web' });
  assert.equal(undone.exitCode, 0, undone.stdout);
  assert.equal(undone.outputs.phase, 'Healthy', undone.stdout);
  assert.match(undone.stdout, /rollback to stable, steps skipped/);
  assert.deepEqual(await counts(namespace), { 'example/web:1': 5, 'example/web:2': 0 });

  // v3's pods crash-loop: no step can complete, and the progress deadline aborts it.
  const broken = await writeManifests(
    canaryManifests({
      image: 'example/web:3',
      podAnnotations: { 'rollout-pilot.dev/pod-behaviour': 'crashloop' },
      spec: { progressDeadlineSeconds: 8, progressDeadlineAbort: true },
    }),
  );
  const started = Date.now();
  const v3 = await actionIn(broken, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(v3.exitCode, 1, v3.stdout);
  assert.equal(v3.outputs.aborted, 'true');
  assert.ok(Date.now() - started < 30_000, 'aborted soon after the 8 s deadline');
  assert.match(v3.stdout, /timed out progressing.*CrashLoopBackOff/);
  const after = await replicaSets(namespace);
  assert.equal(after.find((rs) => rs.image === 'example/web:1')?.available, 5);
  assert.equal(after.find((rs) => rs.image === 'example/web:3')?.spec, 0);
});

test('bad input changes nothing in the cluster', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const docs = canaryManifests({ steps: [{ setWeight: 140 }] });
  const repo = await writeManifests(docs);
  const r = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(r.exitCode, 1);
  assert.match(
    r.stdout,
    /::error title=[^,]*setWeight,file=rollout\.yaml,line=22,col=\d+::setWeight must be between 0 and 100, not 140/,
  );
  assert.match(r.outputs.message ?? '', /setWeight/);
  assert.deepEqual(await replicaSets(namespace), []);
  assert.equal(await storedStatus(namespace), undefined);
  const services = await adminKubeConfig().makeApiClient(CoreV1Api).listNamespacedService({ namespace });
  assert.deepEqual(services.items, [], 'not even the Services were applied');
});

test('plan shows the revision change and every step’s counts from the cluster’s state, changing nothing', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(canaryManifests());
  const offlinePlan = await actionIn(
    repo,
    namespace,
    { command: 'plan', manifests: 'rollout.yaml' },
    { kubeconfig },
  );
  assert.equal(offlinePlan.exitCode, 0, offlinePlan.stdout);
  assert.match(offlinePlan.outputs.message ?? '', /first deploy/);
  assert.deepEqual(await replicaSets(namespace), [], 'plan changed nothing');
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig })).exitCode, 0);
  const p = await actionIn(
    repo,
    namespace,
    { command: 'plan', manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(p.exitCode, 0, p.stdout);
  assert.match(p.summary, /\| web \| example\/web:1 \| example\/web:2 \|/);
  assert.match(p.summary, /\| 5 \| setWeight 70 \| 70% \| 4 \| 2 \|/);
  assert.deepEqual(
    (await replicaSets(namespace)).map((rs) => rs.image),
    ['example/web:1'],
    'still one revision',
  );
});

test('canaryMetadata and stableMetadata follow the role; minReadySeconds reaches the ReplicaSets', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(
    canaryManifests({
      steps: [{ setWeight: 20 }, { pause: {} }],
      spec: { minReadySeconds: 1 },
      canary: {
        canaryMetadata: { labels: { role: 'canary' } },
        stableMetadata: { labels: { role: 'stable' }, annotations: { team: 'shop' } },
      },
    }),
  );
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig })).exitCode, 0);
  const paused = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(paused.outputs.phase, 'Paused', paused.stdout);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
  const byImage = (image: string) => pods.filter((p) => p.spec?.containers[0]?.image === image);
  assert.deepEqual(
    byImage('example/web:1').map((p) => p.metadata?.labels?.role),
    ['stable', 'stable', 'stable', 'stable'],
  );
  assert.deepEqual(
    byImage('example/web:2').map((p) => p.metadata?.labels?.role),
    ['canary'],
  );
  assert.ok(byImage('example/web:1').every((p) => p.metadata?.annotations?.team === 'shop'));
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const sets = await apps.listNamespacedReplicaSet({ namespace });
  assert.ok(sets.items.every((rs) => rs.spec?.minReadySeconds === 1));

  // After promotion the new pods are stable: the role moves with them.
  const done = await actionIn(repo, namespace, { command: 'promote', rollout: 'web' }, { kubeconfig });
  assert.equal(done.outputs.phase, 'Healthy', done.stdout);
  const after = (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items.filter(
    (p) => p.metadata?.deletionTimestamp === undefined,
  );
  assert.deepEqual(
    [...new Set(after.map((p) => `${p.spec?.containers[0]?.image ?? ''}:${p.metadata?.labels?.role ?? ''}`))],
    ['example/web:2:stable'],
  );
});
