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
