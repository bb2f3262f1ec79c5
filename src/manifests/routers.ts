/**
 * Which traffic routers rollout-pilot drives, and the names the rules about them share. Argo's other
 * routers are validated by the schema but refused as "not supported yet" (features.ts). Pure.
 */
import { asObj, asStr, type Obj } from './values.ts';

export const TRAFFIC_ROUTING = 'spec.strategy.canary.trafficRouting';

/** The Gateway API router: Argo has it only as this plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi). */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

export const GATEWAY_API = `${TRAFFIC_ROUTING}.plugins.${GATEWAY_API_PLUGIN}`;

/** `trafficRouting` keys of routers rollout-pilot drives (plugins: only GATEWAY_API_PLUGIN). */
export const DRIVEN_ROUTERS = ['nginx', 'istio', 'plugins'] as const;

/** Argo's routers that are not built yet; each one is refused at its key. */
export const UNBUILT_ROUTERS = ['alb', 'smi', 'ambassador', 'appMesh', 'traefik', 'apisix'] as const;

/** Keys of the gatewayAPI plugin's config that rollout-pilot reads. */
export const GATEWAY_API_KEYS = [
  'httpRoute',
  'httpRoutes',
  'grpcRoute',
  'grpcRoutes',
  'namespace',
  // Where the plugin keeps its own bookkeeping; rollout-pilot keeps it in the rollout's state.
  'configMap',
  // rollout-pilot does not label routes while a canary runs, which is what this asks for.
  'disableInProgressLabel',
] as const;

/** Keys of the plugin's config that rollout-pilot does not drive yet, by the gate that refuses them. */
export const GATEWAY_API_UNBUILT_KEYS = {
  tcpRoutes: ['tcpRoute', 'tcpRoutes'],
  tlsRoutes: ['tlsRoute', 'tlsRoutes'],
  routeSelectors: ['httpRouteSelector', 'grpcRouteSelector', 'tcpRouteSelector', 'tlsRouteSelector'],
  inProgressLabel: ['inProgressLabelKey', 'inProgressLabelValue'],
} as const;

/** The Rollout's `trafficRouting`, when it is a mapping. */
export function trafficRoutingOf(rollout: Obj): Obj | undefined {
  return asObj(asObj(asObj(asObj(rollout.spec)?.strategy)?.canary)?.trafficRouting);
}

/** `metadata.namespace` of an object, if written. */
export function namespaceOf(object: Obj): string | undefined {
  return asStr(asObj(object.metadata)?.namespace);
}

/** `Kind ns/name`, or `Kind name` when the namespace is not known. */
export function describeObject(kind: string, name: string, namespace: string | undefined): string {
  return `${kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`;
}
