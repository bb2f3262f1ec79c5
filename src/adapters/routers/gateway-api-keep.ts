/**
 * Re-applying an HTTPRoute or GRPCRoute from the manifests while the Gateway API router drives it.
 * `spec.rules` and each rule's `backendRefs` are atomic lists for a server-side apply: applied as
 * written, the manifest would put back git's weights and drop the header-route rules until the
 * router writes them again. The route applied is the manifest's with the router's part taken from
 * the live route: the canary's and the stable's backendRef weights in the rules that split traffic,
 * and the managed header-route rules. Pure.
 */
import type { KubeObject } from '../../controller/ports.ts';
import { asList, asObj, asStr, type Obj } from '../../manifests/values.ts';
import { backendRefsOf, isManagedRule, rulesOf, type RolloutServices } from './gateway-api-routes.ts';

/** Whether the rule splits traffic between the two Services, as the router's weightOps reads it. */
function splits(rule: Obj, services: RolloutServices, managed: readonly string[]): boolean {
  if (isManagedRule(rule, managed, services.canary)) return false;
  const names = backendRefsOf(rule).map((ref) => ref.name);
  return names.includes(services.stable) && names.includes(services.canary);
}

/**
 * The live rule each splitting rule of the manifest is: the one of the same name, else an unnamed
 * one in the same order; a rule that is new in git takes the first live splitting rule (the router
 * gives them all the same weights). Undefined where the live route has none.
 */
function liveCounterparts(
  rules: readonly Obj[],
  live: readonly Obj[],
  isSplit: (rule: Obj) => boolean,
): (Obj | undefined)[] {
  const liveSplit = live.filter(isSplit);
  const unnamedLive = liveSplit.filter((r) => asStr(r.name) === undefined);
  let nextUnnamed = 0;
  return rules.map((rule) => {
    if (!isSplit(rule)) return undefined;
    const name = asStr(rule.name);
    const same =
      name === undefined ? unnamedLive[nextUnnamed++] : liveSplit.find((r) => asStr(r.name) === name);
    return same ?? liveSplit[0];
  });
}

/** The rule with the live weights of the canary's and the stable's backendRefs. */
function withLiveWeights(rule: Obj, live: Obj, services: RolloutServices): Obj {
  const liveRefs = backendRefsOf(live);
  const backendRefs = asList(rule.backendRefs).map((raw) => {
    const ref = asObj(raw);
    const name = ref?.name;
    if (ref === undefined || (name !== services.canary && name !== services.stable)) return raw;
    const counterpart = liveRefs.find((r) => r.name === name);
    if (counterpart === undefined) return raw;
    const rest = Object.fromEntries(Object.entries(ref).filter(([k]) => k !== 'weight'));
    return counterpart.weight === undefined ? rest : { ...rest, weight: counterpart.weight };
  });
  return { ...rule, backendRefs };
}

/**
 * The route to apply: the manifest's rules (the managed ones it may hold left out), the splitting
 * ones with their live weights, then the live header-route rules, where the router adds them.
 */
export function keepGatewayRouting(
  manifest: KubeObject,
  live: KubeObject,
  services: RolloutServices,
  managed: readonly string[],
): KubeObject {
  const spec = asObj(manifest.spec);
  if (spec === undefined || !Array.isArray(spec.rules)) return manifest;
  const isManaged = (rule: Obj): boolean => isManagedRule(rule, managed, services.canary);
  const rules = rulesOf(manifest).filter((rule) => !isManaged(rule));
  const liveRules = rulesOf(live);
  const counterparts = liveCounterparts(rules, liveRules, (rule) => splits(rule, services, managed));
  const kept = rules.map((rule, i) => {
    const counterpart = counterparts[i];
    return counterpart === undefined ? rule : withLiveWeights(rule, counterpart, services);
  });
  return { ...manifest, spec: { ...spec, rules: [...kept, ...liveRules.filter(isManaged)] } };
}
