/**
 * The experiment engine: one tick of an Experiment, after Argo's experiment controller
 * (experiments/experiment.go reconcile). From the spec, the status the tick starts with, the
 * observed ReplicaSets, Services and analysis runs, and the clock, it decides the actions and the
 * next status. Not wired to a cluster yet. Pure.
 */
import { reconcileAnalysis } from './experiment-analysis.ts';
import {
  calculateStatus,
  desiredReplicas,
  isTerminating,
  phaseCompleted,
  requeueAfterMs,
} from './experiment-phase.ts';
import { isoSeconds, reconcileTemplate } from './experiment-templates.ts';
import type {
  ExperimentAction,
  ExperimentDecision,
  ExperimentInput,
  ExperimentStatus,
} from './experiment-types.ts';

/** Entries in the order they were first recorded, with new ones appended (Argo's SetTemplateStatus). */
function upsert<T extends { name: string }>(list: readonly T[], updates: readonly T[]): T[] {
  const out = [...list];
  for (const u of updates) {
    const i = out.findIndex((x) => x.name === u.name);
    if (i >= 0) out[i] = u;
    else out.push(u);
  }
  return out;
}

/** The time left until a ReplicaSet held through its scale-down delay may go to 0. */
function scaleDownRequeue(input: ExperimentInput, actions: readonly ExperimentAction[]): number | undefined {
  const waits: number[] = [];
  for (const template of input.experiment.templates) {
    const rs = input.replicaSets[template.name];
    if (rs === undefined || rs.specReplicas === 0) continue;
    const set = actions.find(
      (a) => a.kind === 'setExperimentScaleDownDeadline' && a.template === template.name,
    );
    const deadline = set?.kind === 'setExperimentScaleDownDeadline' ? set.deadline : rs.scaleDownDeadline;
    if (deadline !== undefined && Date.parse(deadline) > input.now)
      waits.push(Date.parse(deadline) - input.now);
  }
  return waits.length === 0 ? undefined : Math.min(...waits);
}

/** Finished: a final phase, nothing left to do, no pods and no Service left behind. */
function isDone(
  input: ExperimentInput,
  status: ExperimentStatus,
  actions: readonly ExperimentAction[],
): boolean {
  if (!phaseCompleted(status.phase) || actions.length > 0) return false;
  return input.experiment.templates.every((t) => {
    const rs = input.replicaSets[t.name];
    const idle = rs === undefined || (rs.specReplicas === 0 && rs.replicas === 0);
    return idle && input.services[t.name] !== true;
  });
}

function earliest(...candidates: (number | undefined)[]): number | undefined {
  const defined = candidates.filter((c): c is number => c !== undefined);
  return defined.length === 0 ? undefined : Math.max(0, Math.min(...defined));
}

/** One tick of an Experiment. */
export function decideExperiment(input: ExperimentInput): ExperimentDecision {
  const { experiment, status } = input;
  const terminating = isTerminating(experiment, status);
  const nowIso = isoSeconds(input.now);
  const templates = experiment.templates.map((template) =>
    reconcileTemplate({ input, template, terminating, nowIso }),
  );
  const analyses = experiment.analyses.map((analysis) => reconcileAnalysis(input, analysis, terminating));
  const reconciled: ExperimentStatus = {
    ...status,
    templateStatuses: upsert(
      status.templateStatuses,
      templates.map((t) => t.status),
    ),
    analysisRuns: upsert(
      status.analysisRuns,
      analyses.map((a) => a.status),
    ),
  };
  const next = calculateStatus(experiment, reconciled, nowIso);
  const actions = [...templates.flatMap((t) => t.actions), ...analyses.flatMap((a) => a.actions)];
  return {
    actions,
    status: next,
    requeueAfterMs: earliest(requeueAfterMs(experiment, next, input.now), scaleDownRequeue(input, actions)),
    done: isDone(input, next, actions),
  };
}

/** How many pods each template wants now (for reports and the canary's accounting). */
export function experimentDesiredReplicas(
  input: Pick<ExperimentInput, 'experiment' | 'status'>,
): Record<string, number> {
  return Object.fromEntries(
    input.experiment.templates.map((t) => [t.name, desiredReplicas(input.experiment, input.status, t)]),
  );
}
