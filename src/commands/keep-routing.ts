/**
 * Re-applying the manifests of a routed rollout. A VirtualService, DestinationRule or HTTPRoute
 * among them is also written by the traffic router while the rollout runs, and its lists are atomic
 * for a server-side apply: applied as written, it would put git's weights back and drop the managed
 * routes until the router writes them again (traffic jumps, and since the engine only calls the
 * router when the weight it wants changes, the weights could even stay wrong). So each such object
 * is read first and applied with the routing the router set (TrafficRouter.keepRouting).
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import { routers, type RoutingKeeper } from '../adapters/routers/registry.ts';
import type { KubeObject } from '../controller/ports.ts';
import type { CanaryPart } from '../engine/spec.ts';
import { asObj, asStr } from '../manifests/values.ts';
import type { Logger } from '../util/logger.ts';

/** The pure part of the rollout's routers; undefined without trafficRouting. */
export function routingKeeper(
  rollout: { name: string; namespace: string },
  canary: CanaryPart,
): RoutingKeeper | undefined {
  const routing = canary.trafficRouting;
  if (routing === undefined) return undefined;
  return routers.routingKeeperFor({
    ...rollout,
    canary: {
      trafficRouting: routing.config,
      stableService: canary.stableService,
      canaryService: canary.canaryService,
      maxTrafficWeight: routing.maxTrafficWeight,
    },
  });
}

/** The object as read, when it has the shape of one (it always has, from the API server). */
function asKubeObject(read: Record<string, unknown> | undefined): KubeObject | undefined {
  const metadata = asObj(read?.metadata);
  const name = asStr(metadata?.name);
  if (read === undefined || metadata === undefined || name === undefined) return undefined;
  const { apiVersion, kind } = read;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  return { ...read, apiVersion, kind, metadata: { ...metadata, name } };
}

/**
 * The objects to apply: each one a router writes, with the routing its live object has; the others,
 * and one that does not exist yet, as in the manifests.
 */
export async function withLiveRouting(
  cluster: Pick<KubeCluster, 'readObject'>,
  keeper: RoutingKeeper | undefined,
  objects: readonly KubeObject[],
  namespace: string,
  log: Logger,
): Promise<KubeObject[]> {
  if (keeper === undefined) return [...objects];
  const out: KubeObject[] = [];
  for (const object of objects) {
    const ns = object.metadata.namespace ?? namespace;
    const placed = { ...object, metadata: { ...object.metadata, namespace: ns } };
    if (!keeper.writesRouting(placed)) {
      out.push(object);
      continue;
    }
    const { apiVersion, kind, metadata } = placed;
    const live = asKubeObject(
      await cluster.readObject({ apiVersion, kind, namespace: ns, name: metadata.name }),
    );
    if (live === undefined) {
      out.push(object);
      continue;
    }
    const kept = keeper.keepRouting(placed, live);
    if (!isDeepStrictEqual(kept, placed))
      log.info(`${kind} ${ns}/${metadata.name}: applied with the routing the ${keeper.type} router set`);
    out.push(kept);
  }
  return out;
}
