import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import {
  routerObjectCheck,
  routerObjectRefs,
  splitIstioName,
} from '../../../src/manifests/router-references.ts';
import { lintMarked, onlyDoc, rolloutText, yamlDocs } from './helpers.ts';

const SERVICES = ['stableService: web-stable', 'canaryService: web-canary'];

const ingress = (name: string, backend: string, apiVersion = 'networking.k8s.io/v1'): string =>
  [
    `apiVersion: ${apiVersion}`,
    'kind: Ingress',
    `metadata: {name: ${name}}`,
    'spec:',
    '  rules:',
    '    - host: web.example.com',
    '      http:',
    '        paths:',
    apiVersion === 'extensions/v1beta1'
      ? `          - {path: /, backend: {serviceName: ${backend}, servicePort: 80}}`
      : `          - {path: /, pathType: Prefix, backend: {service: {name: ${backend}, port: {number: 80}}}}`,
  ].join('\n');

const dest = (host: string, subset?: string): string =>
  `{destination: {host: ${host}${subset === undefined ? '' : `, subset: ${subset}`}}}`;

/** A VirtualService `name` with the given `spec.http`, `spec.tls` or `spec.tcp` lines. */
const virtualService = (name: string, spec: string[], namespace?: string): string =>
  [
    'apiVersion: networking.istio.io/v1beta1',
    'kind: VirtualService',
    'metadata:',
    `  name: ${name}`,
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    'spec:',
    '  hosts: [web]',
    ...spec.map((l) => `  ${l}`),
  ].join('\n');

const httpRoute = (kind: string, name: string, rules: string[], namespace?: string): string =>
  [
    'apiVersion: gateway.networking.k8s.io/v1',
    `kind: ${kind}`,
    `metadata: {name: ${name}${namespace === undefined ? '' : `, namespace: ${namespace}`}}`,
    'spec:',
    '  parentRefs: [{name: edge}]',
    '  rules:',
    ...rules.map((l) => `    ${l}`),
  ].join('\n');

const nginx = (lines: string[]): string[] => [...SERVICES, 'trafficRouting:', '  nginx:', ...lines];
const istio = (lines: string[], services = SERVICES): string[] => [
  ...services,
  'trafficRouting:',
  '  istio:',
  ...lines,
];
const gateway = (lines: string[]): string[] => [
  ...SERVICES,
  'trafficRouting:',
  '  plugins:',
  '    argoproj-labs/gatewayAPI:',
  ...lines,
];

interface Row {
  rule: string;
  docs: string[];
  expect: [tag: string, message: string][];
}

