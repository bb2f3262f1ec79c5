/**
 * The traffic router's part of a canary reconcile (Argo's `reconcileTrafficRouting`): which weight
 * the router sends to the canary, which header and mirror routes are in force, and the calls that
 * get the router there. Pure: the calls are actions the controller makes through the router port.
 *
 * The router is called only when what it should serve differs from what it was last set to
 * (`status.trafficWeights`, `status.managedRoutes`), so a waiting rollout makes no router writes.
 */
import { POLL_INTERVAL_MS, type Action, type RouterCall, type RouterTarget } from './actions.ts';
import { replicaProgressThresholdMet } from './replicas.ts';
import type { CanaryEngineRollout, CanaryRouting } from './spec.ts';
import type { ObservedReplicaSet, RolloutStatus, RouterWeights, WeightDestination } from './state.ts';

/** What the routed reconcile reads and writes. */
export interface RoutedTick {
  rollout: CanaryEngineRollout;
  routing: CanaryRouting;
  /** The status as this reconcile found it. */
  prev: RolloutStatus;
  /** The status being decided. */
  s: RolloutStatus;
  newRS: ObservedReplicaSet;
  /** The stable ReplicaSet (the new one once promoted). */
  stableRS: ObservedReplicaSet;
  actions: Action[];
  log: string[];
  /**
   * The current experiment's weighted templates while it is Running (experiment-weights.ts); the
   * stable gets what the canary and these leave.
   */
  additional?: readonly WeightDestination[] | undefined;
}

/**
 * The experiment destinations the router gets this reconcile: none once fully promoted, aborted,
 * promoted in full, or past the last step (Argo adds them only while the steps run).
 */
function additionalDestinations(tick: RoutedTick, fullyPromoted: boolean): WeightDestination[] {
  const { s, rollout } = tick;
  const pastSteps = (s.currentStepIndex ?? 0) >= rollout.canary.steps.length;
  if (fullyPromoted || s.abort || s.promoteFull || pastSteps) return [];
  return [...(tick.additional ?? [])];
}

/** The router's target for this reconcile: the canary weight (canaryTarget's routerWeight). */
export function reconcileTrafficRouting(tick: RoutedTick, weight: number): void {
  const { rollout, routing, prev, s, newRS, stableRS, log } = tick;
  const maxWeight = routing.maxTrafficWeight;
  const fullyPromoted = s.stableRS === s.currentPodHash;
  const endRoutes = fullyPromoted || s.abort || newRS.availableReplicas === 0 || s.promoteFull;
  // The stable takes what the canary leaves only once it has the pods for it.
  if (!stableCanCarry(rollout, stableRS, maxWeight - weight, maxWeight)) {
    log.push(
      `router: hold at ${prev.trafficWeights?.canary.weight ?? 0}: stable ${stableRS.name} cannot carry ${maxWeight - weight} yet`,
    );
    return;
  }
  const calls: RouterCall[] = [];
  const routes = new Set(prev.managedRoutes ?? []);
  if (endRoutes) {
    if (routes.size > 0) calls.push({ call: 'removeManagedRoutes' });
    routes.clear();
  } else {
    calls.push(...stepRoutes(tick, routes));
  }
  const additional = additionalDestinations(tick, fullyPromoted);
  const others = additional.reduce((sum, d) => sum + d.weight, 0);
  const withAdditional = additional.length === 0 ? {} : { additional };
  const weights: RouterWeights = {
    canary: { weight, podTemplateHash: newRS.hash },
    stable: { weight: maxWeight - weight - others, podTemplateHash: stableRS.hash },
    ...withAdditional,
  };
  const previous = prev.trafficWeights;
  if (previous === undefined || JSON.stringify(previous) !== JSON.stringify(weights)) {
    // An empty canary must get no traffic before the router's destinations move to its pods.
    if (newRS.availableReplicas === 0 && (previous?.canary.weight ?? 0) > 0)
      calls.push({ call: 'setWeight', weight, ...withAdditional });
    calls.push({ call: 'updateHash', canaryHash: newRS.hash, stableHash: stableRS.hash, ...withAdditional });
    calls.push({ call: 'setWeight', weight, ...withAdditional });
    log.push(`router: canary weight ${previous?.canary.weight ?? 0} → ${weight} of ${maxWeight}`);
  }
  s.trafficWeights = weights;
  s.managedRoutes = [...routes];
  if (s.managedRoutes.length === 0) s.managedRoutes = undefined;
  const router = routerTarget(rollout, routing);
  for (const call of calls) tick.actions.push({ kind: 'routeTraffic', router, call });
}

/** The header or mirror route the current step sets (Argo sets it from the second revision on). */
function stepRoutes(tick: RoutedTick, routes: Set<string>): RouterCall[] {
  const { rollout, s, newRS, log } = tick;
  const step = rollout.canary.steps[s.currentStepIndex ?? 0];
  if (step === undefined || newRS.revision <= 1) return [];
  if ('setHeaderRoute' in step) {
    const route = step.setHeaderRoute;
    const name = route.name ?? '';
    const want = route.match.length > 0;
    if (want === routes.has(name)) return [];
    if (want) routes.add(name);
    else routes.delete(name);
    log.push(`router: ${want ? 'set' : 'remove'} header route ${name}`);
    return [{ call: 'setHeaderRoute', route: { ...route, name } }];
  }
  if ('setMirrorRoute' in step) {
    const route = step.setMirrorRoute;
    const want = route.match.length > 0;
    if (want === routes.has(route.name)) return [];
    if (want) routes.add(route.name);
    else routes.delete(route.name);
    log.push(`router: ${want ? 'set' : 'remove'} mirror route ${route.name}`);
    return [{ call: 'setMirrorRoute', route }];
  }
  return [];
}

/**
 * Whether the stable has the available pods for `weight` of the traffic (Argo's
 * checkReplicasAvailable): ⌊weight·replicas/max⌋ pods, or the replicaProgressThreshold of them.
 */
function stableCanCarry(
  rollout: CanaryEngineRollout,
  stable: ObservedReplicaSet,
  weight: number,
  maxWeight: number,
): boolean {
  const needed = Math.trunc((weight * rollout.replicas) / maxWeight);
  if (stable.availableReplicas >= needed) return true;
  return replicaProgressThresholdMet(
    stable.availableReplicas,
    needed,
    rollout.canary.replicaProgressThreshold,
  );
}

export function routerTarget(rollout: CanaryEngineRollout, routing: CanaryRouting): RouterTarget {
  return {
    routing,
    stableService: rollout.canary.stableService,
    canaryService: rollout.canary.canaryService,
  };
}

/** The weight reported: the router's canary weight with a router, else what the pod counts give. */
export function canaryWeightOf(
  s: RolloutStatus,
  stableIsNew: boolean,
  templateHash: string,
  weight: number,
  routed: boolean,
): number {
  if (routed) return s.trafficWeights?.canary.weight ?? 0;
  return stableIsNew || s.stableRS === templateHash ? (s.abort ? 0 : 100) : weight;
}

/** Look again when a scale-down deadline falls due, if that is before the next poll. */
export function dueIn(dueAt: Date | undefined, now: Date): number | undefined {
  if (dueAt === undefined) return undefined;
  return Math.min(POLL_INTERVAL_MS, Math.max(0, dueAt.getTime() - now.getTime()));
}

export function routerWeights(s: RolloutStatus): { canary: number; stable: number } | null {
  const w = s.trafficWeights;
  return w === undefined ? null : { canary: w.canary.weight, stable: w.stable.weight };
}
