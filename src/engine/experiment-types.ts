/**
 * The experiment engine's inputs and outputs: an Experiment's spec as the engine needs it, what was
 * observed of its ReplicaSets and analysis runs, its status in Argo's shape (ExperimentStatus,
 * experiment_types.go) and the actions it asks for. Types only.
 */

/** Argo's AnalysisPhase, which is also an Experiment's phase. */
export type ExperimentPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/** A run not created yet has no phase (""), as in Argo's status. */
export type RunPhase = ExperimentPhase | '';

export type TemplateStatusCode = 'Progressing' | 'Running' | 'Successful' | 'Failed' | 'Error';

export interface EngineExperimentTemplate {
  name: string;
  replicas: number;
  /**
   * Set: a Service per template, named `name` or else after the ReplicaSet; Argo makes it only when
   * the pod template's containers declare ports (`hasPorts`).
   */
  service?: { name?: string | undefined; hasPorts: boolean } | undefined;
}

export interface EngineExperimentAnalysis {
  name: string;
  clusterScope: boolean;
  requiredForCompletion: boolean;
  /** Argument values as written; `{{templates.*}}` and `{{experiment.*}}` are expanded at start. */
  args: { name: string; value?: string | undefined }[];
}

export interface EngineExperiment {
  name: string;
  templates: EngineExperimentTemplate[];
  /** Seconds after availableAt at which the templates are done; undefined = no limit. */
  durationSeconds?: number | undefined;
  progressDeadlineSeconds: number;
  scaleDownDelaySeconds: number;
  terminate: boolean;
  analyses: EngineExperimentAnalysis[];
  /** Passed on to every run the experiment starts. */
  dryRun: { metricName: string }[];
  measurementRetention: { metricName: string; limit: number }[];
}

export interface TemplateStatus {
  name: string;
  status: TemplateStatusCode;
  message?: string | undefined;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** ISO time of the last change of the counts, or of a create or scale. */
  lastTransitionTime?: string | undefined;
  serviceName?: string | undefined;
  podTemplateHash?: string | undefined;
}

export interface ExperimentAnalysisStatus {
  name: string;
  /** The run's id once it was started. */
  analysisRun?: string | undefined;
  phase: RunPhase;
  message?: string | undefined;
}

export interface ExperimentStatus {
  /** Undefined until the first decision, which makes it Pending. */
  phase?: ExperimentPhase | undefined;
  message?: string | undefined;
  /** ISO time at which every template was first available. */
  availableAt?: string | undefined;
  templateStatuses: TemplateStatus[];
  analysisRuns: ExperimentAnalysisStatus[];
}

/** A template's ReplicaSet as observed. */
export interface ExperimentReplicaSet {
  name: string;
  hash: string;
  specReplicas: number;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** Argo's `scale-down-deadline` annotation (RFC 3339), if set. */
  scaleDownDeadline?: string | undefined;
}

/** An analysis run as observed. */
export interface ExperimentRunView {
  phase: ExperimentPhase;
  message?: string | undefined;
  /** Asked to terminate already. */
  terminated: boolean;
}

export interface ExperimentInput {
  experiment: EngineExperiment;
  status: ExperimentStatus;
  /** By template name. */
  replicaSets: Readonly<Record<string, ExperimentReplicaSet | undefined>>;
  /** By template name: whether the template's Service exists. */
  services: Readonly<Record<string, boolean>>;
  /** By run id (`<experiment>-<analysis>`). */
  runs: Readonly<Record<string, ExperimentRunView | undefined>>;
  /** Analyses whose AnalysisTemplate (or ClusterAnalysisTemplate) cannot be found, with why. */
  missingTemplates: Readonly<Record<string, string>>;
  /**
   * By template name: why the last create or scale of its ReplicaSet, or the create or delete of its
   * Service, failed (Argo then marks the template Error).
   */
  failures: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  now: number;
}

export type ExperimentAction =
  | { kind: 'createExperimentReplicaSet'; template: string; name: string; replicas: number }
  | { kind: 'scaleExperimentReplicaSet'; template: string; name: string; replicas: number }
  | { kind: 'setExperimentScaleDownDeadline'; template: string; name: string; deadline: string | undefined }
  | { kind: 'createExperimentService'; template: string; name: string }
  | { kind: 'deleteExperimentService'; template: string }
  | {
      kind: 'startExperimentAnalysis';
      analysis: string;
      id: string;
      args: { name: string; value?: string | undefined }[];
      dryRun: { metricName: string }[];
      measurementRetention: { metricName: string; limit: number }[];
    }
  | { kind: 'terminateExperimentAnalysis'; analysis: string; id: string };

export interface ExperimentDecision {
  actions: ExperimentAction[];
  status: ExperimentStatus;
  /** When to look again at the latest, if a deadline or the duration is pending. */
  requeueAfterMs: number | undefined;
  /** The phase is final and no ReplicaSet has pods or a pending deadline. */
  done: boolean;
}
