/**
 * The pure part of the Gateway API router: reads a route (HTTPRoute, GRPCRoute, TCPRoute,
 * TLSRoute) as it is and returns the minimal JSON patch that sets the canary and stable weights.
 * Rules are addressed by index, each change guarded by a test of what it was computed from.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { JsonPatchOp } from '../../controller/traffic-router.ts';
import { asList, asObj, asStr, dig, type Obj } from '../../manifests/values.ts';
import type { InProgressLabel } from './gateway-api-config.ts';

/** The two Services of the canary strategy. */
export interface RolloutServices {
  stable: string;
  canary: string;
}

/** `HTTPRoute shop/web`, for messages. */
export function routeTitle(route: KubeObject): string {
  return `${route.kind} ${route.metadata.namespace ?? ''}/${route.metadata.name}`;
}

export function rulesOf(route: KubeObject): Obj[] {
  return asList(dig(route, 'spec', 'rules')).map((rule) => asObj(rule) ?? {});
}

export function backendRefsOf(rule: Obj): Obj[] {
  return asList(rule.backendRefs).map((ref) => asObj(ref) ?? {});
}

/** A JSON pointer token: `~` and `/` escaped (RFC 6901). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Whether `stored` holds everything `wanted` says: the API server adds defaults (a backendRef's
 * weight 1, a match's path `/`), so a rule we wrote reads back with more than we sent.
 */
export function covers(stored: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    if (!Array.isArray(stored) || stored.length !== wanted.length) return false;
    return wanted.every((w, i) => covers((stored as unknown[])[i], w));
  }
  if (typeof wanted === 'object' && wanted !== null) {
    const s = asObj(stored);
    if (s === undefined) return false;
    return Object.entries(wanted).every(([k, w]) => covers(s[k], w));
  }
  return stored === wanted;
}

/**
 * Whether a rule name is one a managed route gives its rules: the route's name for the first
 * copy, `<name>-<n>` for the n-th (a route's rule names must be unique), as the plugin names them.
 */
export function isManagedRuleName(ruleName: string, managed: readonly string[]): boolean {
  return managed.some(
    (base) =>
      ruleName === base || (ruleName.startsWith(`${base}-`) && /^\d+$/.test(ruleName.slice(base.length + 1))),
  );
}

/** A rule whose only backend is the canary: a header rule, or a canary-only rule of the user's. */
export function sendsOnlyToCanary(rule: Obj, canary: string): boolean {
  const refs = backendRefsOf(rule);
  return refs.length === 1 && refs[0]?.name === canary;
}

/**
 * A header rule without a name: written by a plugin older than named rules, or read back from
 * CRDs that predate rule names and drop the field. It sends only to the canary and every match
 * carries a header (header routes always do; a user's canary-only path rule need not).
 */
export function isUnnamedHeaderRule(rule: Obj, canary: string): boolean {
  if (asStr(rule.name) !== undefined || !sendsOnlyToCanary(rule, canary)) return false;
  const matches = asList(rule.matches).map((m) => asObj(m) ?? {});
  return matches.length > 0 && matches.every((m) => asList(m.headers).length > 0);
}

/** A rule of a managed route (any of `managed`), by name or, when unnamed, by its shape. */
export function isManagedRule(rule: Obj, managed: readonly string[], canary: string): boolean {
  const name = asStr(rule.name);
  if (name !== undefined) return isManagedRuleName(name, managed);
  return isUnnamedHeaderRule(rule, canary);
}

function refersTo(rule: Obj, service: string): boolean {
  return backendRefsOf(rule).some((ref) => ref.name === service);
}

/**
 * The rules that split traffic: not a managed route's, and with backendRefs to both Services (so
 * never a canary-only rule); empty when there is none. Rules that send to other Services only, or to only
 * one of the two, are left as they are.
 */
export function splitRuleIndexes(
  route: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
): number[] {
  return rulesOf(route).flatMap((rule, i) =>
    !isManagedRule(rule, managed, services.canary) &&
    refersTo(rule, services.stable) &&
    refersTo(rule, services.canary)
      ? [i]
      : [],
  );
}

