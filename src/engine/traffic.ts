/**
 * Where a canary should stand at this reconcile: the weight its pods are scaled for, the canary's
 * and the stable's counts, whether they are there yet, and, with a traffic router, the weight to
 * set the router to. The one entry from the engine into the replica math of `replicas.ts`, for the
 * basic canary (traffic follows pod counts) and the traffic-routed one (Argo's `rollout/canary.go`,
 * `rollout/trafficrouting.go` and `utils/replicaset/canary.go`).
 *
 * The delays that keep a ReplicaSet up after the router moved off it are in `routed-scaling.ts`;
 * the weights of an Experiment's destinations are not here yet (the Experiments issue adds them).
 */

import type { IntOrPercent } from '../manifests/rollout.ts';
import {
  atDesiredReplicaCountsForBasicCanary,
  atDesiredReplicaCountsForTrafficRoutedCanary,
  calculateReplicaCountsForBasicCanary,
  calculateReplicaCountsForTrafficRoutedCanary,
  currentCanaryStep,
  currentSetWeight,
  DEFAULT_MAX_TRAFFIC_WEIGHT,
  desiredCanaryReplicasOrWeight,
  previousSetWeight,
  trafficWeightOnAbort,
  type CanaryStableCounts,
  type CanaryStepLike,
  type ObservedReplicaSet,
  type ReplicaProgressThreshold,
  type ReplicaSetCounts,
  type TrafficRoutedCanaryInput,
  type TrafficWeights,
} from './replicas.ts';

/** `strategy.canary.trafficRouting` and the settings that only matter with it. */
export interface TrafficRoutingSettings {
  /** The weight of all traffic (default 100). */
  maxTrafficWeight?: number | undefined;
  dynamicStableScale?: boolean | undefined;
  minPodsPerReplicaSet?: number | undefined;
  /** As written (undefined = unset): 0 keeps an aborted canary's setCanaryScale. */
  abortScaleDownDelaySeconds?: number | undefined;
  /** What the router was last set to (`status.canary.weights`), or null before the first time. */
  currentWeights: TrafficWeights | null;
}

export interface CanaryTargetInput {
  /** The Rollout's `spec.replicas`. */
  replicas: number;
  steps: readonly CanaryStepLike[];
  maxSurge?: IntOrPercent | undefined;
  maxUnavailable?: IntOrPercent | undefined;
  replicaProgressThreshold?: ReplicaProgressThreshold | undefined;
  /** Undefined without a router: then the weight is what the pod counts approximate. */
  trafficRouting?: TrafficRoutingSettings | undefined;
  /** `status.currentStepIndex`. */
  currentStepIndex: number | undefined;
  aborted: boolean;
  promoteFull: boolean;
  /** An update is under way: the stable ReplicaSet is not the current revision's. */
  canaryInProgress: boolean;
  /** The current revision's ReplicaSet, or null before it exists. */
  canary: ObservedReplicaSet | null;
  /** The stable ReplicaSet when it is another than the canary's, else null. */
  stable: ObservedReplicaSet | null;
  /** The stable ReplicaSet is the canary's (fully promoted, or rolled back to stable). */
  stableIsCanary: boolean;
  /** The rollout's other (old) ReplicaSets. */
  older: readonly ReplicaSetCounts[];
}

export interface CanaryTarget {
  /** The weight the pod counts are set for (Argo's GetCanaryReplicasOrWeight). */
  weight: number;
  /** The canary's and the stable's spec.replicas to scale to. */
  counts: CanaryStableCounts;
  /** Both ReplicaSets are at those counts (a setWeight or setCanaryScale step may complete). */
  atTarget: boolean;
  /** With a router, the canary weight to set it to; undefined without one. */
  routerWeight: number | undefined;
  /** With a router, the replica math's input but the router's weights (routed scaling adds them). */
  routed: Omit<TrafficRoutedCanaryInput, 'currentWeights'> | undefined;
}

