/**
 * A canary's `experiment` steps, on the controller's side: each tick, before the canary decides, every
 * live record of `experiments.json` is reconciled by the experiment reconciler (its ReplicaSets,
 * Services and runs; `reconcileExperiment`), so the canary sees fresh phases; a finished experiment
 * whose ReplicaSets are at 0 has them deleted, and so does one the canary pruned.
 */
import type { AnalysisRecord, StoredTemplate } from '../analysis/templates.ts';
import { recordCompleted, type ExperimentRecord } from '../engine/experiment-record.ts';
import type { Observation } from '../engine/state.ts';
import type { Experiment } from '../manifests/experiment.ts';
import { ARGO_API_VERSION } from '../manifests/kinds.ts';
import type { AnalysisRunner } from './analysis.ts';
import type { ExperimentClusterPort, ExperimentOwner } from './experiment-ports.ts';
import { reconcileExperiment } from './experiment-reconcile.ts';
import type { ClusterPort } from './ports.ts';

/** Whether the cluster port also carries out experiments (the Kubernetes adapter and the fakes do). */
export function experimentPortOf(cluster: ClusterPort): ExperimentClusterPort | undefined {
  const port = cluster as Partial<ExperimentClusterPort>;
  return typeof port.observeExperiment === 'function' &&
    typeof port.applyExperimentAction === 'function' &&
    typeof port.deleteExperiment === 'function'
    ? (cluster as ClusterPort & ExperimentClusterPort)
    : undefined;
}

export interface StepExperimentsTick {
  port: ExperimentClusterPort | undefined;
  runner: AnalysisRunner | undefined;
  owner: Extract<ExperimentOwner, { kind: 'rollout' }>;
  records: readonly ExperimentRecord[];
  /** Every stored run of the revision (runner.collect done); the experiments' are kind Experiment. */
  analysis: readonly AnalysisRecord[];
  templates: readonly StoredTemplate[];
  observed: Observation;
  /** Why each experiment's cluster actions failed last tick, by experiment, then template. */
  failures: Map<string, Record<string, string>>;
  now: Date;
  check: () => void;
}

export interface StepExperimentsResult {
  records: ExperimentRecord[];
  analysis: AnalysisRecord[];
  /** The earliest time an experiment needs a look (a deadline, the duration, a measurement). */
  wakeAt: number | undefined;
}

/** The Experiment a record stands for, as the experiment reconciler reads it. */
export function recordExperiment(record: ExperimentRecord, owner: ExperimentOwner): Experiment {
  const terminate = record.terminate || record.spec.terminate;
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Experiment',
    metadata: { name: record.name, namespace: owner.namespace, labels: {}, annotations: {} },
    spec: { ...record.spec, terminate },
    source: { file: `experiment ${owner.namespace}/${record.name}`, line: 1, column: 1 },
  };
}

/**
 * Stored times are whole seconds and a duration passes only strictly after it ends (Argo's
 * PassedDurations), so a requeue of 0 with nothing done would look again at the same instant: the
 * next look is a second later.
 */
function wakeAfter(result: { requeueAfterMs?: number | undefined; actions: readonly unknown[] }): number {
  const ms = result.requeueAfterMs ?? 0;
  return ms <= 0 && result.actions.length === 0 ? 1000 : ms;
}

const hasReplicaSets = (observed: Observation, name: string): boolean =>
  observed.replicaSets.some((rs) => rs.experiment === name);

/** Reconciles every live record; a finished one with nothing left in the cluster is only a summary. */
export async function reconcileStepExperiments(t: StepExperimentsTick): Promise<StepExperimentsResult> {
  let analysis = [...t.analysis];
  const records: ExperimentRecord[] = [];
  const wakes: number[] = [];
  for (const record of t.records) {
    if (t.port === undefined || (recordCompleted(record) && !hasReplicaSets(t.observed, record.name))) {
      records.push(record);
      continue;
    }
    const experiment = recordExperiment(record, t.owner);
    const result = await reconcileExperiment(t.port, t.runner, {
      owner: t.owner,
      experiment,
      status: record.status,
      records: analysis.filter((r) => r.kind === 'Experiment' && r.experiment === record.name),
      templates: t.templates,
      failures: t.failures.get(record.name),
      now: t.now,
      podHash: record.podHash,
      check: t.check,
    });
    t.failures.set(record.name, result.failures);
    analysis = [
      ...analysis.filter((r) => !(r.kind === 'Experiment' && r.experiment === record.name)),
      ...result.records,
    ];
    records.push({ ...record, status: result.status });
    if (result.done && hasReplicaSets(t.observed, record.name)) {
      // Finished, at 0 with no pods: the experiment's ReplicaSets go (design 7.1).
      t.check();
      await t.port.deleteExperiment(t.owner, record.name);
    } else if (!result.done) {
      if (result.requeueAfterMs !== undefined) wakes.push(t.now.getTime() + wakeAfter(result));
      if (result.nextMeasurement !== undefined) wakes.push(result.nextMeasurement.getTime());
    }
  }
  return { records, analysis, wakeAt: wakes.length === 0 ? undefined : Math.min(...wakes) };
}

/** The experiments the canary pruned from the records: whatever is left of them in the cluster goes. */
export async function deletePrunedExperiments(
  port: ExperimentClusterPort | undefined,
  owner: ExperimentOwner,
  before: readonly ExperimentRecord[],
  after: readonly ExperimentRecord[],
  check: () => void,
): Promise<void> {
  if (port === undefined) return;
  for (const r of before) {
    if (after.some((a) => a.name === r.name)) continue;
    check();
    await port.deleteExperiment(owner, r.name);
  }
}
