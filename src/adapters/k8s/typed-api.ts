import type {
  V1ConfigMap,
  V1ConfigMapList,
  V1DeleteOptions,
  V1Deployment,
  V1Job,
  V1Lease,
  V1Pod,
  V1PodList,
  V1ReplicaSet,
  V1ReplicaSetList,
  V1Secret,
  V1Service,
  V1ServiceList,
  V1Status,
} from '@kubernetes/client-node';
import { seg, type KubeHttp, type PatchOptions, type Query } from './http.ts';
import type { Body, Plain } from './wire.ts';

/**
 * The calls of the core, apps, coordination and batch APIs that rollout-pilot makes, named and
 * shaped as @kubernetes/client-node's generated clients name them (`readNamespacedLease({ name,
 * namespace })`, `patchNamespacedService({ ... }, mergePatch)`), over plain JSON (wire.ts). One
 * more call of a kind already here is one more line: `namespaced` holds the requests.
 */

export interface NameParams {
  name: string;
  namespace: string;
  pretty?: string | undefined;
}

export interface ListParams {
  namespace: string;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  _continue?: string | undefined;
  resourceVersion?: string | undefined;
  /** `NotOlderThan`: from the watch cache once it has `resourceVersion` (seen-versions.ts). */
  resourceVersionMatch?: string | undefined;
  pretty?: string | undefined;
}

interface WriteQuery {
  /** `All`: the API server validates and answers, and stores nothing. */
  dryRun?: string | undefined;
  fieldManager?: string | undefined;
  fieldValidation?: string | undefined;
  pretty?: string | undefined;
}

export interface CreateParams<T> extends WriteQuery {
  namespace: string;
  body: Body<T>;
}

export interface ReplaceParams<T> extends CreateParams<T> {
  name: string;
}

export interface PatchParams extends WriteQuery {
  name: string;
  namespace: string;
  body: object;
  force?: boolean | undefined;
}

export interface DeleteParams extends NameParams {
  dryRun?: string | undefined;
  gracePeriodSeconds?: number | undefined;
  propagationPolicy?: string | undefined;
  body?: V1DeleteOptions | undefined;
}

function writeQuery(p: WriteQuery): Query {
  return {
    dryRun: p.dryRun,
    fieldManager: p.fieldManager,
    fieldValidation: p.fieldValidation,
    pretty: p.pretty,
  };
}

/** The requests of one namespaced resource: `base` is `/api/v1` or `/apis/<group>/<version>`. */
export class Namespaced<T, L, D = Plain<V1Status>> {
  private readonly http: KubeHttp;
  private readonly base: string;
  private readonly plural: string;

  constructor(http: KubeHttp, base: string, plural: string) {
    this.http = http;
    this.base = base;
    this.plural = plural;
  }

  path(namespace: string, name?: string): string {
    const tail = name === undefined ? '' : `/${seg(name)}`;
    return `${this.base}/namespaces/${seg(namespace)}/${this.plural}${tail}`;
  }

  read(p: NameParams): Promise<Plain<T>> {
    return this.http.request({
      method: 'GET',
      path: this.path(p.namespace, p.name),
      query: { pretty: p.pretty },
    });
  }

  list(p: ListParams): Promise<Plain<L>> {
    const { namespace, _continue, ...query } = p;
    return this.http.request({
      method: 'GET',
      path: this.path(namespace),
      query: { ...query, continue: _continue },
    });
  }

  create(p: CreateParams<T>): Promise<Plain<T>> {
    return this.http.request({
      method: 'POST',
      path: this.path(p.namespace),
      query: writeQuery(p),
      body: p.body,
    });
  }

  replace(p: ReplaceParams<T>): Promise<Plain<T>> {
    return this.http.request({
      method: 'PUT',
      path: this.path(p.namespace, p.name),
      query: writeQuery(p),
      body: p.body,
    });
  }

  patch(p: PatchParams, options: PatchOptions): Promise<Plain<T>> {
    return this.http.request({
      method: 'PATCH',
      path: this.path(p.namespace, p.name),
      query: { ...writeQuery(p), force: p.force },
      body: p.body,
      contentType: options.contentType,
    });
  }

  delete(p: DeleteParams): Promise<D> {
    const { gracePeriodSeconds, propagationPolicy, dryRun, pretty } = p;
    return this.http.request({
      method: 'DELETE',
      path: this.path(p.namespace, p.name),
      query: { gracePeriodSeconds, propagationPolicy, dryRun, pretty },
      body: p.body,
    });
  }
}

/** `/api/v1`: ConfigMaps, Pods, Secrets, Services. */
export class CoreV1 {
  private readonly configMaps: Namespaced<V1ConfigMap, V1ConfigMapList>;
  private readonly pods: Namespaced<V1Pod, V1PodList>;
  private readonly secrets: Namespaced<V1Secret, never>;
  private readonly services: Namespaced<V1Service, V1ServiceList, Plain<V1Service>>;

