import type { V1ReplicaSet } from '@kubernetes/client-node';
import { canonicalJson } from '../../engine/hash.ts';
import { MANAGED_BY_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from '../../engine/state.ts';
import type { KubeObject } from '../../controller/ports.ts';
import { listCall, read, statusCode, type KubeApi } from './api-call.ts';
import { patchReplicaSet } from './apply-actions.ts';
import { EXPERIMENT_LABEL, parts, ROLLOUT_LABEL, SAME_TEMPLATE_ANNOTATION } from './names.ts';
import { stateOwnerReference } from './state-store.ts';

/**
 * An AnalysisTemplate or ClusterAnalysisTemplate stored in the cluster, when Argo Rollouts' CRDs
 * are installed there; undefined when the kind or the object does not exist.
 */
export async function readAnalysisTemplate(
  api: KubeApi,
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate',
  name: string,
  namespace: string,
): Promise<Record<string, unknown> | undefined> {
  return readArgoObject(api, kind, name, kind === 'AnalysisTemplate' ? namespace : undefined);
}

/** Argo Rollouts' own Rollout object of this name, when its CRDs are installed and it exists. */
export async function readArgoRollout(
  api: KubeApi,
  namespace: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await readArgoObject(api, 'Rollout', name, namespace);
  } catch (e) {
    // Without the optional rule of docs/rbac.yaml, Argo's ReplicaSets' owners tell instead.
    if (statusCode(e) === 403) return undefined;
    throw e;
  }
}

function readArgoObject(
  api: KubeApi,
  kind: string,
  name: string,
  namespace: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  return readAnyObject(api, 'argoproj.io/v1alpha1', kind, name, namespace);
}

/**
 * Any object by apiVersion and kind (a router's VirtualService, HTTPRoute...); undefined when the
 * object or its kind does not exist (a CRD that is not installed).
 */
export async function readAnyObject(
  api: KubeApi,
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  try {
    const obj = await api.call(read(kind, namespace, name), () =>
      api.objects.read({
        apiVersion,
        kind,
        metadata: namespace === undefined ? { name } : { name, namespace },
      }),
    );
    return obj as unknown as Record<string, unknown>;
  } catch (e) {
    // 404: no such object, or no such kind (the CRD is not installed).
    if (statusCode(e) === 404) return undefined;
    if (
      e instanceof Error &&
      /no matches for kind|does not have a resource type|Unrecognized API/i.test(
        `${e.message} ${e.cause instanceof Error ? e.cause.message : ''}`,
      )
    ) {
      return undefined;
    }
    throw e;
  }
}

/**
 * ReplicaSets that select the rollout's pods by pod-template hash but were not created by
 * rollout-pilot: Argo Rollouts' own, when a team moves a rollout from its controller.
 */
export async function foreignReplicaSets(api: KubeApi, rollout: KubeObject): Promise<V1ReplicaSet[]> {
  const p = parts(rollout);
  const selector = Object.entries(p.matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (selector === '') return [];
  const list = await api.call(listCall('ReplicaSet', p.namespace), () =>
    api.apps.listNamespacedReplicaSet({ namespace: p.namespace, labelSelector: selector }),
  );
  return list.items.filter((rs) => {
    const labels = rs.metadata?.labels ?? {};
    // Ours: a rollout's, or a standalone experiment's.
    if (labels[ROLLOUT_LABEL] !== undefined || labels[EXPERIMENT_LABEL] !== undefined) return false;
    if (labels[POD_TEMPLATE_HASH_LABEL] === undefined) return false;
    const own = Object.entries(rs.spec?.selector.matchLabels ?? {}).filter(
      ([k]) => k !== POD_TEMPLATE_HASH_LABEL,
    );
    return canonicalJson(Object.fromEntries(own)) === canonicalJson(p.matchLabels);
  });
}

/**
 * The pod template the API server makes of the rollout's (defaults filled in), through a dry-run
 * create: what an adopted ReplicaSet's template must equal to be the same revision.
 */
export async function defaultedTemplate(api: KubeApi, rollout: KubeObject, hash: string): Promise<unknown> {
  const p = parts(rollout);
  const labels = { ...(p.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  // A name of its own: the adopted ReplicaSet already has `<name>-<hash>`.
  const probe = `${p.name}-${hash}-defaults`.slice(0, 253);
  const rs = await api.call(read('ReplicaSet (dry run)', p.namespace, probe), () =>
    api.apps.createNamespacedReplicaSet({
      namespace: p.namespace,
      dryRun: 'All',
      body: {
        metadata: { name: probe, namespace: p.namespace },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...p.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash } },
          template: { ...p.template, metadata: { ...p.template.metadata, labels } } as never,
        },
      },
    }),
  );
  return rs.spec?.template;
}

/**
 * Takes a ReplicaSet of Argo Rollouts' over: labelled as the rollout's and owned by its state
 * ConfigMap, as rollout-pilot's own are. `sameTemplateAs` records that it runs the pod template
 * whose rollout-pilot hash is this, so that template is not rolled out again.
 */
export async function adoptReplicaSet(
  api: KubeApi,
  rollout: KubeObject,
  name: string,
  sameTemplateAs: string | undefined,
): Promise<void> {
  const p = parts(rollout);
  const owner = await stateOwnerReference(api, p.namespace, p.name);
  await patchReplicaSet(api, p.namespace, name, {
    metadata: {
      labels: { [ROLLOUT_LABEL]: p.name },
      annotations: {
        [MANAGED_BY_ANNOTATION]: p.name,
        ...(sameTemplateAs === undefined ? {} : { [SAME_TEMPLATE_ANNOTATION]: sameTemplateAs }),
      },
      ownerReferences: [owner],
    },
  });
}
