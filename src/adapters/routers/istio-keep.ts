/**
 * Re-applying a VirtualService or DestinationRule from the manifests while the Istio router drives
 * it. Their lists (`http`, `tls`, `tcp`, `subsets`) are atomic for a server-side apply, so applying
 * the manifest as written would put back git's weights and drop the managed routes until the router
 * writes them again. The object applied is the manifest's with the router's part taken from the live
 * object: the weights of the routes it weighs, its managed routes, its subsets' pod hashes. Pure.
 */
import type { KubeObject } from '../../controller/ports.ts';
import { asList, asObj, asStr, type Obj } from '../../manifests/values.ts';
import {
  destinations,
  destinationView,
  HASH_LABEL,
  routeList,
  routeName,
  shortHost,
  type DestinationRuleConfig,
  type DestinationView,
  type TlsRouteRef,
  type VirtualServiceConfig,
  type WeightTargets,
} from './istio-config.ts';
import { matchesL4, role, type RouteKind } from './istio-weights.ts';

/** A route of the manifest the rollout weighs, and the live route it is, when there is one. */
interface WeighedRoute {
  kind: RouteKind;
  index: number;
  live: unknown;
}

/** Indexes of the routes that are not managed routes. */
function ownRoutes(list: readonly unknown[], managedRoutes: readonly string[]): number[] {
  return list.flatMap((r, i) => (managedRoutes.includes(routeName(r)) ? [] : [i]));
}

/** The weighed HTTP routes, chosen as the router chooses them: by name, or the only own route. */
function httpRoutes(
  manifest: KubeObject,
  live: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
): WeighedRoute[] {
  const mine = routeList(manifest, 'http') ?? [];
  const theirs = routeList(live, 'http') ?? [];
  if (config.routes.length > 0) {
    return config.routes.flatMap((name): WeighedRoute[] => {
      const index = mine.findIndex((r) => routeName(r) === name);
      if (index < 0) return [];
      return [{ kind: 'http', index, live: theirs.find((r) => routeName(r) === name) }];
    });
  }
  const own = ownRoutes(mine, managedRoutes);
  const liveOwn = ownRoutes(theirs, managedRoutes);
  const [index] = own;
  if (index === undefined || own.length > 1) return [];
  const [liveIndex] = liveOwn;
  const counterpart = liveIndex !== undefined && liveOwn.length === 1 ? theirs[liveIndex] : undefined;
  return [{ kind: 'http', index, live: counterpart }];
}

/** The weighed TLS or TCP routes: the n-th match of an entry in git is the n-th match live. */
function l4Routes(
  manifest: KubeObject,
  live: KubeObject,
  kind: 'tls' | 'tcp',
  refs: readonly (TlsRouteRef | { port: number })[],
): WeighedRoute[] {
  const mine = routeList(manifest, kind) ?? [];
  const theirs = routeList(live, kind) ?? [];
  if (refs.length === 0) {
    if (mine.length !== 1) return [];
    return [{ kind, index: 0, live: theirs.length === 1 ? theirs[0] : undefined }];
  }
  const found = new Map<number, unknown>();
  for (const ref of refs) {
    const liveMatches = theirs.filter((r) => matchesL4(r, ref));
    mine
      .flatMap((r, i) => (matchesL4(r, ref) ? [i] : []))
      .forEach((index, n) => {
        if (!found.has(index)) found.set(index, liveMatches[n]);
      });
  }
  return [...found].map(([index, route]) => ({ kind, index, live: route }));
}

const sameDestination = (a: DestinationView, b: DestinationView): boolean =>
  a.host === b.host && a.subset === b.subset;

/** A destination the router added for an Experiment's Service: neither canary, stable nor another's subset. */
function isExperiment(d: DestinationView, targets: WeightTargets): boolean {
  return (
    role(d, targets) === 'other' && shortHost(d.host) !== '' && !targets.additionalSubsets.includes(d.subset)
  );
}

/** The object without `key`. */
const without = (o: Obj, key: string): Obj =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** The destination with the weight of `live` (none when `live` has none). */
function withWeightOf(destination: unknown, live: unknown): Obj {
  const rest = without(asObj(destination) ?? {}, 'weight');
  const weight = asObj(live)?.weight;
  return weight === undefined ? rest : { ...rest, weight };
}

