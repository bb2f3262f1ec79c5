import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { HeaderRoute, JsonPatchOp } from '../../../src/controller/traffic-router.ts';
import {
  gatewayHeaderMatches,
  headerRouteOps,
  removeHeaderRouteOps,
  removeManagedRulesOps,
} from '../../../src/adapters/routers/gateway-api-header-rules.ts';
import {
  inProgressLabelOps,
  isManagedRuleName,
  observedCanaryWeight,
  weightOps,
} from '../../../src/adapters/routers/gateway-api-routes.ts';
import { applyJsonPatch } from '../../support/fake-router-objects.ts';
import {
  CANARY,
  SERVICES,
  STABLE,
  pathMatch,
  ref,
  route,
  rulesIn,
  split,
} from '../../support/gateway-routes.ts';

const MANAGED = ['canary-route1', 'canary-route2'];
const LABEL = { key: 'rollouts.argoproj.io/gatewayapi-canary', value: 'in-progress' };

const weights =
  (canary: number, max = 100) =>
  (r: KubeObject): JsonPatchOp[] =>
    weightOps(r, SERVICES, MANAGED, { canary, stable: max - canary });

function header(name: string, match: HeaderRoute['match']) {
  const route: HeaderRoute = { name, match };
  return (r: KubeObject): JsonPatchOp[] =>
    headerRouteOps(r, SERVICES, MANAGED, name, gatewayHeaderMatches(route));
}

const exactV2 = [{ headerName: 'X-Version', headerValue: { exact: 'v2' } }];
const v2Header = { name: 'X-Version', type: 'Exact', value: 'v2' };
const canaryRef = { group: '', kind: 'Service', name: CANARY, port: 80 };

/** The header rule the plugin writes for a source rule matching `path` with the v2 header. */
function v2Rule(name: string, path = '/'): Record<string, unknown> {
  return { name, matches: [{ ...pathMatch(path), headers: [v2Header] }], backendRefs: [canaryRef] };
}

/** A header rule as older plugins wrote it, or as CRDs without rule names keep it. */
const unnamedV2 = { matches: [{ ...pathMatch('/'), headers: [v2Header] }], backendRefs: [canaryRef] };

interface Case {
  name: string;
  before: KubeObject;
  act: (route: KubeObject) => JsonPatchOp[];
  /** The rules after the patch. */
  rules?: unknown;
  /** The exact patch, where its minimality is the point. */
  ops?: JsonPatchOp[];
  error?: RegExp;
}

const other = { backendRefs: [ref('other-svc', 5)] };
const stableOnly = { matches: [pathMatch('/admin')], backendRefs: [ref(STABLE, 1)] };
const canaryOnly = { matches: [pathMatch('/preview')], backendRefs: [ref(CANARY)] };

