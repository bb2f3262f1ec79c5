// rollout-pilot drives a basic canary (no traffic router: the split is the pod count) while real
// requests go through Traefik to one plain Service whose endpoints are every pod of both revisions:
// the canary's measured share is its share of the pods, and 0 % after an abort. Needs
// scripts/traffic/up.sh (scripts/test.sh starts it; skipped off CI without it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicaSets } from '../support/rollout.ts';
import { ingressFor, trafficSkip } from '../support/traffic.ts';
import {
  assertCanaryShare,
  deployForTraffic,
  rolloutManifest,
  serviceManifest,
} from '../support/traffic-rollout.ts';

test(
  'basic canary through a plain Service and Traefik: the canary answers its share of the pods, 1 of 4 then 2 of 4, and none after abort',
  { skip: trafficSkip() },
  async (t) => {
    const web = await deployForTraffic(t, 'traffic-e2e-basic', (host) => [
      rolloutManifest(4, { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] }),
      serviceManifest('web'),
      ingressFor('web', host, 'web'),
    ]);
    const { namespace, host } = web;
    const counts = async () => (await replicaSets(namespace)).map((rs) => rs.spec);
    const v2 = await web.update();
    // Argo's replica math: setWeight 25 of 4 is 1 canary pod and 3 stable ones.
    assert.deepEqual(await counts(), [3, 1]);
    const at25 = await assertCanaryShare(namespace, host, v2, 1 / 4);

    await web.run({ command: 'promote', rollout: 'web' }, 'Paused');
    assert.deepEqual(await counts(), [2, 2]);
    const at50 = await assertCanaryShare(namespace, host, v2, 2 / 4);

    await web.abort();
    assert.deepEqual(await counts(), [4, 0]);
    await assertCanaryShare(namespace, host, v2, 0);
    t.diagnostic(`measured canary share: ${at25} at setWeight 25, ${at50} at setWeight 50`);
  },
);