const rows: Row[] = [
  // nginx
  {
    rule: 'nginx: the stable Ingress needs a rule whose backend is the stable Service (Argo ValidateIngress)',
    docs: [rolloutText(nginx(['    stableIngress: web #@'])), ingress('web', 'web-canary')],
    expect: [
      [
        '',
        'Ingress web has no rule whose backend is the stable Service "web-stable" (the canary Ingress is made from those rules)',
      ],
    ],
  },
  {
    rule: 'nginx: each of stableIngresses is checked, extensions/v1beta1 backends too',
    docs: [
      rolloutText(nginx(['    stableIngresses:', '      - web', '      - web-admin #@'])),
      ingress('web', 'web-stable', 'extensions/v1beta1'),
      ingress('web-admin', 'admin'),
    ],
    expect: [
      [
        '',
        'Ingress web-admin has no rule whose backend is the stable Service "web-stable" (the canary Ingress is made from those rules)',
      ],
    ],
  },
  {
    rule: 'nginx: an Ingress not among the manifests may live in the cluster: lint says nothing',
    docs: [rolloutText(nginx(['    stableIngress: elsewhere']))],
    expect: [],
  },
  {
    rule: 'nginx: an Ingress of the same name in another namespace is not the one',
    docs: [
      rolloutText(nginx(['    stableIngress: web']), 'shop'),
      ingress('web', 'nothing').replace('metadata: {name: web}', 'metadata: {name: web, namespace: other}'),
    ],
    expect: [],
  },
  // istio
  {
    rule: 'istio: a route name the VirtualService does not have (with a suggestion)',
    docs: [
      rolloutText(istio(['    virtualService:', '      name: web', '      routes:', '        - primry #@'])),
      virtualService('web', [
        'http:',
        `  - {name: primary, route: [${dest('web-stable')}, ${dest('web-canary')}]}`,
      ]),
    ],
    expect: [['', 'VirtualService web has no HTTP route named "primry" (did you mean "primary"?)']],
  },
  {
    rule: 'istio: a named route must reach the canary and the stable Service (host-level)',
    docs: [
      rolloutText(
        istio(['    virtualService:', '      name: web', '      routes:', '        - primary #@']),
        'shop',
      ),
      virtualService(
        'web',
        ['http:', `  - {name: primary, route: [${dest('web-stable.shop.svc.cluster.local')}]}`],
        'shop',
      ),
    ],
    expect: [
      [
        '',
        'VirtualService shop/web: HTTP route "primary" has no destination for the canary Service "web-canary"',
      ],
    ],
  },
  {
    rule: 'istio: without routes named, the VirtualService may have only one HTTP route besides managed ones',
    docs: [
      rolloutText(istio(['    virtualService:', '      name: web #@'])),
      virtualService('web', [
        'http:',
        `  - {name: a, route: [${dest('web-stable')}, ${dest('web-canary')}]}`,
        `  - {name: b, route: [${dest('web-stable')}, ${dest('web-canary')}]}`,
      ]),
    ],
    expect: [
      [
        '',
        'VirtualService web has 2 HTTP routes: name the ones to shift traffic on in istio.virtualService.routes',
      ],
    ],
  },
  {
    rule: 'istio: without routes named, the unnamed route is used; managed routes do not count',
    docs: [
      rolloutText(istio(['    virtualService: {name: web} #@', '  managedRoutes: [{name: testers}]'])),
      virtualService('web', [
        'http:',
        `  - {name: testers, route: [${dest('web-canary')}]}`,
        `  - route: [${dest('web-stable')}]`,
      ]),
    ],
    expect: [
      [
        '',
        'VirtualService web: HTTP route spec.http[1] has no destination for the canary Service "web-canary"',
      ],
    ],
  },
  {
    rule: 'istio: a VirtualService without http, tls or tcp routes',
    docs: [rolloutText(istio(['    virtualService: {name: web} #@'])), virtualService('web', [])],
    expect: [['', 'VirtualService web has no http, tls or tcp routes to shift traffic on']],
  },
  {
    rule: 'istio: tlsRoutes must match a TLS route by port and SNI hosts, and reach both Services',
    docs: [
      rolloutText(
        istio([
          '    virtualService:',
          '      name: web',
          '      tlsRoutes:',
          '        - port: 443 #@a',
          '          sniHosts: [web.example.com]',
          '        - port: 8443 #@b',
          '          sniHosts: [web.example.com]',
        ]),
      ),
      virtualService('web', [
        'tls:',
        `  - match: [{port: 443, sniHosts: [api.example.com]}]`,
        `    route: [${dest('web-stable')}, ${dest('web-canary')}]`,
        `  - match: [{port: 8443, sniHosts: [web.example.com]}]`,
        `    route: [${dest('web-canary')}]`,
      ]),
    ],
    expect: [
      ['a', 'VirtualService web has no TLS route matching port 443 and sniHosts [web.example.com]'],
      [
        'b',
        'VirtualService web: TLS route spec.tls[1] has no destination for the stable Service "web-stable"',
      ],
    ],
  },
  {
    rule: 'istio: tcpRoutes need a TCP route on the port, and a VirtualService with tcp routes',
    docs: [
      rolloutText(
        istio([
          '    virtualServices:',
          '      - name: web',
          '        tcpRoutes:',
          '          - port: 5432 #@a',
          '      - name: db',
          '        tcpRoutes: #@b',
          '          - port: 5432',
        ]),
      ),
      virtualService('web', [
        'tcp:',
        `  - match: [{port: 3306}]`,
        `    route: [${dest('web-stable')}, ${dest('web-canary')}]`,
      ]),
      virtualService('db', ['http:', `  - route: [${dest('web-stable')}, ${dest('web-canary')}]`]),
    ],
    expect: [
      ['a', 'VirtualService web has no TCP route matching port 5432'],
      ['b', 'VirtualService db has no TCP routes (spec.tcp)'],
    ],
  },
  {
    rule: 'istio subset-level: routes must reach the DestinationRule subsets, which must exist',
    docs: [
      rolloutText(
        istio(
          [
            '    virtualService: {name: web.shop} #@a',
            '    destinationRule:',
            '      name: web',
            '      canarySubsetName: canry #@b',
            '      stableSubsetName: stable',
          ],
          [],
        ),
        'shop',
      ),
      virtualService(
        'web',
        ['http:', `  - route: [${dest('web', 'stable')}, ${dest('web', 'canary')}]`],
        'shop',
      ),
      [
        'apiVersion: networking.istio.io/v1beta1',
        'kind: DestinationRule',
        'metadata: {name: web, namespace: shop}',
        'spec:',
        '  host: web',
        '  subsets: [{name: canary}, {name: stable}]',
      ].join('\n'),
    ],
    expect: [
      [
        'a',
        'VirtualService shop/web: HTTP route spec.http[0] has no destination for the canary subset "canry"',
      ],
      ['b', 'DestinationRule shop/web has no subset named "canry" (subsets: canary, stable)'],
    ],
  },
  {
    rule: 'istio: the name.namespace form names a VirtualService in that namespace only',
    docs: [rolloutText(istio(['    virtualService: {name: web.edge}'])), virtualService('web', [], 'shop')],
    expect: [],
  },
  {
    rule: "istio: a document without a namespace goes into the Rollout's, so it is not web.edge",
    docs: [rolloutText(istio(['    virtualService: {name: web.edge}']), 'shop'), virtualService('web', [])],
    expect: [],
  },
  // Gateway API
  {
    rule: 'gatewayAPI: the HTTPRoute needs a rule with backendRefs to both Services',
    docs: [
      rolloutText(gateway(['      httpRoute: web #@'])),
      httpRoute('HTTPRoute', 'web', ['- backendRefs: [{name: web-stable, port: 80}]']),
    ],
    expect: [
      [
        '',
        'HTTPRoute web has no rule with backendRefs to both the stable Service "web-stable" and the canary Service "web-canary" (no rule sends to the canary Service "web-canary")',
      ],
    ],
  },
  {
    rule: 'gatewayAPI: the Services in two different rules are not enough; a backendRef of another kind does not count',
    docs: [
      rolloutText(gateway(['      namespace: edge', '      grpcRoutes:', '        - name: web #@'])),
      httpRoute(
        'GRPCRoute',
        'web',
        [
          '- backendRefs: [{name: web-stable, port: 80}, {name: web-canary, kind: ServiceImport, group: multicluster.x-k8s.io}]',
          '- backendRefs: [{name: web-canary, port: 80}]',
        ],
        'edge',
      ),
    ],
    expect: [
      [
        '',
        'GRPCRoute edge/web has no rule with backendRefs to both the stable Service "web-stable" and the canary Service "web-canary"',
      ],
    ],
  },
  {
    rule: 'gatewayAPI: a route in the right namespace that routes to both passes',
    docs: [
      rolloutText(gateway(['      httpRoutes: [{name: web}]'])),
      httpRoute('HTTPRoute', 'web', [
        '- backendRefs: [{name: web-canary, port: 80}, {name: web-stable, port: 80}]',
      ]),
    ],
    expect: [],
  },
];

