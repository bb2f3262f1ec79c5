/**
 * A blue-green update SIGKILLed at random moments: the active Service never selects a ReplicaSet
 * without ready pods, and the next run finishes the update (state lives in the cluster).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namespaceWithRole } from '../support/cluster.ts';
import {
  actionIn,
  blueGreenManifests,
  readyEndpoints,
  replicaSets,
  serviceHash,
  storedStatus,
  writeManifests,
} from '../support/rollout.ts';

test('blue-green SIGKILLed at 15 random moments: the active Service keeps ready endpoints and the next run finishes', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(blueGreenManifests({ blueGreen: { scaleDownDelaySeconds: 2 } }));
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);

  let watching = true;
  let samples = 0;
  let emptySamples = 0;
  const watcher = (async () => {
    while (watching) {
      const ready = await readyEndpoints(namespace, 'web-active');
      samples++;
      if (ready === 0) emptySamples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const inputs = { manifests: 'rollout.yaml', image: 'web=example/web:2' };
  // A seeded generator, so a failure can be replayed.
  let seed = 20261206;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 15; i++) {
    const controller = new AbortController();
    const run = actionIn(repo, namespace, inputs, { kubeconfig, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 150 + Math.floor(random() * 1200)));
    controller.abort(); // runAction kills with SIGKILL
    const result = await run;
    assert.ok(result.signal === 'SIGKILL' || result.exitCode !== null, `run ${i} ended`);
  }
  const final = await actionIn(repo, namespace, inputs, { kubeconfig });
  watching = false;
  await watcher;
  assert.equal(final.exitCode, 0, final.stdout + final.stderr);
  assert.equal(final.outputs.phase, 'Healthy');
  const sets = await replicaSets(namespace);
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['example/web:1', 0],
      ['example/web:2', 5],
    ],
  );
  const v2 = sets[1];
  assert.equal(await serviceHash(namespace, 'web-active'), v2?.hash);
  assert.equal(await serviceHash(namespace, 'web-preview'), v2?.hash);
  assert.equal((await storedStatus(namespace))?.stableRS, v2?.hash);
  assert.ok(samples > 50, `the watcher sampled ${samples} times`);
  assert.equal(emptySamples, 0, `active had no ready endpoints in ${emptySamples} of ${samples} samples`);
});
