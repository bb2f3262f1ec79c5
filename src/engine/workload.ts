import type { Action } from './actions.ts';
import type { EngineRollout } from './spec.ts';
import type { Observation, RolloutStatus } from './state.ts';

/**
 * workloadRef scaleDown: `progressively` hands pods over as the rollout's own become available;
 * `onsuccess` scales the Deployment to 0 once the rollout is fully available on its stable revision.
 */
export function reconcileWorkload(
  rollout: EngineRollout,
  observed: Observation,
  s: RolloutStatus,
  actions: Action[],
  log: string[],
): void {
  const ref = rollout.workloadRef;
  const workload = observed.workload;
  if (ref === undefined || workload === undefined || ref.scaleDown === 'never' || workload.specReplicas === 0)
    return;
  const available = observed.replicaSets.reduce((n, rs) => n + rs.availableReplicas, 0);
  const stable = observed.replicaSets.find((rs) => rs.hash === s.stableRS);
  // The Service that carries production traffic: the canary's stable one, blue-green's active one.
  const stableSvc =
    rollout.strategy === 'canary' ? rollout.canary.stableService : rollout.blueGreen.activeService;
  const serviceMoved = stableSvc === undefined || observed.services[stableSvc]?.selectedHash === s.stableRS;
  let want = workload.specReplicas;
  if (ref.scaleDown === 'progressively') want = Math.max(0, rollout.replicas - available);
  if (
    ref.scaleDown === 'onsuccess' &&
    stable !== undefined &&
    stable.availableReplicas >= rollout.replicas &&
    serviceMoved
  ) {
    want = 0;
  }
  // Never take the Deployment's pods away before the Service has moved to the rollout's.
  if (!serviceMoved) want = workload.specReplicas;
  if (want < workload.specReplicas) {
    actions.push({ kind: 'scaleWorkload', name: workload.name, replicas: want });
    log.push(
      `scale Deployment ${workload.name} ${workload.specReplicas} → ${want} (workloadRef scaleDown ${ref.scaleDown})`,
    );
  }
}
