/**
 * An Experiment's analysis runs through the existing analysis runner (design 3.6): the run of
 * `startExperimentAnalysis` is built by `buildRun` from a block made of the analysis (its template,
 * its resolved args) and the experiment's dryRun and measurementRetention; it is kept as an
 * AnalysisRecord of kind 'Experiment'. The engine reads the runs back as `ExperimentInput.runs`.
 */
import { newRun, type RunState } from '../analysis/engine/index.ts';
import { buildRun, type AnalysisRecord, type StoredTemplate } from '../analysis/templates.ts';
import type { ExperimentAction, ExperimentRunView } from '../engine/experiment-types.ts';
import type { Experiment } from '../manifests/experiment.ts';

type StartAction = Extract<ExperimentAction, { kind: 'startExperimentAnalysis' }>;

/** The runs of `experiment` as the engine reads them, by run id. */
export function experimentRunViews(
  records: readonly AnalysisRecord[],
  experiment: string,
): Record<string, ExperimentRunView> {
  return Object.fromEntries(
    records
      .filter((r) => r.kind === 'Experiment' && r.experiment === experiment)
      .map((r) => [
        r.id,
        { phase: r.state.phase, message: r.state.message, terminated: r.state.terminate === true },
      ]),
  );
}

/**
 * Analyses whose AnalysisTemplate (or ClusterAnalysisTemplate) is not among the stored templates,
 * with the lister's message Argo reports (`analysistemplate.argoproj.io "<name>" not found`).
 */
export function missingExperimentTemplates(
  experiment: Experiment,
  templates: readonly StoredTemplate[],
): Record<string, string> {
  const missing: Record<string, string> = {};
  for (const a of experiment.spec.analyses) {
    const kind = a.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    if (!templates.some((t) => t.kind === kind && t.name === a.templateName)) {
      missing[a.name] = `${kind.toLowerCase()}.argoproj.io "${a.templateName}" not found`;
    }
  }
  return missing;
}

/**
 * The run an experiment's analysis starts. Args without a value are left out, so the template's
 * default stands (Argo merges only args that carry a value). A run that cannot be built is an Error
 * run saying why, as Argo's failed AnalysisRun creation makes the analysis Error.
 */
export function newExperimentRecord(
  action: StartAction,
  experiment: Experiment,
  templates: readonly StoredTemplate[],
  now: Date,
  podHash: string,
): AnalysisRecord {
  const analysis = experiment.spec.analyses.find((a) => a.name === action.analysis);
  const run = {
    id: action.id,
    kind: 'Experiment' as const,
    experiment: experiment.metadata.name,
    analysisName: action.analysis,
    podHash,
  };
  const block = {
    templates: [
      { templateName: analysis?.templateName ?? '', clusterScope: analysis?.clusterScope === true },
    ],
    args: action.args.filter((a) => a.value !== undefined),
    dryRun: action.dryRun,
    measurementRetention: action.measurementRetention,
  };
  try {
    const built = buildRun(block, templates, { rollout: {}, stableHash: undefined, latestHash: '' });
    return {
      ...run,
      args: built.args,
      secretArgs: built.secretArgs,
      spec: built.spec,
      state: newRun(built.spec, now),
    };
  } catch (e) {
    const message = `Failed to create AnalysisRun for analysis '${action.analysis}': ${e instanceof Error ? e.message : String(e)}`;
    const state: RunState = {
      ...newRun({ metrics: [] }, now),
      phase: 'Error',
      message,
      completedAt: now.toISOString(),
    };
    return { ...run, args: {}, secretArgs: [], spec: { metrics: [] }, state };
  }
}