const cases: Case[] = [
  {
    name: 'one rule without weights: both are added',
    before: route([split()]),
    act: weights(30),
    rules: [split(70, 30)],
  },
  {
    name: 'one rule with weights: only the two weights are replaced, each after a test of its backendRef',
    before: route([split(100, 0)]),
    act: weights(30),
    ops: [
      { op: 'test', path: '/spec/rules/0/backendRefs/0/name', value: STABLE },
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 70 },
      { op: 'test', path: '/spec/rules/0/backendRefs/1/name', value: CANARY },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 30 },
    ],
  },
  {
    name: 'weights already set: no ops',
    before: route([split(70, 30)]),
    act: weights(30),
    ops: [],
  },
  {
    name: 'only the differing weight is written',
    before: route([split(70, 20)]),
    act: weights(30),
    ops: [
      { op: 'test', path: '/spec/rules/0/backendRefs/1/name', value: CANARY },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 30 },
    ],
  },
  {
    name: 'many rules: every rule that splits traffic is set; others are left alone',
    before: route([split(100, 0, { matches: [pathMatch('/a')] }), other, stableOnly, canaryOnly, split()]),
    act: weights(10),
    rules: [split(90, 10, { matches: [pathMatch('/a')] }), other, stableOnly, canaryOnly, split(90, 10)],
  },
  {
    name: 'a backendRef to a third Service in a split rule keeps its weight',
    before: route([{ backendRefs: [ref(STABLE, 100), ref(CANARY, 0), ref('mirror-svc', 3)] }]),
    act: weights(40),
    rules: [{ backendRefs: [ref(STABLE, 60), ref(CANARY, 40), ref('mirror-svc', 3)] }],
  },
  {
    name: 'maxTrafficWeight 1000: the stable gets the rest of 1000',
    before: route([split(1000, 0)]),
    act: weights(250, 1000),
    rules: [split(750, 250)],
  },
  {
    name: 'weight 0 and weight 100',
    before: route([split(50, 50), split(0, 100)]),
    act: weights(0),
    rules: [split(100, 0), split(100, 0)],
  },
  {
    name: 'header rules (named, or unnamed from older plugins) are never weighted',
    before: route([
      split(100, 0),
      v2Rule('canary-route1'),
      unnamedV2,
      { name: 'canary-route2-1', backendRefs: [ref(STABLE, 5), ref(CANARY, 5)] },
    ]),
    act: weights(20),
    rules: [
      split(80, 20),
      v2Rule('canary-route1'),
      unnamedV2,
      { name: 'canary-route2-1', backendRefs: [ref(STABLE, 5), ref(CANARY, 5)] },
    ],
  },
  {
    name: 'GRPCRoute weights',
    before: route([split(100, 0, { matches: [{ method: { service: 'shop.Cart' } }] })], 'GRPCRoute'),
    act: weights(25),
    rules: [split(75, 25, { matches: [{ method: { service: 'shop.Cart' } }] })],
  },
  {
    name: 'TCPRoute weights',
    before: route([split(100, 0)], 'TCPRoute'),
    act: weights(50),
    rules: [split(50, 50)],
  },
  {
    name: 'no rule sends to the stable: an error naming the route',
    before: route([other, canaryOnly]),
    act: weights(10),
    error: /^Error: HTTPRoute shop\/web has no rule with a backendRef to the stable Service "web-stable"$/,
  },
  {
    name: 'the stable without the canary beside it: an error naming the route',
    before: route([stableOnly]),
    act: weights(10),
    error: /^Error: HTTPRoute shop\/web has no backendRef to the canary Service "web-canary" beside/,
  },
  {
    name: 'header route, exact: a canary-only rule at the end, the source matches plus the header',
    before: route([split(90, 10, { matches: [pathMatch('/api')] })]),
    act: header('canary-route1', exactV2),
    rules: [split(90, 10, { matches: [pathMatch('/api')] }), v2Rule('canary-route1', '/api')],
  },
  {
    name: 'header route, regex; the source headers, query params, method and filters are kept',
    before: route([
      split(90, 10, {
        matches: [
          {
            ...pathMatch('/'),
            headers: [{ name: 'x-env', type: 'Exact', value: 'prod' }],
            queryParams: [{ name: 'q', value: '1' }],
            method: 'GET',
          },
        ],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [] } }],
      }),
    ]),
    act: header('canary-route1', [{ headerName: 'X-User', headerValue: { regex: '^(a|b)$' } }]),
    rules: [
      split(90, 10, {
        matches: [
          {
            ...pathMatch('/'),
            headers: [{ name: 'x-env', type: 'Exact', value: 'prod' }],
            queryParams: [{ name: 'q', value: '1' }],
            method: 'GET',
          },
        ],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [] } }],
      }),
      {
        name: 'canary-route1',
        matches: [
          {
            ...pathMatch('/'),
            headers: [
              { name: 'x-env', type: 'Exact', value: 'prod' },
              { name: 'X-User', type: 'RegularExpression', value: '^(a|b)$' },
            ],
            queryParams: [{ name: 'q', value: '1' }],
            method: 'GET',
          },
        ],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [] } }],
        backendRefs: [canaryRef],
      },
    ],
  },
  {
    name: 'header route, prefix: a regular expression with the prefix escaped',
    before: route([{ backendRefs: [ref(STABLE), ref(CANARY)] }]),
    act: header('canary-route1', [{ headerName: 'X-Ver', headerValue: { prefix: 'v1.2' } }]),
    rules: [
      { backendRefs: [ref(STABLE), ref(CANARY)] },
      {
        name: 'canary-route1',
        matches: [{ headers: [{ name: 'X-Ver', type: 'RegularExpression', value: 'v1\\.2.*' }] }],
        backendRefs: [canaryRef],
      },
    ],
  },
  {
    name: 'header route on a route with many rules: one copy per split rule, named <name>-<n>',
    before: route([
      split(90, 10, { matches: [pathMatch('/a')] }),
      other,
      split(90, 10, { matches: [pathMatch('/b')] }),
    ]),
    act: header('canary-route1', exactV2),
    rules: [
      split(90, 10, { matches: [pathMatch('/a')] }),
      other,
      split(90, 10, { matches: [pathMatch('/b')] }),
      v2Rule('canary-route1', '/a'),
      v2Rule('canary-route1-1', '/b'),
    ],
  },
  {
    name: 'header route on a GRPCRoute: the method match is kept',
    before: route([split(90, 10, { matches: [{ method: { service: 'shop.Cart' } }] })], 'GRPCRoute'),
    act: header('canary-route1', exactV2),
    rules: [
      split(90, 10, { matches: [{ method: { service: 'shop.Cart' } }] }),
      {
        name: 'canary-route1',
        matches: [{ method: { service: 'shop.Cart' }, headers: [v2Header] }],
        backendRefs: [canaryRef],
      },
    ],
  },
  {
    name: 'header route changed: the rule is replaced where it stands, after a test of it',
    before: route([split(90, 10), v2Rule('canary-route1'), split(90, 10, { matches: [pathMatch('/z')] })]),
    act: header('canary-route1', [{ headerName: 'X-Version', headerValue: { exact: 'v3' } }]),
    ops: [
      { op: 'test', path: '/spec/rules/1', value: v2Rule('canary-route1') },
      {
        op: 'replace',
        path: '/spec/rules/1',
        value: {
          name: 'canary-route1',
          matches: [{ headers: [{ ...v2Header, value: 'v3' }] }],
          backendRefs: [canaryRef],
        },
      },
      {
        op: 'add',
        path: '/spec/rules/-',
        value: {
          name: 'canary-route1-1',
          matches: [{ ...pathMatch('/z'), headers: [{ ...v2Header, value: 'v3' }] }],
          backendRefs: [canaryRef],
        },
      },
    ],
  },
  {
    name: 'header route read back with server defaults (weight 1): no ops',
    before: route([
      split(90, 10, { matches: [pathMatch('/')] }),
      { ...v2Rule('canary-route1'), backendRefs: [{ ...canaryRef, weight: 1 }] },
    ]),
    act: header('canary-route1', exactV2),
    ops: [],
  },
  {
    name: 'header route read back without its name (CRDs before rule names): no ops',
    before: route([split(90, 10, { matches: [pathMatch('/')] }), unnamedV2]),
    act: header('canary-route1', exactV2),
    ops: [],
  },
  {
    name: 'fewer split rules than copies: the extra copy is removed',
    before: route([
      split(90, 10, { matches: [pathMatch('/')] }),
      v2Rule('canary-route1'),
      v2Rule('canary-route1-1', '/gone'),
    ]),
    act: header('canary-route1', exactV2),
    rules: [split(90, 10, { matches: [pathMatch('/')] }), v2Rule('canary-route1')],
  },
  {
    name: 'header route with no split rule: an error naming the route',
    before: route([other]),
    act: header('canary-route1', exactV2),
    error: /^Error: HTTPRoute shop\/web has no rule with a backendRef to the stable Service/,
  },
  {
    name: 'header value with no exact, prefix or regex: an error naming the step and header',
    before: route([split()]),
    act: header('canary-route1', [{ headerName: 'X-A', headerValue: {} }]),
    error: /^Error: setHeaderRoute "canary-route1": header "X-A" needs exact, prefix or regex$/,
  },
  {
    name: 'removeHeaderRoute removes that route and its copies only, last first',
    before: route([v2Rule('canary-route1'), split(), v2Rule('canary-route2'), v2Rule('canary-route1-1')]),
    act: (r) => removeHeaderRouteOps(r, 'canary-route1'),
    ops: [
      { op: 'test', path: '/spec/rules/3', value: v2Rule('canary-route1-1') },
      { op: 'remove', path: '/spec/rules/3' },
      { op: 'test', path: '/spec/rules/0', value: v2Rule('canary-route1') },
      { op: 'remove', path: '/spec/rules/0' },
    ],
  },
  {
    name: 'removeManagedRoutes removes every managed rule and unnamed header rules, not user rules',
    before: route([
      split(90, 10),
      v2Rule('canary-route1'),
      canaryOnly,
      { ...v2Rule('mine'), name: 'preview' },
      unnamedV2,
      v2Rule('canary-route2-2'),
      v2Rule('canary-route3'),
    ]),
    act: (r) => removeManagedRulesOps(r, SERVICES, MANAGED),
    rules: [split(90, 10), canaryOnly, { ...v2Rule('mine'), name: 'preview' }, v2Rule('canary-route3')],
  },
  {
    name: 'removeManagedRoutes with nothing to remove: no ops',
    before: route([split(90, 10), canaryOnly]),
    act: (r) => removeManagedRulesOps(r, SERVICES, MANAGED),
    ops: [],
  },
  {
    name: 'in-progress label added with the labels map when there is none',
    before: route([split()]),
    act: (r) => inProgressLabelOps(r, LABEL, 10),
    ops: [{ op: 'add', path: '/metadata/labels', value: { [LABEL.key]: 'in-progress' } }],
  },
  {
    name: 'in-progress label added beside other labels, its key escaped',
    before: route([split()], 'HTTPRoute', 'web', { labels: { app: 'web' } }),
    act: (r) => inProgressLabelOps(r, LABEL, 10),
    ops: [
      { op: 'add', path: '/metadata/labels/rollouts.argoproj.io~1gatewayapi-canary', value: 'in-progress' },
    ],
  },
  {
    name: 'in-progress label removed at weight 0',
    before: route([split()], 'HTTPRoute', 'web', { labels: { app: 'web', [LABEL.key]: 'in-progress' } }),
    act: (r) => inProgressLabelOps(r, LABEL, 0),
    ops: [{ op: 'remove', path: '/metadata/labels/rollouts.argoproj.io~1gatewayapi-canary' }],
  },
  {
    name: 'in-progress label disabled: no ops',
    before: route([split()]),
    act: (r) => inProgressLabelOps(r, undefined, 10),
    ops: [],
  },
];

