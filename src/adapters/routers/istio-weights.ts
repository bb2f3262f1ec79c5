/**
 * The weights of a VirtualService's routes (Argo's istio.go: route selection, ValidateHTTPRoutes,
 * processRoutes): which routes a rollout weighs, the minimal JSON patch that gives them the wanted
 * split, and the split they serve now. Pure.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { JsonPatchOp, ObservedWeights, WeightDestination } from '../../controller/traffic-router.ts';
import { asObj } from '../../manifests/values.ts';
import {
  describe,
  destinations,
  destinationView,
  routeList,
  routeName,
  shortHost,
  type DestinationView,
  type TlsRouteRef,
  type VirtualServiceConfig,
  type WeightTargets,
} from './istio-config.ts';

export type RouteKind = 'http' | 'tls' | 'tcp';

/** A route the rollout weighs. */
export interface WeightRoute {
  kind: RouteKind;
  index: number;
  /** For messages: `HTTP route "primary"`, `TLS route tls[0]`. */
  label: string;
  /** Named in the config or the only route: it must hold the canary and the stable. */
  checked: boolean;
}

const KIND_NAME: Record<RouteKind, string> = { http: 'HTTP', tls: 'TLS', tcp: 'TCP' };

function label(kind: RouteKind, index: number, route: unknown): string {
  const name = routeName(route);
  return name === '' ? `${KIND_NAME[kind]} route ${kind}[${index}]` : `${KIND_NAME[kind]} route "${name}"`;
}

/** The HTTP routes of the config: each by name, or the only one besides the managed routes. */
function httpWeightRoutes(
  vs: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
): number[] {
  const http = routeList(vs, 'http');
  if (config.routes.length > 0) {
    return config.routes.map((name) => {
      const index = (http ?? []).findIndex((r) => routeName(r) === name);
      if (index < 0) throw new Error(`${describe(vs)} has no HTTP route named "${name}"`);
      return index;
    });
  }
  if (http === undefined) return [];
  // Argo takes the only route, else the first unnamed one, and refuses more than one besides the
  // managed routes: together that is the one route the rollout does not manage.
  const own = http.flatMap((r, i) => (managedRoutes.includes(routeName(r)) ? [] : [i]));
  if (own.length > 1) {
    throw new Error(
      `${describe(vs)} has ${own.length} HTTP routes: name the ones to weigh in trafficRouting.istio virtualService routes`,
    );
  }
  return own;
}

/**
 * The first HTTP route the rollout weighs (the first named, or the only one it does not manage), or
 * undefined: header and mirror routes take its port and its split.
 */
export function firstWeighedHttpRoute(
  vs: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
): unknown {
  const index = httpWeightRoutes(vs, config, managedRoutes)[0];
  return index === undefined ? undefined : routeList(vs, 'http')?.[index];
}

/** The ports of a TLS or TCP route's match blocks, and its SNI hosts. */
function l4Match(route: unknown): { ports: Set<number>; sniHosts: Set<string> } {
  const ports = new Set<number>();
  const sniHosts = new Set<string>();
  const matches = asObj(route)?.match;
  for (const m of Array.isArray(matches) ? (matches as unknown[]) : []) {
    const o = asObj(m) ?? {};
    ports.add(typeof o.port === 'number' ? o.port : 0);
    if (Array.isArray(o.sniHosts)) for (const h of o.sniHosts as unknown[]) sniHosts.add(String(h));
  }
  return { ports, sniHosts };
}

/**
 * Whether a route answers a configured port (and SNI hosts): its match blocks name exactly one port,
 * that port (none counts as 0), and for TLS exactly the configured hosts (Argo's searchTlsRoute).
 */
export function matchesL4(route: unknown, ref: { port: number; sniHosts?: string[] }): boolean {
  const { ports, sniHosts } = l4Match(route);
  if (ports.size > 1) return false;
  const port = ports.size === 0 ? 0 : [...ports][0];
  if (port !== ref.port) return false;
  if (ref.sniHosts === undefined) return true;
  const wanted = new Set(ref.sniHosts);
  return ref.sniHosts.length === sniHosts.size && [...sniHosts].every((h) => wanted.has(h));
}

