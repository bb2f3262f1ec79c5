/**
 * What the reports show of an Experiment (standalone, or an `experiment` step of a canary): its phase
 * and message, each template with its ReplicaSet, each analysis with its run, and the times. The lead
 * fills it from the engine's status (`experimentReportOf`) and the cluster's state. Pure.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type {
  EngineExperiment,
  ExperimentPhase,
  ExperimentReplicaSet,
  ExperimentStatus,
  RunPhase,
  TemplateStatusCode,
} from '../engine/experiment-types.ts';

export interface ExperimentTemplateReport {
  name: string;
  status: TemplateStatusCode;
  message?: string | undefined;
  /** The pods the template asks for (`replicas`). */
  replicas: number;
  /** Its ReplicaSet, once created: name, pod-template hash, ready pods of spec.replicas. */
  replicaSet?: string | undefined;
  hash?: string | undefined;
  ready: number;
  desired: number;
  serviceName?: string | undefined;
  images?: string[] | undefined;
  /** In a canary step: the revision the template copies (`stable` or `canary`) and its weight. */
  specRef?: string | undefined;
  weight?: number | undefined;
  /** RFC 3339: when its pods are scaled down (the scale-down deadline), if one is set. */
  scaleDownAt?: string | undefined;
}

export interface ExperimentAnalysisReport {
  name: string;
  /** The AnalysisTemplate (or ClusterAnalysisTemplate) it runs, when known. */
  templateName?: string | undefined;
  requiredForCompletion: boolean;
  /** "" until the run is started. */
  phase: RunPhase;
  message?: string | undefined;
  /** The run with its measurements (values and queries already redacted), once started. */
  run?: AnalysisRecord | undefined;
}

export interface ExperimentReport {
  experiment: string;
  namespace: string;
  /** `owner/repo`, the deployed commit and the workflow run, as for a rollout. */
  repository?: string | undefined;
  sha?: string | undefined;
  runUrl?: string | undefined;
  /** Set for an `experiment` step: the rollout and the 1-based step. */
  rollout?: { name: string; step: number } | undefined;
  phase: ExperimentPhase;
  message?: string | undefined;
  /** Asked to end early (`abort`, Argo's `terminate`). */
  terminate: boolean;
  durationSeconds?: number | undefined;
  progressDeadlineSeconds: number;
  /** RFC 3339: when every template was first available, and when the phase became final. */
  availableAt?: string | undefined;
  finishedAt?: string | undefined;
  templates: ExperimentTemplateReport[];
  analyses: ExperimentAnalysisReport[];
  /** RFC 3339: when this report was made. */
  updatedAt: string;
}

export interface ExperimentReportSource {
  experiment: EngineExperiment;
  status: ExperimentStatus;
  namespace: string;
  /** By template name, as observed. */
  replicaSets: Readonly<Record<string, ExperimentReplicaSet | undefined>>;
  /** By analysis name: the stored run. */
  runs: Readonly<Record<string, AnalysisRecord | undefined>>;
  updatedAt: string;
  finishedAt?: string | undefined;
}

/** The report of an experiment from the engine's spec and status and what was observed. */
export function experimentReportOf(src: ExperimentReportSource): ExperimentReport {
  const { experiment, status } = src;
  const templates = experiment.templates.map((t): ExperimentTemplateReport => {
    const own = status.templateStatuses.find((s) => s.name === t.name);
    const rs = src.replicaSets[t.name];
    return {
      name: t.name,
      status: own?.status ?? 'Progressing',
      message: own?.message,
      replicas: t.replicas,
      replicaSet: rs?.name,
      hash: rs?.hash ?? own?.podTemplateHash,
      ready: rs?.readyReplicas ?? own?.readyReplicas ?? 0,
      desired: rs?.specReplicas ?? 0,
      serviceName: own?.serviceName,
      scaleDownAt: rs?.scaleDownDeadline,
    };
  });
  const analyses = experiment.analyses.map((a): ExperimentAnalysisReport => {
    const own = status.analysisRuns.find((r) => r.name === a.name);
    return {
      name: a.name,
      requiredForCompletion: a.requiredForCompletion,
      phase: own?.phase ?? '',
      message: own?.message,
      run: src.runs[a.name],
    };
  });
  return {
    experiment: experiment.name,
    namespace: src.namespace,
    phase: status.phase ?? 'Pending',
    message: status.message,
    terminate: experiment.terminate,
    durationSeconds: experiment.durationSeconds,
    progressDeadlineSeconds: experiment.progressDeadlineSeconds,
    availableAt: status.availableAt,
    finishedAt: src.finishedAt,
    templates,
    analyses,
    updatedAt: src.updatedAt,
  };
}

export interface MeasurementCounts {
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
}

/** The measurements a run took, by phase, over all its metrics. */
export function measurementCounts(run: AnalysisRecord | undefined): MeasurementCounts {
  const counts = { successful: 0, failed: 0, inconclusive: 0, error: 0 };
  for (const m of run?.state.metrics ?? []) {
    counts.successful += m.successful;
    counts.failed += m.failed;
    counts.inconclusive += m.inconclusive;
    counts.error += m.error;
  }
  return counts;
}

/** The non-zero counts, each with its icon, in the order successful, failed, inconclusive, error. */
export function countParts(
  c: MeasurementCounts,
  icons: Readonly<Record<keyof MeasurementCounts, string>>,
  format: (n: number, icon: string) => string,
): string[] {
  const order = ['successful', 'failed', 'inconclusive', 'error'] as const;
  return order.filter((k) => c[k] > 0).map((k) => format(c[k], icons[k]));
}

export function isFinal(phase: ExperimentPhase): boolean {
  return phase !== 'Pending' && phase !== 'Running';
}
