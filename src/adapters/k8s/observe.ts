import type { PodMetadata } from '../../engine/spec.ts';
import type { TreeReplicaSet } from '../../report/tree.ts';
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  SCALE_DOWN_DEADLINE_ANNOTATION,
  type Observation,
  type ObservedReplicaSet,
  type ObservedService,
  type PodTemplate,
} from '../../engine/state.ts';
import type { KubeObject } from '../../controller/ports.ts';
import { asStr, dig } from '../../manifests/values.ts';
import { listCall, read, statusCode, type KubeApi } from './api-call.ts';
import { experimentMarks } from './experiment-marks.ts';
import {
  EPHEMERAL_ANNOTATION,
  parts,
  ROLLOUT_LABEL,
  SAME_TEMPLATE_ANNOTATION,
  TEMPLATE_ANNOTATION,
  type Labels,
} from './names.ts';
import type { Pod, ReplicaSet, Service } from './wire.ts';

/** How long Service selectors are trusted from cache: only rollout-pilot moves them. */
const SERVICE_REFRESH_MS = 15_000;

/** Service selectors, refreshed every few seconds; our own switches update them at once. */
export type ServiceCache = Map<string, { hash: string | undefined; exists: boolean; at: number }>;

/** Why a pod is not serving, in a form people recognise from kubectl. */
function podIssue(pod: Pod): string | undefined {
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting?.reason;
    if (waiting !== undefined && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing') {
      return `pod ${pod.metadata?.name ?? '?'}: ${waiting}${c.restartCount > 0 ? ` (${c.restartCount} restarts)` : ''}`;
    }
    const terminated = c.state?.terminated;
    if (terminated !== undefined && terminated.exitCode !== 0) {
      return `pod ${pod.metadata?.name ?? '?'}: container ${c.name} exited with ${terminated.exitCode}`;
    }
  }
  return undefined;
}

/** The shared caches' answers, when they are current (shared-view.ts): no request for these. */
export interface ObserveCache {
  replicaSets(rollout: string): ReplicaSet[] | undefined;
  /** null: the Service does not exist; undefined: ask the API server. */
  service(name: string): Service | null | undefined;
  /** The rollout's pods; undefined: ask the API server. */
  pods(rollout: string): Pod[] | undefined;
}

async function listReplicaSets(
  api: KubeApi,
  rollout: KubeObject,
  cache?: ObserveCache,
): Promise<ReplicaSet[]> {
  const p = parts(rollout);
  const cached = cache?.replicaSets(p.name);
  if (cached !== undefined) return cached;
  const list = await api.call(listCall('ReplicaSet', p.namespace), () =>
    api.apps.listNamespacedReplicaSet({
      namespace: p.namespace,
      labelSelector: `${ROLLOUT_LABEL}=${p.name}`,
      ...api.seen.listQuery('ReplicaSet', p.namespace),
    }),
  );
  api.seen.noteRead('ReplicaSet', p.namespace, `${ROLLOUT_LABEL}=${p.name}`, list.metadata?.resourceVersion);
  return list.items;
}

/** The rollout's pods (every revision's), by the label rollout-pilot puts on them. */
async function listPods(api: KubeApi, rollout: KubeObject, cache?: ObserveCache): Promise<Pod[]> {
  const p = parts(rollout);
  const cached = cache?.pods(p.name);
  if (cached !== undefined) return cached;
  const list = await api.call(listCall('Pod', p.namespace), () =>
    api.core.listNamespacedPod({
      namespace: p.namespace,
      labelSelector: `${ROLLOUT_LABEL}=${p.name}`,
      ...api.seen.listQuery('Pod', p.namespace),
    }),
  );
  api.seen.noteRead('Pod', p.namespace, `${ROLLOUT_LABEL}=${p.name}`, list.metadata?.resourceVersion);
  return list.items;
}

/** What the observation and the `get` tree both read of a ReplicaSet first, in this order. */
function replicaSetBasics(rs: ReplicaSet): {
  name: string;
  hash: string;
  revision: number;
  specReplicas: number;
} {
  return {
    name: rs.metadata?.name ?? '',
    hash: rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '',
    revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
    specReplicas: rs.spec?.replicas ?? 0,
  };
}

const createdAtOf = (rs: ReplicaSet): string =>
  rs.metadata?.creationTimestamp ? new Date(rs.metadata.creationTimestamp).toISOString() : '';

/** The Services' selected hashes, each read again once its cached copy is SERVICE_REFRESH_MS old. */
async function observeServices(
  api: KubeApi,
  serviceCache: ServiceCache,
  namespace: string,
  services: readonly string[],
  cache?: ObserveCache,
): Promise<Observation['services']> {
  const now = Date.now();
  const readOne = async (name: string): Promise<[string, ObservedService | undefined]> => {
    const key = `${namespace}/${name}`;
    let cached = serviceCache.get(key);
    // Only rollout-pilot moves these selectors; a fresh read every few seconds catches anyone else.
    const stale = cached === undefined || now - cached.at > SERVICE_REFRESH_MS;
    const shared = stale ? cache?.service(name) : undefined;
    if (shared !== undefined) {
      cached = { hash: shared?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL], exists: shared !== null, at: now };
      serviceCache.set(key, cached);
    } else if (cached === undefined || stale) {
      try {
        const svc = await api.call(read('Service', namespace, name), () =>
          api.core.readNamespacedService({ name, namespace }),
        );
        cached = { hash: svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL], exists: true, at: now };
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
        cached = { hash: undefined, exists: false, at: now };
      }
      serviceCache.set(key, cached);
    }
    return [name, cached.exists ? { name, selectedHash: cached.hash } : undefined];
  };
  return Object.fromEntries(await Promise.all(services.map(readOne)));
}

