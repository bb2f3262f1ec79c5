/**
 * What rollout-pilot keeps of a canary step's Experiment in the rollout's state (`experiments.json`,
 * docs/design/experiments.md 3.2): there is no Experiment object in the cluster, so this record is
 * the Experiment. Types and small pure helpers only.
 */
import type { Experiment, ExperimentSpec } from '../manifests/experiment.ts';
import { ARGO_API_VERSION } from '../manifests/kinds.ts';
import { engineExperiment } from './experiment-spec.ts';
import type { EngineExperiment, ExperimentPhase, ExperimentStatus } from './experiment-types.ts';

export interface ExperimentRecord {
  /** `<rollout>-<podHash>-<revision>-<stepIndex>[-N]`. */
  name: string;
  /** The 0-based index of the step that made it. */
  stepIndex: number;
  /** The new ReplicaSet's pod-template hash when it was made (Argo's `rollouts-pod-template-hash` label). */
  podHash: string;
  /** The Rollout's revision when it was made (Argo's `rollout.argoproj.io/revision` annotation). */
  revision: string;
  /** RFC 3339. */
  createdAt: string;
  /** Asked to end (Argo's `spec.terminate`): the step was left, the rollout aborted or promoted. */
  terminate: boolean;
  /** Frozen at creation: the templates copied from the stable and canary ReplicaSets. */
  spec: ExperimentSpec;
  /** Argo's ExperimentStatus; the experiment reconciler updates it every tick. */
  status: ExperimentStatus;
}

const COMPLETED: ReadonlySet<ExperimentPhase> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** Whether the record's phase is final. */
export function recordCompleted(record: Pick<ExperimentRecord, 'status'>): boolean {
  const phase = record.status.phase;
  return phase !== undefined && COMPLETED.has(phase);
}

/** A new record's status: no phase until the experiment's first reconcile. */
export function emptyExperimentStatus(): ExperimentStatus {
  return { templateStatuses: [], analysisRuns: [] };
}

/** The Experiment a record stands for (`spec.terminate` set once the record asks to terminate). */
export function recordExperiment(record: ExperimentRecord, namespace: string): Experiment {
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Experiment',
    metadata: { name: record.name, namespace, labels: {}, annotations: {} },
    spec: { ...record.spec, terminate: record.terminate || record.spec.terminate },
    source: { file: `experiment ${namespace}/${record.name}`, line: 1, column: 1 },
  };
}

/** The experiment engine's view of a record (what `decideExperiment` and the reports read). */
export function recordEngineExperiment(record: ExperimentRecord): EngineExperiment {
  return engineExperiment(recordExperiment(record, ''));
}
