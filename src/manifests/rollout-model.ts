/** The typed model of a Rollout: the types and Argo's defaults. Built by `toRollout` (`rollout.ts`). */
import type { ARGO_API_VERSION } from './kinds.ts';
import type {
  AnalysisTemplateRef,
  DryRun,
  ExtraMetadata,
  MeasurementRetention,
  ObjectMeta,
} from './model-common.ts';
import type { SourceLocation } from '../util/errors.ts';

/** A number of pods, or a percentage string such as "25%". */
export type IntOrPercent = number | string;

export const DEFAULTS = {
  replicas: 1,
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
  minReadySeconds: 0,
  maxSurge: '25%',
  maxUnavailable: '25%',
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
  maxTrafficWeight: 100,
  scaleDownDelaySeconds: 30,
  abortScaleDownDelaySeconds: 30,
  autoPromotionEnabled: true,
  mirrorPercentage: 100,
} as const;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

/** A pod template as written; the PodSpec is passed through to the cluster untouched. */
export interface PodTemplate {
  metadata: Record<string, unknown> & { labels: Record<string, string>; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface WorkloadRef {
  apiVersion: string;
  kind: string;
  name: string;
  scaleDown?: 'never' | 'onsuccess' | 'progressively';
}

export interface RolloutAnalysisArg {
  name: string;
  /** Argo reads a missing value as "". */
  value: string;
  valueFrom?: { podTemplateHashValue: 'Stable' | 'Latest' } | { fieldRef: { fieldPath: string } };
}

export interface RolloutAnalysis {
  templates: AnalysisTemplateRef[];
  args: RolloutAnalysisArg[];
  dryRun: DryRun[];
  measurementRetention: MeasurementRetention[];
  analysisRunMetadata: ExtraMetadata;
}

export interface BackgroundAnalysis extends RolloutAnalysis {
  /** Step index from which the background run starts (default 0). */
  startingStep: number;
}

export interface PauseStep {
  /** Seconds; undefined = pause until promoted. */
  duration?: number;
}

export type SetCanaryScale =
  | { mode: 'replicas'; replicas: number }
  | { mode: 'weight'; weight: number }
  | { mode: 'matchTrafficWeight' };

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface SetHeaderRoute {
  name?: string;
  /** Empty: remove the route. */
  match: { headerName: string; headerValue: StringMatch }[];
}

export interface SetMirrorRoute {
  name: string;
  match: { method?: StringMatch; path?: StringMatch; headers: Record<string, StringMatch> }[];
  /** Percent of matching traffic mirrored (default 100). */
  percentage: number;
}

export interface ExperimentStep {
  templates: {
    name: string;
    specRef: 'stable' | 'canary';
    replicas?: number;
    metadata: ExtraMetadata;
    selector?: LabelSelector;
    weight?: number;
    service?: { name?: string };
  }[];
  /** Seconds; undefined = until the analyses end it. */
  duration?: number;
  analyses: {
    name: string;
    templateName: string;
    clusterScope: boolean;
    args: RolloutAnalysisArg[];
    requiredForCompletion: boolean;
  }[];
  dryRun: DryRun[];
  analysisRunMetadata: ExtraMetadata;
  /** As written; unset: Argo's Experiment default (30). */
  scaleDownDelaySeconds?: number;
}

export interface PluginStep {
  name: string;
  config?: unknown;
}

export type CanaryStep =
  | { kind: 'setWeight'; setWeight: number }
  | { kind: 'pause'; pause: PauseStep }
  | { kind: 'setCanaryScale'; setCanaryScale: SetCanaryScale }
  | { kind: 'analysis'; analysis: RolloutAnalysis }
  | { kind: 'experiment'; experiment: ExperimentStep }
  | { kind: 'setHeaderRoute'; setHeaderRoute: SetHeaderRoute }
  | { kind: 'setMirrorRoute'; setMirrorRoute: SetMirrorRoute }
  | { kind: 'plugin'; plugin: PluginStep };

/** Router configurations are kept as written until the routers are built. */
export interface TrafficRouting {
  istio?: Record<string, unknown>;
  nginx?: Record<string, unknown>;
  alb?: Record<string, unknown>;
  smi?: Record<string, unknown>;
  ambassador?: Record<string, unknown>;
  appMesh?: Record<string, unknown>;
  traefik?: Record<string, unknown>;
  apisix?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
  managedRoutes: { name: string }[];
  maxTrafficWeight?: number;
}

export type AntiAffinity = { mode: 'preferred'; weight: number } | { mode: 'required' };

export interface CanaryStrategy {
  canaryService?: string;
  stableService?: string;
  steps: CanaryStep[];
  trafficRouting?: TrafficRouting;
  /** trafficRouting.maxTrafficWeight, or 100: the weight of "all traffic". */
  maxTrafficWeight: number;
  maxSurge: IntOrPercent;
  maxUnavailable: IntOrPercent;
  analysis?: BackgroundAnalysis;
  antiAffinity?: AntiAffinity;
  canaryMetadata?: ExtraMetadata;
  stableMetadata?: ExtraMetadata;
  /** 30 by default with traffic routing; not used by a basic canary. */
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  /**
   * As written (unset: 30 with traffic routing, or none with dynamicStableScale; 0 = never scale
   * the canary down); not used by a basic canary.
   */
  abortScaleDownDelaySeconds?: number;
  dynamicStableScale: boolean;
  pingPong?: { pingService: string; pongService: string };
  minPodsPerReplicaSet?: number;
  replicaProgressThreshold?: { type: string; value: number };
}

export interface BlueGreenStrategy {
  activeService: string;
  previewService?: string;
  previewReplicaCount?: number;
  autoPromotionEnabled: boolean;
  autoPromotionSeconds: number;
  maxUnavailable: IntOrPercent;
  /** As written: Argo holds old ReplicaSets while post-promotion analysis runs only when unset. */
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  abortScaleDownDelaySeconds: number;
  prePromotionAnalysis?: RolloutAnalysis;
  postPromotionAnalysis?: RolloutAnalysis;
  antiAffinity?: AntiAffinity;
  previewMetadata?: ExtraMetadata;
  activeMetadata?: ExtraMetadata;
}

export type RolloutStrategy =
  { canary: CanaryStrategy; blueGreen?: undefined } | { blueGreen: BlueGreenStrategy; canary?: undefined };

export interface RolloutSpec {
  replicas: number;
  /** Absent only with workloadRef (then taken from the workload). */
  selector?: LabelSelector;
  /** Absent only with workloadRef. */
  template?: PodTemplate;
  workloadRef?: WorkloadRef;
  minReadySeconds: number;
  revisionHistoryLimit: number;
  paused: boolean;
  progressDeadlineSeconds: number;
  progressDeadlineAbort: boolean;
  /** RFC 3339 timestamp. */
  restartAt?: string;
  rollbackWindow?: { revisions: number };
  analysis: { successfulRunHistoryLimit: number; unsuccessfulRunHistoryLimit: number };
  strategy: RolloutStrategy;
}

export interface Rollout {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'Rollout';
  metadata: ObjectMeta;
  spec: RolloutSpec;
  /** Where the document starts, for messages about it. */
  source: SourceLocation;
}
