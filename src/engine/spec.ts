import type { IntOrPercent } from '../manifests/rollout.ts';

/** The parts of a canary step the engine acts on; durations already in seconds. */
export type EngineStep =
  | { setWeight: number }
  | { pause: { duration?: number | undefined } }
  | { setCanaryScale: { replicas?: number; weight?: number; matchTrafficWeight?: boolean } }
  /** An analysis step; the driver builds the run from the block. */
  | { analysis: Record<string, unknown> };

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
  analysis?: { block: Record<string, unknown>; startingStep: number } | undefined;
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
  if ('analysis' in step) {
    const templates = Array.isArray(step.analysis.templates) ? (step.analysis.templates as unknown[]) : [];
    const names = templates.map((t) => String((t as { templateName?: unknown }).templateName));
    return `analysis ${names.join(', ')}`;
  }
  const s = step.setCanaryScale;
  return `setCanaryScale ${s.replicas !== undefined ? `replicas ${s.replicas}` : s.weight !== undefined ? `weight ${s.weight}` : 'matchTrafficWeight'}`;
}
