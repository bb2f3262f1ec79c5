/**
 * The experiment engine's cluster actions on Kubernetes (ExperimentClusterPort.applyExperimentAction
 * and deleteExperiment): create a template's ReplicaSet at its size, scale it, set or remove its
 * `scale-down-deadline`, create and delete the template's Service. What exists already as ours is
 * left alone (a tick interrupted after its write); what exists and is not ours is an error the
 * engine turns into the template's Error.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  ownerStateName,
  type ExperimentClusterAction,
  type ExperimentOwner,
} from '../../controller/experiment-ports.ts';
import { experimentServiceName } from '../../engine/experiment-service.ts';
import { SCALE_DOWN_DEADLINE_ANNOTATION } from '../../engine/state.ts';
import type { Experiment } from '../../manifests/experiment.ts';
import { read, statusCode, write, type KubeApi } from './api-call.ts';
import { patchReplicaSet } from './apply-actions.ts';
import {
  experimentReplicaSet,
  experimentService,
  experimentTemplate,
  isOurs,
  notOursMessage,
} from './experiment-objects.ts';
import { ownerReplicaSets, ownerServices } from './experiment-observe.ts';
import { FIELD_MANAGER } from './names.ts';
import { configMapOwnerReference } from './state-store.ts';

type Action<K extends ExperimentClusterAction['kind']> = Extract<ExperimentClusterAction, { kind: K }>;

async function ownerReference(
  api: KubeApi,
  owner: ExperimentOwner,
): ReturnType<typeof configMapOwnerReference> {
  const name = ownerStateName(owner);
  try {
    return await configMapOwnerReference(api, owner.namespace, name);
  } catch (e) {
    if (statusCode(e) === 404)
      throw new Error(`the state ConfigMap ${name} that owns the experiment's objects does not exist`, {
        cause: e,
      });
    throw e;
  }
}

/** A create answered 409: fine when the object there is ours, an error otherwise. */
async function checkExisting(
  readIt: () => Promise<{ metadata?: V1ObjectMeta }>,
  owner: ExperimentOwner,
  kind: string,
  name: string,
  experiment: string,
  template: string,
): Promise<void> {
  const found = await readIt();
  if (!isOurs(found.metadata, owner, experiment, template))
    throw new Error(notOursMessage(kind, name, experiment, template));
}

async function createReplicaSet(
  api: KubeApi,
  owner: ExperimentOwner,
  experiment: Experiment,
  action: Action<'createExperimentReplicaSet'>,
): Promise<void> {
  const { namespace } = owner;
  const template = experimentTemplate(experiment, action.template);
  const body = experimentReplicaSet(
    owner,
    experiment,
    template,
    action.replicas,
    await ownerReference(api, owner),
  );
  const name = body.metadata?.name ?? action.name;
  try {
    await api.call(write('create', 'ReplicaSet', namespace, name), () =>
      api.apps.createNamespacedReplicaSet({ namespace, fieldManager: FIELD_MANAGER, body }),
    );
  } catch (e) {
    if (statusCode(e) !== 409) throw e;
    const readIt = (): ReturnType<KubeApi['apps']['readNamespacedReplicaSet']> =>
      api.call(read('ReplicaSet', namespace, name), () =>
        api.apps.readNamespacedReplicaSet({ name, namespace }),
      );
    await checkExisting(readIt, owner, 'ReplicaSet', name, experiment.metadata.name, template.name);
  }
}

async function createService(
  api: KubeApi,
  owner: ExperimentOwner,
  experiment: Experiment,
  action: Action<'createExperimentService'>,
): Promise<void> {
  const { namespace } = owner;
  const template = experimentTemplate(experiment, action.template);
  const name = action.name;
  const body = experimentService(owner, experiment, template, name, await ownerReference(api, owner));
  if ((body.spec?.ports ?? []).length === 0)
    throw new Error(`template '${template.name}' declares no container port: a Service needs one`);
  try {
    await api.call(write('create', 'Service', namespace, name), () =>
      api.core.createNamespacedService({ namespace, fieldManager: FIELD_MANAGER, body }),
    );
  } catch (e) {
    if (statusCode(e) !== 409) throw e;
    const readIt = (): ReturnType<KubeApi['core']['readNamespacedService']> =>
      api.call(read('Service', namespace, name), () => api.core.readNamespacedService({ name, namespace }));
    await checkExisting(readIt, owner, 'Service', name, experiment.metadata.name, template.name);
  }
}

/** Deletes the template's Service if it is ours (by uid, so a Service made meanwhile is kept). */
async function deleteService(
  api: KubeApi,
  owner: ExperimentOwner,
  experiment: Experiment,
  action: Action<'deleteExperimentService'>,
): Promise<void> {
  const { namespace } = owner;
  const template = experimentTemplate(experiment, action.template);
  const name = experimentServiceName(experiment.metadata.name, template);
  try {
    const svc = await api.call(read('Service', namespace, name), () =>
      api.core.readNamespacedService({ name, namespace }),
    );
    if (!isOurs(svc.metadata, owner, experiment.metadata.name, template.name)) return;
    await deleteObject(api, 'Service', namespace, name, svc.metadata?.uid);
  } catch (e) {
    if (statusCode(e) !== 404) throw e;
  }
}

async function deleteObject(
  api: KubeApi,
  kind: 'Service' | 'ReplicaSet',
  namespace: string,
  name: string,
  uid: string | undefined,
): Promise<void> {
  const body = uid === undefined ? {} : { preconditions: { uid } };
  try {
    await api.call(write('delete', kind, namespace, name), async (): Promise<unknown> =>
      kind === 'Service'
        ? api.core.deleteNamespacedService({ name, namespace, body })
        : api.apps.deleteNamespacedReplicaSet({ name, namespace, propagationPolicy: 'Background', body }),
    );
  } catch (e) {
    // Gone already, or replaced by another object of that name (the uid precondition): not ours to delete.
    if (statusCode(e) !== 404 && statusCode(e) !== 409) throw e;
  }
}

/** Carries out one of the engine's cluster actions. */
export async function applyExperimentAction(
  api: KubeApi,
  owner: ExperimentOwner,
  experiment: Experiment,
  action: ExperimentClusterAction,
): Promise<void> {
  switch (action.kind) {
    case 'createExperimentReplicaSet':
      return createReplicaSet(api, owner, experiment, action);
    case 'scaleExperimentReplicaSet':
      return patchReplicaSet(api, owner.namespace, action.name, { spec: { replicas: action.replicas } });
    case 'setExperimentScaleDownDeadline':
      // A merge patch's null removes the annotation.
      return patchReplicaSet(api, owner.namespace, action.name, {
        metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: action.deadline ?? null } },
      });
    case 'createExperimentService':
      return createService(api, owner, experiment, action);
    case 'deleteExperimentService':
      return deleteService(api, owner, experiment, action);
  }
}

/** Deletes every ReplicaSet (and so its pods) and Service of the experiment `name` under `owner`. */
export async function deleteExperiment(api: KubeApi, owner: ExperimentOwner, name: string): Promise<void> {
  const [replicaSets, services] = await Promise.all([
    ownerReplicaSets(api, owner),
    ownerServices(api, owner),
  ]);
  for (const svc of services) {
    if (isOurs(svc.metadata, owner, name))
      await deleteObject(api, 'Service', owner.namespace, svc.metadata?.name ?? '', svc.metadata?.uid);
  }
  for (const rs of replicaSets) {
    if (isOurs(rs.metadata, owner, name))
      await deleteObject(api, 'ReplicaSet', owner.namespace, rs.metadata?.name ?? '', rs.metadata?.uid);
  }
}
