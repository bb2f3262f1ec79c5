/**
 * Canary replica arithmetic, as Argo Rollouts does it.
 *
 * Everything here is a pure function of its arguments. The rules were read from
 * argoproj/argo-rollouts `utils/replicaset/canary.go`, `utils/replicaset/replicaset.go`,
 * `utils/defaults/defaults.go`, `rollout/canary.go`, `rollout/replicaset.go` and
 * `rollout/trafficrouting.go`; the `maxTrafficWeight` generalisation is the one introduced
 * upstream with `utils/weightutil` (v1.7+). Where Argo does arithmetic in float64 we do the
 * same IEEE-754 operations in the same order, so ties and rounding come out identical.
 *
 * Vocabulary used throughout:
 *   - "replicas" (N) is the Rollout's `spec.replicas`.
 *   - the canary RS is Argo's "new RS" (the one built from the current pod template);
 *   - the stable RS is the one named by `status.stableRS`;
 *   - "older" RSs are every other RS owned by the Rollout.
 */

import type { IntOrPercent } from '../manifests/rollout.ts';

/** Argo's defaults for canary `maxSurge` and `maxUnavailable` (`utils/defaults`). */
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
/** Default denominator of every weight (`trafficRouting.maxTrafficWeight` unset). */
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

/** Raised when an IntOrPercent string is not `<integer>%`. */
export class IntOrPercentError extends Error {
  readonly value: string;
  constructor(value: string) {
    super(`invalid value for IntOrString: invalid type: string is not a percentage: "${value}"`);
    this.name = 'IntOrPercentError';
    this.value = value;
  }
}

// ---------------------------------------------------------------------------------------------
// 1. maxSurge / maxUnavailable
// ---------------------------------------------------------------------------------------------

/** What Go's `strconv.Atoi` accepts: optional sign, then decimal digits, nothing else. */
const ATOI_SYNTAX = /^[+-]?[0-9]+$/;
/** What Argo's validation (`validation.IsValidPercent`) accepts as a percentage. */
const VALID_PERCENT = /^[0-9]+%$/;

/**
 * Splits an IntOrPercent into its number and whether it is a percentage, with the parsing
 * rules of Kubernetes' `intstr.GetValueFromIntOrPercent`: a string must end in `%` and the
 * rest must be an integer (a sign is allowed, whitespace is not). Throws IntOrPercentError.
 */
export function parseIntOrPercent(value: IntOrPercent): { value: number; isPercent: boolean } {
  if (typeof value === 'number') {
    return { value: Math.trunc(value), isPercent: false };
  }
  if (!value.endsWith('%')) throw new IntOrPercentError(value);
  const digits = value.slice(0, -1);
  if (!ATOI_SYNTAX.test(digits)) throw new IntOrPercentError(value);
  return { value: Number.parseInt(digits, 10), isPercent: true };
}

/**
 * True when Argo's spec validation would read the string as a percentage (`^[0-9]+%$`).
 * (Argo's check that maxSurge and maxUnavailable are not both zero reads any other string
 * with `IntValue()`, i.e. as 0.)
 */
export function isValidPercent(value: string): boolean {
  return VALID_PERCENT.test(value);
}

/**
 * Resolves an IntOrPercent against a total: ints pass through unchanged; percentages are
 * `value * total / 100`, rounded up when `roundUp` and down otherwise.
 */
