import type { V1OwnerReference } from '@kubernetes/client-node';
import { initialStatus, type ControlRequest, type RolloutStatus } from '../../engine/state.ts';
import {
  ConflictError,
  StateTooLargeError,
  type KubeObject,
  type StoredState,
  type SubjectKind,
} from '../../controller/ports.ts';
import { isTooLarge } from './api-errors.ts';
import { listCall, read, statusCode, write, type KubeApi } from './api-call.ts';
import { FIELD_MANAGER, ROLLOUT_LABEL, stateName, subjectLabel, subjectStateName } from './names.ts';
import type { ConfigMap } from './wire.ts';

/**
 * The state ConfigMap as the controller owner of a ReplicaSet, standing in for Argo's Rollout
 * object: it keeps a Deployment with a matching selector (workloadRef) from adopting the ReplicaSet,
 * and deleting the rollout's state deletes its ReplicaSets, as deleting a Rollout does.
 */
export function stateOwnerReference(
  api: KubeApi,
  namespace: string,
  rollout: string,
): Promise<V1OwnerReference> {
  return configMapOwnerReference(api, namespace, stateName(rollout));
}

/** A state ConfigMap (a rollout's or a standalone experiment's) as the controller owner of an object. */
export async function configMapOwnerReference(
  api: KubeApi,
  namespace: string,
  name: string,
): Promise<V1OwnerReference> {
  const owner = await api.call(read('ConfigMap', namespace, name), () =>
    api.core.readNamespacedConfigMap({ name, namespace }),
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name,
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: false,
  };
}

/** Bytes of a ConfigMap's data as the API server counts them (keys and values). */
function stateBytes(data: Record<string, string>): number {
  return Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

/** The stored state a state ConfigMap holds. */
/** The rollout's state ConfigMap: read, and written by compare-and-swap on its resourceVersion. */
export class StateStore {
  /** The state ConfigMap's resourceVersion we wrote last: its own watch event is no news. */
  lastWrittenVersion: string | undefined;

  private readonly api: KubeApi;
  /** The stored Rollout last read, as text and parsed: it rarely changes from one tick to the next. */
  private lastRollout: { json: string; object: KubeObject } | undefined;

  constructor(api: KubeApi) {
    this.api = api;
  }

  /**
   * The same text gives the same object, so the models made from it (toEngineRollout) are made
   * once per Rollout, not once per tick. Nothing mutates a stored Rollout: a change is a new object.
   */
  private parsedRollout(json: string): KubeObject {
    if (this.lastRollout?.json !== json) this.lastRollout = { json, object: JSON.parse(json) as KubeObject };
    return this.lastRollout.object;
  }

  private stateOf(cm: ConfigMap): StoredState {
    const data = cm.data ?? {};
    return {
      rollout: this.parsedRollout(data['rollout.json'] ?? '{}'),
      status: {
        ...initialStatus(),
        ...(JSON.parse(data['status.json'] ?? '{}') as Partial<RolloutStatus>),
      },
      requests: JSON.parse(data['requests.json'] ?? '[]') as ControlRequest[],
      templates: JSON.parse(data['templates.json'] ?? '[]') as StoredState['templates'],
      analysis: JSON.parse(data['analysis.json'] ?? '[]') as StoredState['analysis'],
      ...(data['experiments.json'] === undefined
        ? {}
        : { experiments: JSON.parse(data['experiments.json']) as StoredState['experiments'] }),
      github:
        data['github.json'] === undefined
          ? undefined
          : (JSON.parse(data['github.json']) as StoredState['github']),
      driver: data['driver'],
      version: cm.metadata?.resourceVersion,
    };
  }

  /** The state as the API server has it, or as `cached` (the shared cache, when it is current) has it. */
  async readState(namespace: string, rollout: string, cached?: ConfigMap): Promise<StoredState | undefined> {
    if (cached !== undefined) return this.stateOf(cached);
    const cm = await readStateMap(this.api, { namespace, name: rollout, kind: 'Rollout' });
    return cm === undefined ? undefined : this.stateOf(cm);
  }

  async writeState(namespace: string, rollout: string, state: StoredState): Promise<string> {
    const written = await writeStateMap(
      this.api,
      { namespace, name: rollout, kind: 'Rollout' },
      state.version,
      {
        'rollout.json': JSON.stringify(state.rollout),
        'status.json': JSON.stringify(state.status),
        'requests.json': JSON.stringify(state.requests),
        'templates.json': JSON.stringify(state.templates),
        'analysis.json': JSON.stringify(state.analysis),
        ...(state.experiments === undefined || state.experiments.length === 0
          ? {}
          : { 'experiments.json': JSON.stringify(state.experiments) }),
        ...(state.github === undefined ? {} : { 'github.json': JSON.stringify(state.github) }),
        ...(state.driver === undefined ? {} : { driver: state.driver }),
      },
    );
    this.lastWrittenVersion = written;
    return written;
  }
}

/** A subject's state ConfigMap: its namespace, name and kind (design 3.2). */
export interface StateSubject {
  namespace: string;
  name: string;
  kind: SubjectKind;
}

/** A subject's state ConfigMap as the API server has it; undefined when there is none. */
export async function readStateMap(api: KubeApi, subject: StateSubject): Promise<ConfigMap | undefined> {
  const { namespace } = subject;
  const name = subjectStateName(subject.name, subject.kind);
  try {
    const cm = await api.call(read('ConfigMap', namespace, name), () =>
      api.core.readNamespacedConfigMap({ name, namespace }),
    );
    api.seen.noteRead('ConfigMap', namespace, name, cm.metadata?.resourceVersion);
    return cm;
  } catch (e) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}

/**
 * Writes a subject's state ConfigMap: created when `version` is undefined, else replaced only if
 * it is still at `version` (ConflictError otherwise). Returns the new resourceVersion.
 */
export async function writeStateMap(
  api: KubeApi,
  subject: StateSubject,
  version: string | undefined,
  data: Record<string, string>,
): Promise<string> {
  const { namespace } = subject;
  const name = subjectStateName(subject.name, subject.kind);
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, [subjectLabel(subject.kind)]: subject.name },
      ...(version === undefined ? {} : { resourceVersion: version }),
    },
    data,
  };
  try {
    const written =
      version === undefined
        ? await api.call(write('create', 'ConfigMap', namespace, name), () =>
            api.core.createNamespacedConfigMap({ namespace, body }),
          )
        : await api.call(write('replace', 'ConfigMap', namespace, name), () =>
            api.core.replaceNamespacedConfigMap({ name, namespace, body }),
          );
    return written.metadata?.resourceVersion ?? '';
  } catch (e) {
    if (statusCode(e) === 409) throw new ConflictError(`the state of ${subject.name} changed meanwhile`);
    if (isTooLarge(e)) {
      throw new StateTooLargeError(
        `the state of ${subject.name} is too large to write (${stateBytes(data)} bytes; a ConfigMap holds 1048576): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    throw e;
  }
}

/** The rollouts rollout-pilot keeps a state for in the namespace, by name (for `get` of them all). */
export async function managedRollouts(api: KubeApi, namespace: string): Promise<string[]> {
  const list = await api.call(listCall('ConfigMap', namespace), () =>
    api.core.listNamespacedConfigMap({
      namespace,
      labelSelector: `app.kubernetes.io/managed-by=${FIELD_MANAGER},${ROLLOUT_LABEL}`,
    }),
  );
  return list.items
    .map((cm) => cm.metadata?.labels?.[ROLLOUT_LABEL] ?? '')
    .filter((n) => n !== '')
    .sort();
}
