/**
 * Blue-green's ReplicaSet sizes (Argo's reconcileBlueGreenReplicaSets): the stable (active) one at
 * full size, the new (preview) one at previewReplicaCount until promoted and full size after, and
 * the others scaled down once their scale-down delay (Argo's `scale-down-deadline` annotation)
 * has passed. All in one reconcile, as Argo does.
 */
import { skipPostPromotionAnalysis } from './bluegreen-analysis.ts';
import { isAborted } from './bluegreen-pause.ts';
import { newReplicaSetTarget } from './bluegreen-sizes.ts';
import { earliest, type BlueGreenTick } from './bluegreen-tick.ts';
import type { ReplicaSetRole } from './roles.ts';
import type { ObservedReplicaSet } from './state.ts';

function scale(tick: BlueGreenTick, rs: ObservedReplicaSet, replicas: number, role: ReplicaSetRole): void {
  if (rs.specReplicas === replicas) return;
  tick.actions.push({ kind: 'scaleReplicaSet', name: rs.name, replicas, role });
  tick.log.push(`scale ${role} ${rs.name} ${rs.specReplicas} → ${replicas}`);
}

function setDeadline(tick: BlueGreenTick, rs: ObservedReplicaSet, seconds: number | undefined): void {
  const deadline = seconds === undefined ? undefined : new Date(tick.now.getTime() + seconds * 1000);
  tick.actions.push({ kind: 'setScaleDownDeadline', name: rs.name, deadline: deadline?.toISOString() });
  if (deadline === undefined) tick.log.push(`${rs.name}: scale-down deadline removed`);
  else {
    tick.log.push(`${rs.name}: keeps its pods until ${deadline.toISOString()} (${seconds}s)`);
    tick.dueAt = earliest(tick.dueAt, deadline);
  }
}

/** The time left on a ReplicaSet's scale-down deadline, or undefined if none or passed. */
function pendingDeadline(rs: ObservedReplicaSet, now: Date): Date | undefined {
  if (rs.scaleDownDeadline === undefined) return undefined;
  const at = Date.parse(rs.scaleDownDeadline);
  return Number.isNaN(at) || at <= now.getTime() ? undefined : new Date(at);
}

/** An aborted preview keeps its pods for abortScaleDownDelaySeconds (0: for good). */
function delaysAbortScaleDown(tick: BlueGreenTick): boolean {
  return (
    isAborted(tick) && tick.stableRS !== undefined && tick.rollout.blueGreen.abortScaleDownDelaySeconds > 0
  );
}

export function reconcileBlueGreenReplicaSets(tick: BlueGreenTick): void {
  const { newRS, stableRS, rollout } = tick;
  // Back on a revision still within its delay: it keeps its pods for good now (Argo's
  // removeScaleDownDeadlines; an aborted preview keeps its deadline).
  const keep = delaysAbortScaleDown(tick) ? [] : [newRS];
  if (stableRS !== undefined && (keep.length === 0 || stableRS.name !== newRS.name)) keep.push(stableRS);
  for (const rs of keep) if (rs.scaleDownDeadline !== undefined) setDeadline(tick, rs, undefined);
  if (stableRS !== undefined && stableRS.hash !== newRS.hash)
    scale(tick, stableRS, rollout.replicas, 'stable');
  reconcileNewReplicaSet(tick);
  scaleDownOthers(tick);
  deleteExcessHistory(tick);
}

function reconcileNewReplicaSet(tick: BlueGreenTick): void {
  const { newRS, stableRS, rollout, now } = tick;
  // The first revision is the stable one from the start (Argo's "Initial deploy").
  const role: ReplicaSetRole = stableRS === undefined || stableRS.hash === newRS.hash ? 'stable' : 'preview';
  let target = newReplicaSetTarget(tick);
  if (delaysAbortScaleDown(tick)) {
    if (newRS.scaleDownDeadline !== undefined) {
      const due = pendingDeadline(newRS, now);
      if (due !== undefined) {
        tick.dueAt = earliest(tick.dueAt, due);
        return;
      }
      target = 0;
    } else {
      // Only once the stable can take all traffic: the deadline scales the preview away for sure.
      if (stableRS !== undefined && stableRS.availableReplicas >= rollout.replicas)
        setDeadline(tick, newRS, rollout.blueGreen.abortScaleDownDelaySeconds);
      return;
    }
  }
  scale(tick, newRS, target, role);
}

/** A ReplicaSet the status or a Service still points at keeps its pods. */
function referenced(tick: BlueGreenTick, rs: ObservedReplicaSet): boolean {
  const { prev, input } = tick;
  const hashes = [
    prev.stableRS,
    prev.currentPodHash,
    prev.blueGreen?.activeSelector,
    prev.blueGreen?.previewSelector,
    ...Object.values(input.observed.services).map((svc) => svc?.selectedHash),
  ];
  return hashes.includes(rs.hash);
}

/** Argo's scaleDownOldReplicaSetsForBlueGreen: newest first, each after its delay. */
function scaleDownOthers(tick: BlueGreenTick): void {
  const { rollout, prev, now } = tick;
  const bg = rollout.blueGreen;
  const up = tick.others.filter((rs) => rs.specReplicas > 0);
  if (up.length === 0) return;
  if (prev.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun')) return;
  // Without a written delay Argo keeps the old stack until post-promotion analysis succeeds.
  if (
    bg.postPromotionAnalysis !== undefined &&
    !bg.scaleDownDelayWritten &&
    !skipPostPromotionAnalysis(tick) &&
    tick.runs.post?.phase !== 'Successful'
  )
    return;
  const limit = bg.scaleDownDelayRevisionLimit ?? Number.POSITIVE_INFINITY;
  let delayed = 0;
  for (const rs of [...up].sort((a, b) => b.revision - a.revision)) {
    if (referenced(tick, rs)) continue;
    let desired = 0;
    if (rs.scaleDownDeadline === undefined) {
      if (delayed < limit && bg.scaleDownDelaySeconds > 0) {
        delayed++;
        desired = rs.specReplicas;
        setDeadline(tick, rs, bg.scaleDownDelaySeconds);
      }
    } else {
      delayed++;
      const due = delayed > limit ? undefined : pendingDeadline(rs, now);
      if (due !== undefined) {
        desired = rollout.replicas;
        tick.dueAt = earliest(tick.dueAt, due);
      }
    }
    scale(tick, rs, desired, 'old');
  }
}

/** Old ReplicaSets beyond revisionHistoryLimit go once they hold no pods. */
function deleteExcessHistory(tick: BlueGreenTick): void {
  const { rollout, others, actions, log } = tick;
  const oldestFirst = [...others].sort((a, b) => a.revision - b.revision);
  const excess = oldestFirst.length - rollout.revisionHistoryLimit;
  for (const rs of oldestFirst.slice(0, Math.max(0, excess))) {
    if (rs.specReplicas !== 0 || rs.replicas !== 0 || referenced(tick, rs)) continue;
    if (actions.some((a) => 'name' in a && a.name === rs.name)) continue;
    actions.push({ kind: 'deleteReplicaSet', name: rs.name });
    log.push(`delete old ReplicaSet ${rs.name} (revisionHistoryLimit ${rollout.revisionHistoryLimit})`);
  }
}
