import type {
  BackgroundAnalysis,
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  ExperimentStep,
  ExtraMetadata,
  IntOrPercent,
  Rollout,
  RolloutAnalysis,
  SetHeaderRoute,
  SetMirrorRoute,
  TrafficRouting,
} from '../manifests/rollout.ts';
import { FIRST_DEPLOY_ANALYSIS_ANNOTATION } from '../manifests/first-deploy-rules.ts';

/** The parts of a canary step the engine acts on; durations already in seconds. */
export type EngineStep =
  | { setWeight: number }
  | { pause: { duration?: number | undefined } }
  | { setCanaryScale: { replicas?: number; weight?: number; matchTrafficWeight?: boolean } }
  /** An analysis step; the driver builds the run from the Rollout's own block. */
  | { analysis: RolloutAnalysis }
  | { setHeaderRoute: SetHeaderRoute }
  | { setMirrorRoute: SetMirrorRoute }
  /** An experiment step (`canary-experiment.ts`, `canary-step-experiments.ts`). */
  | { experiment: ExperimentStep };

/** `strategy.canary.trafficRouting` and the settings that only apply with a router. */
export interface CanaryRouting {
  /** `trafficRouting` as written: the router adapters read their own blocks of it. */
  config: TrafficRouting;
  /** The weight of all traffic (`maxTrafficWeight`, 100 by default). */
  maxTrafficWeight: number;
  dynamicStableScale: boolean;
  minPodsPerReplicaSet?: number | undefined;
  /** How long an old stable keeps its pods after the router moved off it (30 by default). */
  scaleDownDelaySeconds: number;
  /** How many old ReplicaSets may wait for their delay at once; the rest go at once. */
  scaleDownDelayRevisionLimit?: number | undefined;
  /** As written: unset means 30, or no delay with dynamicStableScale; 0 keeps the canary up. */
  abortScaleDownDelaySeconds?: number | undefined;
}

