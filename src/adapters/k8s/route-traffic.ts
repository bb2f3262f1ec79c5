import type { Action, RouterCall } from '../../engine/actions.ts';
import type { TrafficRouter } from '../../controller/traffic-router.ts';
import { routers } from '../routers/registry.ts';
import type { KubeApi } from './api-call.ts';
import type { RolloutParts } from './names.ts';
import { KubeRouterObjects } from './router-objects.ts';

/** One RouterObjects per API client and rollout, so the API discovery it caches is done once. */
const objectsByApi = new WeakMap<KubeApi, Map<string, KubeRouterObjects>>();

function routerObjects(api: KubeApi, rollout: { name: string; namespace: string }): KubeRouterObjects {
  let byRollout = objectsByApi.get(api);
  if (byRollout === undefined) {
    byRollout = new Map();
    objectsByApi.set(api, byRollout);
  }
  const key = `${rollout.namespace}/${rollout.name}`;
  let objects = byRollout.get(key);
  if (objects === undefined) {
    objects = new KubeRouterObjects(api, rollout);
    byRollout.set(key, objects);
  }
  return objects;
}

/** Makes one router call of the engine through the rollout's router adapter(s). */
export async function routeTraffic(
  api: KubeApi,
  p: RolloutParts,
  action: Extract<Action, { kind: 'routeTraffic' }>,
): Promise<void> {
  const rollout = { name: p.name, namespace: p.namespace };
  const { routing, stableService, canaryService } = action.router;
  const router = routers.routerFor(
    {
      ...rollout,
      canary: {
        trafficRouting: routing.config,
        stableService,
        canaryService,
        maxTrafficWeight: routing.maxTrafficWeight,
      },
    },
    routerObjects(api, rollout),
  );
  if (router === undefined) return;
  await callRouter(router, action.call);
}

/** One engine RouterCall on a router; the experiment destinations go with the hash and the weight. */
export function callRouter(router: TrafficRouter, call: RouterCall): Promise<void> {
  switch (call.call) {
    case 'updateHash':
      return router.updateHash(call.canaryHash, call.stableHash, call.additional ?? []);
    case 'setWeight':
      return router.setWeight(call.weight, call.additional ?? []);
    case 'setHeaderRoute':
      return router.setHeaderRoute(call.route);
    case 'setMirrorRoute':
      return router.setMirrorRoute(call.route);
    case 'removeManagedRoutes':
      return router.removeManagedRoutes();
  }
}
