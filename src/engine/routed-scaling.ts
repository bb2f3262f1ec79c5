/**
 * Scaling of a traffic-routed canary (Argo's reconcileCanaryReplicaSets with a router): the stable
 * first, then the canary, then the older ReplicaSets, one scaling per reconcile. Unlike the basic
 * canary the counts follow the router's weights, and a ReplicaSet the router moved off keeps its
 * pods for scaleDownDelaySeconds (an aborted canary for abortScaleDownDelaySeconds), as traffic
 * may still drain to it; the deadline is Argo's `scale-down-deadline` annotation on it.
 */
import type { Action } from './actions.ts';
import {
  calculateReplicaCountsForTrafficRoutedCanary,
  resolveFenceposts,
  type CanaryStableCounts,
  type TrafficRoutedCanaryInput,
} from './replicas.ts';
import type { RoutedTick } from './routed.ts';
import type { ObservedReplicaSet, RouterWeights } from './state.ts';

export interface RoutedScaling {
  tick: RoutedTick;
  stableIsNew: boolean;
  /** Neither the canary nor the stable (nor an experiment's). */
  older: readonly ObservedReplicaSet[];
  /** The replica math's input without the weights (from canaryTarget). */
  counts: Omit<TrafficRoutedCanaryInput, 'currentWeights'>;
  /** Hashes the Services select now: a ReplicaSet a Service selects keeps its pods. */
  servedHashes: readonly (string | undefined)[];
  now: Date;
}

/** The result: whether a ReplicaSet was scaled, and when a scale-down deadline falls due. */
export interface RoutedScaleResult {
  scaled: boolean;
  dueAt: Date | undefined;
}

const asWeights = (w: RouterWeights | undefined): { canary: number; stable: number } | null =>
  w === undefined ? null : { canary: w.canary.weight, stable: w.stable.weight };

export function scaleRoutedOnce(input: RoutedScaling): RoutedScaleResult {
  const { tick, stableIsNew, counts } = input;
  const { newRS, stableRS, prev, s } = tick;
  removeDeadlines(input);
  // The stable follows the weights the router had before this reconcile, so it shrinks only
  // after the router moved off it (Argo passes the old status here, the new one for the canary).
  const before: CanaryStableCounts = calculateReplicaCountsForTrafficRoutedCanary({
    ...counts,
    currentWeights: asWeights(prev.trafficWeights),
  });
  if (!stableIsNew && stableRS.specReplicas !== before.stable) {
    scale(tick.actions, tick.log, stableRS, before.stable, 'stable');
    return { scaled: true, dueAt: undefined };
  }
  const after = calculateReplicaCountsForTrafficRoutedCanary({
    ...counts,
    currentWeights: asWeights(s.trafficWeights),
  });
  const canary = canaryCount(input, after.canary);
  if (canary.count !== undefined && newRS.specReplicas !== canary.count) {
    scale(tick.actions, tick.log, newRS, canary.count, stableIsNew ? 'stable' : 'canary');
    return { scaled: true, dueAt: undefined };
  }
  const older = scaleDownOlder(input);
  return { scaled: older.scaled, dueAt: earliest(canary.dueAt, older.dueAt) };
}

