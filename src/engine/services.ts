import type { Action } from './actions.ts';
import type { CanaryEngineRollout } from './spec.ts';
import type { ObservedReplicaSet, Observation, RolloutStatus } from './state.ts';

export function reconcileServices(
  rollout: CanaryEngineRollout,
  s: RolloutStatus,
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet,
  observed: Observation,
  actions: Action[],
  log: string[],
): void {
  const byHash = new Map(observed.replicaSets.map((rs) => [rs.hash, rs]));
  const point = (serviceName: string | undefined, target: ObservedReplicaSet, why: string): void => {
    if (serviceName === undefined) return;
    const svc = observed.services[serviceName];
    if (svc === undefined || svc.selectedHash === target.hash) return;
    const current = svc.selectedHash === undefined ? undefined : byHash.get(svc.selectedHash);
    if (current === undefined) {
      // A Service not managed by us yet may be serving other pods (a Deployment being migrated, or
      // a ReplicaSet of Argo's own controller): take it over only once the ReplicaSet is fully
      // available, as Argo does for adopted Services.
      if (target.availableReplicas === 0 || target.availableReplicas < target.specReplicas) return;
    }
    const currentServes = current !== undefined && current.availableReplicas > 0;
    // Never move a Service that has ready endpoints onto a ReplicaSet that has none (Argo waits
    // for at least partial availability); when nothing serves yet, point it at once.
    if (currentServes && target.availableReplicas === 0) return;
    actions.push({ kind: 'switchService', service: serviceName, hash: target.hash });
    log.push(`point Service ${serviceName} at ${target.name} (${why})`);
  };
  point(rollout.canary.stableService, stableRS, 'stable');
  if (s.abort) point(rollout.canary.canaryService, stableRS, 'aborted: canary traffic back to stable');
  else point(rollout.canary.canaryService, newRS, 'canary');
}

/** A Service the strategy names that the cluster was observed not to have. */
export function missingService(
  rollout: CanaryEngineRollout,
  observed: Observation,
): { name: string; field: string } | undefined {
  const named: [string | undefined, string][] = [
    [rollout.canary.stableService, 'spec.strategy.canary.stableService'],
    [rollout.canary.canaryService, 'spec.strategy.canary.canaryService'],
  ];
  for (const [name, field] of named) {
    if (
      name !== undefined &&
      Object.hasOwn(observed.services, name) &&
      observed.services[name] === undefined
    ) {
      return { name, field };
    }
  }
  return undefined;
}