for (const c of cases) {
  test(`gateway api routes: ${c.name}`, () => {
    if (c.error !== undefined) {
      assert.throws(() => c.act(c.before), c.error);
      return;
    }
    const ops = c.act(c.before);
    if (c.ops !== undefined) assert.deepEqual(ops, c.ops);
    const after = applyJsonPatch(c.before, ops);
    if (c.rules !== undefined) assert.deepEqual(rulesIn(after), c.rules);
    assert.deepEqual(c.act(after), [], 'a second call changes nothing');
  });
}

test('gateway api routes: managed rule names are the name and <name>-<n>', () => {
  const table: [string, boolean][] = [
    ['canary-route1', true],
    ['canary-route1-1', true],
    ['canary-route1-12', true],
    ['canary-route1-x', false],
    ['canary-route1-', false],
    ['canary-route', false],
    ['other', false],
  ];
  for (const [name, managed] of table)
    assert.equal(isManagedRuleName(name, ['canary-route1']), managed, name);
});

test('gateway api routes: the observed canary weight is its share in the first split rule', () => {
  const table: [KubeObject, number, number | undefined][] = [
    [route([split(70, 30)]), 100, 30],
    [route([other, split(750, 250)]), 1000, 250],
    [route([split()]), 100, 50],
    [route([split(0, 0)]), 100, 0],
    [route([split(40, 60), split(100, 0)]), 100, 60],
    [route([other]), 100, undefined],
  ];
  for (const [r, max, expected] of table)
    assert.equal(observedCanaryWeight(r, SERVICES, MANAGED, max), expected);
});
