import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { ObjectRef, RouterContext, TrafficRouter } from '../../../src/controller/traffic-router.ts';
import { GatewayApiRouter } from '../../../src/adapters/routers/gateway-api.ts';
import { routers } from '../../../src/adapters/routers/registry.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';
import { CANARY, pathMatch, ref, route, rulesIn, split } from '../../support/gateway-routes.ts';

const HTTP = (name: string, namespace = 'shop'): ObjectRef => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  namespace,
  name,
});

function routerOver(
  objects: FakeRouterObjects,
  config: unknown,
  extra: Partial<RouterContext> = {},
): TrafficRouter {
  return new GatewayApiRouter({
    objects,
    rollout: { name: 'web', namespace: 'shop' },
    config,
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: ['canary-route1'],
    maxTrafficWeight: 100,
    ...extra,
  });
}

const v2 = [{ headerName: 'X-Version', headerValue: { exact: 'v2' } }];
const LABEL = 'rollouts.argoproj.io/gatewayapi-canary';

function labelsOf(object: KubeObject | undefined): unknown {
  return object?.metadata.labels;
}

test('gateway api router: weights on every route named, in the namespace given; a repeat writes nothing', async () => {
  const objects = new FakeRouterObjects([
    { ...route([split(100, 0)], 'HTTPRoute', 'a'), metadata: { name: 'a', namespace: 'edge' } },
    { ...route([split(100, 0)], 'HTTPRoute', 'b'), metadata: { name: 'b', namespace: 'edge' } },
  ]);
  const router = routerOver(objects, { httpRoutes: [{ name: 'a' }, { name: 'b' }], namespace: 'edge' });
  await router.setWeight(20);
  assert.deepEqual(rulesIn(objects.read(HTTP('a', 'edge'))), [split(80, 20)]);
  assert.deepEqual(rulesIn(objects.read(HTTP('b', 'edge'))), [split(80, 20)]);
  assert.deepEqual(labelsOf(objects.read(HTTP('a', 'edge'))), { [LABEL]: 'in-progress' });
  assert.equal(objects.writes.length, 2);
  await router.setWeight(20);
  assert.equal(objects.writes.length, 2, 'nothing to change: nothing written');
  await router.setWeight(0);
  assert.deepEqual(labelsOf(objects.read(HTTP('b', 'edge'))), {});
  assert.deepEqual(await router.observeWeights(), { canary: 0, additional: [] });
});

test('gateway api router: a rule edited by someone else between read and write is kept', async () => {
  const objects = new FakeRouterObjects([
    route([split(100, 0), split(100, 0, { matches: [pathMatch('/b')] })]),
  ]);
  const router = routerOver(objects, { httpRoute: 'web' });
  objects.interfere = (o) => {
    const rules = rulesIn(o) as Record<string, unknown>[];
    rules.unshift({ matches: [pathMatch('/new')], backendRefs: [ref('other', 1)] });
    rules[2] = { ...rules[2], filters: [{ type: 'URLRewrite' }] };
    return o;
  };
  await router.setWeight(30);
  assert.deepEqual(rulesIn(objects.read(HTTP('web'))), [
    { matches: [pathMatch('/new')], backendRefs: [ref('other', 1)] },
    split(70, 30),
    { ...split(70, 30, { matches: [pathMatch('/b')] }), filters: [{ type: 'URLRewrite' }] },
  ]);
  assert.equal(objects.writes.length, 1);
});

test('gateway api router: header routes on the routes that take them, removed at the end', async () => {
  const objects = new FakeRouterObjects([
    route([split(90, 10, { matches: [pathMatch('/')] })], 'HTTPRoute', 'main'),
    route([split(90, 10)], 'HTTPRoute', 'side'),
  ]);
  const router = routerOver(objects, {
    httpRoutes: [{ name: 'main', useHeaderRoutes: true }, { name: 'side' }],
  });
  await router.setHeaderRoute({ name: 'canary-route1', match: v2 });
  const rules = rulesIn(objects.read(HTTP('main'))) as Record<string, unknown>[];
  assert.equal(rules.length, 2);
  assert.equal(rules[1]?.name, 'canary-route1');
  assert.deepEqual(rulesIn(objects.read(HTTP('side'))), [split(90, 10)], 'no useHeaderRoutes: untouched');
  await router.setHeaderRoute({ name: 'canary-route1', match: v2 });
  assert.equal(objects.writes.length, 1, 'the same header route again writes nothing');
  await router.setWeight(50);
  assert.equal((rulesIn(objects.read(HTTP('main'))) as unknown[]).length, 2, 'weights leave the header rule');
  await router.removeManagedRoutes();
  assert.deepEqual(rulesIn(objects.read(HTTP('main'))), [split(50, 50, { matches: [pathMatch('/')] })]);
});

