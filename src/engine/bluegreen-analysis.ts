/**
 * Blue-green's analysis (Argo's reconcileAnalysisRuns for blue-green): pre-promotion analysis once
 * the preview is up at its size, before the pause and the switch; post-promotion analysis once the
 * active Service points at the new revision, before it is marked stable. Failed or Error aborts;
 * Inconclusive pauses for a person, and a promote goes on past it.
 */
import { isAborted, isFastRollback } from './bluegreen-pause.ts';
import { saturated } from './bluegreen-sizes.ts';
import type { BlueGreenTick } from './bluegreen-tick.ts';
import type { AnalysisView } from './state.ts';

export type PromotionAnalysis = 'pre' | 'post';

/** The id of a pre- or post-promotion run: one per revision and attempt. */
export function promotionAnalysisId(podHash: string, attempt: number, which: PromotionAnalysis): string {
  return `${podHash}-${attempt}-${which}-promotion`;
}

const DONE = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** Not yet: the preview is not up at its size, or the switch already happened. */
export function skipPrePromotionAnalysis(tick: BlueGreenTick): boolean {
  const { prev, newRS, rollout } = tick;
  const active = prev.blueGreen?.activeSelector;
  if (prev.stableRS === newRS.hash || active === undefined || active === newRS.hash) return true;
  // Once started it goes on, even if a pod restarts meanwhile.
  if (tick.runs.pre !== undefined) return false;
  const count = rollout.blueGreen.previewReplicaCount;
  if (count !== undefined) return newRS.specReplicas !== count || newRS.availableReplicas !== count;
  return !saturated(tick);
}

/** Not yet: the active Service does not point at the new revision, or it is stable already. */
export function skipPostPromotionAnalysis(tick: BlueGreenTick): boolean {
  const { prev, newRS } = tick;
  if (prev.stableRS === newRS.hash || prev.blueGreen?.activeSelector !== newRS.hash) return true;
  if (tick.runs.post !== undefined) return false;
  return !saturated(tick);
}

/** The post-promotion run succeeded, or a person promoted past its Inconclusive end. */
export function passedPostPromotionAnalysis(tick: BlueGreenTick): boolean {
  if (tick.rollout.blueGreen.postPromotionAnalysis === undefined) return true;
  const run = tick.runs.post;
  return run !== undefined && (run.phase === 'Successful' || tick.acked(run.id));
}

function terminate(tick: BlueGreenTick, run: AnalysisView | undefined, why: string): void {
  if (run === undefined || DONE.has(run.phase)) return;
  tick.analysis.push({ kind: 'terminateAnalysis', id: run.id });
  tick.log.push(`analysis ${run.id}: terminated (${why})`);
}

export function reconcileBlueGreenAnalysis(tick: BlueGreenTick): void {
  const { prev } = tick;
  const fullyPromoted = prev.stableRS !== undefined && prev.stableRS === prev.currentPodHash;
  const cancel =
    fullyPromoted ||
    isAborted(tick) ||
    prev.promoteFull ||
    isFastRollback(tick) ||
    prev.stableRS === undefined;
  if (cancel) {
    const why = isAborted(tick) ? 'rollout aborted' : 'rollout promoted';
    terminate(tick, tick.runs.pre, why);
    terminate(tick, tick.runs.post, why);
    return;
  }
  reconcileOne(tick, 'pre');
  reconcileOne(tick, 'post');
}

function reconcileOne(tick: BlueGreenTick, which: PromotionAnalysis): void {
  const { rollout, prev, s, log } = tick;
  const block =
    which === 'pre' ? rollout.blueGreen.prePromotionAnalysis : rollout.blueGreen.postPromotionAnalysis;
  if (block === undefined) return;
  const run = tick.runs[which];
  const skip = which === 'pre' ? skipPrePromotionAnalysis(tick) : skipPostPromotionAnalysis(tick);
  const inconclusivePause = prev.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun');
  if (skip) {
    terminate(tick, run, which === 'pre' ? 'the active Service already switched' : 'not switched yet');
  } else if (run === undefined && !inconclusivePause) {
    const id = promotionAnalysisId(tick.newRS.hash, s.attempt ?? 0, which);
    tick.analysis.push({
      kind: 'startAnalysis',
      analysis: which === 'pre' ? 'PrePromotion' : 'PostPromotion',
      stepIndex: undefined,
      id,
    });
    log.push(`analysis ${id}: start ${which}-promotion analysis`);
    return;
  }
  if (run !== undefined) judge(tick, run, which);
}

/** A finished run's verdict: Failed or Error aborts, Inconclusive waits for a person. */
function judge(tick: BlueGreenTick, run: AnalysisView, which: PromotionAnalysis): void {
  const { s, prev, pause, log } = tick;
  if (run.phase === 'Failed' || run.phase === 'Error') {
    if (prev.abort) return;
    const message = `Blue/green ${which}-promotion analysis phase error/failed${run.message ? `: ${run.message}` : ''}`;
    pause.abort = `analysis ${run.id} ${run.phase}${run.message ? `: ${run.message}` : ''}`;
    log.push(`${message}; aborting: the active Service stays on (or goes back to) the stable revision`);
    return;
  }
  if (run.phase !== 'Inconclusive' || tick.acked(run.id)) return;
  const pausedForIt = prev.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun');
  if (s.inconclusivePending === run.id && !pausedForIt) {
    // The pause was cleared by a promote: a person looked and let it go on.
    s.inconclusiveAcked = [...(s.inconclusiveAcked ?? []), run.id];
    s.inconclusivePending = undefined;
    log.push(`analysis ${run.id} was inconclusive; promoted past it`);
  } else if (!pausedForIt) {
    pause.add.push('InconclusiveAnalysisRun');
    s.inconclusivePending = run.id;
    log.push(
      `analysis ${run.id} Inconclusive${run.message ? `: ${run.message}` : ''}; paused until a person promotes or aborts`,
    );
  }
}