/** As splitRuleIndexes, but a route without such a rule is an error that says what is missing. */
export function requireSplitRules(
  route: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
): number[] {
  const found = splitRuleIndexes(route, services, managed);
  if (found.length > 0) return found;
  const candidates = rulesOf(route).filter((rule) => !isManagedRule(rule, managed, services.canary));
  if (!candidates.some((rule) => refersTo(rule, services.stable)))
    throw new Error(
      `${routeTitle(route)} has no rule with a backendRef to the stable Service "${services.stable}"`,
    );
  throw new Error(
    `${routeTitle(route)} has no backendRef to the canary Service "${services.canary}" beside the stable Service "${services.stable}"`,
  );
}

/**
 * Sets the canary's weight and the stable's (the rest of maxTrafficWeight) on their backendRefs
 * in every rule that splits traffic; only weights that differ are written.
 */
export function weightOps(
  route: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
  weights: { canary: number; stable: number },
): JsonPatchOp[] {
  const rules = rulesOf(route);
  return requireSplitRules(route, services, managed).flatMap((i) =>
    backendRefsOf(rules[i] ?? {}).flatMap((ref, j): JsonPatchOp[] => {
      const wanted =
        ref.name === services.canary
          ? weights.canary
          : ref.name === services.stable
            ? weights.stable
            : undefined;
      if (wanted === undefined || ref.weight === wanted) return [];
      const path = `/spec/rules/${i}/backendRefs/${j}`;
      return [
        { op: 'test', path: `${path}/name`, value: ref.name },
        { op: 'weight' in ref ? 'replace' : 'add', path: `${path}/weight`, value: wanted },
      ];
    }),
  );
}

/** The plugin's label while the canary gets traffic: set when the weight is above 0, removed at 0. */
export function inProgressLabelOps(
  route: KubeObject,
  label: InProgressLabel | undefined,
  canaryWeight: number,
): JsonPatchOp[] {
  if (label === undefined) return [];
  const labels = asObj(route.metadata.labels);
  const current = labels?.[label.key];
  const path = `/metadata/labels/${pointerToken(label.key)}`;
  if (canaryWeight === 0) return current === undefined ? [] : [{ op: 'remove', path }];
  if (current === label.value) return [];
  if (labels === undefined)
    return [{ op: 'add', path: '/metadata/labels', value: { [label.key]: label.value } }];
  return [{ op: 'add', path, value: label.value }];
}

/** Removes the rules `doomed` picks, last first so the indexes stay right; each tested first. */
export function removeRulesOps(route: KubeObject, doomed: (rule: Obj) => boolean): JsonPatchOp[] {
  return rulesOf(route)
    .flatMap((rule, i) => (doomed(rule) ? [{ rule, i }] : []))
    .reverse()
    .flatMap(({ rule, i }): JsonPatchOp[] => [
      { op: 'test', path: `/spec/rules/${i}`, value: rule },
      { op: 'remove', path: `/spec/rules/${i}` },
    ]);
}

/**
 * The canary's share (of maxTrafficWeight) in the first rule that splits traffic, from the
 * backendRef weights there (1 where unset, as Gateway API reads them); undefined without one.
 */
export function observedCanaryWeight(
  route: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
  maxTrafficWeight: number,
): number | undefined {
  const first = splitRuleIndexes(route, services, managed)[0];
  if (first === undefined) return undefined;
  const refs = backendRefsOf(rulesOf(route)[first] ?? {});
  const weightOf = (ref: Obj): number => (typeof ref.weight === 'number' ? ref.weight : 1);
  const total = refs.reduce((sum, ref) => sum + weightOf(ref), 0);
  const canary = refs
    .filter((ref) => ref.name === services.canary)
    .reduce((sum, ref) => sum + weightOf(ref), 0);
  if (total === 0) return 0;
  return Math.round((canary * maxTrafficWeight) / total);
}
