// rollout-pilot drives an NGINX-routed canary while real requests go through Traefik's Ingress NGINX
// provider to pods that answer: the measured share at each step, the header route, and 0 % after
// an abort. Needs scripts/traffic/up.sh (scripts/test.sh starts it; skipped off CI without it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingressFor, trafficSkip } from '../support/traffic.ts';
import {
  assertCanaryShare,
  assertNoShareWhilePodsRun,
  deployForTraffic,
  rolloutManifest,
  serviceManifest,
} from '../support/traffic-rollout.ts';

test(
  'NGINX canary through Traefik: 10 % at setWeight 10, 100 % with the header, 50 % at setWeight 50, 0 % after abort',
  { skip: trafficSkip() },
  async (t) => {
    const web = await deployForTraffic(t, 'traffic-e2e-nginx', (host) => [
      rolloutManifest(2, {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: {
          nginx: {
            stableIngress: 'web',
            additionalIngressAnnotations: { 'canary-by-header': 'x-canary', 'canary-by-header-value': 'yes' },
          },
        },
        steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
      }),
      serviceManifest('web-stable'),
      serviceManifest('web-canary'),
      ingressFor('web', host, 'web-stable'),
    ]);
    const { namespace, host } = web;
    const v2 = await web.update();
    const at10 = await assertCanaryShare(namespace, host, v2, 0.1);
    // canary-by-header with a value: the tester header sends every request to the canary.
    await assertCanaryShare(namespace, host, v2, 1, { 'x-canary': 'yes' });
    await assertCanaryShare(namespace, host, v2, 0.1, { 'x-canary': 'no' });

    const half = await web.run({ command: 'promote', rollout: 'web' }, 'Paused');
    assert.equal(half.outputs['canary-weight'], '50');
    const at50 = await assertCanaryShare(namespace, host, v2, 0.5);

    const aborting = web.abort();
    aborting.catch(() => undefined); // awaited below; measured meanwhile
    await assertNoShareWhilePodsRun(namespace, host, v2);
    await assertNoShareWhilePodsRun(namespace, host, v2, { 'x-canary': 'no' });
    assert.equal((await aborting).outputs['canary-weight'], '0');
    t.diagnostic(`measured canary share: ${at10} at setWeight 10, ${at50} at setWeight 50`);
  },
);
