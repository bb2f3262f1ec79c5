import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGatewayApiConfig } from '../../../src/adapters/routers/gateway-api-config.ts';

const V1 = 'gateway.networking.k8s.io/v1';
const V1ALPHA2 = 'gateway.networking.k8s.io/v1alpha2';

/** The routes as `<apiVersion> <kind> <namespace>/<name> [headers]`. */
function routesOf(config: unknown): string[] {
  return parseGatewayApiConfig(config, 'shop').routes.map(
    ({ ref, useHeaderRoutes }) =>
      `${ref.apiVersion} ${ref.kind} ${ref.namespace}/${ref.name}${useHeaderRoutes ? ' headers' : ''}`,
  );
}

test('gateway api config: the routes, namespaces and header use as the plugin reads them', () => {
  const table: [string, unknown, string[]][] = [
    ['single httpRoute: header routes on', { httpRoute: 'web' }, [`${V1} HTTPRoute shop/web headers`]],
    [
      'httpRoutes list: header routes only when asked',
      { httpRoutes: [{ name: 'a' }, { name: 'b', useHeaderRoutes: true }] },
      [`${V1} HTTPRoute shop/a`, `${V1} HTTPRoute shop/b headers`],
    ],
    ['namespace override', { httpRoute: 'web', namespace: 'edge' }, [`${V1} HTTPRoute edge/web headers`]],
    [
      'grpc single and list, after the HTTP routes',
      { grpcRoutes: [{ name: 'g1' }], grpcRoute: 'g2', httpRoute: 'h' },
      [`${V1} HTTPRoute shop/h headers`, `${V1} GRPCRoute shop/g1`, `${V1} GRPCRoute shop/g2 headers`],
    ],
    [
      'tcp and tls routes are v1alpha2',
      { tcpRoute: 't', tlsRoutes: [{ name: 's' }] },
      [`${V1ALPHA2} TCPRoute shop/t headers`, `${V1ALPHA2} TLSRoute shop/s`],
    ],
    [
      'a route named twice is driven once, with header routes if either asks',
      { httpRoute: 'web', httpRoutes: [{ name: 'web' }] },
      [`${V1} HTTPRoute shop/web headers`],
    ],
    [
      'configMap (older plugins kept their bookkeeping there) is ignored',
      { httpRoute: 'web', configMap: 'cm' },
      [`${V1} HTTPRoute shop/web headers`],
    ],
  ];
  for (const [name, config, expected] of table) assert.deepEqual(routesOf(config), expected, name);
});

test('gateway api config: the in-progress label, its key and value, or none', () => {
  const label = (config: Record<string, unknown>) =>
    parseGatewayApiConfig({ httpRoute: 'web', ...config }, 'shop').inProgressLabel;
  assert.deepEqual(label({}), { key: 'rollouts.argoproj.io/gatewayapi-canary', value: 'in-progress' });
  assert.deepEqual(label({ inProgressLabelKey: 'k', inProgressLabelValue: 'v' }), { key: 'k', value: 'v' });
  assert.equal(label({ disableInProgressLabel: true }), undefined);
});

test('gateway api config: what it refuses, in one line each', () => {
  const table: [unknown, RegExp][] = [
    [{}, /argoproj-labs\/gatewayAPI names no route: set httpRoute\(s\), grpcRoute\(s\)/],
    ['web', /argoproj-labs\/gatewayAPI must be a mapping$/],
    [{ httpRoutes: [{ useHeaderRoutes: true }] }, /gatewayAPI\.httpRoutes\[0\]\.name needs a route name$/],
    [{ httpRoutes: ['web'] }, /gatewayAPI\.httpRoutes\[0\] must be a mapping with a name$/],
    [
      { httpRouteSelector: { matchLabels: { app: 'web' } } },
      /^NotSupportedError: .*httpRouteSelector \(finding routes by label\) is not supported: name the routes in httpRoutes$/,
    ],
  ];
  for (const [config, error] of table) assert.throws(() => parseGatewayApiConfig(config, 'shop'), error);
});
