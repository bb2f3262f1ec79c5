/**
 * An Experiment's phase rules, after Argo's experiment controller (experiments/experiment.go
 * calculateStatus, assessTemplates, assessAnalysisRuns, calculateEnqueueDuration) and
 * utils/experiment (IsTerminating, PassedDurations, CalculateTemplateReplicasCount). Pure.
 */
import { isCompleted, isWorse } from '../analysis/engine/assess.ts';
import type {
  EngineExperiment,
  EngineExperimentTemplate,
  ExperimentPhase,
  ExperimentStatus,
  RunPhase,
  TemplateStatusCode,
} from './experiment-types.ts';

export const REQUIRED_RUNS_COMPLETED = 'Required AnalysisRuns completed';

/** Best first. A value not in the list ranks as the best, as in Argo. */
const TEMPLATE_ORDER: readonly TemplateStatusCode[] = [
  'Successful',
  'Running',
  'Progressing',
  'Error',
  'Failed',
];

export function templateIsWorse(current: TemplateStatusCode, next: TemplateStatusCode): boolean {
  return Math.max(0, TEMPLATE_ORDER.indexOf(next)) > Math.max(0, TEMPLATE_ORDER.indexOf(current));
}

/** Argo's analysis order; a run not started yet ("") ranks as the best, as Successful does. */
export function runIsWorse(current: RunPhase, next: RunPhase): boolean {
  return isWorse(current === '' ? 'Successful' : current, next === '' ? 'Successful' : next);
}

export function phaseCompleted(phase: RunPhase | undefined): phase is ExperimentPhase {
  return phase !== undefined && phase !== '' && isCompleted(phase);
}

export function templateCompleted(code: TemplateStatusCode | undefined): boolean {
  return code === 'Successful' || code === 'Failed' || code === 'Error';
}

/** At least one analysis is requiredForCompletion and every such run is Successful. */
export function requiredRunsSuccessful(experiment: EngineExperiment, status: ExperimentStatus): boolean {
  const required = experiment.analyses.filter((a) => a.requiredForCompletion);
  return (
    required.length > 0 &&
    required.every((a) => status.analysisRuns.find((r) => r.name === a.name)?.phase === 'Successful')
  );
}

/** Argo's IsTerminating: asked to, finished, a template or run gone bad, or the required runs done. */
export function isTerminating(experiment: EngineExperiment, status: ExperimentStatus): boolean {
  if (experiment.terminate || phaseCompleted(status.phase)) return true;
  if (status.templateStatuses.some((t) => t.status === 'Failed' || t.status === 'Error')) return true;
  const badRun = status.analysisRuns.some(
    (r) => r.phase === 'Failed' || r.phase === 'Error' || r.phase === 'Inconclusive',
  );
  return badRun || requiredRunsSuccessful(experiment, status);
}

/** Whether `duration` has passed since availableAt (strictly after, as Argo), and the time left. */
export function passedDuration(
  experiment: EngineExperiment,
  status: ExperimentStatus,
  now: number,
): { passed: boolean; remainingMs: number } {
  if (experiment.durationSeconds === undefined || status.availableAt === undefined) {
    return { passed: false, remainingMs: 0 };
  }
  const end = Date.parse(status.availableAt) + experiment.durationSeconds * 1000;
  return { passed: now > end, remainingMs: end - now };
}

/** The pods a template wants: 0 once the experiment is ending or the template is done. */
export function desiredReplicas(
  experiment: EngineExperiment,
  status: ExperimentStatus,
  template: EngineExperimentTemplate,
): number {
  if (isTerminating(experiment, status)) return 0;
  const own = status.templateStatuses.find((t) => t.name === template.name);
  return templateCompleted(own?.status) ? 0 : template.replicas;
}

interface Assessment {
  phase: ExperimentPhase;
  message: string | undefined;
}

