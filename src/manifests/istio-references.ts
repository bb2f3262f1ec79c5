/**
 * Whether an Istio VirtualService and DestinationRule can carry a Rollout, as Argo's
 * `ValidateVirtualService` and the route lookups of `rollout/trafficrouting/istio/istio.go` decide:
 * every route the Rollout names exists (HTTP by name, TLS by port and SNI hosts, TCP by port); with
 * none named, the VirtualService has one route of that protocol (managed routes aside); and each
 * route the weight is set on has a destination for the canary and the stable side, by Service host
 * (host-level) or by DestinationRule subset (subset-level). The DestinationRule must have both
 * subsets (Argo would silently label nothing). Pure.
 */
import type { RoutedCanary, RouterProblem, RouterRef } from './router-references.ts';
import { TRAFFIC_ROUTING } from './routers.ts';
import { closestMatch } from './schema.ts';
import { asInt, asList, asObj, asStr, dig, type Obj } from './values.ts';

interface Sides {
  /** What the destinations are matched by, and the canary's and stable's value of it. */
  by: 'Service' | 'subset';
  canary: string | undefined;
  stable: string | undefined;
}

function sidesOf(canary: RoutedCanary): Sides {
  const rule = asObj(dig(canary.trafficRouting, 'istio', 'destinationRule'));
  if (rule) {
    return { by: 'subset', canary: asStr(rule.canarySubsetName), stable: asStr(rule.stableSubsetName) };
  }
  return { by: 'Service', canary: canary.canaryService, stable: canary.stableService };
}

/** A destination host's short name: `web.shop.svc.cluster.local` is the Service `web`. */
function shortHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const dot = host.indexOf('.');
  return dot < 0 ? host : host.slice(0, dot);
}

/** A weighted route's destinations must reach both sides. */
function destinationProblems(sides: Sides, path: string, label: string, route: unknown): RouterProblem[] {
  const values = asList(route).map((d) =>
    sides.by === 'subset'
      ? asStr(dig(d, 'destination', 'subset'))
      : shortHost(asStr(dig(d, 'destination', 'host'))),
  );
  const out: RouterProblem[] = [];
  for (const side of ['canary', 'stable'] as const) {
    const wanted = sides[side];
    if (wanted === undefined || wanted === '' || values.includes(wanted)) continue;
    const what = sides.by === 'subset' ? `the ${side} subset "${wanted}"` : `the ${side} Service "${wanted}"`;
    out.push({ path, message: `${label} has no destination for ${what}` });
  }
  return out;
}

interface Section {
  /** `spec.http`, `spec.tls` or `spec.tcp` of the VirtualService. */
  routes: unknown[];
  protocol: 'HTTP' | 'TLS' | 'TCP';
  /** The Rollout's list for this protocol: `routes`, `tlsRoutes`, `tcpRoutes`. */
  key: 'routes' | 'tlsRoutes' | 'tcpRoutes';
}

interface VsContext {
  sides: Sides;
  ref: RouterRef;
  block: Obj;
  who: string;
  managed: readonly string[];
}

const routeName = (r: unknown): string | undefined => asStr(asObj(r)?.name) || undefined;

function routeLabel(c: VsContext, section: Section, index: number): string {
  const name = section.protocol === 'HTTP' ? routeName(section.routes[index]) : undefined;
  const where = name === undefined ? `spec.${section.protocol.toLowerCase()}[${index}]` : `"${name}"`;
  return `${c.who}: ${section.protocol} route ${where}`;
}

/** The ports and SNI hosts a TLS or TCP route matches; Argo needs exactly one port (or none, 0). */
function matchOf(route: unknown): { port: number | undefined; sniHosts: Set<string> } {
  const ports = new Set<number>();
  const sniHosts = new Set<string>();
  for (const m of asList(asObj(route)?.match)) {
    ports.add(asInt(asObj(m)?.port) ?? 0);
    for (const h of asList(asObj(m)?.sniHosts)) if (typeof h === 'string') sniHosts.add(h);
  }
  if (ports.size > 1) return { port: undefined, sniHosts };
  return { port: [...ports][0] ?? 0, sniHosts };
}

/** Indexes of the VirtualService routes one entry of tlsRoutes / tcpRoutes selects. */
function selectL4(section: Section, wanted: Obj): number[] {
  const port = asInt(wanted.port) ?? 0;
  const hosts = new Set(asList(wanted.sniHosts).filter((h): h is string => typeof h === 'string'));
  return section.routes.flatMap((route, i) => {
    const m = matchOf(route);
    if (m.port !== port) return [];
    if (section.protocol === 'TLS') {
      if (m.sniHosts.size !== hosts.size || [...hosts].some((h) => !m.sniHosts.has(h))) return [];
    }
    return [i];
  });
}

function describeL4(section: Section, wanted: Obj): string {
  const port = `port ${asInt(wanted.port) ?? 0}`;
  if (section.protocol === 'TCP') return port;
  const hosts = asList(wanted.sniHosts).filter((h): h is string => typeof h === 'string');
  return `${port} and sniHosts [${hosts.join(', ')}]`;
}

