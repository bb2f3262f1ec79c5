import type { Action, TickInput } from './actions.ts';
import { planBasicCanarySync, type BasicCanaryReconcileStep, type OlderReplicaSet } from './replicas.ts';
import type { CanaryEngineRollout } from './spec.ts';
import type { ObservedReplicaSet, RolloutStatus } from './state.ts';
import { canaryTarget } from './traffic.ts';

/**
 * How big a new canary ReplicaSet is created, and the stable's move that comes first. Argo creates
 * it at 0, scales the stable in the same sync, and the canary in the reconcile the stable's update
 * starts at once, before any pod changed: the same replica math here, the ReplicaSet created at
 * the size it would have after those moves. The stable's move is returned to be applied before
 * the creation, so maxSurge holds at every instant. Only the basic canary of an update (a stable
 * ReplicaSet exists, no router, not paused) is sized here; otherwise the size is 0, as Argo's.
 */
export function firstCanarySize(
  input: TickInput<CanaryEngineRollout>,
  s: RolloutStatus,
  newName: string,
  older: readonly (OlderReplicaSet & ObservedReplicaSet)[],
): { replicas: number; before: Action[]; log: string[] } {
  const { rollout } = input;
  const stable =
    s.stableRS === undefined ? undefined : input.observed.replicaSets.find((rs) => rs.hash === s.stableRS);
  if (stable === undefined || rollout.canary.trafficRouting !== undefined || rollout.paused) {
    return { replicas: 0, before: [], log: [] };
  }
  // The new ReplicaSet as Argo's next reconcile reads it: created, at 0, no pods.
  const canary: ObservedReplicaSet = {
    name: newName,
    hash: input.templateHash,
    revision: 0,
    specReplicas: 0,
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    createdAt: input.now.toISOString(),
    podIssues: [],
  };
  const plan = {
    replicas: rollout.replicas,
    maxSurge: rollout.canary.maxSurge,
    maxUnavailable: rollout.canary.maxUnavailable,
    replicaProgressThreshold: rollout.canary.replicaProgressThreshold,
    canary,
    stable,
    stableIsCanary: false,
    older,
  };
  const { weight } = canaryTarget({
    ...plan,
    steps: rollout.canary.steps,
    currentStepIndex: s.currentStepIndex,
    aborted: s.abort,
    promoteFull: s.promoteFull,
    canaryInProgress: true,
  });
  const before: Action[] = [];
  const log: string[] = [];
  let replicas = 0;
  for (const move of planBasicCanarySync({ ...plan, desiredWeight: weight })) {
    if (move.action === 'scaleStable') {
      before.push({ kind: 'scaleReplicaSet', name: stable.name, replicas: move.replicas, role: 'stable' });
      log.push(`scale stable ${stable.name} ${stable.specReplicas} → ${move.replicas} (weight ${weight})`);
    } else if (move.action === 'scaleCanary') replicas = move.replicas;
  }
  return { replicas, before, log };
}

/** What a move is applied to: the reconcile's actions and log, and its ReplicaSets. */
export interface MoveTarget {
  actions: Action[];
  log: string[];
  newRS: ObservedReplicaSet;
  stableRS: ObservedReplicaSet;
  stableIsNew: boolean;
  older: readonly ObservedReplicaSet[];
}

/** Adds a move's actions; false when it had none to add. */
export function applyMove(tick: MoveTarget, move: BasicCanaryReconcileStep, weight: number): boolean {
  const { actions, log, newRS, stableRS, stableIsNew, older } = tick;
  if (move.action === 'scaleStable' && !stableIsNew) {
    actions.push({ kind: 'scaleReplicaSet', name: stableRS.name, replicas: move.replicas, role: 'stable' });
    log.push(`scale stable ${stableRS.name} ${stableRS.specReplicas} → ${move.replicas} (weight ${weight})`);
    return true;
  }
  if (move.action === 'scaleCanary') {
    // Once promoted (or rolled back to stable) the current revision's ReplicaSet is the stable one.
    const role = stableIsNew ? 'stable' : 'canary';
    actions.push({ kind: 'scaleReplicaSet', name: newRS.name, replicas: move.replicas, role });
    log.push(`scale ${role} ${newRS.name} ${newRS.specReplicas} → ${move.replicas} (weight ${weight})`);
    return true;
  }
  if (move.action === 'scaleOlder') {
    move.replicas.forEach((replicas, i) => {
      const rs = older[i];
      if (rs && rs.specReplicas !== replicas) {
        actions.push({ kind: 'scaleReplicaSet', name: rs.name, replicas, role: 'old' });
        log.push(`scale down old ${rs.name} ${rs.specReplicas} → ${replicas}`);
      }
    });
    return true;
  }
  return false;
}
