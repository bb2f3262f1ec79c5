import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import {
  type CanaryIngressInput,
  canaryIngressName,
  canaryIngressPatch,
  desiredCanaryIngress,
  parseNginxConfig,
} from '../../../src/adapters/routers/nginx-ingress.ts';
import { applyJsonPatch } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

function backend(service: string, port = 80): Obj {
  return { service: { name: service, port: { number: port } } };
}

function rule(host: string, ...services: string[]): Obj {
  return {
    host,
    http: {
      paths: services.map((s, i) => ({ path: `/p${i}`, pathType: 'Prefix', backend: backend(s) })),
    },
  };
}

function ingress(name: string, spec: Obj, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', ...(annotations === undefined ? {} : { annotations }) },
    spec,
  };
}

const STABLE = ingress('web', { rules: [rule('shop.example', 'web-stable')] });

function input(over: Partial<CanaryIngressInput> & { nginx?: unknown } = {}): CanaryIngressInput {
  const { nginx, ...rest } = over;
  return {
    rollout: { name: 'web', namespace: 'shop' },
    stable: STABLE,
    stableService: 'web-stable',
    canaryService: 'web-canary',
    config: parseNginxConfig(nginx ?? { stableIngress: 'web' }),
    weight: 10,
    weightTotal: undefined,
    ...rest,
  };
}

const annotationsOf = (o: KubeObject): unknown => o.metadata.annotations;
const specOf = (o: KubeObject): unknown => o.spec;
const BASE_ANNOTATIONS = {
  'nginx.ingress.kubernetes.io/canary': 'true',
  'nginx.ingress.kubernetes.io/canary-weight': '10',
};

interface BuildCase {
  name: string;
  input: CanaryIngressInput;
  pick: (canary: KubeObject) => unknown;
  want: unknown;
}

const cases: BuildCase[] = [
  {
    name: 'named <rollout>-<stable ingress>-canary, in the rollout namespace',
    input: input(),
    pick: (c) => [c.apiVersion, c.kind, c.metadata],
    want: [
      'networking.k8s.io/v1',
      'Ingress',
      { name: 'web-web-canary', namespace: 'shop', annotations: BASE_ANNOTATIONS },
    ],
  },
  {
    name: 'only the rules sending to the stable Service are copied, their stable backends renamed',
    input: input({
      stable: ingress('web', {
        rules: [
          rule('a.example', 'other'),
          rule('b.example', 'other', 'web-stable'),
          rule('c.example', 'web-stable'),
        ],
      }),
    }),
    pick: specOf,
    want: { rules: [rule('b.example', 'other', 'web-canary'), rule('c.example', 'web-canary')] },
  },
  {
    name: 'a rule without http and a resource backend are passed over',
    input: input({
      stable: ingress('web', {
        rules: [
          { host: 'bare.example' },
          { http: { paths: [{ path: '/r', backend: { resource: { kind: 'Bucket', name: 'b' } } }] } },
          rule('c.example', 'web-stable'),
        ],
      }),
    }),
    pick: specOf,
    want: { rules: [rule('c.example', 'web-canary')] },
  },
  {
    name: 'tls and ingressClassName are copied; the default backend is not',
    input: input({
      stable: ingress('web', {
        ingressClassName: 'nginx-public',
        defaultBackend: backend('web-stable'),
        tls: [{ hosts: ['shop.example'], secretName: 'shop-tls' }],
        rules: [rule('shop.example', 'web-stable')],
      }),
    }),
    pick: specOf,
    want: {
      rules: [rule('shop.example', 'web-canary')],
      tls: [{ hosts: ['shop.example'], secretName: 'shop-tls' }],
      ingressClassName: 'nginx-public',
    },
  },
  {
    name: 'an empty tls list is not copied (the API server would drop it)',
    input: input({ stable: ingress('web', { tls: [], rules: [rule('s', 'web-stable')] }) }),
    pick: specOf,
    want: { rules: [rule('s', 'web-canary')] },
  },
  {
    name: 'of the stable annotations only kubernetes.io/ingress.class is copied',
    input: input({
      stable: ingress('web', STABLE.spec as Obj, {
        'kubernetes.io/ingress.class': 'nginx',
        'nginx.ingress.kubernetes.io/use-regex': 'true',
      }),
    }),
    pick: annotationsOf,
    want: { 'kubernetes.io/ingress.class': 'nginx', ...BASE_ANNOTATIONS },
  },
  {
    name: 'additional annotations get the prefix unless their key starts with it (a plain string test)',
    input: input({
      nginx: {
        stableIngress: 'web',
        additionalIngressAnnotations: {
          'canary-by-header': 'X-Canary',
          'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
          'nginx.ingress.kubernetes.io.extra': 'x',
        },
      },
    }),
    pick: annotationsOf,
    want: {
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
      'nginx.ingress.kubernetes.io.extra': 'x',
      ...BASE_ANNOTATIONS,
    },
  },
  {
    name: 'a custom annotationPrefix names every canary annotation',
    input: input({
      nginx: {
        stableIngress: 'web',
        annotationPrefix: 'custom.nginx.org',
        additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
      },
      weightTotal: 1000,
    }),
    pick: annotationsOf,
    want: {
      'custom.nginx.org/canary-by-header': 'X-Canary',
      'custom.nginx.org/canary': 'true',
      'custom.nginx.org/canary-weight': '10',
      'custom.nginx.org/canary-weight-total': '1000',
    },
  },
  {
    name: 'an empty annotationPrefix means the default',
    input: input({ nginx: { stableIngress: 'web', annotationPrefix: '' } }),
    pick: annotationsOf,
    want: BASE_ANNOTATIONS,
  },
  {
    name: 'canaryIngressAnnotations are written verbatim and win over the additional ones',
    input: input({
      nginx: {
        stableIngress: 'web',
        additionalIngressAnnotations: { 'canary-by-header': 'X-A', 'load-balance': 'ewma' },
        canaryIngressAnnotations: {
          'nginx.ingress.kubernetes.io/canary-by-header': 'X-B',
          'example.com/team': 'shop',
        },
      },
    }),
    pick: annotationsOf,
    want: {
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-B',
      'nginx.ingress.kubernetes.io/load-balance': 'ewma',
      'example.com/team': 'shop',
      ...BASE_ANNOTATIONS,
    },
  },
  {
    name: 'the canary mark and weight win over any annotation the rollout writes; ingress.class can be overridden',
    input: input({
      stable: ingress('web', STABLE.spec as Obj, { 'kubernetes.io/ingress.class': 'nginx' }),
      nginx: {
        stableIngress: 'web',
        additionalIngressAnnotations: { canary: 'false' },
        canaryIngressAnnotations: {
          'nginx.ingress.kubernetes.io/canary-weight': '99',
          'kubernetes.io/ingress.class': 'nginx-canary',
        },
      },
    }),
    pick: annotationsOf,
    want: { 'kubernetes.io/ingress.class': 'nginx-canary', ...BASE_ANNOTATIONS },
  },
  {
    name: 'canary-weight-total is written whenever maxTrafficWeight is written, 100 included',
    input: input({ weight: 25, weightTotal: 100 }),
    pick: annotationsOf,
    want: {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '25',
      'nginx.ingress.kubernetes.io/canary-weight-total': '100',
    },
  },
  {
    name: 'each stable Ingress of stableIngresses has its own canary name',
    input: input({
      nginx: { stableIngresses: ['web', 'web-internal'] },
      stable: ingress('web-internal', { rules: [rule('internal', 'web-stable')] }),
    }),
    pick: (c) => [c.metadata.name, c.spec],
    want: ['web-web-internal-canary', { rules: [rule('internal', 'web-canary')] }],
  },
  {
    name: 'the stable Ingress is not changed by building from it',
    input: input(),
    pick: () => STABLE,
    want: ingress('web', { rules: [rule('shop.example', 'web-stable')] }),
  },
];

