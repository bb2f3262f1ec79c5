/**
 * The router objects a Rollout names that the manifests do not hold: like its Services, they may
 * already live in the cluster. `run` reads each one before its first write and checks it as `lint`
 * checks one among the manifests; one in neither place stops the run at the Rollout's field.
 */
import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import type { RouterRef } from '../manifests/router-references.ts';
import type { Diagnostic } from '../util/errors.ts';

export interface RouterObjectsToCheck {
  refs: readonly RouterRef[];
  /** The checks of router-references.ts, at the Rollout's lines. */
  check: (ref: RouterRef, object: Record<string, unknown>) => Diagnostic[];
}

/** Problems with the router objects read from the cluster, and the ones that are not there. */
export async function routerObjectsInCluster(
  cluster: Pick<KubeCluster, 'readObject'>,
  namespace: string,
  routers: RouterObjectsToCheck,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const ref of routers.refs) {
    const ns = ref.namespace ?? namespace;
    const found = await cluster.readObject({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: ns,
      name: ref.name,
    });
    if (found === undefined) {
      out.push({
        file: ref.file,
        line: ref.line,
        column: ref.column,
        path: ref.path,
        message: `${ref.kind} "${ref.name}" is neither in the manifests nor in namespace ${ns}: add it to the manifests or create it first`,
      });
      continue;
    }
    out.push(...routers.check({ ...ref, namespace: ns }, found));
  }
  return out;
}
