/** The sizes blue-green's decisions compare the new ReplicaSet with. */
import type { BlueGreenTick } from './bluegreen-tick.ts';

/** The size the new ReplicaSet should have now (Argo's NewRSNewReplicas for blue-green). */
export function newReplicaSetTarget(tick: BlueGreenTick): number {
  const { rollout, prev, newRS, input } = tick;
  const { replicas } = rollout;
  const previewCount = rollout.blueGreen.previewReplicaCount;
  if (previewCount === undefined) return replicas;
  const activeHash = prev.blueGreen?.activeSelector;
  const activeRS = input.observed.replicaSets.find((rs) => rs.hash === activeHash);
  // Already switched (or nothing to switch from), or a full promotion: full size.
  if (activeRS === undefined || activeRS.name === newRS.name || prev.promoteFull) return replicas;
  if (newRS.hash !== prev.currentPodHash) return previewCount;
  const notPaused = !rollout.paused && prev.pauseConditions.length === 0;
  // Promoted past the pause: the preview grows to full size before the switch.
  if (notPaused && prev.blueGreen?.scaleUpPreviewCheckPoint === true) return replicas;
  return previewCount;
}

/** The new ReplicaSet is at its target size with every pod available (Argo's ReadyForPause). */
export function readyForPause(tick: BlueGreenTick): boolean {
  const target = newReplicaSetTarget(tick);
  return tick.newRS.specReplicas === target && tick.newRS.availableReplicas === target;
}

/** The new ReplicaSet runs the full count, all available: it may take the active Service. */
export function saturated(tick: BlueGreenTick): boolean {
  const { newRS, rollout } = tick;
  return newRS.specReplicas === rollout.replicas && newRS.availableReplicas === rollout.replicas;
}