describe('router objects among the manifests', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const { actual, expected } = lintMarked(yamlDocs(...row.docs), row.expect);
      assert.deepEqual(actual.sort(), expected.sort());
    });
  }
});

describe('router object references', () => {
  test("Istio's name.namespace form, as Argo reads it (a .cluster.local suffix dropped, dotted names kept)", () => {
    assert.deepEqual(splitIstioName('web'), { name: 'web', namespace: undefined });
    assert.deepEqual(splitIstioName('web.shop'), { name: 'web', namespace: 'shop' });
    assert.deepEqual(splitIstioName('web.v2.shop.cluster.local'), { name: 'web.v2', namespace: 'shop' });
  });

  test('every object the routers name, with the field and its line', () => {
    const doc = onlyDoc(
      rolloutText([
        ...SERVICES,
        'trafficRouting:',
        '  nginx: {stableIngresses: [a, b]}',
        '  istio:',
        '    virtualServices: [{name: vs.mesh}]',
        '    destinationRule: {name: dr, canarySubsetName: c, stableSubsetName: s}',
        '  plugins:',
        '    argoproj-labs/gatewayAPI: {namespace: edge, httpRoute: h, grpcRoutes: [{name: g}]}',
      ]),
    );
    const refs = routerObjectRefs(doc).map((r) => [r.kind, r.namespace ?? '', r.name, r.path, r.line]);
    const TR = 'spec.strategy.canary.trafficRouting';
    const GW = `${TR}.plugins.argoproj-labs/gatewayAPI`;
    assert.deepEqual(refs, [
      ['Ingress', '', 'a', `${TR}.nginx.stableIngresses[0]`, 16],
      ['Ingress', '', 'b', `${TR}.nginx.stableIngresses[1]`, 16],
      ['VirtualService', 'mesh', 'vs', `${TR}.istio.virtualServices[0].name`, 18],
      ['DestinationRule', '', 'dr', `${TR}.istio.destinationRule.name`, 19],
      ['HTTPRoute', 'edge', 'h', `${GW}.httpRoute`, 21],
      ['GRPCRoute', 'edge', 'g', `${GW}.grpcRoutes[0].name`, 21],
    ]);
  });

  test('an object read from the cluster is checked the same way, at the Rollout line', () => {
    const text = rolloutText(istio(['    virtualService:', '      name: web', '      routes: [main] #@']));
    const doc = parseManifestText('rollout.yaml', text).docs[0];
    assert.ok(doc);
    const [ref] = routerObjectRefs(doc);
    assert.ok(ref);
    const fromCluster = {
      metadata: { name: 'web', namespace: 'prod' },
      spec: { http: [{ name: 'other', route: [] }] },
    };
    const ds = routerObjectCheck(doc)({ ...ref, namespace: 'prod' }, fromCluster);
    assert.deepEqual(
      ds.map((d) => [d.file, d.line, d.path, d.message]),
      [
        [
          'rollout.yaml',
          text.split('\n').findIndex((l) => l.includes('#@')) + 1,
          'spec.strategy.canary.trafficRouting.istio.virtualService.routes[0]',
          'VirtualService prod/web has no HTTP route named "main"',
        ],
      ],
    );
  });
});