for (const c of cases) {
  test(`canary Ingress: ${c.name}`, () => {
    assert.deepEqual(c.pick(desiredCanaryIngress(c.input)), c.want);
  });
}

test('canary Ingress name: the part before -canary is cut to fit 253 characters, as Argo does', () => {
  const table: [string, string, string][] = [
    ['web', 'web', 'web-web-canary'],
    ['r'.repeat(122), 's'.repeat(123), `${'r'.repeat(122)}-${'s'.repeat(123)}-canary`],
    ['r'.repeat(122), 's'.repeat(124), `${'r'.repeat(122)}-${'s'.repeat(123)}-canary`],
    ['r'.repeat(300), 'web', `${'r'.repeat(246)}-canary`],
  ];
  for (const [rollout, stable, want] of table) {
    const name = canaryIngressName(rollout, stable);
    assert.equal(name, want);
    assert.ok(name.length <= 253);
  }
  assert.equal(canaryIngressName('r'.repeat(122), 's'.repeat(124)).length, 253);
});

test('canary Ingress: a stable Ingress with no rule on the stable Service is an error naming both', () => {
  for (const stable of [
    ingress('web', { rules: [rule('a', 'other')] }),
    ingress('web', { defaultBackend: backend('web-stable') }),
    ingress('web', {}),
  ]) {
    assert.throws(
      () => desiredCanaryIngress(input({ stable })),
      /^Error: Ingress shop\/web has no rule with a backend on Service web-stable$/,
    );
  }
});

test('nginx config: stableIngresses wins over stableIngress; one of them is required', () => {
  assert.deepEqual(parseNginxConfig({ stableIngress: 'a', stableIngresses: ['b', 'c'] }), {
    stableIngresses: ['b', 'c'],
    annotationPrefix: 'nginx.ingress.kubernetes.io',
    additionalIngressAnnotations: {},
    canaryIngressAnnotations: {},
  });
  assert.deepEqual(parseNginxConfig({ stableIngress: 'a' }).stableIngresses, ['a']);
  assert.throws(() => parseNginxConfig({}), /trafficRouting\.nginx needs stableIngress or stableIngresses/);
  assert.throws(() => parseNginxConfig(undefined), /needs stableIngress or stableIngresses/);
  assert.throws(
    () => parseNginxConfig({ stableIngresses: ['a', 3] }),
    /stableIngresses\[1\] must be an Ingress name/,
  );
});

