/**
 * An Experiment's analyses per tick, after Argo's reconcileAnalysisRun (experiments/experiment.go):
 * before the experiment is available only the template is checked; a run starts one tick after
 * availableAt (never while terminating) with its args expanded (utils/template
 * ResolveExperimentArgsValue); while terminating, unfinished runs are terminated and their phase is
 * no longer copied. Pure.
 */
import { isoSeconds } from './experiment-templates.ts';
import type {
  EngineExperimentAnalysis,
  ExperimentAction,
  ExperimentAnalysisStatus,
  ExperimentInput,
} from './experiment-types.ts';
import { phaseCompleted } from './experiment-phase.ts';

export interface AnalysisOutcome {
  status: ExperimentAnalysisStatus;
  actions: ExperimentAction[];
}

/** Argo's run name: `<experiment>-<analysis>`. */
export function experimentRunId(experiment: string, analysis: string): string {
  return `${experiment}-${analysis}`;
}

/** The values `{{templates.<t>.podTemplateHash}}`, `{{templates.<t>.replicaset.name}}` and `{{experiment.*}}` take. */
function placeholderValues(input: ExperimentInput): Map<string, string> {
  const values = new Map<string, string>();
  const { availableAt } = input.status;
  const { durationSeconds } = input.experiment;
  if (availableAt !== undefined) {
    values.set('experiment.availableAt', availableAt);
    if (durationSeconds !== undefined) {
      values.set('experiment.finishedAt', isoSeconds(Date.parse(availableAt) + durationSeconds * 1000));
    }
  }
  for (const template of input.experiment.templates) {
    const rs = input.replicaSets[template.name];
    if (rs === undefined) continue;
    values.set(`templates.${template.name}.podTemplateHash`, rs.hash);
    values.set(`templates.${template.name}.replicaset.name`, rs.name);
  }
  return values;
}

/** Expands every `{{tag}}`; an unknown tag is an error, as in Argo. */
export function expandExperimentArg(
  text: string,
  values: ReadonlyMap<string, string>,
): { value: string; error?: string } {
  let error: string | undefined;
  const value = text.replace(/\{\{(.*?)\}\}/g, (_, tag: string) => {
    const found = values.get(tag.trim());
    if (found !== undefined) return found;
    error ??= `failed to resolve {{${tag}}}`;
    return '';
  });
  return error === undefined ? { value } : { value, error };
}

function startRun(
  input: ExperimentInput,
  analysis: EngineExperimentAnalysis,
  previous: ExperimentAnalysisStatus,
): AnalysisOutcome {
  const values = placeholderValues(input);
  const args: { name: string; value?: string }[] = [];
  for (const arg of analysis.args) {
    if (arg.value === undefined) {
      args.push({ name: arg.name });
      continue;
    }
    const expanded = expandExperimentArg(arg.value, values);
    if (expanded.error !== undefined) {
      const message = `Failed to create AnalysisRun for analysis '${analysis.name}': ${expanded.error}`;
      return { status: { ...previous, phase: 'Error', message }, actions: [] };
    }
    args.push({ name: arg.name, value: expanded.value });
  }
  const id = experimentRunId(input.experiment.name, analysis.name);
  return {
    status: { ...previous, phase: 'Pending', analysisRun: id },
    actions: [
      {
        kind: 'startExperimentAnalysis',
        analysis: analysis.name,
        id,
        args,
        dryRun: input.experiment.dryRun,
        measurementRetention: input.experiment.measurementRetention,
      },
    ],
  };
}

/** One analysis's tick. `terminating` is judged on the status the tick started with. */
export function reconcileAnalysis(
  input: ExperimentInput,
  analysis: EngineExperimentAnalysis,
  terminating: boolean,
): AnalysisOutcome {
  const previous = input.status.analysisRuns.find((r) => r.name === analysis.name) ?? {
    name: analysis.name,
    phase: '',
  };
  if (input.status.availableAt === undefined) {
    const missing = input.missingTemplates[analysis.name];
    if (missing === undefined) return { status: previous, actions: [] };
    const kind = analysis.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    const message = `${kind} verification failed for analysis '${analysis.name}': ${missing}`;
    return { status: { ...previous, phase: 'Error', message }, actions: [] };
  }
  if (previous.analysisRun === undefined) {
    return terminating ? { status: previous, actions: [] } : startRun(input, analysis, previous);
  }
  if (phaseCompleted(previous.phase)) return { status: previous, actions: [] };
  const run = input.runs[previous.analysisRun];
  if (run === undefined) {
    const message = `analysisruns.argoproj.io "${previous.analysisRun}" not found`;
    return { status: { ...previous, phase: 'Error', message }, actions: [] };
  }
  if (terminating) {
    const stop = !phaseCompleted(run.phase) && !run.terminated;
    const actions: ExperimentAction[] = stop
      ? [{ kind: 'terminateExperimentAnalysis', analysis: analysis.name, id: previous.analysisRun }]
      : [];
    return { status: previous, actions };
  }
  return { status: { ...previous, phase: run.phase, message: run.message }, actions: [] };
}
