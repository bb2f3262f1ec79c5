/**
 * Header routes on HTTPRoutes and GRPCRoutes, as the Gateway API plugin writes them: for each rule
 * that splits traffic, a rule named after the managed route that sends to the canary alone and
 * matches what the source rule matches plus the step's headers. The first copy takes the managed
 * route's name, the n-th `<name>-<n>`.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { HeaderRoute, JsonPatchOp } from '../../controller/traffic-router.ts';
import type { StringMatch } from '../../manifests/rollout-model.ts';
import { asList, asObj, asStr, type Obj } from '../../manifests/values.ts';
import {
  backendRefsOf,
  covers,
  isManagedRule,
  isManagedRuleName,
  isUnnamedHeaderRule,
  removeRulesOps,
  requireSplitRules,
  rulesOf,
  type RolloutServices,
} from './gateway-api-routes.ts';

/** A header match of HTTPRoute and GRPCRoute (both kinds have the same two types). */
export interface GatewayHeaderMatch {
  name: string;
  type: 'Exact' | 'RegularExpression';
  value: string;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The step's header matches in Gateway API terms. Gateway API has no prefix match, so a prefix
 * becomes the regular expression `<prefix>.*` as in the plugin (its metacharacters escaped here,
 * so `v1.2` does not also match `v1x2`).
 */
export function gatewayHeaderMatches(route: HeaderRoute): GatewayHeaderMatch[] {
  return route.match.map(({ headerName, headerValue }) => {
    const value = matchOf(headerValue);
    if (value === undefined)
      throw new Error(`setHeaderRoute "${route.name}": header "${headerName}" needs exact, prefix or regex`);
    return { name: headerName, ...value };
  });
}

function matchOf(v: StringMatch): Omit<GatewayHeaderMatch, 'name'> | undefined {
  if (v.exact !== undefined && v.exact !== '') return { type: 'Exact', value: v.exact };
  if (v.prefix !== undefined && v.prefix !== '')
    return { type: 'RegularExpression', value: `${escapeRegex(v.prefix)}.*` };
  if (v.regex !== undefined && v.regex !== '') return { type: 'RegularExpression', value: v.regex };
  return undefined;
}

/** The fields of `source` among `keys` that are set, in that order. */
function pick(source: Obj, keys: readonly string[]): Obj {
  return Object.fromEntries(keys.flatMap((k) => (source[k] === undefined ? [] : [[k, source[k]]])));
}

/** A source match with the step's headers after its own; what else it matches is kept. */
function mergedMatch(kind: string, match: Obj, headers: readonly GatewayHeaderMatch[]): Obj {
  const merged = { headers: [...asList(match.headers), ...headers] };
  if (kind === 'GRPCRoute') return { ...pick(match, ['method']), ...merged };
  return { ...pick(match, ['path']), ...merged, ...pick(match, ['queryParams', 'method']) };
}

/** The canary-only rule for one source rule: its matches and filters, the canary's port. */
function headerRule(
  kind: string,
  source: Obj,
  name: string,
  canary: string,
  headers: readonly GatewayHeaderMatch[],
): Obj {
  const matches = asList(source.matches).map((m) => asObj(m) ?? {});
  const canaryRef = backendRefsOf(source).find((ref) => ref.name === canary) ?? {};
  const filters = asList(source.filters);
  return {
    name,
    matches:
      matches.length === 0 ? [{ headers: [...headers] }] : matches.map((m) => mergedMatch(kind, m, headers)),
    ...(filters.length > 0 ? { filters } : {}),
    backendRefs: [{ group: '', kind: 'Service', name: canary, ...pick(canaryRef, ['namespace', 'port']) }],
  };
}

function withoutName(rule: Obj): Obj {
  return Object.fromEntries(Object.entries(rule).filter(([k]) => k !== 'name'));
}

/** Whether a match carries a header of each name (how the plugin tells unnamed header rules apart). */
function hasHeaderNames(rule: Obj, headers: readonly GatewayHeaderMatch[]): boolean {
  return asList(rule.matches).some((m) => {
    const names = asList(asObj(m)?.headers).map((h) => asStr(asObj(h)?.name));
    return headers.every((h) => names.includes(h.name));
  });
}

/**
 * Makes the rules of one managed route what `wanted` says with the fewest changes: a rule already
 * as wanted is left alone, one that differs is replaced where it stands, a missing one is added
 * at the end, and old copies that are no longer wanted are removed. A stored rule without a name
 * (names dropped by older CRDs) is paired by order and compared without the name.
 */
function upsertOps(
  rules: readonly Obj[],
  wanted: readonly Obj[],
  isOld: (rule: Obj) => boolean,
): JsonPatchOp[] {
  const old = rules.flatMap((rule, i) => (isOld(rule) ? [i] : []));
  const named = new Map(
    old.flatMap((i) => {
      const name = asStr(rules[i]?.name);
      return name === undefined ? [] : [[name, i] as const];
    }),
  );
  const unnamed = old.filter((i) => asStr(rules[i]?.name) === undefined);
  const kept = new Set<number>();
  const replaces: JsonPatchOp[] = [];
  const adds: JsonPatchOp[] = [];
  for (const rule of wanted) {
    const i = named.get(asStr(rule.name) ?? '') ?? unnamed.find((u) => !kept.has(u));
    if (i === undefined) {
      adds.push({ op: 'add', path: '/spec/rules/-', value: rule });
      continue;
    }
    kept.add(i);
    const stored = rules[i] ?? {};
    if (covers(stored, asStr(stored.name) === undefined ? withoutName(rule) : rule)) continue;
    replaces.push(
      { op: 'test', path: `/spec/rules/${i}`, value: stored },
      { op: 'replace', path: `/spec/rules/${i}`, value: rule },
    );
  }
  const removes = old
    .filter((i) => !kept.has(i))
    .reverse()
    .flatMap((i): JsonPatchOp[] => [
      { op: 'test', path: `/spec/rules/${i}`, value: rules[i] },
      { op: 'remove', path: `/spec/rules/${i}` },
    ]);
  return [...replaces, ...removes, ...adds];
}

/**
 * Sets the header route `name` on an HTTPRoute or GRPCRoute: one rule per rule that splits
 * traffic (see requireSplitRules), [] when they are already there as wanted.
 */
export function headerRouteOps(
  route: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
  name: string,
  headers: readonly GatewayHeaderMatch[],
): JsonPatchOp[] {
  const rules = rulesOf(route);
  const wanted = requireSplitRules(route, services, managed).map((source, n) =>
    headerRule(route.kind, rules[source] ?? {}, n === 0 ? name : `${name}-${n}`, services.canary, headers),
  );
  const isOld = (rule: Obj): boolean => {
    const ruleName = asStr(rule.name);
    if (ruleName !== undefined) return isManagedRuleName(ruleName, [name]);
    return isUnnamedHeaderRule(rule, services.canary) && hasHeaderNames(rule, headers);
  };
  return upsertOps(rules, wanted, isOld);
}

/** Removes the rules of the header route `name` (unnamed ones cannot be told apart by name: kept). */
export function removeHeaderRouteOps(route: KubeObject, name: string): JsonPatchOp[] {
  return removeRulesOps(route, (rule) => {
    const ruleName = asStr(rule.name);
    return ruleName !== undefined && isManagedRuleName(ruleName, [name]);
  });
}

/** Removes the rules of every managed route, and unnamed header rules (see isUnnamedHeaderRule). */
export function removeManagedRulesOps(
  route: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
): JsonPatchOp[] {
  return removeRulesOps(route, (rule) => isManagedRule(rule, managed, services.canary));
}
