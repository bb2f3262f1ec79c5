import type { StoredTemplate } from '../analysis/templates.ts';
import { ConflictError, type ClusterPort, type KubeObject } from '../controller/ports.ts';
import { initialStatus, type RolloutStatus } from '../engine/state.ts';

/**
 * Stores the Rollout as the desired spec, compare-and-swap; a concurrent writer makes it read and
 * try again. Returns false when the cluster already held exactly this Rollout.
 */
export async function storeRollout(
  cluster: ClusterPort,
  namespace: string,
  rollout: KubeObject,
  templates: StoredTemplate[],
  initial: RolloutStatus = initialStatus(),
): Promise<boolean> {
  const name = rollout.metadata.name;
  for (;;) {
    const existing = await cluster.readState(namespace, name);
    if (
      existing !== undefined &&
      JSON.stringify(existing.rollout) === JSON.stringify(rollout) &&
      JSON.stringify(existing.templates) === JSON.stringify(templates) &&
      statusToStore(existing.status, initial) === existing.status
    ) {
      return false;
    }
    try {
      await cluster.writeState(namespace, name, {
        driver: existing?.driver,
        rollout,
        status: statusToStore(existing?.status, initial),
        requests: existing?.requests ?? [],
        templates,
        analysis: existing?.analysis ?? [],
        version: existing?.version,
      });
      return true;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
}

/** The stored status, or `initial` for a new rollout; a takeover fills in a missing stable. */
export function statusToStore(existing: RolloutStatus | undefined, initial: RolloutStatus): RolloutStatus {
  if (existing === undefined) return initial;
  if (existing.stableRS === undefined && initial.stableRS !== undefined) {
    return { ...existing, stableRS: initial.stableRS };
  }
  return existing;
}