function describeL4(kind: RouteKind, ref: { port: number; sniHosts?: string[] }): string {
  const hosts = ref.sniHosts === undefined ? '' : ` with sniHosts [${ref.sniHosts.join(', ')}]`;
  return `${KIND_NAME[kind]} route on port ${ref.port}${hosts}`;
}

/** The TLS or TCP routes of the config: every route each entry matches, or the only one. */
function l4WeightRoutes(
  vs: KubeObject,
  kind: 'tls' | 'tcp',
  refs: readonly (TlsRouteRef | { port: number })[],
): number[] {
  const list = routeList(vs, kind);
  if (refs.length === 0) {
    if (list === undefined || list.length === 0) return [];
    if (list.length > 1) {
      throw new Error(
        `${describe(vs)} has ${list.length} ${KIND_NAME[kind]} routes: list the ones to weigh in trafficRouting.istio virtualService ${kind}Routes`,
      );
    }
    return [0];
  }
  const indexes = refs.flatMap((ref) => {
    const found = (list ?? []).flatMap((r, i) => (matchesL4(r, ref) ? [i] : []));
    if (found.length === 0) throw new Error(`${describe(vs)} has no ${describeL4(kind, ref)}`);
    return found;
  });
  return [...new Set(indexes)]; // two entries may match one route: it is weighed once
}

/**
 * The routes `setWeight` changes in one VirtualService, HTTP first, then TLS, then TCP: those the
 * config names (or the only one of a kind when it names none), then the managed mirror routes, whose
 * weights follow the rollout's. Throws when a named route is missing.
 */
export function weightRoutes(
  vs: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
): WeightRoute[] {
  if (routeList(vs, 'http') === undefined && !routeList(vs, 'tls') && !routeList(vs, 'tcp'))
    throw new Error(`${describe(vs)} has no HTTP, TLS or TCP routes`);
  const http = routeList(vs, 'http') ?? [];
  const picked = (kind: RouteKind, list: readonly unknown[], indexes: number[], checked: boolean) =>
    indexes.map((index) => ({ kind, index, label: label(kind, index, list[index]), checked }));
  const named = httpWeightRoutes(vs, config, managedRoutes);
  const mirrors = http.flatMap((r, i) =>
    !named.includes(i) && asObj(r)?.mirror != null && managedRoutes.includes(routeName(r)) ? [i] : [],
  );
  return [
    ...picked('http', http, [...new Set(named)], true),
    ...picked('http', http, mirrors, false),
    ...picked('tls', routeList(vs, 'tls') ?? [], l4WeightRoutes(vs, 'tls', config.tlsRoutes), true),
    ...picked('tcp', routeList(vs, 'tcp') ?? [], l4WeightRoutes(vs, 'tcp', config.tcpRoutes), true),
  ];
}

export type Role = 'canary' | 'stable' | 'other';

export function role(d: DestinationView, targets: WeightTargets): Role {
  const host = shortHost(d.host);
  if (host === targets.canaryService || (d.subset !== '' && d.subset === targets.canarySubset))
    return 'canary';
  if (host === targets.stableService || (d.subset !== '' && d.subset === targets.stableSubset))
    return 'stable';
  return 'other';
}

/** Throws unless the route has a destination for the canary and one for the stable. */
export function checkCanaryAndStable(vs: KubeObject, route: WeightRoute, targets: WeightTargets): void {
  const list = (destinations(routeList(vs, route.kind)?.[route.index]) ?? []).map(destinationView);
  const bySubset = targets.canarySubset !== '' || targets.stableSubset !== '';
  for (const side of ['canary', 'stable'] as const) {
    const found = bySubset
      ? list.some((d) => d.subset !== '' && d.subset === targets[`${side}Subset`])
      : list.some((d) => targets[`${side}Service`] !== '' && shortHost(d.host) === targets[`${side}Service`]);
    if (!found) {
      const what = bySubset
        ? `the ${side} subset "${targets[`${side}Subset`]}"`
        : `the ${side} Service "${targets[`${side}Service`]}"`;
      throw new Error(`${describe(vs)}: ${route.label} has no destination for ${what}`);
    }
  }
}

