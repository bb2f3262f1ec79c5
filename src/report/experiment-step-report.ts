/**
 * The report models of a canary's `experiment` steps, from the stored records (experiments.json), the
 * observed experiment ReplicaSets and the stored runs: what the rollout's comment, check run, job
 * summary and `get` show of them. Pure.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import { recordEngineExperiment, type ExperimentRecord } from '../engine/experiment-record.ts';
import type { ExperimentReplicaSet } from '../engine/experiment-types.ts';
import type { EngineStep } from '../engine/spec.ts';
import type { ObservedReplicaSet } from '../engine/state.ts';
import { experimentReportOf, type ExperimentReport } from './experiment-model.ts';

export interface StepExperimentReportInput {
  rollout: string;
  namespace: string;
  /** Only this revision's experiments are shown (`status.currentPodHash`). */
  podHash: string | undefined;
  steps: readonly EngineStep[];
  records: readonly ExperimentRecord[];
  /** The rollout's observed ReplicaSets; the experiments' carry `experiment` and `experimentTemplate`. */
  replicaSets: readonly ObservedReplicaSet[];
  /** The stored runs; an experiment's analysis `a` runs as `<experiment>-<a>`. */
  analysis: readonly AnalysisRecord[];
  now: Date;
}

function images(spec: Record<string, unknown>): string[] {
  const containers = Array.isArray(spec.containers) ? (spec.containers as unknown[]) : [];
  return containers.flatMap((c) => {
    const image = typeof c === 'object' && c !== null ? (c as Record<string, unknown>).image : undefined;
    return typeof image === 'string' ? [image] : [];
  });
}

function replicaSetOf(rs: ObservedReplicaSet): ExperimentReplicaSet {
  return {
    name: rs.name,
    hash: rs.hash,
    specReplicas: rs.specReplicas,
    replicas: rs.replicas,
    readyReplicas: rs.readyReplicas,
    availableReplicas: rs.availableReplicas,
    scaleDownDeadline: rs.scaleDownDeadline,
  };
}

/** This revision's step experiments, oldest first, each with its step, sources and weights. */
export function stepExperimentReports(input: StepExperimentReportInput): ExperimentReport[] {
  const mine = input.records.filter((r) => r.podHash === input.podHash);
  return mine.map((record) => {
    const replicaSets = Object.fromEntries(
      input.replicaSets
        .filter((rs) => rs.experiment === record.name && rs.experimentTemplate !== undefined)
        .map((rs) => [rs.experimentTemplate ?? '', replicaSetOf(rs)]),
    );
    const runs = Object.fromEntries(
      record.spec.analyses.map((a) => [
        a.name,
        input.analysis.find((r) => r.id === `${record.name}-${a.name}`),
      ]),
    );
    const report = experimentReportOf({
      experiment: recordEngineExperiment(record),
      status: record.status,
      namespace: input.namespace,
      replicaSets,
      runs,
      updatedAt: input.now.toISOString(),
    });
    const step = input.steps[record.stepIndex];
    const written = step !== undefined && 'experiment' in step ? step.experiment.templates : [];
    return {
      ...report,
      rollout: { name: input.rollout, step: record.stepIndex + 1 },
      templates: report.templates.map((t) => {
        const w = written.find((x) => x.name === t.name);
        const spec = record.spec.templates.find((x) => x.name === t.name)?.template.spec ?? {};
        const shown = images(spec);
        return {
          ...t,
          ...(w === undefined ? {} : { specRef: w.specRef }),
          ...(w?.weight === undefined ? {} : { weight: w.weight }),
          ...(shown.length === 0 ? {} : { images: shown }),
        };
      }),
    };
  });
}
