/**
 * Blue-green's pause before the switch and its abort flag, as Argo's pauseContext keeps them: a
 * reconcile collects the pauses to add or remove and the abort to set or clear, and they are applied
 * together at its end, so every decision in the reconcile reads the status it started from.
 */
import type { BlueGreenTick } from './bluegreen-tick.ts';
import { newReplicaSetTarget, readyForPause } from './bluegreen-sizes.ts';
import type { PauseReason, RolloutStatus } from './state.ts';

export interface PauseChanges {
  add: PauseReason[];
  remove: PauseReason[];
  /** Drop every pause condition (a new revision, or a promotion to stable). */
  clear: boolean;
  /** Set when this reconcile aborts, with the reason. */
  abort: string | undefined;
  /** Leave the aborted state (a new revision, or a promotion to stable). */
  removeAbort: boolean;
}

export function noPauseChanges(): PauseChanges {
  return { add: [], remove: [], clear: false, abort: undefined, removeAbort: false };
}

/** Whether the rollout counts as aborted in this reconcile (Argo's pauseContext.IsAborted). */
export function isAborted(tick: Pick<BlueGreenTick, 'prev' | 'pause'>): boolean {
  if (tick.pause.removeAbort) return false;
  return tick.pause.abort !== undefined || tick.prev.abort;
}

/** The status's abort flag and pause conditions after the reconcile (Argo's CalculatePauseStatus). */
export function applyPauseChanges(prev: RolloutStatus, s: RolloutStatus, p: PauseChanges, now: Date): void {
  if (p.abort !== undefined || (!p.removeAbort && prev.abort)) {
    s.abort = true;
    s.abortedAt = prev.abortedAt ?? now.toISOString();
    if (p.abort !== undefined && !prev.abort) s.abortMessage = p.abort;
    s.pauseConditions = [];
    s.controllerPause = false;
    return;
  }
  s.abort = false;
  s.abortedAt = undefined;
  s.abortMessage = undefined;
  if (p.clear) {
    s.pauseConditions = [];
    s.controllerPause = false;
    return;
  }
  let controllerPause = prev.controllerPause;
  const kept = prev.pauseConditions.filter((c) => !p.remove.includes(c.reason));
  for (const reason of p.add) {
    if (prev.pauseConditions.some((c) => c.reason === reason) || kept.some((c) => c.reason === reason))
      continue;
    kept.push({ reason, startTime: now.toISOString() });
    controllerPause = true;
  }
  s.pauseConditions = kept;
  // Without a pause condition nothing is paused by the controller any more.
  s.controllerPause = kept.length > 0 ? controllerPause : false;
}

/** Whether a person must not be waited for, or the preview is already active (Argo's isBlueGreenFastTracked). */
export function fastTracked(tick: BlueGreenTick): boolean {
  if (isFastRollback(tick) || tick.prev.promoteFull) return true;
  const active = tick.liveActive;
  return active === undefined || active === tick.newRS.hash;
}

/**
 * Going back to a revision whose pods are still up: the stable one, or one still within its
 * scale-down delay (Argo's isFastRollback; rollbackWindow is refused by validation).
 */
export function isFastRollback(tick: BlueGreenTick): boolean {
  const { newRS, stableRS, now } = tick;
  if (stableRS === undefined) return false;
  const rollback = stableRS.hash === newRS.hash || newRS.createdAt < stableRS.createdAt;
  if (!rollback) return false;
  const deadline = newRS.scaleDownDeadline === undefined ? NaN : Date.parse(newRS.scaleDownDeadline);
  const withinDelay = !Number.isNaN(deadline) && deadline > now.getTime();
  return withinDelay || tick.prev.stableRS === newRS.hash;
}

/** The pre-promotion analysis is not configured, or its run succeeded (or was promoted past). */
export function completedPrePromotionAnalysis(tick: BlueGreenTick): boolean {
  if (tick.rollout.blueGreen.prePromotionAnalysis === undefined) return true;
  const run = tick.runs.pre;
  return run !== undefined && (run.phase === 'Successful' || tick.acked(run.id));
}

/** The pause before the switch is over: promoted by a person, or autoPromotionSeconds passed. */
export function completedBlueGreenPause(tick: BlueGreenTick): boolean {
  const { prev, rollout, pause, now } = tick;
  const bg = rollout.blueGreen;
  const cond = prev.pauseConditions.find((c) => c.reason === 'BlueGreenPause');
  if (pause.add.length > 0) return false;
  if (prev.blueGreen?.scaleUpPreviewCheckPoint === true) return true;
  if (bg.autoPromotionEnabled) {
    if (bg.autoPromotionSeconds === 0) return true;
    if (cond === undefined) return false;
    return now.getTime() > Date.parse(cond.startTime) + bg.autoPromotionSeconds * 1000;
  }
  // A person promotes by removing the condition the controller set.
  return prev.controllerPause && cond === undefined;
}

/** When an automatic promotion falls due, for the driver to look again then. */
export function autoPromotionDueAt(tick: Pick<BlueGreenTick, 'rollout' | 'prev'>): Date | undefined {
  const bg = tick.rollout.blueGreen;
  const cond = tick.prev.pauseConditions.find((c) => c.reason === 'BlueGreenPause');
  if (!bg.autoPromotionEnabled || bg.autoPromotionSeconds === 0 || cond === undefined) return undefined;
  return new Date(Date.parse(cond.startTime) + bg.autoPromotionSeconds * 1000 + 1000);
}

/** Halted by a person's pause or an inconclusive analysis (Argo's haltProgress). */
export function halted(tick: Pick<BlueGreenTick, 'rollout' | 'prev'>): boolean {
  return tick.rollout.paused || tick.prev.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun');
}

/** Pauses before the switch when a person (or autoPromotionSeconds) must let it go on. */
export function reconcileBlueGreenPause(tick: BlueGreenTick): void {
  const { prev, rollout, pause, log } = tick;
  const bg = rollout.blueGreen;
  if (isAborted(tick) || !readyForPause(tick) || halted(tick)) return;
  const needsPause = !bg.autoPromotionEnabled || bg.autoPromotionSeconds > 0;
  if (fastTracked(tick) || prev.blueGreen?.scaleUpPreviewCheckPoint === true || !needsPause) {
    pause.remove.push('BlueGreenPause');
    return;
  }
  if (!completedPrePromotionAnalysis(tick)) return;
  const cond = prev.pauseConditions.find((c) => c.reason === 'BlueGreenPause');
  if (cond !== undefined) {
    if (completedBlueGreenPause(tick)) {
      pause.remove.push('BlueGreenPause');
      log.push(`autoPromotionSeconds ${bg.autoPromotionSeconds} passed: promoting`);
    }
  } else if (!prev.controllerPause) {
    pause.add.push('BlueGreenPause');
    const count = newReplicaSetTarget(tick);
    log.push(
      `preview ${tick.newRS.name} is up (${count} pods): paused before the switch${bg.autoPromotionEnabled ? ` for ${bg.autoPromotionSeconds}s` : ' until promoted'}`,
    );
  }
}
