import type { Action } from './actions.ts';
import { canonicalJson } from './hash.ts';
import type { CanaryEngineRollout, PodMetadata } from './spec.ts';
import type { ObservedReplicaSet } from './state.ts';

function stableMetadataFor(m: PodMetadata | undefined): PodMetadata {
  return { labels: m?.labels ?? {}, annotations: m?.annotations ?? {} };
}

/** canaryMetadata/stableMetadata: labels and annotations that follow the role, not the revision. */
export function reconcileEphemeralMetadata(
  rollout: CanaryEngineRollout,
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet | undefined,
  actions: Action[],
): void {
  const { canaryMetadata, stableMetadata } = rollout.canary;
  reconcileRoleMetadata({ current: canaryMetadata, stable: stableMetadata }, newRS, stableRS, actions);
}

/**
 * The metadata of each role on its ReplicaSet: `current` (canary, or blue-green's preview) on the
 * revision being rolled out, `stable` (or active) on the stable one, and on the new one once it is
 * the stable one (`stableRS` undefined).
 */
export function reconcileRoleMetadata(
  roles: { current: PodMetadata | undefined; stable: PodMetadata | undefined },
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet | undefined,
  actions: Action[],
): void {
  const canaryMetadata = roles.current;
  const stableMetadata = roles.stable;
  if (canaryMetadata === undefined && stableMetadata === undefined) return;
  const want = (rs: ObservedReplicaSet, m: PodMetadata | undefined): void => {
    const metadata = stableMetadataFor(m);
    if (canonicalJson(metadata) !== (rs.ephemeralMetadata ?? canonicalJson(stableMetadataFor(undefined)))) {
      actions.push({ kind: 'setEphemeralMetadata', name: rs.name, metadata });
    }
  };
  if (stableRS === undefined) {
    want(newRS, stableMetadata);
  } else {
    want(newRS, canaryMetadata);
    want(stableRS, stableMetadata);
  }
}
