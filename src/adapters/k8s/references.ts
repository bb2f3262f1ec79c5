import { POD_TEMPLATE_HASH_LABEL } from '../../engine/state.ts';
import type { KubeObject } from '../../controller/ports.ts';
import { asObj, asStr, dig } from '../../manifests/values.ts';
import { read, statusCode, type KubeApi } from './api-call.ts';

/** A key of a Secret, decoded; undefined when the Secret or the key does not exist. */
export async function readSecret(
  api: KubeApi,
  namespace: string,
  name: string,
  key: string,
): Promise<string | undefined> {
  try {
    const secret = await api.call(read('Secret', namespace, name), () =>
      api.core.readNamespacedSecret({ name, namespace }),
    );
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  } catch (e) {
    if (statusCode(e) === 404) return undefined;
    throw e;
  }
}

/** Whether a Service exists, for the references `run` checks before its first write. */
export async function serviceExists(api: KubeApi, namespace: string, name: string): Promise<boolean> {
  try {
    await api.call(read('Service', namespace, name), () =>
      api.core.readNamespacedService({ name, namespace }),
    );
    return true;
  } catch (e) {
    if (statusCode(e) === 404) return false;
    throw e;
  }
}

/** workloadRef: the Deployment's pod template (and selector) become the Rollout's. */
export async function resolveWorkloadRef(api: KubeApi, rollout: KubeObject): Promise<KubeObject> {
  const spec = asObj(rollout.spec) ?? {};
  const name = asStr(dig(spec, 'workloadRef', 'name'));
  const kind = asStr(dig(spec, 'workloadRef', 'kind'));
  if (name === undefined) return rollout;
  if (kind !== undefined && kind !== 'Deployment') {
    throw new Error(`workloadRef: only kind Deployment is supported, not ${kind}`);
  }
  const namespace = rollout.metadata.namespace ?? 'default';
  let d;
  try {
    d = await api.call(read('Deployment', namespace, name), () =>
      api.apps.readNamespacedDeployment({ name, namespace }),
    );
  } catch (e) {
    if (statusCode(e) === 404) {
      throw new Error(`workloadRef: Deployment ${namespace}/${name} does not exist`, { cause: e });
    }
    throw e;
  }
  return {
    ...rollout,
    spec: { ...spec, selector: spec.selector ?? d.spec?.selector, template: d.spec?.template },
  };
}

/** Services' current `rollouts-pod-template-hash` selectors, so a re-apply keeps them. */
export async function serviceHashes(
  api: KubeApi,
  namespace: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // One read per Service, all at once.
  await Promise.all(
    names.map(async (name) => {
      try {
        const svc = await api.call(read('Service', namespace, name), () =>
          api.core.readNamespacedService({ name, namespace }),
        );
        const hash = svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
        if (hash !== undefined) out.set(name, hash);
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
      }
    }),
  );
  return out;
}
