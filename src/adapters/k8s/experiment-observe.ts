/**
 * What an experiment driver sees of an Experiment in the cluster: each template's ReplicaSet and
 * whether its Service exists, found by the owner's label (one list of ReplicaSets, and one of
 * Services only when a template has a Service), or from the run's shared caches when they are
 * current. An object is the experiment's when it carries Argo's annotations and the owner's state
 * ConfigMap controls it (experiment-objects.ts).
 */
import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import type { ExperimentObservation, ExperimentOwner } from '../../controller/experiment-ports.ts';
import type { ExperimentReplicaSet } from '../../engine/experiment-types.ts';
import { experimentServiceName } from '../../engine/experiment-service.ts';
import { experimentReplicaSetName } from '../../engine/experiment-templates.ts';
import { POD_TEMPLATE_HASH_LABEL, SCALE_DOWN_DEADLINE_ANNOTATION } from '../../engine/state.ts';
import type { Experiment } from '../../manifests/experiment.ts';
import { ownerLabel } from '../../controller/experiment-ports.ts';
import { listCall, type KubeApi } from './api-call.ts';
import { isOurs } from './experiment-objects.ts';

/** The shared caches' answers, when current; undefined: ask the API server. */
export interface ExperimentCache {
  /** ReplicaSets labelled with the rollout (only a rollout owner's are cached). */
  replicaSets(rollout: string): V1ReplicaSet[] | undefined;
  /** null: no such Service. */
  service(name: string): V1Service | null | undefined;
}

function selector(owner: ExperimentOwner): string {
  const [key, value] = ownerLabel(owner);
  return `${key}=${value}`;
}

/** Every ReplicaSet carrying the owner's label. */
export async function ownerReplicaSets(
  api: KubeApi,
  owner: ExperimentOwner,
  cache?: ExperimentCache,
): Promise<V1ReplicaSet[]> {
  const cached = owner.kind === 'rollout' ? cache?.replicaSets(owner.rollout) : undefined;
  if (cached !== undefined) return cached;
  const { namespace } = owner;
  const list = await api.call(listCall('ReplicaSet', namespace), () =>
    api.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector(owner) }),
  );
  return list.items;
}

/** Every Service carrying the owner's label. */
export async function ownerServices(api: KubeApi, owner: ExperimentOwner): Promise<V1Service[]> {
  const { namespace } = owner;
  const list = await api.call(listCall('Service', namespace), () =>
    api.core.listNamespacedService({ namespace, labelSelector: selector(owner) }),
  );
  return list.items;
}

function replicaSetView(rs: V1ReplicaSet): ExperimentReplicaSet {
  return {
    name: rs.metadata?.name ?? '',
    hash: rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '',
    specReplicas: rs.spec?.replicas ?? 0,
    replicas: rs.status?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
    availableReplicas: rs.status?.availableReplicas ?? 0,
    scaleDownDeadline: rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION],
  };
}

/** Whether each template's Service exists as ours; from the cache by name when it is ready. */
async function templateServices(
  api: KubeApi,
  owner: ExperimentOwner,
  experiment: Experiment,
  cache?: ExperimentCache,
): Promise<Record<string, boolean>> {
  const name = experiment.metadata.name;
  const templates = experiment.spec.templates;
  const out: Record<string, boolean> = Object.fromEntries(templates.map((t) => [t.name, false]));
  const wanted = templates.filter((t) => t.service !== undefined);
  if (wanted.length === 0) return out;
  const cached = wanted.map((t) => cache?.service(experimentServiceName(name, t)));
  if (cached.every((c) => c !== undefined)) {
    wanted.forEach((t, i) => {
      out[t.name] = isOurs(cached[i]?.metadata, owner, name, t.name);
    });
    return out;
  }
  for (const svc of await ownerServices(api, owner)) {
    for (const t of wanted)
      if (svc.metadata?.name === experimentServiceName(name, t) && isOurs(svc.metadata, owner, name, t.name))
        out[t.name] = true;
  }
  return out;
}

/** The experiment's ReplicaSets and Services as they are now (ExperimentClusterPort.observeExperiment). */
export async function observeExperiment(
  api: KubeApi,
  owner: ExperimentOwner,
  experiment: Experiment,
  cache?: ExperimentCache,
): Promise<ExperimentObservation> {
  const name = experiment.metadata.name;
  const [replicaSets, services] = await Promise.all([
    ownerReplicaSets(api, owner, cache),
    templateServices(api, owner, experiment, cache),
  ]);
  const out: ExperimentObservation = { replicaSets: {}, services, failures: {} };
  for (const t of experiment.spec.templates) {
    const rsName = experimentReplicaSetName(name, t.name);
    const rs = replicaSets.find((r) => r.metadata?.name === rsName);
    if (rs !== undefined && !isOurs(rs.metadata, owner, name, t.name)) {
      out.failures[t.name] =
        `ReplicaSet ${rsName} carries the label of ${ownerLabel(owner).join('=')} but is not template '${t.name}' of experiment ${name}`;
    }
    out.replicaSets[t.name] =
      rs !== undefined && isOurs(rs.metadata, owner, name, t.name) ? replicaSetView(rs) : undefined;
  }
  return out;
}
