import type { AnalysisAction, TickInput } from './actions.ts';
import { isFirstDeployRun } from './first-deploy.ts';
import { describeStep, type CanaryEngineRollout } from './spec.ts';
import type { AnalysisView, RolloutStatus } from './state.ts';

/** The id of an analysis run: one per revision, attempt, and step (or the background run). */
export function analysisId(podHash: string, attempt: number, stepIndex: number | undefined): string {
  return `${podHash}-${attempt}-${stepIndex === undefined ? 'background' : `step${stepIndex + 1}`}`;
}

const ANALYSIS_DONE = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/**
 * Promoted or aborted: whatever still measures stops (a background run ends Successful unless a
 * limit was already crossed, as Argo's termination does). The first-deploy run is not Argo's: its
 * own reconcile (`first-deploy.ts`) decides when it stops.
 */
export function terminateRunning(
  input: TickInput<CanaryEngineRollout>,
  why: string,
  actions: AnalysisAction[],
  log: string[],
): void {
  for (const [id, run] of input.analysis ?? new Map<string, AnalysisView>()) {
    if (!ANALYSIS_DONE.has(run.phase) && !isFirstDeployRun(id)) {
      actions.push({ kind: 'terminateAnalysis', id });
      log.push(`analysis ${id}: terminated (${why})`);
    }
  }
}

/**
 * Analysis as Argo's rollout controller treats it: background analysis from `startingStep` on, an
 * analysis step blocks until its run succeeds; Failed or Error aborts; Inconclusive pauses for a
 * person, and a promote goes on past it. Returns whether the current analysis step has completed.
 */
export function reconcileAnalysis(
  input: TickInput<CanaryEngineRollout>,
  s: RolloutStatus,
  stableIsNew: boolean,
  scaled: boolean,
  actions: AnalysisAction[],
  log: string[],
): boolean {
  const { rollout, templateHash } = input;
  const runs = input.analysis ?? new Map<string, AnalysisView>();
  const attempt = s.attempt ?? 0;
  const index = s.currentStepIndex ?? 0;
  const step = rollout.canary.steps[index];
  const stepId =
    step !== undefined && 'analysis' in step ? analysisId(templateHash, attempt, index) : undefined;
  const background = rollout.canary.analysis;
  const backgroundId = background === undefined ? undefined : analysisId(templateHash, attempt, undefined);
  const acked = s.inconclusiveAcked ?? [];

  if (stableIsNew || s.abort) {
    terminateRunning(input, s.abort ? 'rollout aborted' : 'rollout promoted', actions, log);
    return false;
  }
  if (!rollout.paused) {
    if (
      backgroundId !== undefined &&
      background !== undefined &&
      index >= background.startingStep &&
      !runs.has(backgroundId)
    ) {
      actions.push({ kind: 'startAnalysis', analysis: 'Background', stepIndex: undefined, id: backgroundId });
      log.push(`analysis ${backgroundId}: start background analysis`);
    }
    if (stepId !== undefined && !scaled && !runs.has(stepId)) {
      actions.push({ kind: 'startAnalysis', analysis: 'Step', stepIndex: index, id: stepId });
      log.push(
        `step ${index + 1}/${rollout.canary.steps.length} ${describeStep(step)}: start analysis ${stepId}`,
      );
    }
  }
  for (const id of [stepId, backgroundId]) {
    const run = id === undefined ? undefined : runs.get(id);
    if (id === undefined || run === undefined) continue;
    if (run.phase === 'Failed' || run.phase === 'Error') {
      s.abort = true;
      s.abortedAt = input.now.toISOString();
      s.abortMessage = `analysis ${id} ${run.phase}${run.message ? `: ${run.message}` : ''}`;
      log.push(`${s.abortMessage}; aborting: traffic and replicas go back to stable`);
      return false;
    }
    if (run.phase === 'Inconclusive' && !acked.includes(id)) {
      const pausedForIt = s.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun');
      if (s.inconclusivePending === id && !pausedForIt) {
        // The pause was cleared by a promote: a person looked and let it go on.
        s.inconclusiveAcked = [...acked, id];
        s.inconclusivePending = undefined;
        log.push(`analysis ${id} was inconclusive; promoted past it`);
      } else if (!pausedForIt) {
        s.pauseConditions.push({ reason: 'InconclusiveAnalysisRun', startTime: input.now.toISOString() });
        s.inconclusivePending = id;
        log.push(
          `analysis ${id} Inconclusive${run.message ? `: ${run.message}` : ''}; paused until a person promotes or aborts`,
        );
      }
    }
  }
  const stepRun = stepId === undefined ? undefined : runs.get(stepId);
  return (
    stepRun !== undefined &&
    (stepRun.phase === 'Successful' ||
      (stepRun.phase === 'Inconclusive' && (s.inconclusiveAcked ?? []).includes(stepRun.id)))
  );
}
