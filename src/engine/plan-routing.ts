/**
 * What a plan says about the traffic router: which router, which objects it changes, and the pod
 * counts of each step when the router (not the pod counts) carries the weight. Pure.
 */
import { asList, asObj, asStr } from '../manifests/values.ts';
import {
  calculateReplicaCountsForTrafficRoutedCanary,
  currentSetWeight,
  desiredCanaryReplicasOrWeight,
  type CanaryStableCounts,
} from './replicas.ts';
import type { CanaryPart, CanaryRouting } from './spec.ts';

export interface RouterPlan {
  /** The routers, as `trafficRouting` names them: `nginx`, `istio`, `gatewayAPI`. */
  routers: string[];
  /** The objects the router writes, in words: `Ingress web-web-canary (generated from Ingress web)`. */
  objects: string[];
  maxWeight: number;
}

function names(single: unknown, many: unknown): string[] {
  const one = asStr(single);
  const list = asList(many).flatMap((v) => {
    const name = asStr(v) ?? asStr(asObj(v)?.name);
    return name === undefined ? [] : [name];
  });
  return list.length > 0 ? list : one === undefined || one === '' ? [] : [one];
}

function nginxObjects(rollout: string, config: unknown): string[] {
  const c = asObj(config);
  return names(c?.stableIngress, c?.stableIngresses).map(
    (ingress) => `Ingress ${rollout}-${ingress}-canary (generated from Ingress ${ingress}; canary-weight)`,
  );
}

function istioObjects(config: unknown): string[] {
  const c = asObj(config);
  const services = [asObj(c?.virtualService), ...asList(c?.virtualServices).map(asObj)].flatMap((vs) => {
    const name = asStr(vs?.name);
    if (name === undefined) return [];
    const routes = asList(vs?.routes).flatMap((r) => asStr(r) ?? []);
    return [`VirtualService ${name}${routes.length > 0 ? ` (routes ${routes.join(', ')})` : ''}`];
  });
  const rule = asObj(c?.destinationRule);
  const dr = asStr(rule?.name);
  return dr === undefined
    ? services
    : [
        ...services,
        `DestinationRule ${dr} (subsets ${asStr(rule?.canarySubsetName) ?? '?'}, ${asStr(rule?.stableSubsetName) ?? '?'})`,
      ];
}

function gatewayObjects(config: unknown): string[] {
  const c = asObj(config);
  return [
    ...names(c?.httpRoute, c?.httpRoutes).map((r) => `HTTPRoute ${r}`),
    ...names(c?.grpcRoute, c?.grpcRoutes).map((r) => `GRPCRoute ${r}`),
  ];
}

export function routerPlan(rollout: string, routing: CanaryRouting): RouterPlan {
  const { config } = routing;
  const routers: string[] = [];
  const objects: string[] = [];
  if (config.nginx !== undefined) {
    routers.push('nginx');
    objects.push(...nginxObjects(rollout, config.nginx));
  }
  if (config.istio !== undefined) {
    routers.push('istio');
    objects.push(...istioObjects(config.istio));
  }
  const gateway = asObj(config.plugins)?.['argoproj-labs/gatewayAPI'];
  if (gateway !== undefined) {
    routers.push('gatewayAPI');
    objects.push(...gatewayObjects(gateway));
  }
  return { routers, objects, maxWeight: routing.maxTrafficWeight };
}

/** Where step `index` settles with a router: the router's weight and Argo's routed counts. */
export function routedStepCounts(
  replicas: number,
  canary: CanaryPart,
  routing: CanaryRouting,
  index: number,
): { weight: number; counts: CanaryStableCounts } {
  const position = { steps: canary.steps, currentStepIndex: index };
  const desired = desiredCanaryReplicasOrWeight({
    ...position,
    trafficRouted: true,
    aborted: false,
    promoteFull: false,
    canaryInProgress: true,
    abortScaleDownDelaySeconds: routing.abortScaleDownDelaySeconds,
    maxTrafficWeight: routing.maxTrafficWeight,
  });
  const counts = calculateReplicaCountsForTrafficRoutedCanary({
    replicas,
    setCanaryScaleReplicas: desired.replicas,
    desiredWeight: desired.weight,
    maxTrafficWeight: routing.maxTrafficWeight,
    dynamicStableScale: routing.dynamicStableScale,
    minPodsPerReplicaSet: routing.minPodsPerReplicaSet,
    aborted: false,
    currentWeights: null,
  });
  const weight = currentSetWeight({
    ...position,
    aborted: false,
    maxTrafficWeight: routing.maxTrafficWeight,
  });
  return { weight, counts };
}