function scale(
  actions: Action[],
  log: string[],
  rs: ObservedReplicaSet,
  replicas: number,
  role: 'stable' | 'canary' | 'old',
): void {
  actions.push({ kind: 'scaleReplicaSet', name: rs.name, replicas, role });
  log.push(`scale ${role} ${rs.name} ${rs.specReplicas} → ${replicas}`);
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** An aborted canary keeps its pods for abortScaleDownDelaySeconds (Argo's shouldDelayScaleDownOnAbort). */
function delaysAbortScaleDown(input: RoutedScaling): boolean {
  const { routing, s } = input.tick;
  if (!s.abort || input.stableIsNew) return false;
  const written = routing.abortScaleDownDelaySeconds;
  if (written === 0) return false;
  return !(routing.dynamicStableScale && written === undefined);
}

/** The new and the stable ReplicaSet lose a deadline an earlier update gave them. */
function removeDeadlines(input: RoutedScaling): void {
  const { newRS, stableRS, actions, log } = input.tick;
  const keep = delaysAbortScaleDown(input) ? newRS.name : undefined;
  const sets = newRS.name === stableRS.name ? [newRS] : [newRS, stableRS];
  for (const rs of sets) {
    if (rs.scaleDownDeadline === undefined || rs.name === keep) continue;
    actions.push({ kind: 'setScaleDownDeadline', name: rs.name, deadline: undefined });
    log.push(`${rs.name}: scale-down deadline removed`);
  }
}

/** The canary's count; while an aborted canary waits for its deadline, none (it keeps its pods). */
function canaryCount(input: RoutedScaling, wanted: number): { count: number | undefined; dueAt?: Date } {
  const { tick, now } = input;
  const { newRS, stableRS, routing, rollout, actions, log } = tick;
  if (!delaysAbortScaleDown(input)) return { count: wanted };
  if (newRS.scaleDownDeadline !== undefined) {
    const due = new Date(newRS.scaleDownDeadline);
    if (Number.isNaN(due.getTime()) || due <= now) return { count: 0 };
    return { count: undefined, dueAt: due };
  }
  // The deadline is set once the stable can carry all traffic: then the canary goes unconditionally.
  if (stableRS.availableReplicas >= rollout.replicas) {
    const seconds = routing.abortScaleDownDelaySeconds ?? 30;
    const deadline = new Date(now.getTime() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    actions.push({ kind: 'setScaleDownDeadline', name: newRS.name, deadline });
    log.push(`aborted canary ${newRS.name} keeps its pods until ${deadline} (abortScaleDownDelaySeconds)`);
  }
  return { count: undefined };
}

/** Argo's scaleDownOldReplicaSetsForCanary with a router. */
function scaleDownOlder(input: RoutedScaling): RoutedScaleResult {
  const { tick, now } = input;
  const { rollout, actions, log, s } = tick;
  let scaled = false;
  let dueAt: Date | undefined;
  // Pods that never became available go first: they serve nothing.
  for (const rs of input.older) {
    if (rs.specReplicas === 0 || rs.specReplicas === rs.availableReplicas) continue;
    scale(actions, log, rs, rs.availableReplicas, 'old');
    scaled = true;
  }
  const all = [tick.newRS, tick.stableRS, ...input.older];
  const available = [...new Set(all)].reduce((n, rs) => n + rs.availableReplicas, 0);
  const { maxUnavailable } = resolveFenceposts(
    rollout.canary.maxSurge,
    rollout.canary.maxUnavailable,
    rollout.replicas,
  );
  let maxScaleDown = available - (rollout.replicas - maxUnavailable);
  if (maxScaleDown <= 0) return { scaled, dueAt };
  const fullyPromoted = s.stableRS === s.currentPodHash;
  const limit = tick.routing.scaleDownDelayRevisionLimit ?? Number.MAX_SAFE_INTEGER;
  let waiting = 0;
  const newestFirst = [...input.older].sort((a, b) => b.revision - a.revision);
  for (const rs of newestFirst) {
    if (referenced(input, rs.hash)) continue;
    if (maxScaleDown <= 0) break;
    if (rs.specReplicas === 0) continue;
    let desired = 0;
    if ((fullyPromoted || rs.scaleDownDeadline !== undefined) && !tick.routing.dynamicStableScale) {
      waiting++;
      const held = holdForDelay(input, rs, waiting <= limit, now);
      desired = held.replicas;
      dueAt = earliest(dueAt, held.dueAt);
    }
    if (rs.specReplicas === desired) continue;
    scale(actions, log, rs, desired, 'old');
    maxScaleDown -= rs.specReplicas - desired;
    scaled = true;
  }
  return { scaled, dueAt };
}

/** An old stable keeps its pods until its deadline, set now if it has none (within the revision limit). */
function holdForDelay(
  input: RoutedScaling,
  rs: ObservedReplicaSet,
  withinLimit: boolean,
  now: Date,
): { replicas: number; dueAt?: Date } {
  const { actions, log, routing } = input.tick;
  if (!withinLimit) return { replicas: 0 };
  if (rs.scaleDownDeadline === undefined) {
    if (routing.scaleDownDelaySeconds === 0) return { replicas: 0 };
    const due = new Date(now.getTime() + routing.scaleDownDelaySeconds * 1000);
    const deadline = due.toISOString().replace(/\.\d{3}Z$/, 'Z');
    actions.push({ kind: 'setScaleDownDeadline', name: rs.name, deadline });
    log.push(`old stable ${rs.name} keeps its pods until ${deadline} (scaleDownDelaySeconds)`);
    return { replicas: rs.specReplicas, dueAt: due };
  }
  const due = new Date(rs.scaleDownDeadline);
  if (Number.isNaN(due.getTime()) || due <= now) return { replicas: 0 };
  return { replicas: rs.specReplicas, dueAt: due };
}

/** A ReplicaSet still named by the status, the router's weights or a Service keeps its pods. */
function referenced(input: RoutedScaling, hash: string): boolean {
  const { s, prev } = input.tick;
  const names = [
    s.stableRS,
    s.currentPodHash,
    prev.trafficWeights?.canary.podTemplateHash,
    prev.trafficWeights?.stable.podTemplateHash,
    ...input.servedHashes,
  ];
  return names.includes(hash);
}
