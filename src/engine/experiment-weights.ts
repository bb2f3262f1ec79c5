/**
 * The traffic an `experiment` step's weighted templates take (Argo's
 * calculateWeightDestinationsFromExperiment, rollout/trafficrouting.go): the experiment step at or
 * before the current step (GetCurrentExperimentStep) names the weights; while the current
 * experiment is Running, each template status whose template has a `weight` becomes a destination
 * with the Service and pod hash the status records. The router gets them beside the canary, and the
 * stable what is left (routed.ts). Pure.
 */
import type { ExperimentStep } from '../manifests/rollout-model.ts';
import type { ExperimentStatus } from './experiment-types.ts';
import type { EngineStep } from './spec.ts';
import type { WeightDestination } from './state.ts';

/** The experiment step at or before `index`, scanning back; undefined past the steps or with none. */
export function currentExperimentStep(
  steps: readonly EngineStep[],
  index: number | undefined,
): ExperimentStep | undefined {
  const at = index ?? 0;
  if (at >= steps.length) return undefined;
  for (let i = at; i >= 0; i--) {
    const step = steps[i];
    if (step !== undefined && 'experiment' in step) return step.experiment;
  }
  return undefined;
}

/** The destinations of the current experiment's weighted templates; none unless it is Running. */
export function weightDestinations(
  step: ExperimentStep | undefined,
  current: Pick<ExperimentStatus, 'phase' | 'templateStatuses'> | undefined,
): WeightDestination[] {
  if (step === undefined || current?.phase !== 'Running') return [];
  const out: WeightDestination[] = [];
  for (const status of current.templateStatuses) {
    const weight = step.templates.find((t) => t.name === status.name)?.weight;
    if (weight === undefined) continue;
    out.push({
      serviceName: status.serviceName ?? '',
      podTemplateHash: status.podTemplateHash ?? '',
      weight,
    });
  }
  return out;
}
