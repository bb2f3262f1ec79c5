import type { V1OwnerReference } from '@kubernetes/client-node';
import type { KubeObject } from '../../controller/ports.ts';
import type { JsonPatchOp, ObjectRef, RouterObjects } from '../../controller/traffic-router.ts';
import { read, statusCode, write, type KubeApi } from './api-call.ts';
import { statusBody } from './api-errors.ts';
import { FIELD_MANAGER, jsonPatch, ROLLOUT_LABEL, stateName } from './names.ts';
import { stateOwnerReference } from './state-store.ts';

/** How often `modify` reads again and recomputes its patch when someone changed the object meanwhile. */
export const MODIFY_ATTEMPTS = 5;

/**
 * The API server's whole message when a JSON patch does not apply: a `test` operation that failed,
 * or a path that does not exist (k8s.io/apiserver's patch handler answers both with this HTTP 422
 * and drops the patch library's own words).
 */
export const PATCH_NOT_APPLIED = 'the server rejected our request due to an error in our request';

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** The operations as sent: the resourceVersion that was read must still be there, or nothing changes. */
export function guardedPatch(resourceVersion: string, ops: readonly JsonPatchOp[]): JsonPatchOp[] {
  return [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }, ...ops];
}

/**
 * Whether a failed patch may be a lost race: 409 Conflict, or the 422 of a patch that did not apply
 * (its resourceVersion test, most likely). A 422 that names fields (the CRD's schema or a
 * validation rule refused the result) is not: reading again would not help.
 */
export function mayBeStale(e: unknown): boolean {
  const status = statusCode(e);
  if (status === 409) return true;
  if (status !== 422) return false;
  const cause = e instanceof Error && e.cause !== undefined ? e.cause : e;
  const message = statusBody((cause as { body?: unknown } | null)?.body)?.message;
  return message === PATCH_NOT_APPLIED;
}

/** The owner reference of the rollout's state ConfigMap, whatever its uid. */
export function ownedBy(object: KubeObject, rollout: { name: string; namespace: string }): boolean {
  // Owner references only reach objects of the owner's namespace.
  if ((object.metadata.namespace ?? rollout.namespace) !== rollout.namespace) return false;
  const refs = object.metadata.ownerReferences;
  if (!Array.isArray(refs)) return false;
  return refs.some((r: Partial<V1OwnerReference> | null) => {
    return r?.apiVersion === 'v1' && r.kind === 'ConfigMap' && r.name === stateName(rollout.name);
  });
}

/** The object to create: in the rollout's namespace, labelled with the rollout, owned by its state. */
export function ownedCopy(
  object: KubeObject,
  rollout: { name: string; namespace: string },
  owner: V1OwnerReference,
): KubeObject {
  const namespace = object.metadata.namespace ?? rollout.namespace;
  if (namespace !== rollout.namespace) {
    throw new Error(
      `${object.kind} ${namespace}/${object.metadata.name}: rollout ${rollout.namespace}/${rollout.name} can only own objects of its own namespace`,
    );
  }
  const labels = (object.metadata.labels ?? {}) as Record<string, string>;
  const others = Array.isArray(object.metadata.ownerReferences)
    ? (object.metadata.ownerReferences as V1OwnerReference[])
    : [];
  return {
    ...object,
    metadata: {
      ...object.metadata,
      namespace,
      labels: { ...labels, [ROLLOUT_LABEL]: rollout.name },
      ownerReferences: [...others.filter((r) => r.uid !== owner.uid), owner],
    },
  };
}

/** `group/version` split; undefined for the core group (`v1`). */
export function groupVersion(apiVersion: string): { group: string; version: string } | undefined {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return undefined;
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function refOf(object: KubeObject, namespace: string): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace, name: object.metadata.name };
}

/**
 * RouterObjects on a Kubernetes API server. Every request goes through KubeApi's `call`, so
 * transient failures are retried and each write is fenced by the driver's lease. Writes are JSON
 * patches under rollout-pilot's field manager, guarded by the resourceVersion that was read.
 */
export class KubeRouterObjects implements RouterObjects {
  private readonly api: KubeApi;
  private readonly rollout: { name: string; namespace: string };
  /** Resource names (plurals) by `apiVersion kind`, from the API server's discovery. */
  private readonly plurals = new Map<string, string>();

