// rollout-pilot drives a canary through the Gateway API plugin's routing (an HTTPRoute on Traefik's
// shared Gateway) while real requests go through Traefik to pods that answer: the measured share at
// each step, the header route sending testers to the canary, and 0 % after an abort. Needs
// scripts/traffic/up.sh (scripts/test.sh starts it; skipped off CI without it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trafficSkip } from '../support/traffic.ts';
import {
  assertCanaryShare,
  assertNoShareWhilePodsRun,
  deployForTraffic,
  httpRouteManifest,
  rolloutManifest,
  serviceManifest,
} from '../support/traffic-rollout.ts';

const TESTER = { 'x-tester': 'yes' };

test(
  'Gateway API canary through Traefik: 10 % at setWeight 10, testers 100 % by setHeaderRoute, 50 % at setWeight 50, 0 % after abort',
  { skip: trafficSkip() },
  async (t) => {
    const web = await deployForTraffic(t, 'traffic-e2e-gw', (host) => [
      rolloutManifest(2, {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: {
          managedRoutes: [{ name: 'testers' }],
          plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web' } },
        },
        steps: [
          { setWeight: 10 },
          { pause: {} },
          {
            setHeaderRoute: {
              name: 'testers',
              match: [{ headerName: 'x-tester', headerValue: { exact: 'yes' } }],
            },
          },
          { pause: {} },
          { setWeight: 50 },
          { pause: {} },
        ],
      }),
      serviceManifest('web-stable'),
      serviceManifest('web-canary'),
      httpRouteManifest('web', host),
    ]);
    const { namespace, host } = web;
    const v2 = await web.update();
    const at10 = await assertCanaryShare(namespace, host, v2, 0.1);
    // No header route yet: the tester header is just another request.
    await assertCanaryShare(namespace, host, v2, 0.1, TESTER);

    const header = await web.run({ command: 'promote', rollout: 'web' }, 'Paused');
    assert.equal(header.outputs['step-index'], '3');
    await assertCanaryShare(namespace, host, v2, 1, TESTER);
    await assertCanaryShare(namespace, host, v2, 0.1, { 'x-tester': 'no' });

    const half = await web.run({ command: 'promote', rollout: 'web' }, 'Paused');
    assert.equal(half.outputs['canary-weight'], '50');
    const at50 = await assertCanaryShare(namespace, host, v2, 0.5);
    await assertCanaryShare(namespace, host, v2, 1, TESTER);

    const aborting = web.abort();
    aborting.catch(() => undefined); // awaited below; measured meanwhile
    // The abort removes the header route too: testers are back on stable with everyone else.
    await assertNoShareWhilePodsRun(namespace, host, v2);
    await assertNoShareWhilePodsRun(namespace, host, v2, TESTER);
    assert.equal((await aborting).outputs['canary-weight'], '0');
    t.diagnostic(`measured canary share: ${at10} at setWeight 10, ${at50} at setWeight 50`);
  },
);
