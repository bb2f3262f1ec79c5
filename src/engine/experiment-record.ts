/**
 * What rollout-pilot keeps of a canary step's Experiment in the rollout's state (`experiments.json`,
 * docs/design/experiments.md 3.2): there is no Experiment object in the cluster, so this record is
 * the Experiment. Types and small pure helpers only.
 */
import type { ExperimentSpec } from '../manifests/experiment.ts';
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

/** Whether a pod template's containers declare ports (Argo makes a template's Service only then). */
function declaresPorts(spec: Record<string, unknown>): boolean {
  const containers = Array.isArray(spec.containers) ? (spec.containers as unknown[]) : [];
  return containers.some((c) => {
    const ports = typeof c === 'object' && c !== null ? (c as Record<string, unknown>).ports : undefined;
    return Array.isArray(ports) && ports.length > 0;
  });
}

/** The experiment engine's view of a record (what `decideExperiment` and the reports read). */
export function recordEngineExperiment(
  record: Pick<ExperimentRecord, 'name' | 'spec' | 'terminate'>,
): EngineExperiment {
  const { spec } = record;
  return {
    name: record.name,
    templates: spec.templates.map((t) => ({
      name: t.name,
      replicas: t.replicas,
      ...(t.service === undefined
        ? {}
        : { service: { name: t.service.name, hasPorts: declaresPorts(t.template.spec) } }),
    })),
    durationSeconds: spec.duration,
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    scaleDownDelaySeconds: spec.scaleDownDelaySeconds,
    terminate: record.terminate || spec.terminate,
    analyses: spec.analyses.map((a) => ({
      name: a.name,
      clusterScope: a.clusterScope,
      requiredForCompletion: a.requiredForCompletion,
      args: a.args.map((arg) => ({ name: arg.name, value: arg.value })),
    })),
    dryRun: spec.dryRun.map((d) => ({ metricName: d.metricName })),
    measurementRetention: spec.measurementRetention.map((m) => ({
      metricName: m.metricName,
      limit: m.limit,
    })),
  };
}