/** The pod template as the Rollout had it, from the annotation rollout-pilot writes on its ReplicaSets. */
function writtenTemplate(rs: ReplicaSet): { podTemplate?: PodTemplate } {
  const text = rs.metadata?.annotations?.[TEMPLATE_ANNOTATION];
  if (text === undefined) return {};
  try {
    return { podTemplate: JSON.parse(text) as PodTemplate };
  } catch {
    return {};
  }
}

export async function observe(
  api: KubeApi,
  serviceCache: ServiceCache,
  rollout: KubeObject,
  services: readonly string[],
  cache?: ObserveCache,
): Promise<Observation> {
  const p = parts(rollout);
  // Independent reads go out together: the ReplicaSets and the Services the strategy names.
  const [sets, observedServices] = await Promise.all([
    listReplicaSets(api, rollout, cache),
    observeServices(api, serviceCache, p.namespace, services, cache),
  ]);
  const issues = new Map<string, string[]>();
  // Pods only matter while some ReplicaSet is short of available pods: then they say why.
  if (sets.some((rs) => (rs.status?.availableReplicas ?? 0) < (rs.spec?.replicas ?? 0))) {
    const pods = await listPods(api, rollout, cache);
    for (const pod of pods) {
      const issue = podIssue(pod);
      const hash = pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
      if (issue !== undefined && hash !== undefined) issues.set(hash, [...(issues.get(hash) ?? []), issue]);
    }
  }
  const replicaSets: ObservedReplicaSet[] = sets.map((rs) => {
    const basics = replicaSetBasics(rs);
    return {
      ...basics,
      replicas: rs.status?.replicas ?? 0,
      readyReplicas: rs.status?.readyReplicas ?? 0,
      availableReplicas: rs.status?.availableReplicas ?? 0,
      createdAt: createdAtOf(rs),
      podIssues: (issues.get(basics.hash) ?? []).slice(0, 5),
      ephemeralMetadata: rs.metadata?.annotations?.[EPHEMERAL_ANNOTATION],
      sameTemplateAs: rs.metadata?.annotations?.[SAME_TEMPLATE_ANNOTATION],
      ...experimentMarks(rs.metadata),
      scaleDownDeadline: rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION],
      ...writtenTemplate(rs),
    };
  });
  const workloadName = asStr(dig(rollout.spec, 'workloadRef', 'name'));
  let workload: Observation['workload'];
  if (workloadName !== undefined) {
    const name = workloadName;
    const d = await api.call(read('Deployment', p.namespace, name), () =>
      api.apps.readNamespacedDeployment({ name, namespace: p.namespace }),
    );
    workload = { name, specReplicas: d.spec?.replicas ?? 0 };
  }
  return { replicaSets, services: observedServices, workload };
}

/** ReplicaSets with their pods, for the `get` tree. */
export async function details(api: KubeApi, rollout: KubeObject): Promise<TreeReplicaSet[]> {
  const sets = await listReplicaSets(api, rollout);
  const pods = await listPods(api, rollout);
  return sets.map((rs) => {
    const basics = replicaSetBasics(rs);
    const hash = basics.hash;
    return {
      ...basics,
      availableReplicas: rs.status?.availableReplicas ?? 0,
      images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
      createdAt: createdAtOf(rs),
      scaleDownDeadline: rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION],
      pods: pods
        .filter(
          (pod) =>
            pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && !pod.metadata.deletionTimestamp,
        )
        .map((pod) => {
          const statuses = pod.status?.containerStatuses ?? [];
          return {
            name: pod.metadata?.name ?? '',
            phase: pod.status?.phase ?? 'Pending',
            ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
            restarts: statuses.reduce((n, c) => n + c.restartCount, 0),
            reason: statuses.map((c) => c.state?.waiting?.reason).find((r) => r !== undefined),
            createdAt: pod.metadata?.creationTimestamp
              ? new Date(pod.metadata.creationTimestamp).toISOString()
              : '',
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
}

export async function revisions(
  api: KubeApi,
  rollout: KubeObject,
  cache?: ObserveCache,
): Promise<Map<number, { hash: string; template: unknown }>> {
  const out = new Map<number, { hash: string; template: unknown }>();
  for (const rs of await listReplicaSets(api, rollout, cache)) {
    // A step experiment's ReplicaSets carry the rollout's label but are no revision of it.
    if (experimentMarks(rs.metadata).experiment !== undefined) continue;
    const revision = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
    const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
    const original = rs.metadata?.annotations?.[TEMPLATE_ANNOTATION];
    if (original !== undefined) {
      out.set(revision, { hash, template: JSON.parse(original) });
      continue;
    }
    const template = structuredClone(rs.spec?.template ?? {}) as { metadata?: { labels?: Labels } };
    // Back to the template as the user wrote it: without the labels rollout-pilot adds.
    const ephemeral = JSON.parse(rs.metadata?.annotations?.[EPHEMERAL_ANNOTATION] ?? '{}') as PodMetadata;
    const added = new Set([POD_TEMPLATE_HASH_LABEL, ROLLOUT_LABEL, ...Object.keys(ephemeral.labels ?? {})]);
    const labels = Object.fromEntries(
      Object.entries(template.metadata?.labels ?? {}).filter(([k]) => !added.has(k)),
    );
    template.metadata = { ...template.metadata, labels };
    out.set(revision, { hash, template });
  }
  return out;
}
