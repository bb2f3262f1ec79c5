import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { ObjectRef, RouterContext } from '../../../src/controller/traffic-router.ts';
import { IstioRouter } from '../../../src/adapters/routers/istio.ts';
import { routers } from '../../../src/adapters/routers/registry.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

const API = 'networking.istio.io/v1alpha3';
const to = (host: string, weight: number, more: Obj = {}): Obj => ({
  destination: { host, ...more },
  weight,
});

function virtualService(name: string, namespace: string, http: Obj[]): KubeObject {
  return {
    apiVersion: API,
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: { hosts: ['web'], http },
  };
}
const hostRoutes = (): Obj[] => [
  { name: 'primary', route: [to('web-stable', 100, { port: { number: 8080 } }), to('web-canary', 0)] },
  { name: 'admin', route: [to('web-stable', 100)] },
];
const vsRef = (name: string, namespace = 'shop'): ObjectRef => ({
  apiVersion: API,
  kind: 'VirtualService',
  namespace,
  name,
});
const drRef: ObjectRef = { apiVersion: API, kind: 'DestinationRule', namespace: 'shop', name: 'web' };

function router(objects: FakeRouterObjects, config: unknown, more: Partial<RouterContext> = {}): IstioRouter {
  return new IstioRouter({
    objects,
    rollout: { name: 'web', namespace: 'shop' },
    config,
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: ['header', 'mirror'],
    maxTrafficWeight: 100,
    ...more,
  });
}

const http = (objects: FakeRouterObjects, ref: ObjectRef): Obj[] =>
  (objects.read(ref)?.spec as { http: Obj[] }).http;
const names = (objects: FakeRouterObjects, ref: ObjectRef): string[] =>
  http(objects, ref).map((r) => String(r.name));

test('setWeight patches each VirtualService, name.namespace in its own namespace; again: no write', async () => {
  const objects = new FakeRouterObjects([
    virtualService('web', 'shop', hostRoutes()),
    virtualService('web-gw', 'gateways', hostRoutes()),
  ]);
  const r = router(objects, {
    virtualServices: [
      { name: 'web', routes: ['primary'] },
      { name: 'web-gw.gateways', routes: ['primary'] },
    ],
  });
  await r.setWeight(30);
  for (const ref of [vsRef('web'), vsRef('web-gw', 'gateways')]) {
    assert.deepEqual(http(objects, ref)[0]?.route, [
      to('web-stable', 70, { port: { number: 8080 } }),
      to('web-canary', 30),
    ]);
    assert.deepEqual(http(objects, ref)[1], hostRoutes()[1]);
  }
  assert.equal(objects.writes.length, 2);
  await r.setWeight(30);
  assert.equal(objects.writes.length, 2, 'nothing written when the weights are set');
  assert.deepEqual(await r.observeWeights(), { canary: 30, additional: [] });
  assert.equal(await r.verifyWeight(), undefined);
});

test('a route another edits between read and write is kept; the weight is computed again', async () => {
  const objects = new FakeRouterObjects([virtualService('web', 'shop', hostRoutes())]);
  const r = router(objects, { virtualService: { name: 'web', routes: ['primary'] } });
  objects.interfere = (o) => {
    const routes = (o.spec as { http: Obj[] }).http;
    // Someone puts a route on top and edits the admin route meanwhile.
    routes.unshift({ name: 'maintenance', route: [to('web-stable', 100)] });
    (routes[2] as Obj).timeout = '5s';
    return o;
  };
  await r.setWeight(40);
  const routes = http(objects, vsRef('web'));
  assert.deepEqual(
    routes.map((x) => x.name),
    ['maintenance', 'primary', 'admin'],
  );
  assert.deepEqual(routes[1]?.route, [
    to('web-stable', 60, { port: { number: 8080 } }),
    to('web-canary', 40),
  ]);
  assert.equal(routes[2]?.timeout, '5s');
  assert.deepEqual(routes[0]?.route, [to('web-stable', 100)]);
});

test('a missing VirtualService or route is a one-line error naming it', async () => {
  const objects = new FakeRouterObjects([virtualService('web', 'shop', hostRoutes())]);
  await assert.rejects(
    router(objects, { virtualService: { name: 'nope' } }).setWeight(10),
    /^Error: VirtualService shop\/nope not found$/,
  );
  await assert.rejects(
    router(objects, { virtualService: { name: 'web', routes: ['main'] } }).setWeight(10),
    /^Error: VirtualService shop\/web has no HTTP route named "main"$/,
  );
  assert.deepEqual(objects.writes, []);
  assert.equal(await router(objects, { virtualService: { name: 'nope' } }).observeWeights(), undefined);
});