/** The canary as created from STABLE at weight 10, with what the API server and others added. */
function created(extra: Record<string, string> = {}): KubeObject {
  const canary = desiredCanaryIngress(input());
  canary.metadata.annotations = { ...BASE_ANNOTATIONS, ...extra };
  canary.metadata.labels = { 'rollout-pilot.dev/rollout': 'web' };
  return canary;
}

interface PatchCase {
  name: string;
  current: KubeObject;
  desired: KubeObject;
  want: unknown[];
}

const patchCases: PatchCase[] = [
  {
    name: 'nothing differs: no op',
    current: created({ 'example.com/by-hand': 'yes' }),
    desired: desiredCanaryIngress(input()),
    want: [],
  },
  {
    name: 'a new weight: the weight annotation alone',
    current: created(),
    desired: desiredCanaryIngress(input({ weight: 40 })),
    want: [
      {
        op: 'replace',
        path: '/metadata/annotations/nginx.ingress.kubernetes.io~1canary-weight',
        value: '40',
      },
    ],
  },
  {
    name: 'annotations others added, or the rollout no longer writes, stay; labels are not touched',
    current: created({ 'nginx.ingress.kubernetes.io/canary-by-header': 'X-Old' }),
    desired: desiredCanaryIngress(input({ weightTotal: 1000 })),
    want: [
      {
        op: 'add',
        path: '/metadata/annotations/nginx.ingress.kubernetes.io~1canary-weight-total',
        value: '1000',
      },
    ],
  },
  {
    name: 'a stable path changed: only that value follows',
    current: created(),
    desired: desiredCanaryIngress(
      input({
        stable: ingress('web', {
          rules: [
            {
              host: 'shop.example',
              http: { paths: [{ path: '/new', pathType: 'Prefix', backend: backend('web-stable') }] },
            },
          ],
        }),
      }),
    ),
    want: [{ op: 'replace', path: '/spec/rules/0/http/paths/0/path', value: '/new' }],
  },
  {
    name: 'the spec follows the stable one: a rule added, tls and class added, a stray default backend removed',
    current: ingress(
      'web-web-canary',
      { defaultBackend: backend('x'), rules: [rule('shop.example', 'web-canary')] },
      BASE_ANNOTATIONS,
    ),
    desired: desiredCanaryIngress(
      input({
        stable: ingress('web', {
          ingressClassName: 'nginx',
          tls: [{ secretName: 't' }],
          rules: [rule('shop.example', 'web-stable'), rule('api.example', 'web-stable')],
        }),
      }),
    ),
    want: [
      { op: 'remove', path: '/spec/defaultBackend' },
      { op: 'add', path: '/spec/rules/1', value: rule('api.example', 'web-canary') },
      { op: 'add', path: '/spec/tls', value: [{ secretName: 't' }] },
      { op: 'add', path: '/spec/ingressClassName', value: 'nginx' },
    ],
  },
  {
    name: 'a rule gone from the stable: removed from the canary, tls too',
    current: ingress(
      'web-web-canary',
      {
        rules: [rule('a', 'web-canary'), rule('b', 'web-canary'), rule('c', 'web-canary')],
        tls: [{ secretName: 't' }],
      },
      BASE_ANNOTATIONS,
    ),
    desired: desiredCanaryIngress(input({ stable: ingress('web', { rules: [rule('a', 'web-stable')] }) })),
    want: [
      { op: 'remove', path: '/spec/tls' },
      { op: 'remove', path: '/spec/rules/2' },
      { op: 'remove', path: '/spec/rules/1' },
    ],
  },
  {
    name: 'a canary without annotations or spec gets them whole',
    current: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web-web-canary' } },
    desired: desiredCanaryIngress(input()),
    want: [
      { op: 'add', path: '/metadata/annotations', value: BASE_ANNOTATIONS },
      { op: 'add', path: '/spec', value: { rules: [rule('shop.example', 'web-canary')] } },
    ],
  },
];

for (const c of patchCases) {
  test(`canary Ingress patch: ${c.name}`, () => {
    const ops = canaryIngressPatch(c.current, c.desired);
    assert.deepEqual(ops, c.want);
    const patched = applyJsonPatch(c.current, ops);
    assert.deepEqual(patched.spec, c.desired.spec, 'the spec ends as desired');
    assert.deepEqual(patched.metadata.labels, c.current.metadata.labels);
    const annotations = patched.metadata.annotations as Record<string, string>;
    for (const [k, v] of Object.entries(c.desired.metadata.annotations as Record<string, string>))
      assert.equal(annotations[k], v, k);
  });
}
