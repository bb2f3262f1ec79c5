import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { RouterContext } from '../../../src/controller/traffic-router.ts';
import { IstioRouter } from '../../../src/adapters/routers/istio.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

const API = 'networking.istio.io/v1alpha3';
const to = (host: string, weight?: number, more: Obj = {}): Obj => ({
  destination: { host, ...more },
  ...(weight === undefined ? {} : { weight }),
});
const sub = (subset: string, weight?: number): Obj => to('web', weight, { subset });
const route = (name: string | undefined, ...dests: Obj[]): Obj => ({
  ...(name === undefined ? {} : { name }),
  route: dests,
});
const header = route('header', to('web-canary', 100));
const mirror = {
  ...route('mirror', to('web-stable', 70), to('web-canary', 30)),
  mirror: { host: 'web-canary' },
};

function vs(spec: Obj, name = 'web', namespace = 'shop', apiVersion = API): KubeObject {
  return {
    apiVersion,
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: { hosts: ['web'], ...spec },
  };
}
function dr(subsets: Obj[], name = 'web'): KubeObject {
  return {
    apiVersion: API,
    kind: 'DestinationRule',
    metadata: { name, namespace: 'shop' },
    spec: { host: 'web', subsets },
  };
}
const hash = (name: string, h?: string, more: Obj = {}): Obj => ({
  name,
  labels: { app: 'web', ...more, ...(h === undefined ? {} : { 'rollouts-pod-template-hash': h }) },
});

const NAMED = { virtualService: { name: 'web', routes: ['primary'] } };
const SUBSETS = {
  virtualService: { name: 'web' },
  destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
};

function router(config: unknown, more: Partial<RouterContext> = {}): IstioRouter {
  return new IstioRouter({
    objects: new FakeRouterObjects(),
    rollout: { name: 'web', namespace: 'shop' },
    config,
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: ['header', 'mirror'],
    maxTrafficWeight: 100,
    ...more,
  });
}

interface Case {
  name: string;
  config: unknown;
  manifest: KubeObject;
  live: KubeObject;
  want: KubeObject | 'unchanged';
}

const gitPrimary = route('primary', to('web-stable', 100), to('web-canary', 0));
const livePrimary = route('primary', to('web-stable', 70), to('web-canary', 30));
const admin = route('admin', to('web-stable'));