/** What one destination should weigh: a number, or undefined to remove it. */
function wantedWeight(
  d: DestinationView,
  targets: WeightTargets,
  weights: { canary: number; stable: number },
  pending: Map<string, WeightDestination>,
): number | undefined {
  const r = role(d, targets);
  if (r !== 'other') return weights[r];
  const experiment = pending.get(shortHost(d.host));
  if (experiment !== undefined) {
    pending.delete(shortHost(d.host));
    return experiment.weight;
  }
  if (d.subset !== '' && targets.additionalSubsets.includes(d.subset)) return d.weight;
  return undefined;
}

/**
 * The patch of one route's destinations: the canary gets `weight`; the stable what is left of
 * `total` after the canary, the experiments and the additional subsets (never below 0); each
 * experiment its own weight (added at the end when missing); an additional subset keeps its own; any
 * other destination is removed. Only values that differ are written.
 */
export function routeWeightOps(
  path: string,
  route: unknown,
  weight: number,
  additional: readonly WeightDestination[],
  targets: WeightTargets,
  total: number,
): JsonPatchOp[] {
  const list = destinations(route);
  if (list === undefined) return [];
  const views = list.map(destinationView);
  const others = views.filter((d) => d.subset !== '' && targets.additionalSubsets.includes(d.subset));
  const taken = [...additional, ...others].reduce((sum, d) => sum + d.weight, 0);
  const weights = { canary: weight, stable: Math.max(0, total - weight - taken) };
  const pending = new Map(additional.map((d) => [d.serviceName, d]));
  const set: JsonPatchOp[] = [];
  const removed: number[] = [];
  views.forEach((d, i) => {
    if (shortHost(d.host) === '') return;
    const wanted = wantedWeight(d, targets, weights, pending);
    if (wanted === undefined) removed.push(i);
    else if (wanted !== d.weight) {
      const op = asObj(list[i])?.weight === undefined ? 'add' : 'replace';
      set.push({ op, path: `${path}/route/${i}/weight`, value: wanted });
    }
  });
  const ops = [
    ...set,
    ...removed.reverse().map((i): JsonPatchOp => ({ op: 'remove', path: `${path}/route/${i}` })),
  ];
  for (const d of pending.values()) {
    if (d.weight === 0) continue;
    ops.push({
      op: 'add',
      path: `${path}/route/-`,
      value: { destination: { host: d.serviceName }, weight: d.weight },
    });
  }
  const name = routeName(route);
  return ops.length > 0 && name !== '' ? [{ op: 'test', path: `${path}/name`, value: name }, ...ops] : ops;
}

/**
 * The patch that gives every weighed route of the VirtualService the wanted split; [] when they
 * already have it. Throws when a route is missing or lacks the canary or the stable.
 */
export function weightPatch(
  vs: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
  targets: WeightTargets,
  want: { weight: number; additional: readonly WeightDestination[]; total: number },
): JsonPatchOp[] {
  const routes = weightRoutes(vs, config, managedRoutes);
  for (const r of routes) if (r.checked) checkCanaryAndStable(vs, r, targets);
  return routes.flatMap((r) =>
    routeWeightOps(
      `/spec/${r.kind}/${r.index}`,
      routeList(vs, r.kind)?.[r.index],
      want.weight,
      want.additional,
      targets,
      want.total,
    ),
  );
}

/**
 * The split the first weighed route serves: the canary's weight, and the destinations that are
 * neither canary, stable nor an additional subset (experiments; their pod hash is not in the route).
 */
export function observedWeights(
  vs: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
  targets: WeightTargets,
): ObservedWeights | undefined {
  const first = weightRoutes(vs, config, managedRoutes)[0];
  if (first === undefined) return undefined;
  const views = (destinations(routeList(vs, first.kind)?.[first.index]) ?? []).map(destinationView);
  const canary = views.find((d) => role(d, targets) === 'canary');
  if (canary === undefined) return undefined;
  const additional = views
    .filter((d) => role(d, targets) === 'other' && !targets.additionalSubsets.includes(d.subset))
    .filter((d) => shortHost(d.host) !== '')
    .map((d) => ({ serviceName: shortHost(d.host), podTemplateHash: '', weight: d.weight }));
  return { canary: canary.weight, additional };
}