/** The worst template status as a phase: Progressing → Pending, the others as they are. */
export function assessTemplates(experiment: EngineExperiment, status: ExperimentStatus): Assessment {
  let worst: TemplateStatusCode = 'Successful';
  let message: string | undefined;
  for (const template of experiment.templates) {
    const own = status.templateStatuses.find((t) => t.name === template.name);
    const code = own?.status ?? 'Progressing';
    if (templateIsWorse(worst, code)) {
      worst = code;
      message = own?.message;
    }
  }
  return { phase: worst === 'Progressing' ? 'Pending' : worst, message };
}

/** The worst run phase; Pending reads as Running; all required runs done (and nothing running) is Successful. */
export function assessAnalysisRuns(experiment: EngineExperiment, status: ExperimentStatus): Assessment {
  let worst: RunPhase = 'Successful';
  let message: string | undefined;
  for (const analysis of experiment.analyses) {
    const run = status.analysisRuns.find((r) => r.name === analysis.name);
    if (run !== undefined && runIsWorse(worst, run.phase)) {
      worst = run.phase;
      message = run.message;
    }
  }
  if (requiredRunsSuccessful(experiment, status) && runIsWorse(worst, 'Running')) {
    return { phase: 'Successful', message: REQUIRED_RUNS_COMPLETED };
  }
  // `worst` starts Successful and "" never ranks worse, so it is a phase here.
  return { phase: worst === 'Pending' || worst === '' ? 'Running' : worst, message };
}

function phaseWhileActive(experiment: EngineExperiment, status: ExperimentStatus): Assessment {
  const templates = assessTemplates(experiment, status);
  const runs = assessAnalysisRuns(experiment, status);
  if (phaseCompleted(templates.phase)) {
    const deferToRuns =
      phaseCompleted(runs.phase) || experiment.analyses.some((a) => a.requiredForCompletion);
    return templates.phase === 'Successful' && deferToRuns ? runs : templates;
  }
  if (phaseCompleted(runs.phase) && runs.phase !== 'Successful') return runs;
  if (requiredRunsSuccessful(experiment, status)) return runs;
  return templates;
}

/**
 * The next phase from a status whose template and run entries are already reconciled: Pending at
 * first; re-assessed while Pending or Running; final once complete. Sets availableAt the first time
 * the templates assess as Running.
 */
export function calculateStatus(
  experiment: EngineExperiment,
  status: ExperimentStatus,
  nowIso: string,
): ExperimentStatus {
  if (status.phase === undefined) return { ...status, phase: 'Pending' };
  if (status.phase !== 'Pending' && status.phase !== 'Running') return status;
  const availableAt =
    status.availableAt ?? (assessTemplates(experiment, status).phase === 'Running' ? nowIso : undefined);
  const next = phaseWhileActive(experiment, status);
  return { ...status, availableAt, phase: next.phase, message: next.message };
}

/**
 * When to look again (Argo's calculateEnqueueDuration): the end of the duration, or the progress
 * deadline of a template short of its pods; nothing while terminating.
 */
export function requeueAfterMs(
  experiment: EngineExperiment,
  status: ExperimentStatus,
  now: number,
): number | undefined {
  if (isTerminating(experiment, status)) return undefined;
  const candidates: number[] = [];
  const duration = passedDuration(experiment, status, now);
  if (status.availableAt !== undefined && experiment.durationSeconds !== undefined && !duration.passed) {
    candidates.push(duration.remainingMs);
  }
  for (const template of experiment.templates) {
    const own = status.templateStatuses.find((t) => t.name === template.name);
    if (own === undefined || (own.status !== 'Progressing' && own.status !== 'Running')) continue;
    if (own.lastTransitionTime === undefined) continue;
    if (own.availableReplicas === desiredReplicas(experiment, status, template)) continue;
    candidates.push(Date.parse(own.lastTransitionTime) + experiment.progressDeadlineSeconds * 1000 - now);
  }
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}
