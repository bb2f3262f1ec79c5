import type { ObservedReplicaSet } from './state.ts';

/**
 * What a ReplicaSet is to the rollout, so no strategy scales away what another owns:
 * - `stable`: the revision that serves (status.stableRS);
 * - `canary`: the revision being rolled out (a canary's new ReplicaSet); `preview` is the same for
 *   blue-green;
 * - `experiment`: created for an Experiment (it owns it), left to the experiment;
 * - `old`: any other revision, scaled down and deleted beyond revisionHistoryLimit.
 */
export type ReplicaSetRole = 'stable' | 'canary' | 'preview' | 'experiment' | 'old';

/** The hashes that give the rollout's own ReplicaSets their roles. */
export interface RoleContext {
  /** Hash of the pod template being rolled out. */
  currentHash: string;
  /** Hash of the stable ReplicaSet, if there is one yet. */
  stableHash: string | undefined;
  /** What the current revision is called by the strategy: `canary`, or `preview` for blue-green. */
  currentRole?: 'canary' | 'preview' | undefined;
}

/**
 * The role of one observed ReplicaSet. An Experiment's ReplicaSet is the experiment's even when it
 * runs the current or stable template; when the current revision is the stable one it is stable.
 */
export function replicaSetRole(
  rs: Pick<ObservedReplicaSet, 'hash' | 'experiment'>,
  context: RoleContext,
): ReplicaSetRole {
  if (rs.experiment !== undefined) return 'experiment';
  if (context.stableHash !== undefined && rs.hash === context.stableHash) return 'stable';
  if (rs.hash === context.currentHash) return context.currentRole ?? 'canary';
  return 'old';
}

/** Whether the rollout itself manages the ReplicaSet (every role but `experiment`). */
export function ownedByRollout(rs: Pick<ObservedReplicaSet, 'experiment'>): boolean {
  return rs.experiment === undefined;
}