  constructor(http: KubeHttp) {
    this.configMaps = new Namespaced(http, '/api/v1', 'configmaps');
    this.pods = new Namespaced(http, '/api/v1', 'pods');
    this.secrets = new Namespaced(http, '/api/v1', 'secrets');
    this.services = new Namespaced(http, '/api/v1', 'services');
  }

  readNamespacedConfigMap(p: NameParams): Promise<Plain<V1ConfigMap>> {
    return this.configMaps.read(p);
  }
  listNamespacedConfigMap(p: ListParams): Promise<Plain<V1ConfigMapList>> {
    return this.configMaps.list(p);
  }
  createNamespacedConfigMap(p: CreateParams<V1ConfigMap>): Promise<Plain<V1ConfigMap>> {
    return this.configMaps.create(p);
  }
  replaceNamespacedConfigMap(p: ReplaceParams<V1ConfigMap>): Promise<Plain<V1ConfigMap>> {
    return this.configMaps.replace(p);
  }
  listNamespacedPod(p: ListParams): Promise<Plain<V1PodList>> {
    return this.pods.list(p);
  }
  patchNamespacedPod(p: PatchParams, options: PatchOptions): Promise<Plain<V1Pod>> {
    return this.pods.patch(p, options);
  }
  readNamespacedSecret(p: NameParams): Promise<Plain<V1Secret>> {
    return this.secrets.read(p);
  }
  readNamespacedService(p: NameParams): Promise<Plain<V1Service>> {
    return this.services.read(p);
  }
  listNamespacedService(p: ListParams): Promise<Plain<V1ServiceList>> {
    return this.services.list(p);
  }
  createNamespacedService(p: CreateParams<V1Service>): Promise<Plain<V1Service>> {
    return this.services.create(p);
  }
  patchNamespacedService(p: PatchParams, options: PatchOptions): Promise<Plain<V1Service>> {
    return this.services.patch(p, options);
  }
  deleteNamespacedService(p: DeleteParams): Promise<Plain<V1Service>> {
    return this.services.delete(p);
  }
}

/** `/apis/apps/v1`: ReplicaSets and Deployments. */
export class AppsV1 {
  private readonly replicaSets: Namespaced<V1ReplicaSet, V1ReplicaSetList>;
  private readonly deployments: Namespaced<V1Deployment, never>;

  constructor(http: KubeHttp) {
    this.replicaSets = new Namespaced(http, '/apis/apps/v1', 'replicasets');
    this.deployments = new Namespaced(http, '/apis/apps/v1', 'deployments');
  }

  readNamespacedReplicaSet(p: NameParams): Promise<Plain<V1ReplicaSet>> {
    return this.replicaSets.read(p);
  }
  listNamespacedReplicaSet(p: ListParams): Promise<Plain<V1ReplicaSetList>> {
    return this.replicaSets.list(p);
  }
  createNamespacedReplicaSet(p: CreateParams<V1ReplicaSet>): Promise<Plain<V1ReplicaSet>> {
    return this.replicaSets.create(p);
  }
  patchNamespacedReplicaSet(p: PatchParams, options: PatchOptions): Promise<Plain<V1ReplicaSet>> {
    return this.replicaSets.patch(p, options);
  }
  deleteNamespacedReplicaSet(p: DeleteParams): Promise<Plain<V1Status>> {
    return this.replicaSets.delete(p);
  }
  readNamespacedDeployment(p: NameParams): Promise<Plain<V1Deployment>> {
    return this.deployments.read(p);
  }
  patchNamespacedDeployment(p: PatchParams, options: PatchOptions): Promise<Plain<V1Deployment>> {
    return this.deployments.patch(p, options);
  }
}

/** `/apis/coordination.k8s.io/v1`: the driver Leases. */
export class CoordinationV1 {
  private readonly leases: Namespaced<V1Lease, never>;

  constructor(http: KubeHttp) {
    this.leases = new Namespaced(http, '/apis/coordination.k8s.io/v1', 'leases');
  }

  readNamespacedLease(p: NameParams): Promise<Plain<V1Lease>> {
    return this.leases.read(p);
  }
  createNamespacedLease(p: CreateParams<V1Lease>): Promise<Plain<V1Lease>> {
    return this.leases.create(p);
  }
  replaceNamespacedLease(p: ReplaceParams<V1Lease>): Promise<Plain<V1Lease>> {
    return this.leases.replace(p);
  }
}

/** `/apis/batch/v1`: the Job provider's Jobs. */
export class BatchV1 {
  private readonly jobs: Namespaced<V1Job, never>;

  constructor(http: KubeHttp) {
    this.jobs = new Namespaced(http, '/apis/batch/v1', 'jobs');
  }

  readNamespacedJob(p: NameParams): Promise<Plain<V1Job>> {
    return this.jobs.read(p);
  }
  createNamespacedJob(p: CreateParams<V1Job>): Promise<Plain<V1Job>> {
    return this.jobs.create(p);
  }
  deleteNamespacedJob(p: DeleteParams): Promise<Plain<V1Status>> {
    return this.jobs.delete(p);
  }
}
