import { KubeApi, KubeClients, listCall } from './api-call.ts';
import { FIELD_MANAGER, ROLLOUT_LABEL } from './names.ts';
import { KubeWatch } from './watch.ts';
import { SharedInformer, type InformedObject, type ListWatchSource } from './shared-informer.ts';
import type { ConfigMap, Pod, ReplicaSet, Service } from './wire.ts';

/** A watch the API server ends after this long, so it re-authenticates now and then. */
const WATCH_TIMEOUT_SECONDS = 300;

/** The kinds the drivers of a namespace read from the shared caches. */
export interface NamespaceInformers {
  /** ReplicaSets rollout-pilot made (labelled with their rollout). */
  replicaSets: SharedInformer<ReplicaSet>;
  /** The rollouts' state ConfigMaps. */
  states: SharedInformer<ConfigMap>;
  /** Every Service of the namespace: the strategies' Services carry no label of ours. */
  services: SharedInformer<Service>;
  /** The rollouts' pods (labelled with their rollout): why a ReplicaSet is short of pods. */
  pods: SharedInformer<Pod>;
}

/**
 * What the caches keep of an object: all of it but `managedFields` (the field managers' records,
 * often as large as the rest of the object), which no driver reads. The API server cannot be asked
 * to leave them out of a list or a watch, so they are dropped as the objects come in.
 */
function trimmed<T extends InformedObject>(obj: T): T {
  const metadata = obj.metadata as { managedFields?: unknown } | undefined;
  if (metadata?.managedFields !== undefined) delete metadata.managedFields;
  return obj;
}

/**
 * The objects of one kind in one namespace through the API: the list goes through `api` (retried,
 * counted), the watch is the client's, with bookmarks so a quiet watch resumes where it stood.
 */
function apiSource<T extends InformedObject>(
  api: KubeApi,
  kind: string,
  namespace: string,
  path: string,
  labelSelector: string | undefined,
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
): ListWatchSource<T> {
  return {
    async list() {
      const answer = await api.call(listCall(kind, namespace), list);
      return { items: answer.items.map(trimmed), resourceVersion: answer.metadata?.resourceVersion ?? '' };
    },
    async watch(resourceVersion, onEvent, onDone) {
      api.requests++;
      return new KubeWatch(api.clients.http).watch(
        path,
        {
          resourceVersion,
          labelSelector,
          allowWatchBookmarks: true,
          timeoutSeconds: WATCH_TIMEOUT_SECONDS,
        },
        (type: string, obj: unknown) => {
          onEvent(type, trimmed(obj as T));
        },
        onDone,
      );
    },
  };
}

/**
 * One connection for every driver of a run: one kubeconfig, one set of API clients (one connection
 * pool), and per namespace one list+watch of ReplicaSets, state ConfigMaps, Services and pods that
 * all drivers read from and wake on, instead of each driver watching and polling on its own.
 */
export class SharedKube {
  readonly clients: KubeClients;
  /** The lists' wrapper: it writes nothing, so it holds no Lease and fences nothing. */
  readonly api: KubeApi;
  private readonly namespaces = new Map<string, NamespaceInformers>();

  constructor(clients: KubeClients) {
    this.clients = clients;
    this.api = new KubeApi(clients, { fence: () => Promise.resolve(), onRetry: () => undefined });
  }

  /** The namespace's informers, started on first use (their first list is awaited by `ready`). */
  informers(namespace: string): NamespaceInformers {
    let found = this.namespaces.get(namespace);
    if (found !== undefined) return found;
    const { apps, core } = this.clients;
    const states = `app.kubernetes.io/managed-by=${FIELD_MANAGER},${ROLLOUT_LABEL}`;
    found = {
      replicaSets: new SharedInformer(
        apiSource(
          this.api,
          'ReplicaSet',
          namespace,
          `/apis/apps/v1/namespaces/${namespace}/replicasets`,
          ROLLOUT_LABEL,
          () => apps.listNamespacedReplicaSet({ namespace, labelSelector: ROLLOUT_LABEL }),
        ),
      ),
      states: new SharedInformer(
        apiSource(
          this.api,
          'ConfigMap',
          namespace,
          `/api/v1/namespaces/${namespace}/configmaps`,
          states,
          () => core.listNamespacedConfigMap({ namespace, labelSelector: states }),
        ),
      ),
      services: new SharedInformer(
        apiSource(this.api, 'Service', namespace, `/api/v1/namespaces/${namespace}/services`, undefined, () =>
          core.listNamespacedService({ namespace }),
        ),
      ),
      pods: new SharedInformer(
        apiSource(this.api, 'Pod', namespace, `/api/v1/namespaces/${namespace}/pods`, ROLLOUT_LABEL, () =>
          core.listNamespacedPod({ namespace, labelSelector: ROLLOUT_LABEL }),
        ),
      ),
    };
    this.namespaces.set(namespace, found);
    return found;
  }

  /** Starts the namespace's informers and waits for their first lists. */
  async ready(namespace: string): Promise<NamespaceInformers> {
    const found = this.informers(namespace);
    await Promise.all(Object.values(found).map((i: SharedInformer<InformedObject>) => i.start()));
    return found;
  }

  stop(): void {
    for (const found of this.namespaces.values()) {
      for (const i of Object.values(found) as SharedInformer<InformedObject>[]) i.stop();
    }
    this.namespaces.clear();
  }
}
