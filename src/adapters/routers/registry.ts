import type { KubeObject } from '../../controller/ports.ts';
import type {
  HeaderRoute,
  ObservedWeights,
  RoutedRollout,
  RouterContext,
  RouterObjects,
  TrafficRouter,
  WeightDestination,
} from '../../controller/traffic-router.ts';
import type { SetMirrorRoute, TrafficRouting } from '../../manifests/rollout-model.ts';
import { NginxRouter } from './nginx.ts';
import { istioRouter } from './istio.ts';
import { GATEWAY_API_KEY, GatewayApiRouter } from './gateway-api.ts';

/** Builds a router adapter for one rollout. */
export type RouterFactory = (context: RouterContext) => TrafficRouter;

/** One router adapter, under its `trafficRouting` key (`nginx`, `plugins/argoproj-labs/gatewayAPI` ...). */
export interface RouterRegistration {
  key: string;
  create: RouterFactory;
}

/** Every router adapter rollout-pilot has: one registration each. */
export const ROUTER_ADAPTERS: readonly RouterRegistration[] = [
  { key: 'nginx', create: (context) => new NginxRouter(context) },
  istioRouter,
  { key: GATEWAY_API_KEY, create: (context) => new GatewayApiRouter(context) },
];

/** Keys of `trafficRouting` that configure the routing, not a router. */
const SETTINGS = new Set(['managedRoutes', 'maxTrafficWeight']);

/** The router keys a `trafficRouting` block names, in its order; a plugin's is `plugins/<name>`. */
export function routerKeys(trafficRouting: TrafficRouting): { key: string; config: unknown }[] {
  return Object.entries(trafficRouting).flatMap(([key, config]): { key: string; config: unknown }[] => {
    if (SETTINGS.has(key) || config === undefined) return [];
    if (key !== 'plugins') return [{ key, config }];
    return Object.entries(config as Record<string, unknown>).map(([name, plugin]) => ({
      key: `plugins/${name}`,
      config: plugin,
    }));
  });
}

/** Finds a rollout's router among the registered adapters. */
export class RouterRegistry {
  private readonly factories = new Map<string, RouterFactory>();

  constructor(registrations: readonly RouterRegistration[]) {
    for (const { key, create } of registrations) {
      if (this.factories.has(key))
        throw new Error(`two router adapters registered for trafficRouting.${key}`);
      this.factories.set(key, create);
    }
  }

  /**
   * The router of the rollout's `trafficRouting`, or undefined without one: then the canary's
   * weight comes from its pod count. Several routers act together, each told the same (as Argo
   * reconciles every one it finds). A router without an adapter is an error: validation refuses it
   * before a run gets here.
   */
  routerFor(rollout: RoutedRollout, objects: RouterObjects): TrafficRouter | undefined {
    const routing = rollout.canary.trafficRouting;
    if (routing === undefined) return undefined;
    const routers = routerKeys(routing).map(({ key, config }) => {
      const create = this.factories.get(key);
      if (create === undefined) throw new Error(`trafficRouting.${key}: no router adapter for it`);
      return create({
        objects,
        rollout: { name: rollout.name, namespace: rollout.namespace },
        config,
        stableService: rollout.canary.stableService,
        canaryService: rollout.canary.canaryService,
        managedRoutes: routing.managedRoutes.map((r) => r.name),
        maxTrafficWeight: rollout.canary.maxTrafficWeight,
        maxTrafficWeightSet: routing.maxTrafficWeight !== undefined,
      });
    });
    if (routers.length <= 1) return routers[0];
    return new AllRouters(routers);
  }

  /**
   * The pure part of the rollout's routers, for re-applying the objects they write (see
   * TrafficRouter.keepRouting); undefined without a router. Nothing is read or written through it.
   */
  routingKeeperFor(rollout: RoutedRollout): RoutingKeeper | undefined {
    return this.routerFor(rollout, NO_OBJECTS);
  }
}

/** What re-applying the manifests needs of the routers: which objects they write, and what to keep. */
export type RoutingKeeper = Pick<TrafficRouter, 'type' | 'writesRouting' | 'keepRouting'>;

function noObjects(): never {
  throw new Error('a routing keeper reads and writes no router objects');
}

/** The objects of a router built only for its pure methods: any use of them is a bug. */
const NO_OBJECTS: RouterObjects = { get: noObjects, modify: noObjects, create: noObjects, owns: noObjects };

/** The registry of the adapters rollout-pilot ships. */
export const routers = new RouterRegistry(ROUTER_ADAPTERS);

/** Several routers as one: each is told the same, in order; weights are read from the first. */
class AllRouters implements TrafficRouter {
  readonly type: string;
  private readonly routers: readonly TrafficRouter[];

  constructor(routers: readonly TrafficRouter[]) {
    this.routers = routers;
    this.type = routers.map((r) => r.type).join('+');
  }

  private async each(call: (router: TrafficRouter) => Promise<void>): Promise<void> {
    for (const router of this.routers) await call(router);
  }

  updateHash(
    canaryHash: string,
    stableHash: string,
    additional?: readonly WeightDestination[],
  ): Promise<void> {
    return this.each((r) => r.updateHash(canaryHash, stableHash, additional));
  }
  setWeight(weight: number, additional?: readonly WeightDestination[]): Promise<void> {
    return this.each((r) => r.setWeight(weight, additional));
  }
  setHeaderRoute(route: HeaderRoute): Promise<void> {
    return this.each((r) => r.setHeaderRoute(route));
  }
  removeHeaderRoute(name: string): Promise<void> {
    return this.each((r) => r.removeHeaderRoute(name));
  }
  setMirrorRoute(route: SetMirrorRoute): Promise<void> {
    return this.each((r) => r.setMirrorRoute(route));
  }
  removeMirrorRoute(name: string): Promise<void> {
    return this.each((r) => r.removeMirrorRoute(name));
  }
  removeManagedRoutes(): Promise<void> {
    return this.each((r) => r.removeManagedRoutes());
  }
  async observeWeights(): Promise<ObservedWeights | undefined> {
    return this.routers[0]?.observeWeights();
  }

  writesRouting(object: KubeObject): boolean {
    return this.routers.some((r) => r.writesRouting(object));
  }
  /** Each router keeps its own part, in turn. */
  keepRouting(manifest: KubeObject, live: KubeObject): KubeObject {
    return this.routers.reduce((kept, r) => r.keepRouting(kept, live), manifest);
  }

  /** Verified when every router is; false as soon as one is not; undefined when none can tell. */
  async verifyWeight(
    weight: number,
    additional?: readonly WeightDestination[],
  ): Promise<boolean | undefined> {
    let verified: boolean | undefined;
    for (const router of this.routers) {
      const one = await router.verifyWeight(weight, additional);
      if (one === false) return false;
      if (one === true) verified = true;
    }
    return verified;
  }
}
