/**
 * Pinning a DestinationRule's subsets to ReplicaSets (Argo's UpdateHash): the canary and stable
 * subsets select their ReplicaSet's pods by `rollouts-pod-template-hash`, each experiment Service
 * gets a subset of its own, and the DestinationRule is marked as managed by the rollout. Pure.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { JsonPatchOp, WeightDestination } from '../../controller/traffic-router.ts';
import { asList, asObj, asStr } from '../../manifests/values.ts';
import {
  HASH_LABEL,
  MANAGED_BY_ANNOTATION,
  pointerToken,
  type DestinationRuleConfig,
} from './istio-config.ts';

/** The label ops that give subset `index` the hash, or take the label off for an empty hash. */
function hashOps(index: number, subset: unknown, hash: string): JsonPatchOp[] {
  const path = `/spec/subsets/${index}/labels`;
  const labels = asObj(asObj(subset)?.labels);
  if (hash === '') {
    return labels !== undefined && Object.hasOwn(labels, HASH_LABEL)
      ? [{ op: 'remove', path: `${path}/${HASH_LABEL}` }]
      : [];
  }
  if (labels === undefined) return [{ op: 'add', path, value: { [HASH_LABEL]: hash } }];
  if (labels[HASH_LABEL] === hash) return [];
  return [{ op: 'add', path: `${path}/${HASH_LABEL}`, value: hash }];
}

function annotationOps(dr: KubeObject, rolloutName: string): JsonPatchOp[] {
  const annotations = asObj(dr.metadata.annotations);
  if (annotations === undefined) {
    return [{ op: 'add', path: '/metadata/annotations', value: { [MANAGED_BY_ANNOTATION]: rolloutName } }];
  }
  if (annotations[MANAGED_BY_ANNOTATION] === rolloutName) return [];
  const path = `/metadata/annotations/${pointerToken(MANAGED_BY_ANNOTATION)}`;
  return [{ op: 'add', path, value: rolloutName }];
}

/**
 * The patch that pins the subsets: canary and stable to their hashes (the label removed for an empty
 * hash), each experiment's subset (named after its Service) to its hash, added when missing, and the
 * managed-by annotation set. As in Argo, a subset that is none of these is removed (that is how an
 * ended experiment's subset goes), except those in additionalSubsetNames, which others run.
 * [] when all is as wanted.
 */
export function subsetHashPatch(
  dr: KubeObject,
  config: DestinationRuleConfig,
  rolloutName: string,
  hashes: { canary: string; stable: string; additional: readonly WeightDestination[] },
): JsonPatchOp[] {
  const raw = asObj(dr.spec)?.subsets;
  const subsets = asList(raw);
  const pending = new Map(hashes.additional.map((d) => [d.serviceName, d.podTemplateHash]));
  const labelOps: JsonPatchOp[] = [];
  const removed: number[] = [];
  subsets.forEach((subset, i) => {
    const name = asStr(asObj(subset)?.name) ?? '';
    if (name === config.canarySubsetName) labelOps.push(...hashOps(i, subset, hashes.canary));
    else if (name === config.stableSubsetName) labelOps.push(...hashOps(i, subset, hashes.stable));
    else if (pending.has(name)) {
      labelOps.push(...hashOps(i, subset, pending.get(name) ?? ''));
      pending.delete(name);
    } else if (!config.additionalSubsetNames.includes(name)) removed.push(i);
  });
  // Each removal checks the name first: a subset is never removed by a stale index.
  const removals = removed.reverse().flatMap((i): JsonPatchOp[] => {
    const name = asStr(asObj(subsets[i])?.name);
    const remove: JsonPatchOp = { op: 'remove', path: `/spec/subsets/${i}` };
    return name === undefined
      ? [remove]
      : [{ op: 'test', path: `/spec/subsets/${i}/name`, value: name }, remove];
  });
  const added = [...pending].map(([name, hash]) => ({ name, labels: { [HASH_LABEL]: hash } }));
  const additions: JsonPatchOp[] = Array.isArray(raw)
    ? added.map((value) => ({ op: 'add', path: '/spec/subsets/-', value }))
    : added.length > 0
      ? [{ op: 'add', path: '/spec/subsets', value: added }]
      : [];
  return [...annotationOps(dr, rolloutName), ...labelOps, ...removals, ...additions];
}
