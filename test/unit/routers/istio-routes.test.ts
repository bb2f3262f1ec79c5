import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import {
  diffJson,
  headerRouteBody,
  mirrorRouteBody,
  placeManagedRoute,
  removeRoutesPatch,
} from '../../../src/adapters/routers/istio-routes.ts';
import { applyJsonPatch } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

const vs = (http: Obj[] | undefined): KubeObject => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name: 'web', namespace: 'shop' },
  spec: http === undefined ? { tcp: [] } : { http },
});
const named = (name: string): Obj => ({
  name,
  route: [{ destination: { host: 'web-stable' }, weight: 100 }],
});
const names = (o: KubeObject): string[] =>
  ((o.spec as { http: Obj[] }).http ?? []).map((r) => (typeof r.name === 'string' ? r.name : ''));

const HOST = { host: 'web-canary', subset: '' };
const SUBSET = { host: 'web.shop.svc.cluster.local', subset: 'canary' };

test('header route: one match per header, exact, prefix or regex, all to the canary', () => {
  const body = headerRouteBody(
    {
      name: 'h',
      match: [
        { headerName: 'x-canary', headerValue: { exact: 'yes' } },
        { headerName: 'user-agent', headerValue: { prefix: 'Mozilla', exact: '' } },
        { headerName: 'x-team', headerValue: { regex: '^(a|b)$' } },
      ],
    },
    HOST,
    undefined,
  );
  assert.deepEqual(body, {
    name: 'h',
    match: [
      { headers: { 'x-canary': { exact: 'yes' } } },
      { headers: { 'user-agent': { prefix: 'Mozilla' } } },
      { headers: { 'x-team': { regex: '^(a|b)$' } } },
    ],
    route: [{ destination: { host: 'web-canary' }, weight: 100 }],
  });
});

test('header route, subset level: the DestinationRule host, the canary subset, the weighed port', () => {
  const body = headerRouteBody(
    { name: 'h', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] },
    SUBSET,
    8443,
  );
  assert.deepEqual(body.route, [
    {
      destination: { host: 'web.shop.svc.cluster.local', port: { number: 8443 }, subset: 'canary' },
      weight: 100,
    },
  ]);
});

test('mirror route: method, path and headers matched, the split copied, a share mirrored', () => {
  const weighed = {
    name: 'primary',
    route: [
      { destination: { host: 'web-stable', port: { number: 8080 }, headers: { x: 1 } }, weight: 100 },
      { destination: { host: 'web-canary', port: { number: 8080 } }, weight: 0 },
    ],
    retries: { attempts: 3 },
  };
  const body = mirrorRouteBody(
    {
      name: 'm',
      match: [
        { method: { exact: 'GET' }, path: { prefix: '/api' }, headers: { 'x-debug': { exact: '1' } } },
        { headers: {} },
      ],
      percentage: 25,
    },
    HOST,
    weighed,
  );
  assert.deepEqual(body, {
    name: 'm',
    match: [
      { method: { exact: 'GET' }, uri: { prefix: '/api' }, headers: { 'x-debug': { exact: '1' } } },
      {},
    ],
    route: [
      { destination: { host: 'web-stable', port: { number: 8080 } }, weight: 100 },
      { destination: { host: 'web-canary', port: { number: 8080 } } },
    ],
    mirror: { host: 'web-canary', port: { number: 8080 } },
    mirrorPercentage: { value: 25 },
  });
  const bySubset = mirrorRouteBody({ name: 'm', match: [{ headers: {} }], percentage: 100 }, SUBSET, {
    route: [{ destination: { host: 'web', subset: 'stable' }, weight: 100 }],
  });
  assert.deepEqual(bySubset.mirror, { host: 'web.shop.svc.cluster.local', subset: 'canary' });
  assert.deepEqual(bySubset.mirrorPercentage, { value: 100 });
});