/**
 * The route with the live weights: each destination takes the weight of the live one with its host
 * and subset, else (canary and stable) of the live one in its role; the Experiment destinations the
 * router added are kept.
 */
function withLiveWeights(route: unknown, live: unknown, targets: WeightTargets): unknown {
  const mine = destinations(route);
  const theirs = (destinations(live) ?? []).map((raw) => ({ raw, view: destinationView(raw) }));
  if (mine === undefined) return route;
  const used = new Set<number>();
  const claim = (test: (d: DestinationView) => boolean): number => {
    const i = theirs.findIndex((t, j) => !used.has(j) && test(t.view));
    if (i >= 0) used.add(i);
    return i;
  };
  const views = mine.map(destinationView);
  const exact = views.map((d) => claim((t) => sameDestination(t, d)));
  const matched = exact.map((i, k) => {
    const d = views[k];
    if (i >= 0 || d === undefined || role(d, targets) === 'other') return i;
    return claim((t) => role(t, targets) === role(d, targets));
  });
  const kept = mine.map((raw, k) => {
    const i = matched[k] ?? -1;
    return i < 0 ? raw : withWeightOf(raw, theirs[i]?.raw);
  });
  const added = theirs.filter((t, j) => !used.has(j) && isExperiment(t.view, targets)).map((t) => t.raw);
  return { ...asObj(route), route: [...kept, ...added] };
}

/**
 * The VirtualService to apply: the manifest's, each route the rollout weighs with the live weights
 * (a weighed route that is new in git takes those of the live weighed routes: the router gives them
 * all the same split), and the live managed routes on top of `http`, as the router keeps them.
 */
export function keepVirtualServiceRouting(
  manifest: KubeObject,
  live: KubeObject,
  config: VirtualServiceConfig,
  managedRoutes: readonly string[],
  targets: WeightTargets,
): KubeObject {
  const spec = asObj(manifest.spec);
  if (spec === undefined) return manifest;
  const weighed = [
    ...httpRoutes(manifest, live, config, managedRoutes),
    ...l4Routes(manifest, live, 'tls', config.tlsRoutes),
    ...l4Routes(manifest, live, 'tcp', config.tcpRoutes),
  ];
  const fallback = weighed.find((w) => w.live !== undefined)?.live;
  const out: Obj = { ...spec };
  for (const kind of ['http', 'tls', 'tcp'] as const) {
    const list = routeList(manifest, kind);
    if (list === undefined) continue;
    out[kind] = list.map((route, index) => {
      const w = weighed.find((x) => x.kind === kind && x.index === index);
      const source = w === undefined ? undefined : (w.live ?? fallback);
      return source === undefined ? route : withLiveWeights(route, source, targets);
    });
  }
  const http = out.http;
  if (Array.isArray(http)) {
    const isManaged = (r: unknown): boolean => managedRoutes.includes(routeName(r));
    const liveManaged = (routeList(live, 'http') ?? []).filter(isManaged);
    out.http = [...liveManaged, ...(http as unknown[]).filter((r) => !isManaged(r))];
  }
  return { ...manifest, spec: out };
}

/**
 * The DestinationRule to apply: the manifest's, the canary and stable subsets pinned to the pod
 * hashes they have live (or to none, when they have none live).
 */
export function keepSubsetHashes(
  manifest: KubeObject,
  live: KubeObject,
  config: DestinationRuleConfig,
): KubeObject {
  const spec = asObj(manifest.spec);
  const subsets = spec?.subsets;
  if (spec === undefined || !Array.isArray(subsets)) return manifest;
  const theirs = asList(asObj(live.spec)?.subsets);
  const pinned = new Set([config.canarySubsetName, config.stableSubsetName]);
  const kept = (subsets as unknown[]).map((subset) => {
    const o = asObj(subset);
    const name = asStr(o?.name);
    if (o === undefined || name === undefined || !pinned.has(name)) return subset;
    const counterpart = theirs.find((t) => asStr(asObj(t)?.name) === name);
    if (counterpart === undefined) return subset;
    const hash = asObj(asObj(counterpart)?.labels)?.[HASH_LABEL];
    const labels = without(asObj(o.labels) ?? {}, HASH_LABEL);
    if (typeof hash === 'string') return { ...o, labels: { ...labels, [HASH_LABEL]: hash } };
    return o.labels === undefined ? o : { ...o, labels };
  });
  return { ...manifest, spec: { ...spec, subsets: kept } };
}
