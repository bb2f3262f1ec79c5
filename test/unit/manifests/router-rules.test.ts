import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintMarked, rolloutText } from './helpers.ts';

const SERVICES = ['stableService: web-stable', 'canaryService: web-canary'];

interface Row {
  rule: string;
  /** Lines of spec.strategy.canary; `#@tag` marks the line of each expected diagnostic. */
  canary: string[];
  expect: [tag: string, message: string][];
}

const rows: Row[] = [
  {
    rule: 'trafficRouting must name a router',
    canary: ['trafficRouting: #@', '  managedRoutes: [{name: h}]'],
    expect: [
      [
        '',
        'trafficRouting names no traffic router: set nginx, istio or plugins.argoproj-labs/gatewayAPI (without a router, leave trafficRouting out and the pod counts set the weight)',
      ],
    ],
  },
  {
    rule: 'an empty plugins map is no router either',
    canary: ['trafficRouting: {plugins: {}} #@'],
    expect: [
      [
        '',
        'trafficRouting names no traffic router: set nginx, istio or plugins.argoproj-labs/gatewayAPI (without a router, leave trafficRouting out and the pod counts set the weight)',
      ],
    ],
  },
  {
    rule: 'nginx: an empty stableIngress is no Ingress (Argo: neither is configured)',
    canary: [...SERVICES, 'trafficRouting:', '  nginx:', '    stableIngress: "" #@'],
    expect: [['', 'stableIngress is empty: name the Ingress that routes to the stable Service']],
  },
  {
    rule: 'nginx: stableIngresses must list an Ingress, each once, none empty',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  nginx:',
      '    stableIngresses:',
      '      - web',
      '      - "" #@a',
      '      - web #@b',
    ],
    expect: [
      ['a', 'an Ingress name is empty'],
      ['b', 'stableIngresses lists the Ingress "web" twice'],
    ],
  },
  {
    rule: 'nginx: an empty stableIngresses list',
    canary: [...SERVICES, 'trafficRouting:', '  nginx:', '    stableIngresses: [] #@'],
    expect: [['', 'stableIngresses is empty: list the Ingresses that route to the stable Service']],
  },
  {
    rule: 'managedRoutes: a name listed twice',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  istio: {virtualService: {name: web}}',
      '  managedRoutes:',
      '    - name: testers',
      '    - name: testers #@',
    ],
    expect: [['', 'managedRoutes lists the route "testers" twice']],
  },
  {
    rule: 'istio: an empty virtualServices list',
    canary: [...SERVICES, 'trafficRouting:', '  istio:', '    virtualServices: [] #@'],
    expect: [['', 'virtualServices is empty: list the VirtualServices to shift traffic on']],
  },
  {
    rule: 'istio: a VirtualService listed twice, and an empty name',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  istio:',
      '    virtualServices:',
      '      - name: web',
      '      - name: web #@a',
      '      - name: "" #@b',
    ],
    expect: [
      ['a', 'virtualServices lists the VirtualService "web" twice'],
      ['b', 'the VirtualService name is empty'],
    ],
  },
  {
    rule: 'istio: a route the weight is set on cannot also be a managed route',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  managedRoutes: [{name: primary}]',
      '  istio:',
      '    virtualService:',
      '      name: web',
      '      routes:',
      '        - primary #@',
    ],
    expect: [
      [
        '',
        'route "primary" is also in trafficRouting.managedRoutes: managed routes are added and removed by the rollout, so a route it shifts weight on cannot be one of them',
      ],
    ],
  },
  {
    rule: 'istio: the canary and the stable subset must differ',
    canary: [
      'trafficRouting:',
      '  istio:',
      '    virtualService: {name: web}',
      '    destinationRule:',
      '      name: web',
      '      canarySubsetName: v2',
      '      stableSubsetName: v2 #@',
    ],
    expect: [
      ['', 'canarySubsetName and stableSubsetName are both "v2"; they must name two different subsets'],
    ],
  },
  {
    rule: 'a header value of "" is no value (Argo: the match misses a value)',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  istio: {virtualService: {name: web}}',
      '  managedRoutes: [{name: h}]',
      'steps:',
      '  - setHeaderRoute:',
      '      name: h',
      '      match:',
      '        - headerName: x-tester',
      '          headerValue: {exact: ""} #@',
    ],
    expect: [['', 'exact is empty: the match needs a value (Argo reads "" as no value)']],
  },
  {
    rule: 'mirror route matches: method, path and headers need values too',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  istio: {virtualService: {name: web}}',
      '  managedRoutes: [{name: m}]',
      'steps:',
      '  - setMirrorRoute:',
      '      name: m',
      '      match:',
      '        - path: {prefix: ""} #@a',
      '          headers:',
      '            x-debug: {regex: ""} #@b',
    ],
    expect: [
      ['a', 'prefix is empty: the match needs a value (Argo reads "" as no value)'],
      ['b', 'regex is empty: the match needs a value (Argo reads "" as no value)'],
    ],
  },
  {
    rule: 'gatewayAPI: an unknown key (with a suggestion), and no route named',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  plugins:',
      '    argoproj-labs/gatewayAPI: #@a',
      '      httpRoue: web #@b',
    ],
    expect: [
      [
        'a',
        'the argoproj-labs/gatewayAPI plugin names no route: set httpRoute, httpRoutes, grpcRoute or grpcRoutes',
      ],
      [
        'b',
        'unknown field "httpRoue" (did you mean httpRoute?); the argoproj-labs/gatewayAPI plugin reads: httpRoute, httpRoutes, grpcRoute, grpcRoutes, namespace, configMap, disableInProgressLabel',
      ],
    ],
  },
  {
    rule: 'gatewayAPI: the config must be a mapping',
    canary: [...SERVICES, 'trafficRouting:', '  plugins:', '    argoproj-labs/gatewayAPI: web #@'],
    expect: [
      [
        '',
        "the argoproj-labs/gatewayAPI plugin's config must be a mapping naming its routes (httpRoute, httpRoutes, grpcRoute or grpcRoutes)",
      ],
    ],
  },
  {
    rule: 'gatewayAPI: the plugin needs both Services',
    canary: [
      'stableService: web-stable',
      'trafficRouting:',
      '  plugins:',
      '    argoproj-labs/gatewayAPI: #@',
      '      httpRoute: web',
    ],
    expect: [
      [
        '',
        'the argoproj-labs/gatewayAPI plugin shifts traffic between canaryService and stableService; missing canaryService',
      ],
    ],
  },
  {
    rule: 'gatewayAPI: route entries need a name, lists are not empty, names appear once, values have their types',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  plugins:',
      '    argoproj-labs/gatewayAPI:',
      '      namespace: Edge_NS #@a',
      '      grpcRoutes: [] #@b',
      '      httpRoute: 7 #@c',
      '      httpRoutes:',
      '        - useHeaderRoutes: true #@d',
      '        - name: api',
      '          useHeaderRoutes: "yes" #@e',
      '        - name: api #@f',
    ],
    expect: [
      ['a', 'namespace must be a namespace name (a DNS-1123 label)'],
      ['b', 'grpcRoutes must be a non-empty list of {name, useHeaderRoutes}'],
      ['c', 'httpRoute must be a non-empty string'],
      ['d', 'name must be a non-empty string'],
      ['e', 'useHeaderRoutes must be true or false'],
      ['f', 'httpRoutes lists "api" twice'],
    ],
  },
  {
    rule: 'gatewayAPI: a route kind not driven yet is refused as such, not as "no route"',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  plugins:',
      '    argoproj-labs/gatewayAPI:',
      '      tcpRoute: db #@',
    ],
    expect: [
      [
        '',
        "TCPRoutes (the gatewayAPI plugin's tcpRoute, tcpRoutes) are not supported yet (planned: more Gateway API route kinds)",
      ],
    ],
  },
  {
    rule: 'the routers rollout-pilot drives pass: nginx, istio host- and subset-level, gatewayAPI',
    canary: [
      ...SERVICES,
      'trafficRouting:',
      '  maxTrafficWeight: 1000',
      '  managedRoutes: [{name: h}]',
      '  nginx: {stableIngress: web}',
      '  plugins:',
      '    argoproj-labs/gatewayAPI: {httpRoute: web, namespace: edge, configMap: rollout-routes}',
    ],
    expect: [],
  },
];

describe('traffic router rules (one Rollout)', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const { actual, expected } = lintMarked(rolloutText(row.canary), row.expect);
      assert.deepEqual(actual.sort(), expected.sort());
    });
  }
});