export function resolveIntOrPercent(value: IntOrPercent, total: number, roundUp: boolean): number {
  const parsed = parseIntOrPercent(value);
  if (!parsed.isPercent) return parsed.value;
  const scaled = (parsed.value * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

/**
 * Argo's `resolveFenceposts` with the canary defaults applied: undefined means `"25%"`,
 * surge rounds up, unavailable rounds down, and if both come out 0 unavailable becomes 1.
 * No capping here (see canaryLimits). Throws IntOrPercentError on a malformed string.
 */
export function resolveFenceposts(
  maxSurge: IntOrPercent | undefined,
  maxUnavailable: IntOrPercent | undefined,
  replicas: number,
): Fenceposts {
  const surge = resolveIntOrPercent(maxSurge ?? DEFAULT_MAX_SURGE, replicas, true);
  let unavailable = resolveIntOrPercent(maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: unavailable };
}

export interface CanaryLimits extends Fenceposts {
  /** replicas − maxUnavailable: the availability floor Argo scales down to. */
  minAvailable: number;
  /** replicas + maxSurge: the ceiling on the sum of every RS's spec.replicas. */
  maxTotal: number;
  /** Set when a value was malformed; Argo then runs with maxSurge 0 and maxUnavailable 0. */
  error?: string;
}

/**
 * The limits the canary controller actually uses (Argo's `MaxSurge` / `MaxUnavailable`):
 * maxUnavailable is 0 when replicas is 0 and never exceeds replicas. A malformed value makes
 * Argo's resolver fail, and Argo then uses 0 for both (the "both zero ⇒ 1" rule is skipped).
 */
export function canaryLimits(
  maxSurge: IntOrPercent | undefined,
  maxUnavailable: IntOrPercent | undefined,
  replicas: number,
): CanaryLimits {
  let fence: Fenceposts;
  let error: string | undefined;
  try {
    fence = resolveFenceposts(maxSurge, maxUnavailable, replicas);
  } catch (err) {
    if (!(err instanceof IntOrPercentError)) throw err;
    fence = { maxSurge: 0, maxUnavailable: 0 };
    error = err.message;
  }
  let unavailable = replicas === 0 ? 0 : fence.maxUnavailable;
  if (unavailable > replicas) unavailable = replicas;
  const limits: CanaryLimits = {
    maxSurge: fence.maxSurge,
    maxUnavailable: unavailable,
    minAvailable: replicas - unavailable,
    maxTotal: replicas + fence.maxSurge,
  };
  if (error !== undefined) limits.error = error;
  return limits;
}

// ---------------------------------------------------------------------------------------------
// 2. Target counts for a weight (basic canary)
// ---------------------------------------------------------------------------------------------

export interface CanaryStableCounts {
  canary: number;
  stable: number;
}

/** Whether `total * weight / maxWeight` lands exactly on .5 (Argo evaluates this in float64). */
function halfwayBetweenCounts(weight: number, maxWeight: number, total: number): boolean {
  const exact = total * (weight / maxWeight);
  return exact - Math.trunc(exact) === 0.5;
}

/** How far `canary / total` is from the wanted weight, in weight units (float64, as Argo). */
function distanceFromWeight(weight: number, maxWeight: number, canary: number, total: number): number {
  return Math.abs((canary * maxWeight) / total - weight);
}

/**
 * Picks the canary/stable pod counts whose ratio best approximates `weight / maxWeight`.
 *
 * Candidates, in this order (the earliest wins a tie):
 *   1. ⌈N·w/M⌉ canary out of N — only if that leaves a stable pod, or zero is allowed;
 *   2. ⌊N·w/M⌋ out of N — unless N·w/M is exactly x.5, and only if non-zero or zero is allowed;
 *   3. with maxSurge > 0: ⌈N·w/M⌉ out of N+1;
 *   4. with maxSurge > 0: ⌊N·w/M⌋ out of N+1 — unless (N+1)·w/M is x.5; same zero rule.
 * "Zero allowed" means w is 0 or M, or N is 1 with no surge. The candidate with the smallest
 * |canary·M/total − w| wins; the stable count is total − canary, so the pair sums to N or N+1.
 * N = 0 gives 0/0.
 */
export function approximateWeightedCanaryStableReplicaCounts(
  replicas: number,
  weight: number,
  maxWeight: number,
  maxSurge: number,
): CanaryStableCounts {
  if (replicas === 0) return { canary: 0, stable: 0 };

  const roundedUp = Math.ceil((replicas * weight) / maxWeight);
  const roundedDown = Math.floor((replicas * weight) / maxWeight);
  const zeroAllowed = weight === maxWeight || weight === 0 || (replicas === 1 && maxSurge === 0);
  const roundedDownUsable = roundedDown !== 0 || zeroAllowed;

  const candidates: Array<[canary: number, total: number]> = [];
  if (roundedUp < replicas || zeroAllowed) candidates.push([roundedUp, replicas]);
  if (!halfwayBetweenCounts(weight, maxWeight, replicas) && roundedDownUsable) {
    candidates.push([roundedDown, replicas]);
  }
  if (maxSurge > 0) {
    candidates.push([roundedUp, replicas + 1]);
    if (!halfwayBetweenCounts(weight, maxWeight, replicas + 1) && roundedDownUsable) {
      candidates.push([roundedDown, replicas + 1]);
    }
  }

  const first = candidates[0];
  if (first === undefined) return { canary: 0, stable: replicas };
  let [bestCanary, bestTotal] = first;
  let bestDistance = distanceFromWeight(weight, maxWeight, bestCanary, bestTotal);
  for (const [canary, total] of candidates.slice(1)) {
    const distance = distanceFromWeight(weight, maxWeight, canary, total);
    if (distance < bestDistance) {
      bestCanary = canary;
      bestTotal = total;
      bestDistance = distance;
    }
  }
  return { canary: bestCanary, stable: bestTotal - bestCanary };
}

// ---------------------------------------------------------------------------------------------
// 3. Basic canary: what to set this reconcile
// ---------------------------------------------------------------------------------------------

/** The two numbers the replica math reads from a ReplicaSet. */
export interface ReplicaSetCounts {
  /** `spec.replicas` */
  specReplicas: number;
  /** `status.availableReplicas` */
  availableReplicas: number;
}

export interface BasicCanaryInput {
  /** The Rollout's `spec.replicas` (Argo defaults an unset value to 1). */
  replicas: number;
  /**
   * The weight to approximate: `desiredCanaryReplicasOrWeight(...).weight` (0 when aborted,
   * 100 when fully promoted or after the last step). Argo's basic-canary function reads the
   * abort flag only through this weight.
   */
  desiredWeight: number;
  maxSurge?: IntOrPercent | undefined;
  maxUnavailable?: IntOrPercent | undefined;
  /** The canary ("new") RS, or null before it exists (Argo then leaves the canary at 0). */
  canary: ReplicaSetCounts | null;
  /** The stable RS, or null when there is none. */
  stable: ReplicaSetCounts | null;
  /**
   * The stable RS *is* the canary RS (fully promoted, or rolled back to stable). Pass
   * `stable: null` with it. Argo then targets replicas on the canary and nothing on stable,
   * but still reads the shared RS twice in its scale-down budget, which this reproduces.
   */
  stableIsCanary?: boolean;
  /** Every other RS of the Rollout. */
  older: readonly ReplicaSetCounts[];
}

function sumSpec(sets: readonly ReplicaSetCounts[]): number {
  return sets.reduce((total, rs) => total + rs.specReplicas, 0);
}

function sumAvailable(sets: readonly ReplicaSetCounts[]): number {
  return sets.reduce((total, rs) => total + rs.availableReplicas, 0);
}

/**
 * How many of an RS's pods may be counted on when working out how far we can scale down:
 * its available pods, or its spec when availability is to be ignored; never more than spec
 * (pods above spec are already on their way out).
 */
function countedForScaleDown(rs: ReplicaSetCounts | null, ignoreAvailability: boolean): number {
  if (rs === null) return 0;
  if (rs.specReplicas < rs.availableReplicas) return rs.specReplicas;
  return ignoreAvailability ? rs.specReplicas : rs.availableReplicas;
}

/** Moves `rs` down toward `target` by at most `budget`; returns `current` if it is not above it. */
function drainToward(rs: ReplicaSetCounts | null, target: number, budget: number, current: number): number {
  if (rs === null || rs.specReplicas <= target) return current;
  return Math.max(target, rs.specReplicas - budget);
}

/**
 * After draining one RS, makes the pair fit under maxTotal and over minAvailable: the other
 * ("kept") RS first gives back anything above the surge ceiling; if that cost available pods
 * the availability floor needs, those are handed back, and any resulting excess comes off
 * the drained RS instead. Returns [drained, kept].
 */
function fitWithinLimits(
  drained: ReplicaSetCounts | null,
  kept: ReplicaSetCounts | null,
  drainedCount: number,
  keptCount: number,
  maxTotal: number,
  minAvailable: number,
): [number, number] {
  if (kept === null) return [drainedCount, keptCount];
  let available = drained === null ? 0 : Math.min(drained.availableReplicas, drainedCount);
  let keptNext = keptCount - Math.max(0, keptCount + drainedCount - maxTotal);
  available += Math.min(kept.availableReplicas, keptNext);
  const availabilityGivenUp = Math.max(0, kept.availableReplicas - keptNext);
  const availabilityShort = Math.max(0, minAvailable - available);
  keptNext += Math.min(availabilityGivenUp, availabilityShort);
  const excess = Math.max(0, keptNext + drainedCount - maxTotal);
  return [drainedCount - excess, keptNext];
}

/**
 * Argo's `CalculateReplicaCountsForBasicCanary`: the spec.replicas Argo wants on the canary
 * and stable RS *this reconcile*, moving toward the approximated target in steps bounded by
 * maxSurge (scale up) and maxUnavailable (scale down, counting available pods).
 *
 *   - Scale up first, within replicas + maxSurge minus the spec of every RS: stable toward
 *     its target before canary.
 *   - If any older RS still has spec > 0, stop there (they are scaled down first, elsewhere:
 *     scaleDownOlderReplicaSetsForBasicCanary).
 *   - Scale down from the pods that can be counted on above replicas − maxUnavailable. When
 *     the canary target is at or above its spec ("increasing"), the stable is drained and
 *     only the canary's *available* pods count (the stable's spec is used); otherwise (weight
 *     going down, e.g. abort) the canary is drained and the stable's available pods count.
 *   - The kept RS is then trimmed to respect the surge ceiling without breaking the floor.
 *
 * With no stable RS (or stableIsCanary) the target is replicas on the canary and 0 stable.
 * Argo's reconcile applies the stable number first and, if it changed anything, stops and
 * recomputes on the next reconcile (see planBasicCanaryReconcile).
 */
export function calculateReplicaCountsForBasicCanary(input: BasicCanaryInput): CanaryStableCounts {
  const { replicas, canary, older } = input;
  const limits = canaryLimits(input.maxSurge, input.maxUnavailable, replicas);
  const stableIsCanary = input.stableIsCanary === true;
  const separateStable = stableIsCanary ? null : input.stable;
  // The RS whose availability Argo reads as "the stable" — the canary itself when they coincide.
  const stableAsRead = stableIsCanary ? canary : input.stable;

  let target = approximateWeightedCanaryStableReplicaCounts(
    replicas,
    input.desiredWeight,
    DEFAULT_MAX_TRAFFIC_WEIGHT,
    limits.maxSurge,
  );
  if (separateStable === null) target = { canary: replicas, stable: 0 };

  let nextCanary = canary === null ? 0 : canary.specReplicas;
  let nextStable = separateStable === null ? 0 : separateStable.specReplicas;

  const currentTotal =
    sumSpec(older) + nextCanary + (separateStable === null ? 0 : separateStable.specReplicas);
  let room = limits.maxTotal - currentTotal;

  if (separateStable !== null && separateStable.specReplicas < target.stable && room > 0) {
    const wanted = target.stable - separateStable.specReplicas;
    const granted = Math.min(wanted, room);
    nextStable = separateStable.specReplicas + granted;
    room -= granted;
  }
  if (canary !== null && canary.specReplicas < target.canary && room > 0) {
    nextCanary = Math.min(canary.specReplicas + room, target.canary);
  }

  if (sumSpec(older) > 0) return { canary: nextCanary, stable: nextStable };

  const increasing = canary === null || target.canary >= canary.specReplicas;
  const countable = countedForScaleDown(canary, !increasing) + countedForScaleDown(stableAsRead, increasing);
  if (countable <= limits.minAvailable) return { canary: nextCanary, stable: nextStable };
  const budget = countable - limits.minAvailable;

  if (!increasing) {
    nextCanary = drainToward(canary, target.canary, budget, nextCanary);
    [nextCanary, nextStable] = fitWithinLimits(
      canary,
      stableAsRead,
      nextCanary,
      nextStable,
      limits.maxTotal,
      limits.minAvailable,
    );
  } else if (separateStable !== null) {
    nextStable = drainToward(separateStable, target.stable, budget, nextStable);
    [nextStable, nextCanary] = fitWithinLimits(
      separateStable,
      canary,
      nextStable,
      nextCanary,
      limits.maxTotal,
      limits.minAvailable,
    );
  }
  return { canary: nextCanary, stable: nextStable };
}

/** An older RS; `revision` orders the scale-down (newest revision first). */
export interface OlderReplicaSet extends ReplicaSetCounts {
  /** The RS's `rollout.argoproj.io/revision`; missing sorts as oldest. */
  revision?: number;
}

export interface OlderScaleDownInput {
  replicas: number;
  maxSurge?: IntOrPercent | undefined;
  maxUnavailable?: IntOrPercent | undefined;
  canary: ReplicaSetCounts | null;
  /** The stable RS if it is a different RS from the canary, else null. */
  stable: ReplicaSetCounts | null;
  /** Older RSs in creation order (oldest first). */
  older: readonly OlderReplicaSet[];
}

/**
 * Basic canary's scale-down of older RSs (Argo's `scaleDownOldReplicaSetsForCanary`, which
 * runs only in a reconcile where neither the stable nor the canary RS was rescaled). Returns
 * the new spec.replicas for each older RS, in input order.
 *
 *   1. Each older RS with unavailable pods is first cut to its available count (in creation
 *      order; an RS with more available pods than spec stops the whole step, keeping cuts
 *      already made).
 *   2. Then, from the newest revision down, older RSs are reduced by at most
 *      (available pods of every RS) − (replicas − maxUnavailable) in total.
 */
export function scaleDownOlderReplicaSetsForBasicCanary(input: OlderScaleDownInput): number[] {
  const next = input.older.map((rs) => rs.specReplicas);
  for (let i = 0; i < input.older.length; i++) {
    const rs = input.older[i];
    if (rs === undefined || rs.specReplicas === 0 || rs.specReplicas === rs.availableReplicas) continue;
    if (rs.availableReplicas > rs.specReplicas) return next;
    next[i] = rs.availableReplicas;
  }

  const limits = canaryLimits(input.maxSurge, input.maxUnavailable, input.replicas);
  const everyRS: ReplicaSetCounts[] = [...input.older];
  if (input.canary !== null) everyRS.push(input.canary);
  if (input.stable !== null) everyRS.push(input.stable);
  let budget = sumAvailable(everyRS) - limits.minAvailable;
  if (budget <= 0) return next;

  const newestFirst = input.older
    .map((rs, index) => ({ index, revision: rs.revision ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => b.revision - a.revision || b.index - a.index);
  for (const { index } of newestFirst) {
    if (budget <= 0) break;
    const spec = next[index] ?? 0;
    if (spec === 0) continue;
    const wanted = spec > budget ? spec - budget : 0;
    next[index] = wanted;
    budget -= spec - wanted;
  }
  return next;
}

/** BasicCanaryInput whose older RSs carry their revision (they may be scaled down). */
export interface BasicCanaryPlanInput extends Omit<BasicCanaryInput, 'older'> {
  /** Older RSs in creation order (oldest first). */
  older: readonly OlderReplicaSet[];
}

export type BasicCanaryReconcileStep =
  | { action: 'scaleStable'; replicas: number }
  | { action: 'scaleCanary'; replicas: number }
  | { action: 'scaleOlder'; replicas: number[] }
  | { action: 'none' };

/**
 * The single scaling Argo performs in one basic-canary reconcile (`reconcileCanaryReplicaSets`):
 * the stable RS if its number changed; else the canary RS if its number changed; else the
 * older RSs' scale-down; else nothing. The caller applies it, lets the cluster move, and
 * calls again. `older` must be in creation order.
 */
export function planBasicCanaryReconcile(input: BasicCanaryPlanInput): BasicCanaryReconcileStep {
  const counts = calculateReplicaCountsForBasicCanary(input);
  const stableIsCanary = input.stableIsCanary === true;
  const separateStable = stableIsCanary ? null : input.stable;
  if (separateStable !== null && counts.stable !== separateStable.specReplicas) {
    return { action: 'scaleStable', replicas: counts.stable };
  }
  if (input.canary !== null && counts.canary !== input.canary.specReplicas) {
    return { action: 'scaleCanary', replicas: counts.canary };
  }
  if (sumSpec(input.older) === 0) return { action: 'none' };
  const older = scaleDownOlderReplicaSetsForBasicCanary({
    replicas: input.replicas,
    maxSurge: input.maxSurge,
    maxUnavailable: input.maxUnavailable,
    canary: input.canary,
    stable: separateStable,
    older: input.older,
  });
  if (older.every((replicas, i) => replicas === input.older[i]?.specReplicas)) return { action: 'none' };
  return { action: 'scaleOlder', replicas: older };
}

/**
 * The scalings of one basic-canary sync as Argo's controller carries it out: its reconcile scales
 * one ReplicaSet and returns, and that ReplicaSet's update event starts the next reconcile at once,
 * before any pod has changed. When the first move is the stable's, the second (the same pods, the
 * stable at its new spec) is the canary's. Both are returned, in that order: applied one after the
 * other they hold maxSurge and maxUnavailable at every instant, since the canary's move was
 * computed with the stable's in place. Any other first move is returned alone.
 */
export function planBasicCanarySync(input: BasicCanaryPlanInput): BasicCanaryReconcileStep[] {
  const first = planBasicCanaryReconcile(input);
  if (first.action === 'none') return [];
  if (first.action !== 'scaleStable' || input.stable === null || input.stableIsCanary === true)
    return [first];
  const second = planBasicCanaryReconcile({
    ...input,
    stable: { ...input.stable, specReplicas: first.replicas },
  });
  return second.action === 'scaleCanary' ? [first, second] : [first];
}

// ---------------------------------------------------------------------------------------------
// 4. Traffic-routed canary
// ---------------------------------------------------------------------------------------------

/** `status.canary.weights`: what the router was last set to. */
export interface TrafficWeights {
  canary: number;
  stable: number;
}

export interface TrafficRoutedCanaryInput {
  /** The Rollout's `spec.replicas`. */
  replicas: number;
  /** From desiredCanaryReplicasOrWeight: an explicit `setCanaryScale.replicas`, else null. */
  setCanaryScaleReplicas: number | null;
  /** From desiredCanaryReplicasOrWeight: the weight the canary is scaled for. */
  desiredWeight: number;
  /** `trafficRouting.maxTrafficWeight` (default 100). */
  maxTrafficWeight?: number | undefined;
  dynamicStableScale?: boolean | undefined;
  minPodsPerReplicaSet?: number | undefined;
  /** `status.abort`. */
  aborted: boolean;
  /**
   * The weights the router is currently at (`status.canary.weights`), or null. Argo passes the
   * previous status' weights when scaling the stable RS and the just-reconciled ones when
   * scaling the canary RS; its own "can the router move yet" check passes null.
   */
  currentWeights: TrafficWeights | null;
}

/** Pods needed to serve `weight` out of `maxWeight` of traffic: ⌈weight·replicas/maxWeight⌉. */
export function trafficWeightToReplicas(
  replicas: number,
  weight: number,
  maxWeight: number = DEFAULT_MAX_TRAFFIC_WEIGHT,
): number {
  return Math.ceil((weight * replicas) / maxWeight);
}

/** A non-zero count is raised to `minPodsPerReplicaSet` (not capped at replicas). */
export function applyMinPodsPerReplicaSet(count: number, minPodsPerReplicaSet: number | undefined): number {
  if (count === 0 || minPodsPerReplicaSet === undefined) return count;
  return Math.max(count, minPodsPerReplicaSet);
}

/**
 * Argo's `CalculateReplicaCountsForTrafficRoutedCanary`: the target canary/stable counts when
 * a router splits traffic. maxSurge/maxUnavailable play no part; the counts are set directly.
 *
 *   - canary = setCanaryScale.replicas if given (raised to minPods only with dynamicStableScale),
 *     else ⌈w·N/M⌉ raised to minPodsPerReplicaSet;
 *   - without dynamicStableScale the stable stays at N;
 *   - with it, stable = ⌈(M−w)·N/M⌉, but never below what the router's current stable weight
 *     needs; when aborting, the canary likewise keeps what its current weight needs. Both are
 *     then raised to minPodsPerReplicaSet.
 */
export function calculateReplicaCountsForTrafficRoutedCanary(
  input: TrafficRoutedCanaryInput,
): CanaryStableCounts {
  const { replicas, desiredWeight, currentWeights, minPodsPerReplicaSet } = input;
  const maxWeight = input.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  let canary =
    input.setCanaryScaleReplicas ??
    applyMinPodsPerReplicaSet(
      trafficWeightToReplicas(replicas, desiredWeight, maxWeight),
      minPodsPerReplicaSet,
    );

  if (input.dynamicStableScale !== true) return { canary, stable: replicas };

  let stable = trafficWeightToReplicas(replicas, maxWeight - desiredWeight, maxWeight);
  if (currentWeights !== null) {
    stable = Math.max(stable, trafficWeightToReplicas(replicas, currentWeights.stable, maxWeight));
    if (input.aborted) {
      canary = Math.max(trafficWeightToReplicas(replicas, currentWeights.canary, maxWeight), canary);
    }
  }
  return {
    canary: applyMinPodsPerReplicaSet(canary, minPodsPerReplicaSet),
    stable: applyMinPodsPerReplicaSet(stable, minPodsPerReplicaSet),
  };
}

export interface AbortTrafficWeightInput {
  dynamicStableScale: boolean;
  replicas: number;
  /** `status.availableReplicas` of the stable RS. */
  stableAvailableReplicas: number;
  /** The router's current canary weight, or null when no weights were recorded yet. */
  currentCanaryWeight: number | null;
  maxTrafficWeight?: number | undefined;
}

/**
 * The canary weight the router is set to while aborted (Argo's
 * `calculateDesiredWeightOnAbortOrStableRollback`): 0 at once without dynamicStableScale;
 * with it, whatever the stable's available pods cannot yet carry,
 * M − ⌊M·stableAvailable/N⌋ (0 when N is 0), never above the current canary weight.
 */
export function trafficWeightOnAbort(input: AbortTrafficWeightInput): number {
  if (!input.dynamicStableScale) return 0;
  if (input.replicas === 0) return 0;
  const maxWeight = input.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  const weight = maxWeight - Math.trunc((maxWeight * input.stableAvailableReplicas) / input.replicas);
  return input.currentCanaryWeight === null ? weight : Math.min(weight, input.currentCanaryWeight);
}

// ---------------------------------------------------------------------------------------------
// 5. "At desired replica counts" — the completion check of setWeight / setCanaryScale steps
// ---------------------------------------------------------------------------------------------

/** A ReplicaSet as the completion checks see it. */
export interface ObservedReplicaSet extends ReplicaSetCounts {
  /** `status.replicas`: pods that exist (created, not terminating), ready or not. */
  replicas: number;
}

/** `spec.strategy.canary.replicaProgressThreshold` (Argo ≥ 1.9). */
export interface ReplicaProgressThreshold {
  type: 'Percent' | 'Pod';
  value: number;
}

/**
 * Whether enough of the canary's desired pods are available. Without a threshold Argo wants
 * exactly `desired` available. With one: Percent ⇒ available/desired·100 ≥ value; Pod ⇒
 * available ≥ value. A desired count of 0 still needs exactly 0 available.
 *
 * Caveat: the threshold branch follows the feature's PR (#4341) and Argo's
 * `TestCheckReplicasAvailableWithReplicaProgressThreshold` (4/5 meets 80%, 3/5 does not);
 * the upstream Go for it was not available to read, so the Pod form and the desired = 0 case
 * are this module's reading, not a verified copy.
 */
export function replicaProgressThresholdMet(
  available: number,
  desired: number,
  threshold?: ReplicaProgressThreshold,
): boolean {
  if (threshold === undefined || desired === 0) return available === desired;
  if (threshold.type === 'Pod') return available >= threshold.value;
  return available * 100 >= threshold.value * desired;
}

function canaryAtDesired(
  rs: ObservedReplicaSet | null,
  desired: number,
  threshold: ReplicaProgressThreshold | undefined,
): boolean {
  return (
    rs !== null &&
    rs.specReplicas === desired &&
    replicaProgressThresholdMet(rs.availableReplicas, desired, threshold)
  );
}

/** The stable check only counts pods that exist; it does not wait for them to be available. */
function stableAtDesired(rs: ObservedReplicaSet | null, desired: number): boolean {
  return rs !== null && rs.specReplicas === desired && rs.replicas === desired;
}

export interface BasicCanaryCompletionInput extends Omit<BasicCanaryInput, 'canary' | 'stable' | 'older'> {
  canary: ObservedReplicaSet | null;
  stable: ObservedReplicaSet | null;
  older: readonly ReplicaSetCounts[];
  replicaProgressThreshold?: ReplicaProgressThreshold | undefined;
}

/**
 * Argo's `AtDesiredReplicaCountsForCanary` without a router. The "desired" counts are what
 * calculateReplicaCountsForBasicCanary would set now, so this holds only at the fixed point:
 * the canary has that spec and its pods available (or the progress threshold met), the stable
 * has that spec and that many pods, and no older RS has an available pod.
 */
export function atDesiredReplicaCountsForBasicCanary(input: BasicCanaryCompletionInput): boolean {
  const desired = calculateReplicaCountsForBasicCanary(input);
  if (!canaryAtDesired(input.canary, desired.canary, input.replicaProgressThreshold)) return false;
  const stableAsRead = input.stableIsCanary === true ? input.canary : input.stable;
  if (!stableAtDesired(stableAsRead, desired.stable)) return false;
  return sumAvailable(input.older) === 0;
}

export interface TrafficRoutedCompletionInput extends TrafficRoutedCanaryInput {
  canary: ObservedReplicaSet | null;
  stable: ObservedReplicaSet | null;
  replicaProgressThreshold?: ReplicaProgressThreshold | undefined;
}

/**
 * Argo's `AtDesiredReplicaCountsForCanary` with a router: the canary at its target and
 * available (or threshold met); the stable at its target spec with that many pods, unless
 * dynamicStableScale is on (then the stable is not checked). Older RSs do not matter: the
 * router sends them no traffic.
 */
export function atDesiredReplicaCountsForTrafficRoutedCanary(input: TrafficRoutedCompletionInput): boolean {
  const desired = calculateReplicaCountsForTrafficRoutedCanary(input);
  if (!canaryAtDesired(input.canary, desired.canary, input.replicaProgressThreshold)) return false;
  if (input.dynamicStableScale !== true && !stableAtDesired(input.stable, desired.stable)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// 6. Step helpers
// ---------------------------------------------------------------------------------------------

export interface SetCanaryScaleLike {
  replicas?: number;
  weight?: number;
  matchTrafficWeight?: boolean;
}

/** The part of a canary step this module reads; every other key is ignored. */
export interface CanaryStepLike {
  setWeight?: number;
  pause?: unknown;
  setCanaryScale?: SetCanaryScaleLike;
  [key: string]: unknown;
}

export interface StepPosition {
  steps: readonly CanaryStepLike[];
  /** `status.currentStepIndex`; unset reads as 0. */
  currentStepIndex?: number | undefined;
}

/**
 * Argo's `GetCurrentCanaryStep`: the step at the index, or null when there are no steps or
 * the index is past the last one. `index` is null only when there are no steps.
 */
export function currentCanaryStep(position: StepPosition): {
  step: CanaryStepLike | null;
  index: number | null;
} {
  if (position.steps.length === 0) return { step: null, index: null };
  const index = position.currentStepIndex ?? 0;
  return { step: position.steps[index] ?? null, index };
}

export interface SetWeightQuery extends StepPosition {
  /** `status.abort`. */
  aborted: boolean;
  maxTrafficWeight?: number | undefined;
}

/**
 * Argo's `GetCurrentSetWeight`: 0 when aborted; the full weight (M) when there are no steps
 * or every step is done; else the last `setWeight` at or before the current step, or 0.
 */
export function currentSetWeight(query: SetWeightQuery): number {
  if (query.aborted) return 0;
  const { step, index } = currentCanaryStep(query);
  if (step === null || index === null) return query.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  for (let i = index; i >= 0; i--) {
    const weight = query.steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

/**
 * The last `setWeight` strictly before the current step, or 0. A traffic router stays at this
 * weight while the canary RS is not yet at its desired counts for the current step
 * (`reconcileTrafficRouting`).
 */
export function previousSetWeight(position: StepPosition): number {
  const index = position.currentStepIndex ?? 0;
  for (let i = Math.min(index, position.steps.length) - 1; i >= 0; i--) {
    const weight = position.steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

export interface SetCanaryScaleQuery extends StepPosition {
  /** Whether `trafficRouting` is configured; setCanaryScale is ignored without it. */
  trafficRouted: boolean;
  aborted: boolean;
  /** `abortScaleDownDelaySeconds` as written (undefined = unset). */
  abortScaleDownDelaySeconds?: number | undefined;
}

/**
 * Argo's `UseSetCanaryScale`: the `setCanaryScale` in force at the current step — the last one
 * at or before it, unless that one says `matchTrafficWeight: true`. None without a router, past
 * the last step, or when aborted (unless `abortScaleDownDelaySeconds: 0` keeps the canary up).
 */
export function currentSetCanaryScale(query: SetCanaryScaleQuery): SetCanaryScaleLike | null {
  if (!query.trafficRouted) return null;
  if (query.aborted && query.abortScaleDownDelaySeconds !== 0) return null;
  const { step, index } = currentCanaryStep(query);
  if (step === null || index === null) return null;
  for (let i = index; i >= 0; i--) {
    const scale = query.steps[i]?.setCanaryScale;
    if (scale === undefined) continue;
    return scale.matchTrafficWeight === true ? null : scale;
  }
  return null;
}

export interface DesiredCanaryQuery extends SetCanaryScaleQuery {
  /** `status.promoteFull`. */
  promoteFull: boolean;
  /**
   * True while an update is under way: `status.stableRS` is set and differs from
   * `status.currentPodHash`. False means fully promoted / first deploy: the full weight.
   */
  canaryInProgress: boolean;
  maxTrafficWeight?: number | undefined;
}

/**
 * Argo's `GetCanaryReplicasOrWeight`, the "desired weight" both replica calculations start
 * from: the full weight when promoting fully or not mid-update; else an explicit
 * `setCanaryScale.replicas` (with weight 0) or `setCanaryScale.weight`; else currentSetWeight.
 */
export function desiredCanaryReplicasOrWeight(query: DesiredCanaryQuery): {
  replicas: number | null;
  weight: number;
} {
  const maxWeight = query.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  if (query.promoteFull || !query.canaryInProgress) return { replicas: null, weight: maxWeight };
  const scale = currentSetCanaryScale(query);
  if (scale?.replicas !== undefined) return { replicas: scale.replicas, weight: 0 };
  if (scale?.weight !== undefined) return { replicas: null, weight: scale.weight };
  return { replicas: null, weight: currentSetWeight(query) };
}
