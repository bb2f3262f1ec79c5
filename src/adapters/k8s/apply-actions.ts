import type { Action } from '../../engine/actions.ts';
import { canonicalJson } from '../../engine/hash.ts';
import type { PodMetadata } from '../../engine/spec.ts';
import {
  MANAGED_BY_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from '../../engine/state.ts';
import type { KubeObject } from '../../controller/ports.ts';
import { listCall, read, statusCode, write, type KubeApi } from './api-call.ts';
import {
  ARGO_MANAGED_BY_ANNOTATION,
  EPHEMERAL_ANNOTATION,
  FIELD_MANAGER,
  mergePatch,
  parts,
  ROLLOUT_LABEL,
  TEMPLATE_ANNOTATION,
  type Labels,
  type RolloutParts,
} from './names.ts';
import type { ServiceCache } from './observe.ts';
import { routeTraffic } from './route-traffic.ts';
import { stateOwnerReference } from './state-store.ts';

/** Carries out one engine action on the cluster. */
export async function applyAction(
  api: KubeApi,
  serviceCache: ServiceCache,
  rollout: KubeObject,
  action: Action,
): Promise<void> {
  const p = parts(rollout);
  const namespace = p.namespace;
  switch (action.kind) {
    case 'createReplicaSet':
      await createReplicaSet(api, p, action);
      return;
    case 'scaleReplicaSet':
      await patchReplicaSet(api, namespace, action.name, { spec: { replicas: action.replicas } });
      return;
    case 'setRevision':
      await patchReplicaSet(api, namespace, action.name, {
        metadata: { annotations: { [REVISION_ANNOTATION]: String(action.revision) } },
      });
      return;
    case 'switchService':
      await switchService(api, serviceCache, p, action);
      return;
    case 'deleteReplicaSet':
      await deleteReplicaSet(api, namespace, action.name);
      return;
    case 'setScaleDownDeadline':
      // A merge patch's null removes the annotation.
      await patchReplicaSet(api, namespace, action.name, {
        metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: action.deadline ?? null } },
      });
      return;
    case 'routeTraffic':
      await routeTraffic(api, p, action);
      return;
    case 'setEphemeralMetadata':
      await setEphemeralMetadata(api, namespace, action.name, action.metadata);
      return;
    case 'scaleWorkload':
      await api.call(write('patch', 'Deployment', namespace, action.name), () =>
        api.apps.patchNamespacedDeployment(
          {
            name: action.name,
            namespace,
            fieldManager: FIELD_MANAGER,
            body: { spec: { replicas: action.replicas } },
          },
          mergePatch,
        ),
      );
      return;
  }
}

async function createReplicaSet(
  api: KubeApi,
  p: RolloutParts,
  action: Extract<Action, { kind: 'createReplicaSet' }>,
): Promise<void> {
  const namespace = p.namespace;
  const ownerReferences = [await stateOwnerReference(api, namespace, p.name)];
  const template = action.template;
  const podLabels = {
    ...(template.metadata?.labels ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: action.hash,
    [ROLLOUT_LABEL]: p.name,
  };
  try {
    await api.call(write('create', 'ReplicaSet', namespace, `${p.name}-${action.hash}`), () =>
      api.apps.createNamespacedReplicaSet({
        namespace,
        fieldManager: FIELD_MANAGER,
        body: {
          metadata: {
            name: `${p.name}-${action.hash}`,
            namespace,
            labels: podLabels,
            ownerReferences,
            annotations: {
              [REVISION_ANNOTATION]: String(action.revision),
              [MANAGED_BY_ANNOTATION]: p.name,
              [TEMPLATE_ANNOTATION]: canonicalJson(template),
            },
          },
          spec: {
            replicas: action.replicas,
            ...(p.minReadySeconds === undefined ? {} : { minReadySeconds: p.minReadySeconds }),
            selector: { matchLabels: { ...p.matchLabels, [POD_TEMPLATE_HASH_LABEL]: action.hash } },
            template: {
              ...template,
              metadata: { ...template.metadata, labels: podLabels },
            } as never,
          },
        },
      }),
    );
  } catch (e) {
    // Created by an earlier, interrupted tick: the next observation sees it.
    if (statusCode(e) !== 409) throw e;
  }
}

async function switchService(
  api: KubeApi,
  serviceCache: ServiceCache,
  p: RolloutParts,
  action: Extract<Action, { kind: 'switchService' }>,
): Promise<void> {
  const namespace = p.namespace;
  serviceCache.set(`${namespace}/${action.service}`, {
    hash: action.hash,
    exists: true,
    at: Date.now(),
  });
  await api.call(write('patch', 'Service', namespace, action.service), () =>
    api.core.patchNamespacedService(
      {
        name: action.service,
        namespace,
        fieldManager: FIELD_MANAGER,
        body: {
          metadata: {
            annotations: { [MANAGED_BY_ANNOTATION]: p.name, [ARGO_MANAGED_BY_ANNOTATION]: null },
          },
          spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: action.hash } },
        },
      },
      mergePatch,
    ),
  );
}

async function deleteReplicaSet(api: KubeApi, namespace: string, name: string): Promise<void> {
  try {
    await api.call(write('delete', 'ReplicaSet', namespace, name), () =>
      api.apps.deleteNamespacedReplicaSet({
        name,
        namespace,
        propagationPolicy: 'Background',
      }),
    );
  } catch (e) {
    if (statusCode(e) !== 404) throw e;
  }
}

export async function patchReplicaSet(
  api: KubeApi,
  namespace: string,
  name: string,
  body: object,
): Promise<void> {
  await api.call(write('patch', 'ReplicaSet', namespace, name), () =>
    api.apps.patchNamespacedReplicaSet({ name, namespace, fieldManager: FIELD_MANAGER, body }, mergePatch),
  );
}

/** Role labels/annotations go on the ReplicaSet's template and, in place, on its running pods. */
async function setEphemeralMetadata(
  api: KubeApi,
  namespace: string,
  name: string,
  metadata: PodMetadata,
): Promise<void> {
  const rs = await api.call(read('ReplicaSet', namespace, name), () =>
    api.apps.readNamespacedReplicaSet({ name, namespace }),
  );
  const before = JSON.parse(rs.metadata?.annotations?.[EPHEMERAL_ANNOTATION] ?? '{}') as PodMetadata;
  const diff = (was: Labels | undefined, want: Labels | undefined): Record<string, string | null> => {
    const out: Record<string, string | null> = {};
    for (const k of Object.keys(was ?? {})) if (!(k in (want ?? {}))) out[k] = null;
    return { ...out, ...(want ?? {}) };
  };
  const podMeta = {
    labels: diff(before.labels, metadata.labels),
    annotations: diff(before.annotations, metadata.annotations),
  };
  await patchReplicaSet(api, namespace, name, {
    metadata: { annotations: { [EPHEMERAL_ANNOTATION]: canonicalJson(metadata) } },
    spec: { template: { metadata: podMeta } },
  });

  const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
  if (hash === undefined) return;
  const pods = await api.call(listCall('Pod', namespace), () =>
    api.core.listNamespacedPod({ namespace, labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hash}` }),
  );
  for (const pod of pods.items) {
    const podName = pod.metadata?.name;
    if (podName === undefined) continue;
    await api.call(write('patch', 'Pod', namespace, podName), () =>
      api.core.patchNamespacedPod({ name: podName, namespace, body: { metadata: podMeta } }, mergePatch),
    );
  }
}
