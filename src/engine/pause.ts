import { describeStep, type CanaryEngineRollout } from './spec.ts';
import type { RolloutStatus } from './state.ts';

const iso = (d: Date): string => d.toISOString();

export function reconcilePause(
  rollout: CanaryEngineRollout,
  s: RolloutStatus,
  now: Date,
  log: string[],
): void {
  if (rollout.paused || s.promoteFull || s.abort) return;
  const index = s.currentStepIndex ?? 0;
  const step = rollout.canary.steps[index];
  if (step === undefined || !('pause' in step)) return;
  const cond = s.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
  if (cond === undefined && !s.controllerPause) {
    s.pauseConditions.push({ reason: 'CanaryPauseStep', startTime: iso(now) });
    s.controllerPause = true;
    log.push(
      `step ${index + 1}/${rollout.canary.steps.length} ${describeStep(step)}: paused${step.pause.duration === undefined ? ' until promoted' : ''}`,
    );
  }
}

/** Whether the current step is complete: its pause elapsed or was promoted, its analysis passed, or its replica counts are reached. */
export function completedCurrentStep(
  rollout: CanaryEngineRollout,
  s: RolloutStatus,
  /** The canary and stable counts of the step are reached (`canaryTarget(...).atTarget`). */
  atTarget: boolean,
  now: Date,
  analysisDone: boolean,
  /** An experiment step's Experiment is Successful (canary-step-experiments.ts). */
  experimentDone = false,
): boolean {
  if (rollout.paused) return false;
  const step = rollout.canary.steps[s.currentStepIndex ?? 0];
  if (step === undefined) return false;
  if ('analysis' in step) return analysisDone;
  // Argo completes it when its Experiment is Successful, never on the pod counts alone.
  if ('experiment' in step) return experimentDone;
  // Argo completes a route step at once: the router call itself is made by the routed reconcile.
  if ('setHeaderRoute' in step || 'setMirrorRoute' in step) return true;
  if (s.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun')) return false;
  if ('pause' in step) {
    const cond = s.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
    // A promote removes the condition but leaves controllerPause: the person let it go.
    if (cond === undefined) return s.controllerPause;
    const duration = step.pause.duration;
    if (duration === undefined) return false;
    return now.getTime() >= Date.parse(cond.startTime) + duration * 1000;
  }
  return atTarget;
}