const PLACEMENT: { name: string; http: string[]; managed: string[]; add: string; after: string[] }[] = [
  {
    name: 'first managed route goes on top',
    http: ['primary'],
    managed: ['h'],
    add: 'h',
    after: ['h', 'primary'],
  },
  {
    name: 'below the managed routes listed before it',
    http: ['a', 'primary', 'secondary'],
    managed: ['a', 'b', 'c'],
    add: 'b',
    after: ['a', 'b', 'primary', 'secondary'],
  },
  {
    name: 'above the managed routes listed after it',
    http: ['c', 'primary'],
    managed: ['a', 'b', 'c'],
    add: 'a',
    after: ['a', 'c', 'primary'],
  },
  {
    name: 'a misplaced copy and a duplicate are moved into place',
    http: ['a', 'primary', 'b', 'b'],
    managed: ['a', 'b'],
    add: 'b',
    after: ['a', 'b', 'primary'],
  },
];

for (const c of PLACEMENT) {
  test(`placeManagedRoute: ${c.name}`, () => {
    const object = vs(c.http.map(named));
    const body = { name: c.add, match: [{ headers: { x: { exact: '1' } } }], route: [] };
    const after = applyJsonPatch(object, placeManagedRoute(object, body, c.managed));
    assert.deepEqual(names(after), c.after);
    assert.deepEqual(placeManagedRoute(after, body, c.managed), [], 'a second call changes nothing');
  });
}

test('placeManagedRoute updates a route in place: only the fields that differ', () => {
  const old = headerRouteBody(
    { name: 'h', match: [{ headerName: 'x', headerValue: { exact: 'a' } }] },
    HOST,
    80,
  );
  const object = vs([old, named('primary')]);
  const next = headerRouteBody(
    { name: 'h', match: [{ headerName: 'x', headerValue: { prefix: 'b' } }] },
    HOST,
    80,
  );
  // The match list is the rollout's own: it is written whole; the route's other fields stay.
  assert.deepEqual(placeManagedRoute(object, next, ['h']), [
    { op: 'replace', path: '/spec/http/0/match', value: next.match },
  ]);
});

test('placeManagedRoute refuses a VirtualService without HTTP routes', () => {
  assert.throws(
    () => placeManagedRoute(vs(undefined), { name: 'h' }, ['h']),
    /^Error: VirtualService shop\/web has no HTTP routes to put route "h" among$/,
  );
});

test('removeRoutesPatch takes out the named routes, last first, each checked by name', () => {
  const object = vs(['h', 'm', 'primary', 'h'].map(named));
  const ops = removeRoutesPatch(object, new Set(['h', 'm']));
  assert.deepEqual(ops, [
    { op: 'test', path: '/spec/http/3/name', value: 'h' },
    { op: 'remove', path: '/spec/http/3' },
    { op: 'test', path: '/spec/http/1/name', value: 'm' },
    { op: 'remove', path: '/spec/http/1' },
    { op: 'test', path: '/spec/http/0/name', value: 'h' },
    { op: 'remove', path: '/spec/http/0' },
  ]);
  const after = applyJsonPatch(object, ops);
  assert.deepEqual(names(after), ['primary']);
  assert.deepEqual(removeRoutesPatch(after, new Set(['h', 'm'])), []);
  assert.deepEqual(removeRoutesPatch(vs(undefined), new Set(['h'])), []);
});

test('diffJson: equal values give nothing, objects key by key, lists whole, keys escaped', () => {
  assert.deepEqual(diffJson('/a', { x: 1, y: [1, 2] }, { y: [1, 2], x: 1 }), []);
  assert.deepEqual(diffJson('/a', { x: 1, y: [1, 2] }, { x: 1, y: [2] }), [
    { op: 'replace', path: '/a/y', value: [2] },
  ]);
  assert.deepEqual(diffJson('/a', {}, { 'b/c~': 1 }), [{ op: 'add', path: '/a/b~1c~0', value: 1 }]);
});