/** The routes the Rollout names in one protocol: each must exist and reach both sides. */
function namedRouteProblems(c: VsContext, section: Section, wanted: unknown[]): RouterProblem[] {
  const out: RouterProblem[] = [];
  const names = section.routes.map(routeName);
  wanted.forEach((w, j) => {
    const path = `${c.ref.block}.${section.key}[${j}]`;
    let found: number[];
    let missing: string;
    if (section.protocol === 'HTTP') {
      const name = asStr(w);
      if (name === undefined) return;
      found = names.includes(name) ? [names.indexOf(name)] : [];
      const guess = closestMatch(
        name,
        names.filter((n): n is string => n !== undefined),
      );
      missing = `${c.who} has no HTTP route named "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`;
    } else {
      const entry = asObj(w);
      if (!entry) return;
      found = selectL4(section, entry);
      missing = `${c.who} has no ${section.protocol} route matching ${describeL4(section, entry)}`;
    }
    if (found.length === 0) out.push({ path, message: missing });
    for (const i of found) {
      out.push(
        ...destinationProblems(c.sides, path, routeLabel(c, section, i), asObj(section.routes[i])?.route),
      );
    }
  });
  return out;
}

/** No routes named: the VirtualService's only route of the protocol (managed routes aside) is used. */
function onlyRouteProblems(c: VsContext, section: Section): RouterProblem[] {
  const { routes, protocol } = section;
  const own = protocol === 'HTTP' ? routes.filter((r) => !c.managed.includes(routeName(r) ?? '')) : routes;
  if (own.length > 1) {
    return [
      {
        path: c.ref.path,
        message: `${c.who} has ${own.length} ${protocol} routes: name the ones to shift traffic on in ${c.ref.block.slice(TRAFFIC_ROUTING.length + 1)}.${section.key}`,
      },
    ];
  }
  // Argo's pick: the one route, else the first without a name (HTTP); the first (TLS, TCP).
  const index =
    routes.length === 1 || protocol !== 'HTTP' ? 0 : routes.findIndex((r) => routeName(r) === undefined);
  if (index < 0 || index >= routes.length) return [];
  return destinationProblems(c.sides, c.ref.path, routeLabel(c, section, index), asObj(routes[index])?.route);
}

/** `block`: the Rollout's entry for this VirtualService (`istio.virtualService` or one of `virtualServices`). */
export function virtualServiceProblems(
  canary: RoutedCanary,
  ref: RouterRef,
  block: Obj,
  vs: Obj,
  who: string,
): RouterProblem[] {
  const spec = asObj(vs.spec) ?? {};
  const sections: Section[] = (
    [
      ['http', 'HTTP', 'routes'],
      ['tls', 'TLS', 'tlsRoutes'],
      ['tcp', 'TCP', 'tcpRoutes'],
    ] as const
  ).flatMap(([field, protocol, key]) =>
    Array.isArray(spec[field]) ? [{ routes: spec[field] as unknown[], protocol, key }] : [],
  );
  if (sections.length === 0) {
    return [{ path: ref.path, message: `${who} has no http, tls or tcp routes to shift traffic on` }];
  }
  const managed = asList(canary.trafficRouting.managedRoutes).flatMap((r) => asStr(asObj(r)?.name) ?? []);
  const c: VsContext = { sides: sidesOf(canary), ref, block, who, managed };
  const out: RouterProblem[] = [];
  for (const section of sections) {
    const wanted = asList(block[section.key]);
    out.push(...(wanted.length > 0 ? namedRouteProblems(c, section, wanted) : onlyRouteProblems(c, section)));
  }
  // A route the Rollout names, in a protocol the VirtualService does not have at all.
  for (const [field, protocol, key] of [
    ['http', 'HTTP', 'routes'],
    ['tls', 'TLS', 'tlsRoutes'],
    ['tcp', 'TCP', 'tcpRoutes'],
  ] as const) {
    if (!Array.isArray(spec[field]) && asList(block[key]).length > 0) {
      out.push({ path: `${ref.block}.${key}`, message: `${who} has no ${protocol} routes (spec.${field})` });
    }
  }
  return out;
}

/** `config`: the Rollout's `istio.destinationRule`. */
export function destinationRuleProblems(
  ref: RouterRef,
  config: Obj,
  rule: Obj,
  who: string,
): RouterProblem[] {
  const subsets = asList(dig(rule, 'spec', 'subsets')).flatMap((s) => asStr(asObj(s)?.name) ?? []);
  const out: RouterProblem[] = [];
  for (const key of ['canarySubsetName', 'stableSubsetName']) {
    const name = asStr(config[key]);
    if (name === undefined || name === '' || subsets.includes(name)) continue;
    out.push({
      path: `${ref.block}.${key}`,
      message:
        `${who} has no subset named "${name}"` +
        (subsets.length > 0 ? ` (subsets: ${subsets.join(', ')})` : '; it has no subsets'),
    });
  }
  return out;
}
