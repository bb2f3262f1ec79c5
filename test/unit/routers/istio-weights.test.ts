import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { JsonPatchOp, WeightDestination } from '../../../src/controller/traffic-router.ts';
import {
  istioConfig,
  virtualServiceRef,
  type VirtualServiceConfig,
  type WeightTargets,
} from '../../../src/adapters/routers/istio-config.ts';
import { observedWeights, weightPatch } from '../../../src/adapters/routers/istio-weights.ts';
import { applyJsonPatch } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

const vs = (spec: Obj): KubeObject => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name: 'web', namespace: 'shop' },
  spec,
});
const to = (host: string, weight?: number, more: Obj = {}): Obj => ({
  destination: { host, ...more },
  ...(weight === undefined ? {} : { weight }),
});
const sub = (subset: string, weight?: number): Obj => to('web', weight, { subset });
const http = (name: string | undefined, ...route: Obj[]): Obj => ({
  ...(name === undefined ? {} : { name }),
  route,
});
const l4 = (match: Obj[], ...route: Obj[]): Obj => ({ match, route });

const HOSTS: WeightTargets = {
  canaryService: 'web-canary',
  stableService: 'web-stable',
  canarySubset: '',
  stableSubset: '',
  additionalSubsets: [],
};
const SUBSETS: WeightTargets = {
  canaryService: '',
  stableService: '',
  canarySubset: 'canary',
  stableSubset: 'stable',
  additionalSubsets: ['legacy'],
};
const cfg = (more: Partial<VirtualServiceConfig> = {}): VirtualServiceConfig => ({
  name: 'web',
  routes: [],
  tlsRoutes: [],
  tcpRoutes: [],
  ...more,
});

interface Case {
  name: string;
  spec: Obj;
  config?: Partial<VirtualServiceConfig>;
  targets?: WeightTargets;
  managed?: string[];
  weight: number;
  additional?: WeightDestination[];
  /** The routes' `route` lists after the patch, by pointer (`/spec/http/0`). */
  expect?: Record<string, Obj[]>;
  ops?: JsonPatchOp[];
  error?: RegExp;
}

const exp = (serviceName: string, weight: number): WeightDestination => ({
  serviceName,
  podTemplateHash: `${serviceName}-hash`,
  weight,
});

