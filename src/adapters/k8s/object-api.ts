import type { V1APIResource, V1APIResourceList } from '@kubernetes/client-node';
import type { KubeObject } from '../../controller/ports.ts';
import { PATCH, seg, type KubeHttp, type PatchOptions } from './http.ts';
import type { Plain } from './wire.ts';

/**
 * Objects of any kind by `apiVersion` and `kind` (routers' VirtualServices and HTTPRoutes, Argo's
 * templates, server-side apply of whatever the manifests hold), as @kubernetes/client-node's
 * KubernetesObjectApi (`read`, `create`, `patch`) and CustomObjectsApi (`getAPIResources`,
 * `patchNamespacedCustomObject`) do it: the resource's name and scope come from the API server's
 * discovery of the group version, asked once per group version and kept.
 */

/** What names an object: a KubeObject, or only its apiVersion, kind and metadata. */
export interface ObjectSpec {
  apiVersion: string;
  kind: string;
  metadata: { name?: string | undefined; namespace?: string | undefined; [key: string]: unknown };
  [key: string]: unknown;
}

export interface GroupVersion {
  group: string;
  version: string;
}

function versionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export class ObjectApi {
  private readonly http: KubeHttp;
  /** Where an object names no namespace: the kubeconfig context's, else `default`. */
  private readonly defaultNamespace: string;
  private readonly discovered = new Map<string, Plain<V1APIResourceList>>();

  constructor(http: KubeHttp) {
    this.http = http;
    const kc = http.kubeConfig;
    this.defaultNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  }

  /** The API server's resources of a group version (`/apis/<group>/<version>`). */
  getAPIResources(gv: GroupVersion): Promise<Plain<V1APIResourceList>> {
    return this.http.request({ method: 'GET', path: `/apis/${seg(gv.group)}/${seg(gv.version)}` });
  }

  /**
   * The resource serving `kind` in `apiVersion`, from the discovery kept per group version (asked
   * again when the kind is not in it: a CRD installed since). A failed discovery keeps the API
   * server's status, its message prefixed as the package's was.
   */
  async resource(apiVersion: string, kind: string): Promise<Plain<V1APIResource> | undefined> {
    const find = (list: Plain<V1APIResourceList> | undefined): Plain<V1APIResource> | undefined =>
      list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
    const known = find(this.discovered.get(apiVersion));
    if (known !== undefined) return known;
    let list: Plain<V1APIResourceList>;
    try {
      list = await this.http.request({ method: 'GET', path: versionPath(apiVersion) });
    } catch (e) {
      if (e instanceof Error)
        e.message = `Failed to fetch resource metadata for ${apiVersion}/${kind}: ${e.message}`;
      throw e;
    }
    this.discovered.set(apiVersion, list);
    return find(list);
  }

  /** The object's URL path: of the collection for a create, else of the object itself. */
  async path(spec: ObjectSpec, collection = false): Promise<string> {
    const resource = await this.resource(spec.apiVersion, spec.kind);
    if (resource === undefined)
      throw new Error(`Unrecognized API version and kind: ${spec.apiVersion} ${spec.kind}`);
    const parts = [versionPath(spec.apiVersion)];
    if (resource.namespaced) parts.push('namespaces', seg(spec.metadata.namespace ?? this.defaultNamespace));
    parts.push(resource.name);
    if (!collection) {
      const name = spec.metadata.name;
      if (name === undefined || name === '') throw new Error('Required spec property name is not set');
      parts.push(seg(name));
    }
    return parts.join('/');
  }

  /** GET of the object `spec` names. */
  async read(spec: ObjectSpec): Promise<KubeObject> {
    return this.http.request({ method: 'GET', path: await this.path(spec) });
  }

  /** POST: KubernetesObjectApi's `create(spec, pretty, dryRun, fieldManager)`. */
  async create(
    spec: ObjectSpec,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
  ): Promise<KubeObject> {
    return this.http.request({
      method: 'POST',
      path: await this.path(spec, true),
      query: { pretty, dryRun, fieldManager },
      body: spec,
    });
  }

  /**
   * PATCH with the object as the body: KubernetesObjectApi's `patch(spec, pretty, dryRun,
   * fieldManager, force, patchStrategy)`; server-side apply is `PATCH.apply` with `force`.
   */
  async patch(
    spec: ObjectSpec,
    pretty: string | undefined,
    dryRun: string | undefined,
    fieldManager: string | undefined,
    force: boolean | undefined,
    patchStrategy: PatchOptions['contentType'] = PATCH.merge,
  ): Promise<KubeObject> {
    return this.http.request({
      method: 'PATCH',
      path: await this.path(spec),
      query: { pretty, dryRun, fieldManager, force },
      body: spec,
      contentType: patchStrategy,
    });
  }

  /** PATCH of a namespaced object of an API group by its plural (CustomObjectsApi's call). */
  patchNamespacedCustomObject(
    p: GroupVersion & {
      plural: string;
      namespace: string;
      name: string;
      body: unknown;
      fieldManager?: string | undefined;
      dryRun?: string | undefined;
      force?: boolean | undefined;
    },
    options: PatchOptions,
  ): Promise<KubeObject> {
    const path = `/apis/${seg(p.group)}/${seg(p.version)}/namespaces/${seg(p.namespace)}/${seg(p.plural)}/${seg(p.name)}`;
    return this.http.request({
      method: 'PATCH',
      path,
      query: { fieldManager: p.fieldManager, dryRun: p.dryRun, force: p.force },
      body: p.body,
      contentType: options.contentType,
    });
  }
}
