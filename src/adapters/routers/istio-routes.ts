/**
 * The managed HTTP routes of a VirtualService (Argo's createHeaderRoute, createMirrorRoute,
 * orderRoutes, removeRoute): the route a setHeaderRoute or setMirrorRoute step puts in, where it
 * goes (above the user's routes, in managedRoutes order), and the minimal patch that puts it there or
 * takes it out. Pure.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { HeaderRoute, JsonPatchOp } from '../../controller/traffic-router.ts';
import type { SetMirrorRoute, StringMatch } from '../../manifests/rollout-model.ts';
import { asObj, type Obj } from '../../manifests/values.ts';
import {
  describe,
  destinations,
  destinationView,
  pointerToken,
  routeList,
  routeName,
} from './istio-config.ts';

/** Where matching requests go: the canary Service (or the DestinationRule's host) and subset. */
export interface CanaryTarget {
  host: string;
  subset: string;
}

/** A StringMatch as Istio takes it: only the fields that are set. */
function istioStringMatch(m: StringMatch): Obj {
  const out: Obj = {};
  for (const key of ['exact', 'regex', 'prefix'] as const) {
    const value = m[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function destination(target: CanaryTarget, port: number | undefined): Obj {
  return {
    host: target.host,
    ...(port !== undefined && port > 0 ? { port: { number: port } } : {}),
    ...(target.subset === '' ? {} : { subset: target.subset }),
  };
}

/**
 * The header route: each match on one header, all traffic it matches to the canary, on the port of
 * the first destination of the rollout's first weighed HTTP route (when it names one).
 */
export function headerRouteBody(route: HeaderRoute, target: CanaryTarget, port: number | undefined): Obj {
  return {
    name: route.name,
    match: route.match.map((m) => ({ headers: { [m.headerName]: istioStringMatch(m.headerValue) } })),
    route: [{ destination: destination(target, port), weight: 100 }],
  };
}

/** A destination as Argo copies it into a mirror route: host, subset, port and weight only. */
function copiedDestination(raw: unknown): Obj {
  const d = destinationView(raw);
  const port = asObj(asObj(asObj(raw)?.destination)?.port);
  const dest: Obj = {
    ...(d.host === '' ? {} : { host: d.host }),
    ...(d.subset === '' ? {} : { subset: d.subset }),
    ...(port === undefined ? {} : { port: d.port ? { number: d.port } : {} }),
  };
  return { destination: dest, ...(d.weight === 0 ? {} : { weight: d.weight }) };
}

/**
 * The mirror route: the matching requests keep the split of the rollout's first weighed HTTP route
 * (its destinations copied), and `percentage` of them is copied to the canary.
 */
export function mirrorRouteBody(route: SetMirrorRoute, target: CanaryTarget, weighed: unknown): Obj {
  const list = destinations(weighed) ?? [];
  const first = list[0] === undefined ? undefined : destinationView(list[0]);
  return {
    name: route.name,
    match: route.match.map((m) => ({
      ...(m.method === undefined ? {} : { method: istioStringMatch(m.method) }),
      ...(m.path === undefined ? {} : { uri: istioStringMatch(m.path) }),
      ...(Object.keys(m.headers).length === 0
        ? {}
        : {
            headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, istioStringMatch(v)])),
          }),
    })),
    route: list.map(copiedDestination),
    mirror: destination(target, first?.port),
    mirrorPercentage: { value: route.percentage },
  };
}

function isPlain(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of JSON values, key order aside. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  }
  if (isPlain(a) && isPlain(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return a === b;
}

/** The minimal patch from `current` to `desired` at `path`: objects key by key, other values whole. */
export function diffJson(path: string, current: unknown, desired: unknown): JsonPatchOp[] {
  if (sameJson(current, desired)) return [];
  if (!isPlain(current) || !isPlain(desired)) return [{ op: 'replace', path, value: desired }];
  const ops: JsonPatchOp[] = [];
  for (const key of Object.keys(current)) {
    if (!Object.hasOwn(desired, key)) ops.push({ op: 'remove', path: `${path}/${pointerToken(key)}` });
  }
  for (const [key, value] of Object.entries(desired)) {
    const at = `${path}/${pointerToken(key)}`;
    if (!Object.hasOwn(current, key)) ops.push({ op: 'add', path: at, value });
    else ops.push(...diffJson(at, current[key], value));
  }
  return ops;
}

/** Removes the HTTP routes at `indexes` (last first, so the others keep their place), each checked by name. */
function removeAt(http: readonly unknown[], indexes: readonly number[]): JsonPatchOp[] {
  return [...indexes]
    .sort((a, b) => b - a)
    .flatMap((i): JsonPatchOp[] => [
      { op: 'test', path: `/spec/http/${i}/name`, value: routeName(http[i]) },
      { op: 'remove', path: `/spec/http/${i}` },
    ]);
}

/**
 * Puts a managed route in: below the managed routes that come before it in `managedRoutes`, above
 * every other route (Argo puts the managed routes on top, in managedRoutes order). A route of that
 * name in its place is brought up to date field by field; one elsewhere (or a duplicate) is moved.
 */
export function placeManagedRoute(
  vs: KubeObject,
  body: Obj,
  managedRoutes: readonly string[],
): JsonPatchOp[] {
  const name = routeName(body);
  const http = routeList(vs, 'http');
  if (http === undefined) throw new Error(`${describe(vs)} has no HTTP routes to put route "${name}" among`);
  const rank = (n: string): number => {
    const i = managedRoutes.indexOf(n);
    return i < 0 ? Infinity : i;
  };
  const existing = http.flatMap((r, i) => (routeName(r) === name ? [i] : []));
  const rest = http.filter((r) => routeName(r) !== name);
  const before = rest.findIndex((r) => !(rank(routeName(r)) < rank(name)));
  const at = before < 0 ? rest.length : before;
  if (existing.length === 1 && existing[0] === at) return diffJson(`/spec/http/${at}`, http[at], body);
  return [...removeAt(http, existing), { op: 'add', path: `/spec/http/${at}`, value: body }];
}

/** Takes out every HTTP route with one of these names; [] when there is none. */
export function removeRoutesPatch(vs: KubeObject, names: ReadonlySet<string>): JsonPatchOp[] {
  const http = routeList(vs, 'http') ?? [];
  const indexes = http.flatMap((r, i) => (names.has(routeName(r)) ? [i] : []));
  return removeAt(http, indexes);
}