const CASES: Case[] = [
  {
    name: 'host level: the named route is split, another route is left alone',
    spec: {
      http: [
        http('primary', to('web-stable', 100), to('web-canary', 0)),
        http('other', to('web-stable', 100), to('web-canary', 0)),
      ],
    },
    config: { routes: ['primary'] },
    weight: 10,
    expect: {
      '/spec/http/0': [to('web-stable', 90), to('web-canary', 10)],
      '/spec/http/1': [to('web-stable', 100), to('web-canary', 0)],
    },
    ops: [
      { op: 'test', path: '/spec/http/0/name', value: 'primary' },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 10 },
    ],
  },
  {
    name: 'host level: a fully qualified host counts by its first label',
    spec: {
      http: [
        http(
          'primary',
          to('web-stable.shop.svc.cluster.local', 100),
          to('web-canary.shop.svc.cluster.local', 0),
        ),
      ],
    },
    config: { routes: ['primary'] },
    weight: 25,
    expect: {
      '/spec/http/0': [
        to('web-stable.shop.svc.cluster.local', 75),
        to('web-canary.shop.svc.cluster.local', 25),
      ],
    },
  },
  {
    name: 'routes omitted: the only route, unnamed, is used',
    spec: { http: [http(undefined, to('web-stable', 100), to('web-canary'))] },
    weight: 30,
    expect: { '/spec/http/0': [to('web-stable', 70), to('web-canary', 30)] },
    ops: [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
      { op: 'add', path: '/spec/http/0/route/1/weight', value: 30 },
    ],
  },
  {
    name: 'routes omitted: the one route besides the managed routes is used',
    spec: {
      http: [http('header', to('web-canary', 100)), http('main', to('web-stable', 100), to('web-canary', 0))],
    },
    managed: ['header'],
    weight: 40,
    expect: {
      '/spec/http/0': [to('web-canary', 100)],
      '/spec/http/1': [to('web-stable', 60), to('web-canary', 40)],
    },
  },
  {
    name: 'routes omitted with two routes of the user: refused',
    spec: {
      http: [http('a', to('web-stable'), to('web-canary')), http('b', to('web-stable'), to('web-canary'))],
    },
    weight: 10,
    error: /^Error: VirtualService shop\/web has 2 HTTP routes: name the ones to weigh/,
  },
  {
    name: 'a route name that is not in the VirtualService',
    spec: { http: [http('primary', to('web-stable', 100), to('web-canary', 0))] },
    config: { routes: ['primary', 'secondary'] },
    weight: 10,
    error: /^Error: VirtualService shop\/web has no HTTP route named "secondary"$/,
  },
  {
    name: 'a route without the canary Service',
    spec: { http: [http('primary', to('web-stable', 100), to('elsewhere', 0))] },
    config: { routes: ['primary'] },
    weight: 10,
    error:
      /^Error: VirtualService shop\/web: HTTP route "primary" has no destination for the canary Service "web-canary"$/,
  },
  {
    name: 'a route without the stable subset',
    spec: { http: [http(undefined, sub('canary', 0), sub('old', 100))] },
    targets: SUBSETS,
    weight: 10,
    error:
      /^Error: VirtualService shop\/web: HTTP route http\[0\] has no destination for the stable subset "stable"$/,
  },
  {
    name: 'subset level: destinations told apart by subset, the additional subset keeps its share',
    spec: {
      http: [http('primary', sub('stable', 80), sub('canary', 0), to('other', 20, { subset: 'legacy' }))],
    },
    config: { routes: ['primary'] },
    targets: SUBSETS,
    weight: 10,
    expect: { '/spec/http/0': [sub('stable', 70), sub('canary', 10), to('other', 20, { subset: 'legacy' })] },
  },
  {
    name: 'an experiment destination present is given its weight, taken from the stable',
    spec: { http: [http('primary', to('web-stable', 100), to('web-canary', 0), to('exp-a', 0))] },
    config: { routes: ['primary'] },
    weight: 20,
    additional: [exp('exp-a', 10)],
    expect: { '/spec/http/0': [to('web-stable', 70), to('web-canary', 20), to('exp-a', 10)] },
  },
  {
    name: 'an experiment destination missing is added at the end (weight 0 ones are not)',
    spec: { http: [http('primary', to('web-stable', 100), to('web-canary', 0))] },
    config: { routes: ['primary'] },
    weight: 20,
    additional: [exp('exp-a', 5), exp('exp-b', 0)],
    expect: {
      '/spec/http/0': [
        to('web-stable', 75),
        to('web-canary', 20),
        { destination: { host: 'exp-a' }, weight: 5 },
      ],
    },
  },
  {
    name: 'destinations of ended experiments and strangers are removed, last first',
    spec: {
      http: [
        http('primary', to('web-canary', 10), to('exp-old', 5), to('stranger', 5), to('web-stable', 80)),
      ],
    },
    config: { routes: ['primary'] },
    weight: 10,
    expect: { '/spec/http/0': [to('web-canary', 10), to('web-stable', 90)] },
    ops: [
      { op: 'test', path: '/spec/http/0/name', value: 'primary' },
      { op: 'replace', path: '/spec/http/0/route/3/weight', value: 90 },
      { op: 'remove', path: '/spec/http/0/route/2' },
      { op: 'remove', path: '/spec/http/0/route/1' },
    ],
  },
  {
    name: 'the stable never goes below 0',
    spec: { http: [http('primary', to('web-stable', 50), to('web-canary', 50))] },
    config: { routes: ['primary'] },
    weight: 90,
    additional: [exp('exp-a', 30)],
    expect: {
      '/spec/http/0': [
        to('web-stable', 0),
        to('web-canary', 90),
        { destination: { host: 'exp-a' }, weight: 30 },
      ],
    },
  },
  {
    name: 'TLS route by port and SNI hosts',
    spec: {
      tls: [
        l4([{ port: 443, sniHosts: ['a.example'] }], to('web-stable', 100), to('web-canary', 0)),
        l4([{ port: 443, sniHosts: ['b.example', 'c.example'] }], to('web-stable', 100), to('web-canary', 0)),
      ],
    },
    config: { tlsRoutes: [{ port: 443, sniHosts: ['c.example', 'b.example'] }] },
    weight: 50,
    expect: {
      '/spec/tls/0': [to('web-stable', 100), to('web-canary', 0)],
      '/spec/tls/1': [to('web-stable', 50), to('web-canary', 50)],
    },
  },
  {
    name: 'TLS route whose SNI hosts differ',
    spec: { tls: [l4([{ port: 443, sniHosts: ['a.example'] }], to('web-stable', 100), to('web-canary', 0))] },
    config: { tlsRoutes: [{ port: 443, sniHosts: ['b.example'] }] },
    weight: 50,
    error: /^Error: VirtualService shop\/web has no TLS route on port 443 with sniHosts \[b\.example\]$/,
  },
  {
    name: 'TLS routes omitted: the only TLS route is used',
    spec: { tls: [l4([{ port: 3000 }], to('web-stable', 100), to('web-canary', 0))] },
    weight: 30,
    expect: { '/spec/tls/0': [to('web-stable', 70), to('web-canary', 30)] },
  },
  {
    name: 'TLS routes omitted with two TLS routes: refused',
    spec: {
      tls: [
        l4([{ port: 3000 }], to('web-stable'), to('web-canary')),
        l4([{ port: 3001 }], to('web-stable'), to('web-canary')),
      ],
    },
    weight: 30,
    error: /has 2 TLS routes: list the ones to weigh/,
  },
  {
    name: 'TCP route by port; a route over two ports never matches',
    spec: {
      tcp: [
        l4([{ port: 8080 }, { port: 8081 }], to('web-stable', 100), to('web-canary', 0)),
        l4([{ port: 8080 }], to('web-stable', 100), to('web-canary', 0)),
      ],
    },
    config: { tcpRoutes: [{ port: 8080 }] },
    weight: 60,
    expect: {
      '/spec/tcp/0': [to('web-stable', 100), to('web-canary', 0)],
      '/spec/tcp/1': [to('web-stable', 40), to('web-canary', 60)],
    },
  },
  {
    name: 'TCP port not found',
    spec: { tcp: [l4([{ port: 8080 }], to('web-stable', 100), to('web-canary', 0))] },
    config: { tcpRoutes: [{ port: 9090 }] },
    weight: 60,
    error: /^Error: VirtualService shop\/web has no TCP route on port 9090$/,
  },
  {
    name: 'HTTP routes named: the only TLS route is weighed too (as in Argo)',
    spec: {
      http: [http('primary', to('web-stable', 100), to('web-canary', 0))],
      tls: [l4([{ port: 443 }], to('web-stable', 100), to('web-canary', 0))],
    },
    config: { routes: ['primary'] },
    weight: 5,
    expect: {
      '/spec/http/0': [to('web-stable', 95), to('web-canary', 5)],
      '/spec/tls/0': [to('web-stable', 95), to('web-canary', 5)],
    },
  },
  {
    name: 'a managed mirror route follows the weights; a managed header route does not',
    spec: {
      http: [
        http('header', to('web-canary', 100)),
        { ...http('mirror', to('web-stable', 100), to('web-canary')), mirror: { host: 'web-canary' } },
        http('primary', to('web-stable', 100), to('web-canary', 0)),
      ],
    },
    config: { routes: ['primary'] },
    managed: ['header', 'mirror'],
    weight: 20,
    expect: {
      '/spec/http/0': [to('web-canary', 100)],
      '/spec/http/1': [to('web-stable', 80), to('web-canary', 20)],
      '/spec/http/2': [to('web-stable', 80), to('web-canary', 20)],
    },
  },
  {
    name: 'a VirtualService without routes',
    spec: { hosts: ['web'] },
    weight: 10,
    error: /^Error: VirtualService shop\/web has no HTTP, TLS or TCP routes$/,
  },
];