test('header and mirror routes go on top in managedRoutes order, follow the weights, and are removed', async () => {
  const objects = new FakeRouterObjects([virtualService('web', 'shop', hostRoutes())]);
  const r = router(objects, { virtualService: { name: 'web', routes: ['primary'] } });
  await r.setWeight(10);
  await r.setMirrorRoute({
    name: 'mirror',
    match: [{ method: { exact: 'GET' }, headers: {} }],
    percentage: 50,
  });
  await r.setHeaderRoute({
    name: 'header',
    match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
  });
  assert.deepEqual(names(objects, vsRef('web')), ['header', 'mirror', 'primary', 'admin']);
  const [header, mirror] = http(objects, vsRef('web'));
  assert.deepEqual(header?.route, [
    { destination: { host: 'web-canary', port: { number: 8080 } }, weight: 100 },
  ]);
  assert.deepEqual(mirror?.mirror, { host: 'web-canary', port: { number: 8080 } });
  assert.deepEqual(mirror?.mirrorPercentage, { value: 50 });
  const writes = objects.writes.length;
  await r.setHeaderRoute({
    name: 'header',
    match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
  });
  assert.equal(objects.writes.length, writes, 'the same header route again writes nothing');

  await r.setWeight(20);
  assert.deepEqual(http(objects, vsRef('web'))[1]?.route, [
    to('web-stable', 80, { port: { number: 8080 } }),
    to('web-canary', 20),
  ]);
  assert.deepEqual(
    http(objects, vsRef('web'))[0]?.route,
    header?.route,
    'the header route keeps all on the canary',
  );

  await r.removeHeaderRoute('header');
  assert.deepEqual(names(objects, vsRef('web')), ['mirror', 'primary', 'admin']);
  await r.setHeaderRoute({ name: 'header', match: [{ headerName: 'x', headerValue: { regex: '.*' } }] });
  await r.removeManagedRoutes();
  assert.deepEqual(names(objects, vsRef('web')), ['primary', 'admin']);
  const before = objects.writes.length;
  await r.removeManagedRoutes();
  await r.removeMirrorRoute('mirror');
  assert.equal(objects.writes.length, before, 'nothing left to remove: no write');
});

test('a header route with no match removes it; removeManagedRoutes skips a VirtualService that is gone', async () => {
  const objects = new FakeRouterObjects([virtualService('web', 'shop', hostRoutes())]);
  const r = router(objects, { virtualServices: [{ name: 'gone' }, { name: 'web', routes: ['primary'] }] });
  const one = router(objects, { virtualService: { name: 'web', routes: ['primary'] } });
  await one.setHeaderRoute({ name: 'header', match: [{ headerName: 'x', headerValue: { prefix: 'a' } }] });
  await one.setHeaderRoute({ name: 'header', match: [] });
  assert.deepEqual(names(objects, vsRef('web')), ['primary', 'admin']);
  await one.setMirrorRoute({ name: 'mirror', match: [{ headers: { x: { exact: '1' } } }], percentage: 100 });
  await r.removeManagedRoutes();
  assert.deepEqual(names(objects, vsRef('web')), ['primary', 'admin']);
});

test('subset level: updateHash pins the DestinationRule, header routes use its host and subset', async () => {
  const subsetRoute = {
    route: [to('web', 100, { subset: 'stable' }), to('web', 0, { subset: 'canary' })],
  };
  const objects = new FakeRouterObjects([
    virtualService('web', 'shop', [subsetRoute]),
    {
      apiVersion: API,
      kind: 'DestinationRule',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { host: 'web.shop.svc.cluster.local', subsets: [{ name: 'stable' }, { name: 'canary' }] },
    },
  ]);
  const config = {
    virtualService: { name: 'web' },
    destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
  };
  const r = router(objects, config, { stableService: undefined, canaryService: undefined });
  await r.updateHash('v2', 'v1');
  const dr = objects.read(drRef);
  assert.deepEqual((dr?.spec as Obj).subsets, [
    { name: 'stable', labels: { 'rollouts-pod-template-hash': 'v1' } },
    { name: 'canary', labels: { 'rollouts-pod-template-hash': 'v2' } },
  ]);
  assert.deepEqual(dr?.metadata.annotations, { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' });
  const writes = objects.writes.length;
  await r.updateHash('v2', 'v1');
  assert.equal(objects.writes.length, writes);

  await r.setWeight(25);
  assert.deepEqual(http(objects, vsRef('web'))[0]?.route, [
    to('web', 75, { subset: 'stable' }),
    to('web', 25, { subset: 'canary' }),
  ]);
  await r.setHeaderRoute({ name: 'header', match: [{ headerName: 'x', headerValue: { exact: '1' } }] });
  assert.deepEqual(http(objects, vsRef('web'))[0]?.route, [
    { destination: { host: 'web.shop.svc.cluster.local', subset: 'canary' }, weight: 100 },
  ]);
});

test('updateHash: nothing without a destinationRule; a missing one is an error', async () => {
  const objects = new FakeRouterObjects([virtualService('web', 'shop', hostRoutes())]);
  await router(objects, { virtualService: { name: 'web' } }).updateHash('v2', 'v1');
  assert.deepEqual(objects.writes, []);
  const withRule = router(objects, {
    virtualService: { name: 'web' },
    destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
  });
  await assert.rejects(withRule.updateHash('v2', 'v1'), /^Error: DestinationRule shop\/web not found$/);
});

test('the shipped registry builds the Istio router for trafficRouting.istio', () => {
  const r = routers.routerFor(
    {
      name: 'web',
      namespace: 'shop',
      canary: {
        trafficRouting: { istio: { virtualService: { name: 'web' } }, managedRoutes: [] },
        stableService: 'web-stable',
        canaryService: 'web-canary',
        maxTrafficWeight: 100,
      },
    },
    new FakeRouterObjects(),
  );
  assert.ok(r instanceof IstioRouter);
  assert.equal(r.type, 'istio');
});
