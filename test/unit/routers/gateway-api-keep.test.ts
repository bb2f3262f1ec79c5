import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { RouterContext } from '../../../src/controller/traffic-router.ts';
import { GatewayApiRouter } from '../../../src/adapters/routers/gateway-api.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';
import { CANARY, pathMatch, ref, route, rulesIn, split } from '../../support/gateway-routes.ts';

type Rule = Record<string, unknown>;

function router(config: unknown = { httpRoute: 'web' }, more: Partial<RouterContext> = {}): GatewayApiRouter {
  return new GatewayApiRouter({
    objects: new FakeRouterObjects(),
    rollout: { name: 'web', namespace: 'shop' },
    config,
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: ['canary-route1'],
    maxTrafficWeight: 100,
    ...more,
  });
}

/** A header-route rule as the router writes it. */
const headerRule = (name: string, path = '/'): Rule => ({
  name,
  matches: [
    {
      path: { type: 'PathPrefix', value: path },
      headers: [{ name: 'X-Version', type: 'Exact', value: 'v2' }],
    },
  ],
  backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
});
const other: Rule = { matches: [pathMatch('/other')], backendRefs: [ref('other', 1)] };

interface Case {
  name: string;
  config?: unknown;
  manifest: KubeObject;
  live: KubeObject;
  want: KubeObject | 'unchanged';
}

const cases: Case[] = [
  {
    name: 'live weights kept in the splitting rule, the live header-route rules kept at the end',
    manifest: route([split(100, 0), other]),
    live: route([split(70, 30), other, headerRule('canary-route1')]),
    want: route([split(70, 30), other, headerRule('canary-route1')]),
  },
  {
    name: 'rules are paired by name; git changes to a rule besides its weights are applied',
    manifest: route([
      split(100, 0, { name: 'b', matches: [pathMatch('/b2')] }),
      split(100, 0, { name: 'a', matches: [pathMatch('/a')] }),
    ]),
    live: route([
      split(90, 10, { name: 'a', matches: [pathMatch('/a')] }),
      split(80, 20, { name: 'b', matches: [pathMatch('/b')] }),
    ]),
    want: route([
      split(80, 20, { name: 'b', matches: [pathMatch('/b2')] }),
      split(90, 10, { name: 'a', matches: [pathMatch('/a')] }),
    ]),
  },
  {
    name: 'a rule added in git is applied (a new split takes the live weights), one removed in git is gone',
    manifest: route([split(100, 0), split(100, 0, { matches: [pathMatch('/new')] })]),
    live: route([split(60, 40), other]),
    want: route([split(60, 40), split(60, 40, { matches: [pathMatch('/new')] })]),
  },
  {
    name: 'another backend keeps the weight git gives it; a weight the live canary backendRef lacks is dropped',
    manifest: route([{ backendRefs: [ref('web-stable', 100), ref('web-canary', 0), ref('mirror', 5)] }]),
    live: route([{ backendRefs: [ref('web-stable', 75), ref('web-canary'), ref('mirror', 9)] }]),
    want: route([{ backendRefs: [ref('web-stable', 75), ref('web-canary'), ref('mirror', 5)] }]),
  },
  {
    name: 'a managed rule written in git is the live one (the router owns it)',
    manifest: route([split(100, 0), headerRule('canary-route1', '/git')]),
    live: route([split(90, 10)]),
    want: route([split(90, 10)]),
  },
  {
    name: 'a live route without rules: the manifest as it is',
    manifest: route([split(100, 0), other]),
    live: route([]),
    want: route([split(100, 0), other]),
  },
  {
    name: 'a route the rollout does not name is not changed',
    manifest: route([split(100, 0)], 'HTTPRoute', 'other'),
    live: route([split(70, 30), headerRule('canary-route1')], 'HTTPRoute', 'other'),
    want: 'unchanged',
  },
  {
    name: 'a GRPCRoute of the same name is another object',
    manifest: route([split(100, 0)], 'GRPCRoute'),
    live: route([split(70, 30)], 'GRPCRoute'),
    want: 'unchanged',
  },
  {
    name: 'GRPCRoutes are kept as HTTPRoutes are',
    config: { grpcRoute: 'web' },
    manifest: route([split(100, 0)], 'GRPCRoute'),
    live: route([split(70, 30), headerRule('canary-route1')], 'GRPCRoute'),
    want: route([split(70, 30), headerRule('canary-route1')], 'GRPCRoute'),
  },
];

for (const c of cases) {
  test(`gateway api keepRouting: ${c.name}`, () => {
    const r = router(c.config);
    const before = structuredClone(c.manifest);
    const kept = r.keepRouting(c.manifest, c.live);
    assert.deepEqual(c.manifest, before, 'the manifest is not changed in place');
    if (c.want === 'unchanged') {
      assert.equal(r.writesRouting(c.manifest), false);
      assert.equal(kept, c.manifest);
    } else {
      assert.equal(r.writesRouting(c.manifest), true);
      assert.deepEqual(kept, c.want);
    }
  });
}

test('gateway api keepRouting: re-applying the manifest mid-rollout gives back what the router wrote', async () => {
  const manifest = route([split(100, 0), split(100, 0, { matches: [pathMatch('/api')] }), other]);
  const objects = new FakeRouterObjects([structuredClone(manifest)]);
  const driving = router({ httpRoute: 'web' }, { objects });
  await driving.setWeight(25);
  await driving.setHeaderRoute({
    name: 'canary-route1',
    match: [{ headerName: 'X-Version', headerValue: { exact: 'v2' } }],
  });
  const live = objects.read({
    apiVersion: manifest.apiVersion,
    kind: 'HTTPRoute',
    namespace: 'shop',
    name: 'web',
  });
  assert.ok(live);
  assert.equal((rulesIn(live) as unknown[]).length, 5);
  assert.deepEqual(rulesIn(router().keepRouting(manifest, live)), rulesIn(live));
});
