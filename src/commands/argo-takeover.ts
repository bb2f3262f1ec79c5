/**
 * Moving a rollout from Argo Rollouts' controller to rollout-pilot (docs/migrating.md). Argo's
 * ReplicaSets for the same selector are adopted, its stable one as our stable, so the next revision
 * goes through the steps and revision numbers continue. Without this, the first run saw no stable
 * ReplicaSet, went to full scale with no analysis, and left Argo's pods running beside ours.
 * While Argo's Rollout object still exists its controller would fight us for the same ReplicaSets
 * and Services, so `run` refuses and says how to hand it over.
 */
import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import { canonicalJson, podTemplateHash } from '../engine/hash.ts';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../engine/state.ts';
import { podTemplateOf } from '../controller/engine-rollout.ts';
import type { KubeObject } from '../controller/ports.ts';
import { asObj, dig } from '../manifests/values.ts';
import type { Logger } from '../util/logger.ts';
import { ConfigurationError } from '../util/errors.ts';
import type { ReplicaSet } from '../adapters/k8s/wire.ts';

type TakeoverCluster = Pick<
  KubeCluster,
  'readArgoRollout' | 'foreignReplicaSets' | 'serviceHashes' | 'defaultedTemplate' | 'adoptReplicaSet'
>;

export interface Takeover {
  /** Argo's ReplicaSets of this rollout, to adopt. */
  replicaSets: ReplicaSet[];
  /** The pod-template hash of the one that serves as stable. */
  stableHash: string;
}

const hashOf = (rs: ReplicaSet): string => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);

/**
 * What there is to take over from Argo Rollouts, checked before anything changes: undefined when
 * the rollout has no ReplicaSets of Argo's. Throws while Argo's controller may still own them.
 */
export async function findTakeover(
  cluster: TakeoverCluster,
  rollout: KubeObject,
  stableService: string | undefined,
): Promise<Takeover | undefined> {
  const { name } = rollout.metadata;
  const namespace = rollout.metadata.namespace ?? 'default';
  const sets = await cluster.foreignReplicaSets(rollout);
  const owned = sets.filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Rollout'));
  if ((await cluster.readArgoRollout(namespace, name)) !== undefined || owned.length > 0) {
    throw new ConfigurationError(
      `Argo Rollouts manages Rollout ${namespace}/${name}${sets.length > 0 ? ` (ReplicaSets ${sets.map((rs) => rs.metadata?.name ?? '?').join(', ')})` : ''}: its controller would fight rollout-pilot over the same ReplicaSets and Services. Hand it over first: \`kubectl argo rollouts promote ${name} -n ${namespace}\` until it is Healthy, then \`kubectl delete rollout ${name} -n ${namespace} --cascade=orphan\` (its pods keep serving), then run again: rollout-pilot adopts its stable ReplicaSet (docs/migrating.md)`,
    );
  }
  if (sets.length === 0) return undefined;
  const selected =
    stableService === undefined
      ? undefined
      : (await cluster.serviceHashes(namespace, [stableService])).get(stableService);
  const stable = pickStable(sets, selected);
  return { replicaSets: sets, stableHash: hashOf(stable) };
}

/**
 * Argo's stable ReplicaSet: the one the stable Service selects (Argo points it there), else the one
 * with the most available pods, the newest revision on a tie.
 */
export function pickStable(sets: readonly ReplicaSet[], selectedHash: string | undefined): ReplicaSet {
  const bySelector = sets.find((rs) => hashOf(rs) === selectedHash);
  if (bySelector !== undefined) return bySelector;
  const sorted = [...sets].sort(
    (a, b) =>
      (b.status?.availableReplicas ?? 0) - (a.status?.availableReplicas ?? 0) ||
      revisionOf(b) - revisionOf(a),
  );
  const first = sorted[0];
  if (first === undefined) throw new Error('no ReplicaSet to pick from');
  return first;
}

/**
 * Adopts Argo's ReplicaSets once the state ConfigMap exists (it becomes their owner). The stable one
 * is marked as running the Rollout's template when the API server's defaulted form of that
 * template equals it, so an unchanged template is not rolled out again.
 */
export async function completeTakeover(
  cluster: TakeoverCluster,
  rollout: KubeObject,
  takeover: Takeover,
  log: Logger,
): Promise<void> {
  const ownHash = podTemplateHash(podTemplateOf(rollout));
  for (const rs of takeover.replicaSets) {
    const hash = hashOf(rs);
    let same: string | undefined;
    if (hash === takeover.stableHash) {
      const wanted = withoutHashLabel(await cluster.defaultedTemplate(rollout, hash));
      if (canonicalJson(wanted) === canonicalJson(withoutHashLabel(rs.spec?.template))) same = ownHash;
    }
    await cluster.adoptReplicaSet(rollout, rs.metadata?.name ?? '', same);
    log.info(
      `adopted Argo Rollouts' ReplicaSet ${rs.metadata?.name ?? '?'} (revision ${revisionOf(rs)}${hash === takeover.stableHash ? ', stable' : ''}${same !== undefined ? ', runs this pod template' : ''})`,
    );
  }
}

function withoutHashLabel(template: unknown): unknown {
  const t = structuredClone(template ?? {});
  const metadata = asObj(dig(t, 'metadata'));
  const labels = asObj(metadata?.labels);
  if (metadata !== undefined && labels !== undefined) {
    metadata.labels = Object.fromEntries(
      Object.entries(labels).filter(([k]) => k !== POD_TEMPLATE_HASH_LABEL),
    );
  }
  return t;
}
