/**
 * The end of a blue-green reconcile (Argo's syncRolloutStatusBlueGreen): where the Services point,
 * whether the new revision is now the stable one, and the preview's scale-up checkpoint.
 */
import { passedPostPromotionAnalysis } from './bluegreen-analysis.ts';
import {
  completedBlueGreenPause,
  completedPrePromotionAnalysis,
  isAborted,
  isFastRollback,
} from './bluegreen-pause.ts';
import type { BlueGreenTick } from './bluegreen-tick.ts';

const DONE = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

export function syncBlueGreenStatus(
  tick: BlueGreenTick,
  selectors: { active: string | undefined; preview: string | undefined },
): void {
  const { s, prev, newRS, log } = tick;
  // A full promotion drops the pause (and an abort) at once, before the preview is even ready.
  if (prev.promoteFull) {
    tick.pause.clear = true;
    tick.pause.removeAbort = true;
  }
  s.blueGreen = {
    activeSelector: selectors.active,
    previewSelector: selectors.preview,
    scaleUpPreviewCheckPoint: s.blueGreen?.scaleUpPreviewCheckPoint,
  };
  const reason = promotionReason(tick, selectors.active);
  if (reason === undefined) {
    s.blueGreen.scaleUpPreviewCheckPoint = scaleUpPreviewCheckPoint(tick);
    return;
  }
  tick.pause.clear = true;
  tick.pause.removeAbort = true;
  s.promoteFull = false;
  s.blueGreen.scaleUpPreviewCheckPoint = false;
  if (prev.stableRS !== newRS.hash) {
    s.stableRS = newRS.hash;
    log.push(`promoted: revision ${newRS.revision} (${newRS.hash}) is stable (${reason})`);
    // A promotion can end the run in this very tick: what still measures stops now.
    for (const run of [tick.runs.pre, tick.runs.post]) {
      if (run === undefined || DONE.has(run.phase)) continue;
      tick.analysis.push({ kind: 'terminateAnalysis', id: run.id });
      log.push(`analysis ${run.id}: terminated (rollout promoted)`);
    }
  }
}

/** Why the new revision becomes the stable one now, if it does (Argo's shouldFullPromote). */
function promotionReason(tick: BlueGreenTick, active: string | undefined): string | undefined {
  const { stableRS, prev, newRS } = tick;
  // Nothing was serving: the first revision is the stable one at once (Argo's "Initial deploy").
  if (stableRS === undefined || active === undefined) return 'initial deploy';
  if (active !== newRS.hash) return undefined;
  if (prev.promoteFull) return 'full promotion requested';
  if (isFastRollback(tick)) return 'fast rollback';
  if (isAborted(tick)) return undefined;
  if (!passedPostPromotionAnalysis(tick)) return undefined;
  return 'completed blue-green update';
}

/**
 * With previewReplicaCount: a one-way trip-wire set once the preview was up at its count, its
 * pre-promotion analysis passed and its pause ended; from then on it grows to full size.
 */
function scaleUpPreviewCheckPoint(tick: BlueGreenTick): boolean {
  const { rollout, prev, newRS } = tick;
  const count = rollout.blueGreen.previewReplicaCount;
  if (count === undefined) return false;
  if (
    prev.blueGreen?.scaleUpPreviewCheckPoint === true &&
    tick.s.blueGreen?.scaleUpPreviewCheckPoint !== false
  )
    return true;
  if (!completedPrePromotionAnalysis(tick) || !completedBlueGreenPause(tick)) return false;
  return newRS.availableReplicas === count;
}
