/**
 * One reconcile of an Experiment, whoever drives it (a standalone run, or a canary's `experiment`
 * step): observe its ReplicaSets and Services, decide (`decideExperiment`), carry out the cluster
 * actions through the ExperimentClusterPort and the analysis actions through the AnalysisRunner,
 * and return the new status and runs. It writes no state: the caller stores what it returns, so a
 * run killed at any instant re-attaches from the last stored status (design 3.2, 3.6).
 */
import type { AnalysisRecord, StoredTemplate } from '../analysis/templates.ts';
import { decideExperiment } from '../engine/experiment.ts';
import { engineExperiment } from '../engine/experiment-spec.ts';
import type {
  ExperimentAction,
  ExperimentInput,
  ExperimentReplicaSet,
  ExperimentStatus,
} from '../engine/experiment-types.ts';
import type { Experiment } from '../manifests/experiment.ts';
import type { AnalysisRunner } from './analysis.ts';
import {
  isExperimentClusterAction,
  type ExperimentClusterPort,
  type ExperimentOwner,
} from './experiment-ports.ts';
import { experimentRunViews, missingExperimentTemplates, newExperimentRecord } from './experiment-runs.ts';
import { LeaseLostError } from './ports.ts';

export interface ExperimentTickInput {
  /** Whose state owns the experiment's objects: the rollout's (a step) or its own (standalone). */
  owner: ExperimentOwner;
  experiment: Experiment;
  /** The status the last tick stored (`{templateStatuses: [], analysisRuns: []}` at first). */
  status: ExperimentStatus;
  /**
   * This experiment's runs, with finished measurements already recorded (`runner.collect`, which
   * the caller runs once per tick over every run it keeps).
   */
  records: readonly AnalysisRecord[];
  /** The AnalysisTemplates and ClusterAnalysisTemplates the analyses may name. */
  templates: readonly StoredTemplate[];
  /** Why the last tick's cluster actions failed, by template (`failures` of the last result). */
  failures?: Readonly<Record<string, string>> | undefined;
  now: Date;
  /** Kept on the runs it starts (a step experiment: the rollout's revision); '' by default. */
  podHash?: string | undefined;
  /** Called before every write; throws when this driver lost its lease (LeaseKeeper.check). */
  check?: (() => void) | undefined;
}

export interface ExperimentTickResult {
  status: ExperimentStatus;
  /** This experiment's runs after the starts, terminations and the measurements launched. */
  records: AnalysisRecord[];
  /** Cluster actions that failed this tick, by template: pass them to the next tick. */
  failures: Record<string, string>;
  /** The phase is final and no ReplicaSet has pods, a deadline or a Service left. */
  done: boolean;
  /** When to look again at the latest (a deadline, the duration), undefined: only on a change. */
  requeueAfterMs: number | undefined;
  /** When the next measurement of a run is due. */
  nextMeasurement: Date | undefined;
  actions: ExperimentAction[];
  /** The templates' ReplicaSets as observed at the start of the tick (for reports). */
  replicaSets: Record<string, ExperimentReplicaSet | undefined>;
}

/** The engine's input from the observation, the stored status and runs, and the templates. */
async function observeInput(
  port: ExperimentClusterPort,
  tick: ExperimentTickInput,
): Promise<ExperimentInput> {
  const observed = await port.observeExperiment(tick.owner, tick.experiment);
  return {
    experiment: engineExperiment(tick.experiment),
    status: tick.status,
    replicaSets: observed.replicaSets,
    services: observed.services,
    runs: experimentRunViews(tick.records, tick.experiment.metadata.name),
    missingTemplates: missingExperimentTemplates(tick.experiment, tick.templates),
    failures: { ...observed.failures, ...tick.failures },
    now: tick.now.getTime(),
  };
}

/** Carries out the cluster actions in order; a failed one is the template's failure next tick. */
async function applyCluster(
  port: ExperimentClusterPort,
  tick: ExperimentTickInput,
  actions: readonly ExperimentAction[],
): Promise<Record<string, string>> {
  const failures: Record<string, string> = {};
  for (const action of actions) {
    if (!isExperimentClusterAction(action)) continue;
    tick.check?.();
    try {
      await port.applyExperimentAction(tick.owner, tick.experiment, action);
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      failures[action.template] = e instanceof Error ? e.message : String(e);
    }
  }
  return failures;
}

/** Starts and terminates runs as decided, then launches their due measurements. */
function advanceRuns(
  runner: AnalysisRunner | undefined,
  tick: ExperimentTickInput,
  actions: readonly ExperimentAction[],
): { records: AnalysisRecord[]; nextMeasurement: Date | undefined } {
  let records = [...tick.records];
  const analysis = actions.filter(
    (a) => a.kind === 'startExperimentAnalysis' || a.kind === 'terminateExperimentAnalysis',
  );
  if (runner === undefined) {
    if (analysis.some((a) => a.kind === 'startExperimentAnalysis'))
      throw new Error('this experiment has analyses, and no analysis runner was configured');
    return { records, nextMeasurement: undefined };
  }
  if (analysis.length > 0) tick.check?.();
  for (const a of analysis) {
    if (a.kind === 'startExperimentAnalysis') {
      if (records.some((r) => r.id === a.id)) continue;
      records.push(newExperimentRecord(a, tick.experiment, tick.templates, tick.now, tick.podHash ?? ''));
    } else if (a.kind === 'terminateExperimentAnalysis') {
      records = runner.terminate(records, a.id, tick.now);
    }
  }
  const launched = runner.launch(records, tick.now);
  return { records: launched.records, nextMeasurement: launched.next };
}

/**
 * One tick of an Experiment: observe, decide, act. The caller stores `status` and `records` (with
 * its claim on the state) and calls again after `requeueAfterMs`, `nextMeasurement`, or a change.
 */
export async function reconcileExperiment(
  port: ExperimentClusterPort,
  runner: AnalysisRunner | undefined,
  tick: ExperimentTickInput,
): Promise<ExperimentTickResult> {
  const input = await observeInput(port, tick);
  const decision = decideExperiment(input);
  const failures = await applyCluster(port, tick, decision.actions);
  const { records, nextMeasurement } = advanceRuns(runner, tick, decision.actions);
  return {
    status: decision.status,
    records,
    failures,
    done: decision.done,
    requeueAfterMs: decision.requeueAfterMs,
    nextMeasurement,
    actions: decision.actions,
    replicaSets: input.replicaSets,
  };
}

/** A new Experiment's status: nothing decided yet (the first tick makes it Pending). */
export function initialExperimentStatus(): ExperimentStatus {
  return { templateStatuses: [], analysisRuns: [] };
}