const cases: Case[] = [
  {
    name: 'named route: live weights kept, live managed routes on top, the other routes as in git',
    config: NAMED,
    manifest: vs({ http: [gitPrimary, admin] }),
    live: vs({ http: [header, mirror, livePrimary, route('admin', to('web-stable', 100))] }),
    want: vs({ http: [header, mirror, livePrimary, admin] }),
  },
  {
    name: 'a route added in git is applied, one removed in git is gone',
    config: NAMED,
    manifest: vs({ http: [route('new', to('web-stable')), gitPrimary] }),
    live: vs({ http: [header, livePrimary, admin] }),
    want: vs({ http: [header, route('new', to('web-stable')), livePrimary] }),
  },
  {
    name: 'the only unnamed route takes the live split; other fields of git (a timeout) are applied',
    config: { virtualService: { name: 'web' } },
    manifest: vs({
      http: [{ ...route(undefined, to('web-stable', 100), to('web-canary', 0)), timeout: '5s' }],
    }),
    live: vs({ http: [header, route(undefined, to('web-stable', 90), to('web-canary', 10))] }),
    want: vs({
      http: [header, { ...route(undefined, to('web-stable', 90), to('web-canary', 10)), timeout: '5s' }],
    }),
  },
  {
    name: 'subsets: weights by subset, an additional subset (run by others) weighs as live too',
    config: {
      ...SUBSETS,
      destinationRule: { ...SUBSETS.destinationRule, additionalSubsetNames: ['legacy'] },
    },
    manifest: vs({ http: [route(undefined, sub('stable', 90), sub('canary', 0), sub('legacy', 10))] }),
    live: vs({ http: [route(undefined, sub('stable', 50), sub('canary', 30), sub('legacy', 20))] }),
    want: vs({ http: [route(undefined, sub('stable', 50), sub('canary', 30), sub('legacy', 20))] }),
  },
  {
    name: 'an Experiment destination the router added is kept; the host written another way still matches',
    config: NAMED,
    manifest: vs({
      http: [route('primary', to('web-stable.shop.svc.cluster.local', 100), to('web-canary', 0))],
    }),
    live: vs({ http: [route('primary', to('web-stable', 60), to('web-canary', 30), to('web-exp', 10))] }),
    want: vs({
      http: [
        route(
          'primary',
          to('web-stable.shop.svc.cluster.local', 60),
          to('web-canary', 30),
          to('web-exp', 10),
        ),
      ],
    }),
  },
  {
    name: 'a weighed route new in git takes the split of the live weighed routes',
    config: { virtualService: { name: 'web', routes: ['primary', 'api'] } },
    manifest: vs({ http: [gitPrimary, route('api', to('web-stable', 100), to('web-canary', 0))] }),
    live: vs({ http: [livePrimary] }),
    want: vs({ http: [livePrimary, route('api', to('web-stable', 70), to('web-canary', 30))] }),
  },
  {
    name: 'TLS routes by port and SNI hosts, TCP routes by port',
    config: {
      virtualService: {
        name: 'web',
        tlsRoutes: [{ port: 443, sniHosts: ['a.example'] }],
        tcpRoutes: [{ port: 5432 }],
      },
    },
    manifest: vs({
      tls: [
        {
          match: [{ port: 443, sniHosts: ['a.example'] }],
          route: [to('web-stable', 100), to('web-canary', 0)],
        },
        { match: [{ port: 443, sniHosts: ['b.example'] }], route: [to('web-stable', 100)] },
      ],
      tcp: [{ match: [{ port: 5432 }], route: [to('web-stable', 100), to('web-canary', 0)] }],
    }),
    live: vs({
      tls: [
        {
          match: [{ port: 443, sniHosts: ['a.example'] }],
          route: [to('web-stable', 80), to('web-canary', 20)],
        },
        { match: [{ port: 443, sniHosts: ['b.example'] }], route: [to('web-stable', 100)] },
      ],
      tcp: [{ match: [{ port: 5432 }], route: [to('web-stable', 80), to('web-canary', 20)] }],
    }),
    want: vs({
      tls: [
        {
          match: [{ port: 443, sniHosts: ['a.example'] }],
          route: [to('web-stable', 80), to('web-canary', 20)],
        },
        { match: [{ port: 443, sniHosts: ['b.example'] }], route: [to('web-stable', 100)] },
      ],
      tcp: [{ match: [{ port: 5432 }], route: [to('web-stable', 80), to('web-canary', 20)] }],
    }),
  },
  {
    name: 'a live object without routes: the manifest as it is',
    config: NAMED,
    manifest: vs({ http: [gitPrimary, admin] }),
    live: vs({}),
    want: vs({ http: [gitPrimary, admin] }),
  },
  {
    name: 'a VirtualService the rollout does not name is not changed',
    config: NAMED,
    manifest: vs({ http: [gitPrimary] }, 'other'),
    live: vs({ http: [header, livePrimary] }, 'other'),
    want: 'unchanged',
  },
  {
    name: 'the same VirtualService in another namespace is another object',
    config: NAMED,
    manifest: vs({ http: [gitPrimary] }, 'web', 'edge'),
    live: vs({ http: [header, livePrimary] }, 'web', 'edge'),
    want: 'unchanged',
  },
  {
    name: 'DestinationRule: live hashes of canary and stable kept, a subset added in git applied, a removed one gone',
    config: SUBSETS,
    manifest: dr([hash('stable'), hash('canary', undefined, { tier: 'web' }), hash('preview')]),
    live: dr([hash('canary', 'c2'), hash('stable', 's1'), hash('old')]),
    want: dr([hash('stable', 's1'), hash('canary', 'c2', { tier: 'web' }), hash('preview')]),
  },
  {
    name: 'DestinationRule: a hash written in git that the live subset lacks is taken out',
    config: SUBSETS,
    manifest: dr([hash('stable', 'abc'), hash('canary')]),
    live: dr([hash('stable'), { name: 'canary' }]),
    want: dr([hash('stable'), hash('canary')]),
  },
  {
    name: 'a DestinationRule the rollout does not name is not changed',
    config: SUBSETS,
    manifest: dr([hash('stable'), hash('canary')], 'other'),
    live: dr([hash('stable', 's1'), hash('canary', 'c2')], 'other'),
    want: 'unchanged',
  },
];

for (const c of cases) {
  test(`istio keepRouting: ${c.name}`, () => {
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

test('istio keepRouting: name.namespace and another apiVersion name the same VirtualService', () => {
  const r = router({ virtualServices: [{ name: 'web.edge', routes: ['primary'] }] });
  const manifest = vs({ http: [gitPrimary] }, 'web', 'edge', 'networking.istio.io/v1');
  assert.equal(r.writesRouting(manifest), true);
  assert.deepEqual(r.keepRouting(manifest, vs({ http: [livePrimary] }, 'web', 'edge')), {
    ...manifest,
    spec: { hosts: ['web'], http: [livePrimary] },
  });
});

test('istio keepRouting: re-applying the manifest mid-rollout gives back what the router wrote', async () => {
  const config = { ...SUBSETS, virtualService: { name: 'web', routes: ['primary'] } };
  const gitVs = vs({ http: [route('primary', sub('stable', 100), sub('canary', 0)), admin] });
  const gitDr = dr([hash('stable'), hash('canary')]);
  const objects = new FakeRouterObjects([structuredClone(gitVs), structuredClone(gitDr)]);
  const driving = router(config, { objects });
  await driving.updateHash('c2', 's1');
  await driving.setWeight(30);
  await driving.setHeaderRoute({
    name: 'header',
    match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
  });
  await driving.setMirrorRoute({
    name: 'mirror',
    match: [{ headers: {}, path: { prefix: '/' } }],
    percentage: 20,
  });
  for (const manifest of [gitVs, gitDr]) {
    const ref = { apiVersion: API, kind: manifest.kind, namespace: 'shop', name: 'web' };
    const live = objects.read(ref);
    assert.ok(live);
    const kept = router(config).keepRouting(manifest, live);
    assert.deepEqual(kept.spec, live.spec, `${manifest.kind}: nothing to change`);
  }
});
