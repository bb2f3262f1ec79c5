import type {
  BackgroundAnalysis,
  CanaryStep,
  CanaryStrategy,
  ExtraMetadata,
  IntOrPercent,
  Rollout,
  RolloutAnalysis,
} from '../manifests/rollout.ts';

/** The parts of a canary step the engine acts on; durations already in seconds. */
export type EngineStep =
  | { setWeight: number }
  | { pause: { duration?: number | undefined } }
  | { setCanaryScale: { replicas?: number; weight?: number; matchTrafficWeight?: boolean } }
  /** An analysis step; the driver builds the run from the Rollout's own block. */
  | { analysis: RolloutAnalysis };

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
}

export type CanaryEngineRollout = RolloutBasics & { strategy: 'canary'; canary: CanaryPart };

/**
 * What the step engine needs of a Rollout: one member per strategy, told apart by `strategy`.
 * Blue-green and experiments add a member here and a decider in `decide.ts`.
 */
export type EngineRollout = CanaryEngineRollout;

export type StrategyName = EngineRollout['strategy'];

/**
 * The canary part of a rollout, for code that only runs for canaries today (validation refuses
 * blueGreen); the switch stops compiling when a strategy is added, so each caller is revisited.
 */
export function canaryOf(rollout: EngineRollout): CanaryPart {
  switch (rollout.strategy) {
    case 'canary':
      return rollout.canary;
  }
}

/** The number of steps of the rollout's strategy (0 for a strategy without steps). */
export function stepCount(rollout: EngineRollout): number {
  switch (rollout.strategy) {
    case 'canary':
      return rollout.canary.steps.length;
  }
}

export function describeStep(step: EngineStep | undefined): string {
  if (step === undefined) return 'done';
  if ('setWeight' in step) return `setWeight ${step.setWeight}`;
  if ('pause' in step)
    return step.pause.duration === undefined ? 'pause (until promoted)' : `pause ${step.pause.duration}s`;
  if ('analysis' in step) return `analysis ${step.analysis.templates.map((t) => t.templateName).join(', ')}`;
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
  };
  const { canary } = spec.strategy;
  if (canary === undefined)
    throw new Error(`Rollout ${model.metadata.name}: only the canary strategy is driven`);
  return { ...basics, strategy: 'canary', canary: canaryPart(canary) };
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
  };
}

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
    default:
      // Validation rejects the step kinds the engine does not drive before anything runs.
      throw new Error(`step kind not supported: ${step.kind}`);
  }
}
