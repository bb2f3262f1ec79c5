import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  routerKeys,
  RouterRegistry,
  routers,
  ROUTER_ADAPTERS,
} from '../../../src/adapters/routers/registry.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type {
  HeaderRoute,
  ObservedWeights,
  RoutedRollout,
  RouterContext,
  TrafficRouter,
  WeightDestination,
} from '../../../src/controller/traffic-router.ts';
import type { SetMirrorRoute, TrafficRouting } from '../../../src/manifests/rollout-model.ts';

/** A router that records what it is told, for these tests only. */
class FakeRouter implements TrafficRouter {
  readonly calls: string[] = [];
  weight = 0;
  verified: boolean | undefined = true;
  readonly type: string;
  readonly context: RouterContext;

  constructor(type: string, context: RouterContext) {
    this.type = type;
    this.context = context;
  }

  updateHash(canaryHash: string, stableHash: string): Promise<void> {
    this.calls.push(`hash ${canaryHash} ${stableHash}`);
    return Promise.resolve();
  }
  setWeight(weight: number, additional: readonly WeightDestination[] = []): Promise<void> {
    this.weight = weight;
    this.calls.push(`weight ${weight}${additional.map((d) => ` ${d.serviceName}=${d.weight}`).join('')}`);
    return Promise.resolve();
  }
  setHeaderRoute(route: HeaderRoute): Promise<void> {
    this.calls.push(`header ${route.name}`);
    return Promise.resolve();
  }
  removeHeaderRoute(name: string): Promise<void> {
    this.calls.push(`-header ${name}`);
    return Promise.resolve();
  }
  setMirrorRoute(route: SetMirrorRoute): Promise<void> {
    this.calls.push(`mirror ${route.name}`);
    return Promise.resolve();
  }
  removeMirrorRoute(name: string): Promise<void> {
    this.calls.push(`-mirror ${name}`);
    return Promise.resolve();
  }
  removeManagedRoutes(): Promise<void> {
    this.calls.push('-managed');
    return Promise.resolve();
  }
  observeWeights(): Promise<ObservedWeights | undefined> {
    return Promise.resolve({ canary: this.weight, additional: [] });
  }
  verifyWeight(): Promise<boolean | undefined> {
    return Promise.resolve(this.verified);
  }
  /** Writes the objects of the kind it is told. */
  writes = '';
  writesRouting(object: KubeObject): boolean {
    return object.kind === this.writes;
  }
  /** Records the keepers in `kept-by`, and copies the live `weight`. */
  keepRouting(manifest: KubeObject, live: KubeObject): KubeObject {
    if (!this.writesRouting(manifest)) return manifest;
    const by = typeof manifest['kept-by'] === 'string' ? `${manifest['kept-by']},` : '';
    return { ...manifest, 'kept-by': `${by}${this.type}`, weight: live.weight };
  }
}

function rollout(trafficRouting: TrafficRouting | undefined): RoutedRollout {
  return {
    name: 'web',
    namespace: 'shop',
    canary: {
      ...(trafficRouting === undefined ? {} : { trafficRouting }),
      stableService: 'web-stable',
      canaryService: 'web-canary',
      maxTrafficWeight: 100,
    },
  };
}

const made: FakeRouter[] = [];
const registry = new RouterRegistry(
  ['nginx', 'istio', 'plugins/argoproj-labs/gatewayAPI'].map((key) => ({
    key,
    create: (context: RouterContext) => {
      const router = new FakeRouter(key, context);
      made.push(router);
      return router;
    },
  })),
);

test('the shipped registry has one adapter per key (nginx, Istio, Gateway API), and a router without one is refused', () => {
  const keys = ROUTER_ADAPTERS.map((r) => r.key);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual([...keys].sort(), ['istio', 'nginx', 'plugins/argoproj-labs/gatewayAPI']);
  assert.equal(routers.routerFor(rollout(undefined), new FakeRouterObjects()), undefined);
  const nginx = routers.routerFor(
    rollout({ nginx: { stableIngress: 'web' }, managedRoutes: [] }),
    new FakeRouterObjects(),
  );
  assert.equal(nginx?.type, 'nginx');
  assert.throws(
    () => routers.routerFor(rollout({ alb: { ingress: 'web' }, managedRoutes: [] }), new FakeRouterObjects()),
    /trafficRouting\.alb: no router adapter for it/,
  );
});

test('without trafficRouting there is no router: weights come from pod counts', () => {
  assert.equal(registry.routerFor(rollout(undefined), new FakeRouterObjects()), undefined);
  assert.equal(
    registry.routerFor(
      rollout({ managedRoutes: [{ name: 'h' }], maxTrafficWeight: 1000 }),
      new FakeRouterObjects(),
    ),
    undefined,
  );
});