  constructor(api: KubeApi, rollout: { name: string; namespace: string }) {
    this.api = api;
    this.rollout = rollout;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.api.call(read(ref.kind, ref.namespace, ref.name), () =>
        this.api.objects.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        }),
      );
    } catch (e) {
      if (statusCode(e) !== 404) throw e;
      // The client's discovery of the kind found no such API group or version at all.
      if (e instanceof Error && /Failed to fetch resource metadata/.test(String(e.cause))) {
        throw new Error(
          `${describeRef(ref)}: the API server does not serve ${ref.apiVersion} (is the CRD of ${ref.kind} installed?)`,
          { cause: e },
        );
      }
      return undefined;
    }
  }

  async modify(ref: ObjectRef, change: (current: KubeObject) => JsonPatchOp[]): Promise<void> {
    let current = await this.existing(ref);
    for (let attempt = 1; ; attempt++) {
      const ops = change(current);
      if (ops.length === 0) return;
      const version = current.metadata.resourceVersion;
      if (typeof version !== 'string') throw new Error(`${describeRef(ref)} has no resourceVersion`);
      try {
        await this.patch(ref, guardedPatch(version, ops));
        return;
      } catch (e) {
        if (!mayBeStale(e)) throw e;
        if (attempt >= MODIFY_ATTEMPTS) {
          throw new Error(
            `${describeRef(ref)} was changed by someone else before each of ${MODIFY_ATTEMPTS} writes; nothing written`,
            { cause: e },
          );
        }
        const fresh = await this.existing(ref);
        // Unchanged since the read: the test held, so the patch itself does not fit the object.
        if (fresh.metadata.resourceVersion === version) {
          const sent = JSON.stringify(ops);
          throw new Error(
            `${describeRef(ref)}: the JSON patch does not apply to the object (a path it names does not exist?): ${sent.length > 300 ? `${sent.slice(0, 300)}...` : sent}`,
            { cause: e },
          );
        }
        current = fresh;
      }
    }
  }

  async create(object: KubeObject): Promise<void> {
    const owner = await stateOwnerReference(this.api, this.rollout.namespace, this.rollout.name);
    const body = ownedCopy(object, this.rollout, owner);
    const ref = refOf(body, this.rollout.namespace);
    try {
      await this.api.call(write('create', ref.kind, ref.namespace, ref.name), () =>
        this.api.objects.create(body, undefined, undefined, FIELD_MANAGER),
      );
    } catch (e) {
      if (statusCode(e) !== 409) throw e;
      // A retried request whose first attempt got through finds its own object: that is done.
      const existing = await this.get(ref);
      if (existing !== undefined && this.owns(existing)) return;
      throw new Error(
        `${describeRef(ref)} already exists and is not rollout ${this.rollout.name}'s (no owner reference to ConfigMap ${stateName(this.rollout.name)}): rename or delete it`,
        { cause: e },
      );
    }
  }

  owns(object: KubeObject): boolean {
    return ownedBy(object, this.rollout);
  }

  private async existing(ref: ObjectRef): Promise<KubeObject> {
    const object = await this.get(ref);
    if (object === undefined) throw new Error(`${describeRef(ref)} does not exist`);
    return object;
  }

  private async patch(ref: ObjectRef, ops: readonly JsonPatchOp[]): Promise<void> {
    const gv = groupVersion(ref.apiVersion);
    if (gv === undefined) {
      throw new Error(`${describeRef(ref)}: routers may only patch objects of an API group, not core v1`);
    }
    const plural = await this.plural(ref, gv);
    await this.api.call(write('patch', ref.kind, ref.namespace, ref.name), () =>
      this.api.custom.patchNamespacedCustomObject(
        { ...gv, plural, namespace: ref.namespace, name: ref.name, body: ops, fieldManager: FIELD_MANAGER },
        jsonPatch,
      ),
    );
  }

  /** The resource name of a kind (VirtualService → virtualservices), asked of the API server once. */
  private async plural(ref: ObjectRef, gv: { group: string; version: string }): Promise<string> {
    const key = `${ref.apiVersion} ${ref.kind}`;
    const known = this.plurals.get(key);
    if (known !== undefined) return known;
    const list = await this.api.call(read('APIResourceList', undefined, ref.apiVersion), () =>
      this.api.custom.getAPIResources(gv),
    );
    const resource = list.resources.find((r) => r.kind === ref.kind && !r.name.includes('/'));
    if (resource === undefined) {
      throw new Error(`${describeRef(ref)}: the API server serves no ${ref.kind} in ${ref.apiVersion}`);
    }
    this.plurals.set(key, resource.name);
    return resource.name;
  }
}
