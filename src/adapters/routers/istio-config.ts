/**
 * The `trafficRouting.istio` block as rollout-pilot reads it, the objects it names, and the small
 * reads of VirtualService and DestinationRule JSON the other Istio files share. Pure.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { ObjectRef } from '../../controller/traffic-router.ts';
import { asInt, asList, asObj, asStr, type Obj } from '../../manifests/values.ts';

/** The version Argo Rollouts reads and writes by default (its `--istio-api-version`). */
export const ISTIO_API_VERSION = 'networking.istio.io/v1alpha3';
/** The pod label a DestinationRule subset is pinned by (Argo's DefaultRolloutUniqueLabelKey). */
export const HASH_LABEL = 'rollouts-pod-template-hash';
/** Set on a DestinationRule whose subsets the rollout pins, to the rollout's name. */
export const MANAGED_BY_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';

export interface TlsRouteRef {
  port: number;
  sniHosts: string[];
}

export interface VirtualServiceConfig {
  /** As written: `name`, or `name.namespace` for one in another namespace. */
  name: string;
  routes: string[];
  tlsRoutes: TlsRouteRef[];
  tcpRoutes: { port: number }[];
}

export interface DestinationRuleConfig {
  name: string;
  canarySubsetName: string;
  stableSubsetName: string;
  /** Subsets others run (in the same routes): their weight is kept and taken from the stable's. */
  additionalSubsetNames: string[];
}

export interface IstioConfig {
  virtualServices: VirtualServiceConfig[];
  destinationRule?: DestinationRuleConfig;
}

/** Who the canary and the stable are in a route: Services (host level) or subsets. */
export interface WeightTargets {
  /** Empty when the rollout names none. */
  canaryService: string;
  stableService: string;
  /** Empty without a destinationRule. */
  canarySubset: string;
  stableSubset: string;
  additionalSubsets: readonly string[];
}

function virtualServiceConfig(raw: unknown): VirtualServiceConfig {
  const o = asObj(raw) ?? {};
  return {
    name: asStr(o.name) ?? '',
    routes: asList(o.routes).flatMap((r) => (typeof r === 'string' ? [r] : [])),
    tlsRoutes: asList(o.tlsRoutes).map((r) => {
      const t = asObj(r);
      return {
        port: asInt(t?.port) ?? 0,
        sniHosts: asList(t?.sniHosts).flatMap((h) => (typeof h === 'string' ? [h] : [])),
      };
    }),
    tcpRoutes: asList(o.tcpRoutes).map((r) => ({ port: asInt(asObj(r)?.port) ?? 0 })),
  };
}

/** The block as written (validation has checked its shape); `virtualServices` wins when both are set. */
export function istioConfig(raw: unknown): IstioConfig {
  const o = asObj(raw) ?? {};
  const many = Array.isArray(o.virtualServices);
  const virtualServices = many
    ? asList(o.virtualServices).map(virtualServiceConfig)
    : [virtualServiceConfig(o.virtualService)];
  const dr = asObj(o.destinationRule);
  if (dr === undefined) return { virtualServices };
  return {
    virtualServices,
    destinationRule: {
      name: asStr(dr.name) ?? '',
      canarySubsetName: asStr(dr.canarySubsetName) ?? '',
      stableSubsetName: asStr(dr.stableSubsetName) ?? '',
      additionalSubsetNames: asList(dr.additionalSubsetNames).flatMap((n) =>
        typeof n === 'string' ? [n] : [],
      ),
    },
  };
}

/**
 * The VirtualService a configured name points at. As in Argo (utils/istio), a trailing
 * `.cluster.local` is dropped and a name with dots is `<name>.<namespace>`: the last part is the
 * namespace (a namespace has no dots) and the rest, dots included, the name.
 */
export function virtualServiceRef(configured: string, rolloutNamespace: string): ObjectRef {
  const parts = configured.replace(/\.cluster\.local$/, '').split('.');
  const namespace = parts.length >= 2 ? (parts.pop() ?? '') : rolloutNamespace;
  return { apiVersion: ISTIO_API_VERSION, kind: 'VirtualService', namespace, name: parts.join('.') };
}

/** The DestinationRule is always in the rollout's namespace (its name is never split). */
export function destinationRuleRef(name: string, rolloutNamespace: string): ObjectRef {
  return { apiVersion: ISTIO_API_VERSION, kind: 'DestinationRule', namespace: rolloutNamespace, name };
}

/** `VirtualService shop/web`, for messages. */
export function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}

/** `spec.<kind>` of a VirtualService, or undefined when it has none. */
export function routeList(vs: KubeObject, kind: 'http' | 'tls' | 'tcp'): unknown[] | undefined {
  const list = asObj(vs.spec)?.[kind];
  return Array.isArray(list) ? (list as unknown[]) : undefined;
}

/** A route's name, or '' for an unnamed one. */
export const routeName = (route: unknown): string => asStr(asObj(route)?.name) ?? '';

/** A route's destinations (`route`), or undefined when it has none. */
export function destinations(route: unknown): unknown[] | undefined {
  const list = asObj(route)?.route;
  return Array.isArray(list) ? (list as unknown[]) : undefined;
}

/** What rollout-pilot reads of one destination; a missing weight counts as 0, as in Argo. */
export interface DestinationView {
  host: string;
  subset: string;
  weight: number;
  port: number | undefined;
}

export function destinationView(raw: unknown): DestinationView {
  const o: Obj = asObj(raw) ?? {};
  const d = asObj(o.destination) ?? {};
  const weight = o.weight;
  return {
    host: asStr(d.host) ?? '',
    subset: asStr(d.subset) ?? '',
    weight: typeof weight === 'number' ? weight : 0,
    port: asInt(asObj(d.port)?.number),
  };
}

/**
 * The Service a destination host names: the part before the first dot (`web.shop.svc.cluster.local`
 * is `web`), the host itself without a dot, and '' for a host that starts with one (Argo's getHost).
 */
export function shortHost(host: string): string {
  const dot = host.indexOf('.');
  if (dot < 0) return host;
  return host.slice(0, dot);
}

/** A JSON pointer token (RFC 6901): `~` and `/` escaped. */
export const pointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');