/** The canary's target at this reconcile, with or without a traffic router. */
export function canaryTarget(input: CanaryTargetInput): CanaryTarget {
  const routing = input.trafficRouting;
  const desired = desiredCanaryReplicasOrWeight({
    steps: input.steps,
    currentStepIndex: input.currentStepIndex,
    aborted: input.aborted,
    promoteFull: input.promoteFull,
    canaryInProgress: input.canaryInProgress,
    trafficRouted: routing !== undefined,
    abortScaleDownDelaySeconds: routing?.abortScaleDownDelaySeconds,
    maxTrafficWeight: routing?.maxTrafficWeight,
  });
  if (routing === undefined) {
    const basic = {
      replicas: input.replicas,
      desiredWeight: desired.weight,
      maxSurge: input.maxSurge,
      maxUnavailable: input.maxUnavailable,
      canary: input.canary,
      stable: input.stable,
      stableIsCanary: input.stableIsCanary,
      older: input.older,
      replicaProgressThreshold: input.replicaProgressThreshold,
    };
    return {
      weight: desired.weight,
      counts: calculateReplicaCountsForBasicCanary(basic),
      atTarget: atDesiredReplicaCountsForBasicCanary(basic),
      routerWeight: undefined,
      routed: undefined,
    };
  }
  const routed = {
    replicas: input.replicas,
    setCanaryScaleReplicas: desired.replicas,
    desiredWeight: desired.weight,
    maxTrafficWeight: routing.maxTrafficWeight,
    dynamicStableScale: routing.dynamicStableScale,
    minPodsPerReplicaSet: routing.minPodsPerReplicaSet,
    aborted: input.aborted,
    canary: input.canary,
    stable: input.stableIsCanary ? input.canary : input.stable,
    replicaProgressThreshold: input.replicaProgressThreshold,
  };
  // The step's counts are checked as Argo's router does: against the counts without current weights.
  const atTarget = atDesiredReplicaCountsForTrafficRoutedCanary({ ...routed, currentWeights: null });
  return {
    weight: desired.weight,
    counts: calculateReplicaCountsForTrafficRoutedCanary({
      ...routed,
      currentWeights: routing.currentWeights,
    }),
    atTarget,
    routerWeight: routerWeight(input, routing, atTarget),
    routed: {
      replicas: routed.replicas,
      setCanaryScaleReplicas: routed.setCanaryScaleReplicas,
      desiredWeight: routed.desiredWeight,
      maxTrafficWeight: routed.maxTrafficWeight,
      dynamicStableScale: routed.dynamicStableScale,
      minPodsPerReplicaSet: routed.minPodsPerReplicaSet,
      aborted: routed.aborted,
    },
  };
}

/**
 * The canary weight the router is set to (Argo's reconcileTrafficRouting): none once fully
 * promoted; on an abort what the stable can carry; none while the canary has no available pod;
 * on a full promotion what the canary can carry (dynamicStableScale) or the weight it is at; the
 * previous setWeight until the step's counts are reached, then the current one; all of it past
 * the last step.
 */
function routerWeight(input: CanaryTargetInput, routing: TrafficRoutingSettings, atTarget: boolean): number {
  const maxWeight = routing.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  const current = routing.currentWeights;
  if (!input.canaryInProgress) return 0;
  if (input.aborted) {
    return trafficWeightOnAbort({
      dynamicStableScale: routing.dynamicStableScale === true,
      replicas: input.replicas,
      stableAvailableReplicas: (input.stableIsCanary ? input.canary : input.stable)?.availableReplicas ?? 0,
      currentCanaryWeight: current?.canary ?? null,
      maxTrafficWeight: maxWeight,
    });
  }
  const canaryAvailable = input.canary?.availableReplicas ?? 0;
  if (canaryAvailable === 0) return 0;
  if (input.promoteFull) {
    if (routing.dynamicStableScale !== true) return current?.canary ?? 0;
    return input.replicas === 0 ? 0 : Math.trunc((maxWeight * canaryAvailable) / input.replicas);
  }
  const position = { steps: input.steps, currentStepIndex: input.currentStepIndex };
  const { index } = currentCanaryStep(position);
  if (index === null) return 0;
  if (!atTarget) return previousSetWeight(position);
  if (index !== input.steps.length)
    return currentSetWeight({ ...position, aborted: false, maxTrafficWeight: maxWeight });
  return maxWeight;
}