for (const c of CASES) {
  test(`weightPatch: ${c.name}`, () => {
    const object = vs(c.spec);
    const compute = (o: KubeObject): JsonPatchOp[] =>
      weightPatch(o, cfg(c.config), c.managed ?? [], c.targets ?? HOSTS, {
        weight: c.weight,
        additional: c.additional ?? [],
        total: 100,
      });
    if (c.error) {
      assert.throws(() => compute(object), c.error);
      return;
    }
    const ops = compute(object);
    if (c.ops) assert.deepEqual(ops, c.ops);
    const after = applyJsonPatch(object, ops);
    for (const [pointer, route] of Object.entries(c.expect ?? {})) {
      const [, , kind, index] = pointer.split('/');
      const list = (after.spec as Obj)[kind ?? ''] as Obj[];
      assert.deepEqual(list[Number(index)]?.route, route, pointer);
    }
    assert.deepEqual(compute(after), [], 'a second call changes nothing');
  });
}

test('observedWeights reads the canary and the experiments from the first weighed route', () => {
  const object = vs({
    http: [
      http('other', to('web-stable', 100)),
      http('primary', to('web-stable', 60), to('web-canary', 30), to('exp-a', 10)),
    ],
  });
  assert.deepEqual(observedWeights(object, cfg({ routes: ['primary'] }), [], HOSTS), {
    canary: 30,
    additional: [{ serviceName: 'exp-a', podTemplateHash: '', weight: 10 }],
  });
  const subsets = vs({
    http: [http(undefined, sub('stable', 90), sub('canary', 10), to('x', 0, { subset: 'legacy' }))],
  });
  assert.deepEqual(observedWeights(subsets, cfg(), [], SUBSETS), { canary: 10, additional: [] });
});