test('the router is picked by its trafficRouting key and built from the rollout', async () => {
  made.length = 0;
  const router = registry.routerFor(
    rollout({ nginx: { stableIngress: 'web' }, managedRoutes: [{ name: 'header' }, { name: 'mirror' }] }),
    new FakeRouterObjects(),
  );
  assert.ok(router);
  assert.equal(router.type, 'nginx');
  const { objects, ...context } = made[0]?.context ?? { objects: undefined };
  assert.ok(objects instanceof FakeRouterObjects);
  assert.deepEqual(context, {
    rollout: { name: 'web', namespace: 'shop' },
    config: { stableIngress: 'web' },
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: ['header', 'mirror'],
    maxTrafficWeight: 100,
    maxTrafficWeightSet: false,
  });
  await router.setWeight(20, [{ serviceName: 'exp', podTemplateHash: 'x', weight: 5 }]);
  assert.deepEqual(await router.observeWeights(), { canary: 20, additional: [] });
  assert.equal(await router.verifyWeight(20), true);
  assert.deepEqual(made[0]?.calls, ['weight 20 exp=5']);
});

test('a plugin router is keyed plugins/<name>', () => {
  made.length = 0;
  const router = registry.routerFor(
    rollout({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web' } }, managedRoutes: [] }),
    new FakeRouterObjects(),
  );
  assert.equal(router?.type, 'plugins/argoproj-labs/gatewayAPI');
  assert.deepEqual(made[0]?.context.config, { httpRoute: 'web' });
});

test('several routers act together, and a weight is verified only when every router says so', async () => {
  made.length = 0;
  const router = registry.routerFor(
    rollout({ nginx: {}, istio: {}, managedRoutes: [] }),
    new FakeRouterObjects(),
  );
  assert.ok(router);
  assert.equal(router.type, 'nginx+istio');
  await router.updateHash('v2', 'v1');
  await router.setHeaderRoute({ name: 'h', match: [] });
  await router.removeHeaderRoute('h');
  await router.setMirrorRoute({ name: 'm', match: [], percentage: 50 });
  await router.removeMirrorRoute('m');
  await router.removeManagedRoutes();
  const expected = ['hash v2 v1', 'header h', '-header h', 'mirror m', '-mirror m', '-managed'];
  assert.deepEqual(
    made.map((r) => r.calls),
    [expected, expected],
  );
  const [nginx, istio] = made;
  assert.ok(nginx && istio);
  assert.equal(await router.verifyWeight(10), true);
  istio.verified = undefined;
  assert.equal(await router.verifyWeight(10), true, 'one that cannot tell does not hold the others');
  nginx.verified = undefined;
  assert.equal(await router.verifyWeight(10), undefined);
  istio.verified = false;
  assert.equal(await router.verifyWeight(10), false);
});

test('two adapters for one key are refused', () => {
  const create = (context: RouterContext): TrafficRouter => new FakeRouter('nginx', context);
  assert.throws(
    () =>
      new RouterRegistry([
        { key: 'nginx', create },
        { key: 'nginx', create },
      ]),
    /two router adapters registered for trafficRouting\.nginx/,
  );
});

test('routerKeys lists the routers a trafficRouting names, not its settings', () => {
  assert.deepEqual(
    routerKeys({
      istio: { virtualService: {} },
      plugins: { 'argoproj-labs/gatewayAPI': {}, 'acme/mesh': { a: 1 } },
      managedRoutes: [{ name: 'h' }],
      maxTrafficWeight: 1000,
    }),
    [
      { key: 'istio', config: { virtualService: {} } },
      { key: 'plugins/argoproj-labs/gatewayAPI', config: {} },
      { key: 'plugins/acme/mesh', config: { a: 1 } },
    ],
  );
});

test('a router is told whether the rollout writes maxTrafficWeight', () => {
  made.length = 0;
  registry.routerFor(
    rollout({ nginx: {}, managedRoutes: [], maxTrafficWeight: 100 }),
    new FakeRouterObjects(),
  );
  registry.routerFor(rollout({ nginx: {}, managedRoutes: [] }), new FakeRouterObjects());
  assert.deepEqual(
    made.map((r) => r.context.maxTrafficWeightSet),
    [true, false],
  );
});

test('several routers keep their routing in turn; a routing keeper reads and writes nothing', () => {
  made.length = 0;
  const keeper = registry.routingKeeperFor(rollout({ nginx: {}, istio: {}, managedRoutes: [] }));
  assert.ok(keeper);
  assert.equal(keeper.type, 'nginx+istio');
  const [nginx, istio] = made;
  assert.ok(nginx && istio);
  nginx.writes = 'VirtualService';
  istio.writes = 'VirtualService';
  const object = (kind: string, weight: number): KubeObject => ({
    apiVersion: 'v1',
    kind,
    metadata: { name: 'web', namespace: 'shop' },
    weight,
  });
  assert.equal(keeper.writesRouting(object('VirtualService', 0)), true);
  assert.equal(keeper.writesRouting(object('Service', 0)), false);
  assert.deepEqual(keeper.keepRouting(object('VirtualService', 0), object('VirtualService', 30)), {
    ...object('VirtualService', 30),
    'kept-by': 'nginx,istio',
  });
  const service = object('Service', 0);
  assert.equal(keeper.keepRouting(service, object('Service', 30)), service);
  const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' };
  assert.throws(() => nginx.context.objects.get(ref), /reads and writes no router objects/);
  assert.equal(registry.routingKeeperFor(rollout(undefined)), undefined);
});
