import type { ObjectRef } from '../../controller/traffic-router.ts';
import { asBool, asList, asObj, asStr, isSet } from '../../manifests/values.ts';
import { NotSupportedError } from '../../util/errors.ts';

/** Where users configure the plugin, for messages. */
export const GATEWAY_API_PLUGIN = 'trafficRouting.plugins.argoproj-labs/gatewayAPI';

export type GatewayRouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute';

/** A route the rollout drives, and whether its setHeaderRoute steps add rules to it. */
export interface GatewayRouteTarget {
  ref: ObjectRef;
  kind: GatewayRouteKind;
  useHeaderRoutes: boolean;
}

/** The label the plugin puts on a route while the canary gets traffic (absent when disabled). */
export interface InProgressLabel {
  key: string;
  value: string;
}

export interface GatewayApiConfig {
  /** In the plugin's order: HTTP, then gRPC, TCP and TLS routes; a kind's list before its single key. */
  routes: GatewayRouteTarget[];
  inProgressLabel: InProgressLabel | undefined;
}

/** Per kind: its single key, its list key, its selector key and its API version. */
const KINDS: readonly { kind: GatewayRouteKind; key: string; apiVersion: string }[] = [
  { kind: 'HTTPRoute', key: 'httpRoute', apiVersion: 'gateway.networking.k8s.io/v1' },
  { kind: 'GRPCRoute', key: 'grpcRoute', apiVersion: 'gateway.networking.k8s.io/v1' },
  { kind: 'TCPRoute', key: 'tcpRoute', apiVersion: 'gateway.networking.k8s.io/v1alpha2' },
  { kind: 'TLSRoute', key: 'tlsRoute', apiVersion: 'gateway.networking.k8s.io/v1alpha2' },
];

const DEFAULT_LABEL: InProgressLabel = {
  key: 'rollouts.argoproj.io/gatewayapi-canary',
  value: 'in-progress',
};

function routeName(value: unknown, where: string): string {
  const name = asStr(value);
  if (name === undefined || name === '') throw new Error(`${GATEWAY_API_PLUGIN}.${where} needs a route name`);
  return name;
}

/** The routes of one kind: the list's entries (header routes only when asked), then the single key (always). */
function routesOfKind(
  block: Record<string, unknown>,
  kind: (typeof KINDS)[number],
): { name: string; useHeaderRoutes: boolean }[] {
  if (isSet(block[`${kind.key}Selector`]))
    throw new NotSupportedError(
      `${GATEWAY_API_PLUGIN}.${kind.key}Selector (finding routes by label) is not supported: name the routes in ${kind.key}s`,
    );
  const listed = asList(block[`${kind.key}s`]).map((entry, i) => {
    const where = `${kind.key}s[${i}]`;
    const item = asObj(entry);
    if (item === undefined) throw new Error(`${GATEWAY_API_PLUGIN}.${where} must be a mapping with a name`);
    return {
      name: routeName(item.name, `${where}.name`),
      useHeaderRoutes: asBool(item.useHeaderRoutes) ?? false,
    };
  });
  const single = block[kind.key];
  if (!isSet(single) || single === '') return listed;
  return [...listed, { name: routeName(single, kind.key), useHeaderRoutes: true }];
}

function inProgressLabel(block: Record<string, unknown>): InProgressLabel | undefined {
  if (asBool(block.disableInProgressLabel) === true) return undefined;
  return {
    key: asStr(block.inProgressLabelKey) || DEFAULT_LABEL.key,
    value: asStr(block.inProgressLabelValue) || DEFAULT_LABEL.value,
  };
}

/**
 * Reads the plugin's block as Argo users write it. `namespace` defaults to the rollout's. A route
 * named twice (a single key and a list entry) is driven once. `configMap` is ignored: the plugin
 * kept its header-route bookkeeping there before v0.13 and now finds its rules by name, as we do.
 */
export function parseGatewayApiConfig(config: unknown, rolloutNamespace: string): GatewayApiConfig {
  const block = asObj(config);
  if (block === undefined) throw new Error(`${GATEWAY_API_PLUGIN} must be a mapping`);
  const namespace = asStr(block.namespace) || rolloutNamespace;
  const routes: GatewayRouteTarget[] = [];
  for (const kind of KINDS) {
    for (const { name, useHeaderRoutes } of routesOfKind(block, kind)) {
      const same = routes.find((r) => r.kind === kind.kind && r.ref.name === name);
      if (same !== undefined) {
        same.useHeaderRoutes ||= useHeaderRoutes;
        continue;
      }
      const ref = { apiVersion: kind.apiVersion, kind: kind.kind, namespace, name };
      routes.push({ ref, kind: kind.kind, useHeaderRoutes });
    }
  }
  if (routes.length === 0)
    throw new Error(
      `${GATEWAY_API_PLUGIN} names no route: set httpRoute(s), grpcRoute(s), tcpRoute(s) or tlsRoute(s)`,
    );
  return { routes, inProgressLabel: inProgressLabel(block) };
}