test('virtualServiceRef splits name.namespace as Argo does', () => {
  const ref = (name: string): string => {
    const r = virtualServiceRef(name, 'shop');
    return `${r.namespace}/${r.name}`;
  };
  assert.equal(ref('web'), 'shop/web');
  assert.equal(ref('web.mesh'), 'mesh/web');
  assert.equal(ref('web.v2.mesh'), 'mesh/web.v2');
  assert.equal(ref('web.mesh.cluster.local'), 'mesh/web');
  assert.equal(ref('web.mesh.svc.cluster.local'), 'svc/web.mesh');
  assert.equal(virtualServiceRef('web', 'shop').apiVersion, 'networking.istio.io/v1alpha3');
});

test('istioConfig reads virtualService or virtualServices and the destinationRule', () => {
  assert.deepEqual(istioConfig({ virtualService: { name: 'web', routes: ['primary'] } }), {
    virtualServices: [{ name: 'web', routes: ['primary'], tlsRoutes: [], tcpRoutes: [] }],
  });
  assert.deepEqual(
    istioConfig({
      virtualServices: [
        { name: 'a', tlsRoutes: [{ port: 443 }] },
        { name: 'b.mesh', tcpRoutes: [{ port: 5432 }] },
      ],
      destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
    }),
    {
      virtualServices: [
        { name: 'a', routes: [], tlsRoutes: [{ port: 443, sniHosts: [] }], tcpRoutes: [] },
        { name: 'b.mesh', routes: [], tlsRoutes: [], tcpRoutes: [{ port: 5432 }] },
      ],
      destinationRule: {
        name: 'web',
        canarySubsetName: 'canary',
        stableSubsetName: 'stable',
        additionalSubsetNames: [],
      },
    },
  );
});