test('gateway api router: an empty header match removes that header route', async () => {
  const objects = new FakeRouterObjects([route([split(90, 10)])]);
  const router = routerOver(objects, { httpRoute: 'web' });
  await router.setHeaderRoute({ name: 'canary-route1', match: v2 });
  await router.setHeaderRoute({ name: 'canary-route1', match: [] });
  assert.deepEqual(rulesIn(objects.read(HTTP('web'))), [split(90, 10)]);
});

test('gateway api router: a missing route is named in the error', async () => {
  const objects = new FakeRouterObjects([route([split()])]);
  const router = routerOver(objects, { httpRoutes: [{ name: 'web' }, { name: 'gone' }] });
  await assert.rejects(
    router.setWeight(10),
    /^Error: HTTPRoute shop\/gone not found \(named in trafficRouting\.plugins\.argoproj-labs\/gatewayAPI\)$/,
  );
  assert.equal(await routerOver(objects, { httpRoute: 'gone' }).observeWeights(), undefined);
});

test('gateway api router: no backendRef to the canary is an error naming the route', async () => {
  const objects = new FakeRouterObjects([route([{ backendRefs: [ref('web-stable')] }])]);
  await assert.rejects(
    routerOver(objects, { httpRoute: 'web' }).setWeight(10),
    /HTTPRoute shop\/web has no backendRef to the canary Service "web-canary"/,
  );
  assert.equal(objects.writes.length, 0);
});

test('gateway api router: no hash, no mirror, no verification, no experiment weights', async () => {
  const objects = new FakeRouterObjects([route([split(90, 10)])]);
  const router = routerOver(objects, { httpRoute: 'web' });
  await router.updateHash('abc', 'def');
  await router.setMirrorRoute({ name: 'mirror', match: [], percentage: 100 });
  await router.removeMirrorRoute('mirror');
  assert.equal(await router.verifyWeight(10), undefined);
  assert.equal(objects.writes.length, 0);
  await assert.rejects(
    router.setWeight(10, [{ serviceName: 'exp', podTemplateHash: 'h', weight: 5 }]),
    /^NotSupportedError: .*Experiment Services/,
  );
});

test('gateway api router: maxTrafficWeight 1000 and the observed weight', async () => {
  const objects = new FakeRouterObjects([route([split(1000, 0)], 'GRPCRoute')]);
  const router = routerOver(objects, { grpcRoute: 'web' }, { maxTrafficWeight: 1000 });
  await router.setWeight(250);
  assert.deepEqual(await router.observeWeights(), { canary: 250, additional: [] });
});

test('gateway api router: both Services are required', () => {
  assert.throws(
    () => routerOver(new FakeRouterObjects(), { httpRoute: 'web' }, { canaryService: undefined }),
    /gatewayAPI needs both canary\.stableService and canary\.canaryService$/,
  );
});

test("gateway api router: the registry builds it from a rollout's plugins block", async () => {
  const objects = new FakeRouterObjects([route([split(100, 0)])]);
  const router = routers.routerFor(
    {
      name: 'web',
      namespace: 'shop',
      canary: {
        trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web' } }, managedRoutes: [] },
        stableService: 'web-stable',
        canaryService: CANARY,
        maxTrafficWeight: 100,
      },
    },
    objects,
  );
  assert.equal(router?.type, 'plugins/argoproj-labs/gatewayAPI');
  await router?.setWeight(5);
  assert.deepEqual(rulesIn(objects.read(HTTP('web'))), [split(95, 5)]);
});
