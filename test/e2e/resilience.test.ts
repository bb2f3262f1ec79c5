import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import {
  actionIn,
  canaryManifests,
  replicaSets,
  serviceHash,
  storedStatus,
  writeManifests,
} from '../support/rollout.ts';

/** Ready endpoints of a Service as the cluster publishes them (EndpointSlices). */
async function sliceEndpoints(namespace: string, service: string): Promise<number> {
  const discovery = adminKubeConfig().makeApiClient(DiscoveryV1Api);
  const slices = await discovery.listNamespacedEndpointSlice({
    namespace,
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length;
}

const STEPS = [
  { setWeight: 20 },
  { pause: { duration: '2s' } },
  { setWeight: 40 },
  { pause: { duration: '2s' } },
  { setWeight: 70 },
  { pause: { duration: '2s' } },
];

test('SIGKILLed at 20 random moments and restarted each time, the rollout completes and stable never loses its endpoints', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(canaryManifests({ steps: STEPS }));
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);

  // A watcher samples the stable Service's ready endpoints every 100 ms for the whole update.
  let watching = true;
  let samples = 0;
  let emptySamples = 0;
  const watcher = (async () => {
    while (watching) {
      const ready = await sliceEndpoints(namespace, 'web-stable');
      samples++;
      if (ready === 0) emptySamples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const inputs = { manifests: 'rollout.yaml', image: 'web=example/web:2' };
  const kills: number[] = [];
  // A seeded generator, so a failure can be replayed.
  let seed = 20261122;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20; i++) {
    const controller = new AbortController();
    const run = actionIn(repo, namespace, inputs, { kubeconfig, signal: controller.signal });
    const after = 150 + Math.floor(random() * 1200);
    await new Promise((r) => setTimeout(r, after));
    controller.abort(); // runAction kills with SIGKILL
    const result = await run;
    kills.push(after);
    assert.ok(result.signal === 'SIGKILL' || result.exitCode !== null, `run ${i} ended`);
  }
  const final = await actionIn(repo, namespace, inputs, { kubeconfig });
  watching = false;
  await watcher;
  assert.equal(final.exitCode, 0, final.stdout + final.stderr);
  assert.equal(final.outputs.phase, 'Healthy');

  const sets = await replicaSets(namespace);
  const v2 = sets.find((rs) => rs.image === 'example/web:2');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['example/web:1', 0],
      ['example/web:2', 5],
    ],
    'one ReplicaSet per revision, the new one at full scale',
  );
  assert.equal(v2?.available, 5);
  assert.equal(await serviceHash(namespace, 'web-stable'), v2?.hash);
  const status = await storedStatus(namespace);
  assert.equal(status?.stableRS, v2?.hash);
  assert.ok(samples > 50, `the watcher sampled ${samples} times`);
  assert.equal(emptySamples, 0, `stable had no ready endpoints in ${emptySamples} of ${samples} samples`);
});

test('two runs started together: exactly one drives, the other says who does', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  // The timed pause keeps the winner driving while the other run looks at the lease.
  const repo = await writeManifests(
    canaryManifests({ steps: [{ setWeight: 20 }, { pause: { duration: '12s' } }, { pause: {} }] }),
  );
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig })).exitCode, 0);
  const inputs = { manifests: 'rollout.yaml', image: 'web=example/web:2' };
  const [a, b] = await Promise.all([
    actionIn(repo, namespace, inputs, { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'run-a/job#1' } }),
    actionIn(repo, namespace, inputs, { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'run-b/job#1' } }),
  ]);
  const drove = [a, b].filter((r) => /step 1\/3 setWeight 20 completed/.test(r.stdout));
  const reported = [a, b].filter((r) =>
    /another run drives web: run-[ab]\/job#1/.test(r.outputs.message ?? ''),
  );
  assert.equal(drove.length, 1, 'exactly one run drove');
  assert.equal(reported.length, 1, 'the other reported who drives');
  assert.notEqual(drove[0], reported[0]);
  assert.equal(a.exitCode, 0);
  assert.equal(b.exitCode, 0);
  assert.equal((await storedStatus(namespace))?.phase, 'Paused');
});

test('a promote from another run while one drives is recorded and acted on by the driver', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(
    canaryManifests({ steps: [{ setWeight: 20 }, { pause: { duration: '1h' } }] }),
  );
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig })).exitCode, 0);
  // The driver waits in a one-hour pause; the promote comes from a workflow_dispatch run.
  const driving = actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'deploy/job#1' } },
  );
  for (;;) {
    const s = await storedStatus(namespace);
    if (s?.pauseConditions.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const promote = await actionIn(
    repo,
    namespace,
    { command: 'promote', rollout: 'web' },
    { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'dispatch/job#1' } },
  );
  assert.equal(promote.exitCode, 0, promote.stdout);
  assert.match(
    promote.outputs.message ?? '',
    /recorded promote for web: the driving run \(deploy\/job#1\) acts on it/,
  );
  const driven = await driving;
  assert.equal(driven.exitCode, 0, driven.stdout);
  assert.equal(driven.outputs.phase, 'Healthy');
  assert.match(driven.stdout, /promote requested by dispatch\/job#1/);
});

test('a run cancelled while driving is taken over by the next run once its lease lapses', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(
    canaryManifests({ steps: [{ setWeight: 20 }, { pause: { duration: '1h' } }] }),
  );
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig })).exitCode, 0);
  const controller = new AbortController();
  const cancelled = actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'deploy-run-1/job#1' }, signal: controller.signal },
  );
  for (;;) {
    if ((await storedStatus(namespace))?.pauseConditions.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  controller.abort(); // the runner is cancelled: SIGKILL, the lease is left behind
  await cancelled;
  const next = await actionIn(
    repo,
    namespace,
    { command: 'promote', rollout: 'web' },
    { kubeconfig, env: { ROLLOUT_PILOT_DRIVER_ID: 'dispatch-run-2/job#1' } },
  );
  assert.equal(next.exitCode, 0, next.stdout);
  assert.match(next.stdout, /deploy-run-1\/job#1 stopped renewing its lease: taking over/);
  assert.equal(next.outputs.phase, 'Healthy');
});