export interface PodMetadata {
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

/** What every strategy reads of a Rollout, with Argo's defaults applied. */
export interface RolloutBasics {
  name: string;
  namespace: string;
  replicas: number;
  paused: boolean;
  progressDeadlineSeconds: number;
  progressDeadlineAbort: boolean;
  revisionHistoryLimit: number;
  /** workloadRef: the pod template comes from this Deployment, which is scaled down as configured. */
  workloadRef?: { name: string; scaleDown: 'never' | 'onsuccess' | 'progressively' } | undefined;
  /**
   * rollout-pilot only (`rollout-pilot.dev/first-deploy-analysis: "true"`): on a first deploy, run
   * the rollout's analysis once the revision is fully up (Argo skips it). Unset: Argo's behaviour.
   */
  firstDeployAnalysis?: boolean | undefined;
}

/** `spec.strategy.canary` as the step engine drives it. */
export interface CanaryPart {
  steps: EngineStep[];
  maxSurge: IntOrPercent;
  maxUnavailable: IntOrPercent;
  stableService?: string | undefined;
  canaryService?: string | undefined;
  stableMetadata?: PodMetadata | undefined;
  canaryMetadata?: PodMetadata | undefined;
  /** When the canary counts as scaled: a share or a number of its desired pods available. */
  replicaProgressThreshold?: { type: 'Percent' | 'Pod'; value: number } | undefined;
  /** Background analysis (`strategy.canary.analysis`), from `startingStep` on. */
  analysis?: BackgroundAnalysis | undefined;
  /** A traffic router splits the traffic; without one the pod counts carry the weight. */
  trafficRouting?: CanaryRouting | undefined;
}

export type CanaryEngineRollout = RolloutBasics & { strategy: 'canary'; canary: CanaryPart };

/** `spec.strategy.blueGreen` as the engine drives it, with Argo's defaults applied. */
export interface BlueGreenPart {
  activeService: string;
  previewService?: string | undefined;
  /** The preview runs at this size until promotion, then scales to `replicas` before the switch. */
  previewReplicaCount?: number | undefined;
  autoPromotionEnabled: boolean;
  autoPromotionSeconds: number;
  /** How long the previous active ReplicaSet keeps its pods after the switch (30 by default). */
  scaleDownDelaySeconds: number;
  /** Whether the manifest set scaleDownDelaySeconds (Argo then no longer waits for post-promotion analysis). */
  scaleDownDelayWritten: boolean;
  scaleDownDelayRevisionLimit?: number | undefined;
  /** How long an aborted preview keeps its pods (30 by default); 0 keeps them up. */
  abortScaleDownDelaySeconds: number;
  prePromotionAnalysis?: RolloutAnalysis | undefined;
  postPromotionAnalysis?: RolloutAnalysis | undefined;
  activeMetadata?: PodMetadata | undefined;
  previewMetadata?: PodMetadata | undefined;
}

export type BlueGreenEngineRollout = RolloutBasics & { strategy: 'blueGreen'; blueGreen: BlueGreenPart };

/**
 * What the step engine needs of a Rollout: one member per strategy, told apart by `strategy`.
 * Experiments add a member here and a decider in `decide.ts`.
 */
export type EngineRollout = CanaryEngineRollout | BlueGreenEngineRollout;

export type StrategyName = EngineRollout['strategy'];

/** The canary part of a rollout, or undefined for a strategy that is not a canary. */
export function canaryOf(rollout: EngineRollout): CanaryPart | undefined {
  return rollout.strategy === 'canary' ? rollout.canary : undefined;
}

/** The canary steps of the rollout (none for blue-green). */
export function stepsOf(rollout: EngineRollout): EngineStep[] {
  return rollout.strategy === 'canary' ? rollout.canary.steps : [];
}

/** The number of steps of the rollout's strategy (0 for a strategy without steps). */
export function stepCount(rollout: EngineRollout): number {
  return stepsOf(rollout).length;
}

/** The Services the strategy names (stable/canary or active/preview), for observing them. */
export function strategyServices(rollout: EngineRollout): string[] {
  const names =
    rollout.strategy === 'canary'
      ? [rollout.canary.stableService, rollout.canary.canaryService]
      : [rollout.blueGreen.activeService, rollout.blueGreen.previewService];
  return names.filter((n): n is string => n !== undefined);
}

export function describeStep(step: EngineStep | undefined): string {
  if (step === undefined) return 'done';
  if ('setWeight' in step) return `setWeight ${step.setWeight}`;
  if ('pause' in step)
    return step.pause.duration === undefined ? 'pause (until promoted)' : `pause ${step.pause.duration}s`;
  if ('analysis' in step) return `analysis ${step.analysis.templates.map((t) => t.templateName).join(', ')}`;
  if ('setHeaderRoute' in step) return describeHeaderRoute(step.setHeaderRoute);
  if ('setMirrorRoute' in step) return describeMirrorRoute(step.setMirrorRoute);
  if ('experiment' in step) return describeExperiment(step.experiment);
  const s = step.setCanaryScale;
  return `setCanaryScale ${s.replicas !== undefined ? `replicas ${s.replicas}` : s.weight !== undefined ? `weight ${s.weight}` : 'matchTrafficWeight'}`;
}

/**
 * What the step engine drives of a typed Rollout (Argo's defaults already applied by the model).
 * Throws for a strategy the engine has no decider for yet: validation refuses it before any run.
 */
export function engineRollout(model: Rollout): EngineRollout {
  const { spec } = model;
  const basics: RolloutBasics = {
    name: model.metadata.name,
    namespace: model.metadata.namespace ?? 'default',
    replicas: spec.replicas,
    paused: spec.paused,
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    progressDeadlineAbort: spec.progressDeadlineAbort,
    revisionHistoryLimit: spec.revisionHistoryLimit,
    workloadRef:
      spec.workloadRef === undefined
        ? undefined
        : { name: spec.workloadRef.name, scaleDown: spec.workloadRef.scaleDown ?? 'never' },
    ...(model.metadata.annotations[FIRST_DEPLOY_ANALYSIS_ANNOTATION] === 'true'
      ? { firstDeployAnalysis: true }
      : {}),
  };
  const { canary, blueGreen } = spec.strategy;
  if (canary !== undefined) return { ...basics, strategy: 'canary', canary: canaryPart(canary) };
  if (blueGreen !== undefined)
    return { ...basics, strategy: 'blueGreen', blueGreen: blueGreenPart(blueGreen) };
  throw new Error(`Rollout ${model.metadata.name}: no canary or blueGreen strategy`);
}

function blueGreenPart(b: BlueGreenStrategy): BlueGreenPart {
  return {
    activeService: b.activeService,
    previewService: b.previewService === '' ? undefined : b.previewService,
    previewReplicaCount: b.previewReplicaCount,
    autoPromotionEnabled: b.autoPromotionEnabled,
    autoPromotionSeconds: b.autoPromotionSeconds,
    scaleDownDelaySeconds: b.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS,
    scaleDownDelayWritten: b.scaleDownDelaySeconds !== undefined,
    scaleDownDelayRevisionLimit: b.scaleDownDelayRevisionLimit,
    abortScaleDownDelaySeconds: b.abortScaleDownDelaySeconds,
    prePromotionAnalysis: b.prePromotionAnalysis,
    postPromotionAnalysis: b.postPromotionAnalysis,
    activeMetadata: podMetadata(b.activeMetadata),
    previewMetadata: podMetadata(b.previewMetadata),
  };
}

function canaryPart(c: CanaryStrategy): CanaryPart {
  // An empty Service name names no Service.
  const service = (name: string | undefined): string | undefined => (name === '' ? undefined : name);
  const threshold = c.replicaProgressThreshold;
  return {
    steps: c.steps.map(engineStep),
    maxSurge: c.maxSurge,
    maxUnavailable: c.maxUnavailable,
    stableService: service(c.stableService),
    canaryService: service(c.canaryService),
    stableMetadata: podMetadata(c.stableMetadata),
    canaryMetadata: podMetadata(c.canaryMetadata),
    replicaProgressThreshold:
      threshold === undefined
        ? undefined
        : { type: threshold.type === 'Percent' ? 'Percent' : 'Pod', value: threshold.value },
    analysis: c.analysis,
    trafficRouting: routing(c),
  };
}

function describeHeaderRoute(route: SetHeaderRoute): string {
  if (route.match.length === 0) return `setHeaderRoute ${route.name ?? ''} (remove)`.replace('  ', ' ');
  const matches = route.match.map((m) => {
    const v = m.headerValue;
    const how =
      v.exact !== undefined
        ? `= ${v.exact}`
        : v.prefix !== undefined
          ? `^= ${v.prefix}`
          : `~ ${v.regex ?? ''}`;
    return `${m.headerName} ${how}`;
  });
  return `setHeaderRoute ${route.name ?? ''}: ${matches.join(', ')}`;
}

/** `experiment baseline (stable), canary (canary) 5m`: the templates, their sources and the duration. */
function describeExperiment(step: ExperimentStep): string {
  const templates = step.templates.map((t) => `${t.name} (${t.specRef})`).join(', ');
  return `experiment ${templates}${step.duration === undefined ? '' : ` ${step.duration}s`}`;
}

function describeMirrorRoute(route: SetMirrorRoute): string {
  if (route.match.length === 0) return `setMirrorRoute ${route.name} (remove)`;
  return `setMirrorRoute ${route.name}: ${route.percentage}% of matching requests`;
}

function routing(c: CanaryStrategy): CanaryRouting | undefined {
  if (c.trafficRouting === undefined) return undefined;
  return {
    config: c.trafficRouting,
    maxTrafficWeight: c.maxTrafficWeight,
    dynamicStableScale: c.dynamicStableScale,
    minPodsPerReplicaSet: c.minPodsPerReplicaSet,
    scaleDownDelaySeconds: c.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS,
    scaleDownDelayRevisionLimit: c.scaleDownDelayRevisionLimit,
    abortScaleDownDelaySeconds: c.abortScaleDownDelaySeconds,
  };
}

/** Argo's default delays with a traffic router: an old stable, or an aborted canary, keeps its pods 30 s. */
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;

function podMetadata(m: ExtraMetadata | undefined): PodMetadata | undefined {
  return m === undefined ? undefined : { labels: m.labels, annotations: m.annotations };
}

function engineStep(step: CanaryStep): EngineStep {
  switch (step.kind) {
    case 'setWeight':
      return { setWeight: step.setWeight };
    case 'pause':
      return { pause: { duration: step.pause.duration } };
    case 'setCanaryScale': {
      const scale = step.setCanaryScale;
      if (scale.mode === 'replicas') return { setCanaryScale: { replicas: scale.replicas } };
      if (scale.mode === 'weight') return { setCanaryScale: { weight: scale.weight } };
      return { setCanaryScale: { matchTrafficWeight: true } };
    }
    case 'analysis':
      return { analysis: step.analysis };
    case 'setHeaderRoute':
      return { setHeaderRoute: step.setHeaderRoute };
    case 'setMirrorRoute':
      return { setMirrorRoute: step.setMirrorRoute };
    case 'experiment':
      return { experiment: step.experiment };
    default:
      // Validation rejects the step kinds the engine does not drive before anything runs.
      throw new Error(`step kind not supported: ${step.kind}`);
  }
}
