/**
 * The rollout's state as rollout-pilot keeps it in the cluster (a ConfigMap it owns, beside the
 * ReplicaSets), shaped after Argo's Rollout status so people who know Argo can read it.
 */

export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
export const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';
export const MANAGED_BY_ANNOTATION = 'rollout-pilot.dev/managed-by';
export const SCALE_DOWN_DEADLINE_ANNOTATION = 'scale-down-deadline';

export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';

export type PauseReason =
  | 'CanaryPauseStep'
  | 'InconclusiveAnalysisRun'
  | 'BlueGreenPause'
  /** An experiment step's Experiment ended Inconclusive (canary-experiment.ts). */
  | 'InconclusiveExperiment';

export interface PauseCondition {
  reason: PauseReason;
  /** RFC 3339. */
  startTime: string;
}

export interface RolloutStatus {
  /** Hash of the pod template being rolled out. */
  currentPodHash?: string | undefined;
  /** Hash of the ReplicaSet that serves as stable. */
  stableRS?: string | undefined;
  currentStepIndex?: number | undefined;
  currentStepHash?: string | undefined;
  pauseConditions: PauseCondition[];
  /** Set when rollout-pilot paused at a step; a promote clears the condition but not this. */
  controllerPause: boolean;
  abort: boolean;
  abortedAt?: string | undefined;
  promoteFull: boolean;
  /** Last time the rollout made progress, for progressDeadlineSeconds. */
  progressAt?: string | undefined;
  /** Set once progressDeadlineSeconds passed without progress, until progress resumes. */
  progressDeadlineExceeded?: boolean | undefined;
  /** What the ReplicaSets looked like at progressAt; a change is progress. */
  progressMark?: string | undefined;
  phase: Phase;
  message: string;
  /** Weight the canary is at (0..100), as the replica counts approximate it. */
  canaryWeight: number;
  /** Why the rollout was aborted, in words (an analysis failure, the progress deadline, a person). */
  abortMessage?: string | undefined;
  /** Counts retries of the current revision, so a retry gets fresh analysis runs. */
  attempt?: number | undefined;
  /** The Inconclusive analysis run whose pause is waiting for a person. */
  inconclusivePending?: string | undefined;
  /** Inconclusive runs a person promoted past. */
  inconclusiveAcked?: string[] | undefined;
  /** When the current step began (the revision's start for step 1). */
  stepStartedAt?: string | undefined;
  /** The steps this revision completed, with their times and pod counts, for reports. */
  stepHistory?: StepRecord[] | undefined;
  /** What the traffic router was last set to (Argo's status.canary.weights); unset without a router. */
  trafficWeights?: RouterWeights | undefined;
  /** The header and mirror routes set by steps and not removed yet, by name. */
  managedRoutes?: string[] | undefined;
  /** Blue-green only (Argo's status.blueGreen). */
  blueGreen?: BlueGreenStatus | undefined;
  /** rollout-pilot only: the first deploy whose analysis was asked for, and its verdict. */
  firstDeploy?: FirstDeployStatus | undefined;
}

/** Where a blue-green rollout's Services point, as of the end of the last reconcile. */
export interface BlueGreenStatus {
  /** The pod-template hash the active Service selects. */
  activeSelector?: string | undefined;
  /** The pod-template hash the preview Service selects. */
  previewSelector?: string | undefined;
  /**
   * With previewReplicaCount: set once the preview was up at its count, analysed and promoted, so
   * it scales to full size before the switch (Argo's scaleUpPreviewCheckPoint, a one-way trip-wire).
   */
  scaleUpPreviewCheckPoint?: boolean | undefined;
}

/**
 * A revision deployed with no stable ReplicaSet before it, on a Rollout that opted in to the
 * first-deploy analysis (`rollout-pilot.dev/first-deploy-analysis: "true"`).
 */
export interface FirstDeployStatus {
  /** Its pod-template hash. */
  podHash: string;
  /** Unset until its analysis run ends: Passed (Successful, or Inconclusive and promoted) or Failed. */
  verdict?: 'Passed' | 'Failed' | undefined;
  /** Why it failed: `analysis <id> <phase>: <the run's message>`. */
  message?: string | undefined;
}

/**
 * A share of traffic for a destination beside the canary and the stable: an experiment template's
 * Service with a `weight` (Argo's WeightDestination).
 */
export interface WeightDestination {
  serviceName: string;
  podTemplateHash: string;
  /** Out of the rollout's maxTrafficWeight. */
  weight: number;
}

/**
 * The router's split: the canary's and the stable's weight, each with the ReplicaSet behind it, and
 * the experiment templates' (Argo's `status.canary.weights.additional`; unset when there are none).
 */
export interface RouterWeights {
  canary: { weight: number; podTemplateHash: string };
  stable: { weight: number; podTemplateHash: string };
  additional?: WeightDestination[] | undefined;
}

export interface StepRecord {
  /** 1-based. */
  step: number;
  action: string;
  weight: number;
  canary: number;
  stable: number;
  startedAt?: string | undefined;
  completedAt?: string | undefined;
}

export function initialStatus(): RolloutStatus {
  return {
    pauseConditions: [],
    controllerPause: false,
    abort: false,
    promoteFull: false,
    phase: 'Progressing',
    message: 'waiting for the first reconcile',
    canaryWeight: 0,
  };
}

/** A ReplicaSet of this rollout as observed in the cluster. */
export interface ObservedReplicaSet {
  name: string;
  hash: string;
  revision: number;
  specReplicas: number;
  /** `status.replicas`: pods that exist. */
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** RFC 3339 creation time, for ordering. */
  createdAt: string;
  /** Human-readable pod problems (crash loops, image pulls), for messages. */
  podIssues: string[];
  /** canonicalJson of the ephemeral (role) metadata last put on its pods, if any. */
  ephemeralMetadata?: string | undefined;
  /** Adopted from Argo Rollouts: the rollout-pilot hash of the pod template it runs (same revision). */
  sameTemplateAs?: string | undefined;
  /**
   * The Experiment it belongs to (Argo's ownerReference of kind Experiment, or the
   * `experiment.argoproj.io/name` annotation): such a ReplicaSet has the role `experiment` and
   * belongs to the experiment, not to the rollout.
   */
  experiment?: string | undefined;
  /** The Experiment template it runs (`experiment.argoproj.io/template-name`), when it has one. */
  experimentTemplate?: string | undefined;
  /**
   * Argo's `scale-down-deadline` annotation (RFC 3339): with a router, an old stable (or an aborted
   * canary) keeps its pods until then, as traffic may still drain to it.
   */
  scaleDownDeadline?: string | undefined;
}

/** A pod template (`spec.template`) as the manifest wrote it; the engine passes it on untouched. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  spec?: unknown;
}

export interface ObservedService {
  name: string;
  /** The `rollouts-pod-template-hash` in its selector, if any. */
  selectedHash: string | undefined;
}

/** Where an analysis run stands, as the step engine needs it. */
export interface AnalysisView {
  id: string;
  phase: 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';
  message: string | undefined;
}

export interface Observation {
  replicaSets: ObservedReplicaSet[];
  /** The Deployment a workloadRef names, if any. */
  workload?: { name: string; specReplicas: number } | undefined;
  /** Services the strategy names; a missing one is undefined. */
  services: Record<string, ObservedService | undefined>;
}

/** A control command recorded by a run that found another driver, for that driver to act on. */
export interface ControlRequest {
  command: 'promote' | 'promote-full' | 'abort' | 'retry' | 'pause';
  requestedBy: string;
  requestedAt: string;
}
