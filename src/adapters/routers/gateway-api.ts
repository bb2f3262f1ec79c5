import type { KubeObject } from '../../controller/ports.ts';
import {
  isObject,
  type HeaderRoute,
  type JsonPatchOp,
  type ObservedWeights,
  type RouterContext,
  type TrafficRouter,
  type WeightDestination,
} from '../../controller/traffic-router.ts';
import { NotSupportedError } from '../../util/errors.ts';
import {
  GATEWAY_API_PLUGIN,
  parseGatewayApiConfig,
  type GatewayApiConfig,
  type GatewayRouteTarget,
} from './gateway-api-config.ts';
import {
  gatewayHeaderMatches,
  headerRouteOps,
  removeHeaderRouteOps,
  removeManagedRulesOps,
} from './gateway-api-header-rules.ts';
import { keepGatewayRouting } from './gateway-api-keep.ts';
import {
  inProgressLabelOps,
  observedCanaryWeight,
  weightOps,
  type RolloutServices,
} from './gateway-api-routes.ts';

/** The `trafficRouting` key Argo users configure the Gateway API plugin under. */
export const GATEWAY_API_KEY = 'plugins/argoproj-labs/gatewayAPI';

/**
 * Gateway API routes driven natively, as the Argo Rollouts Gateway API plugin
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi) drives them: weights on the canary's
 * and the stable's backendRefs, header routes as named canary-only rules on the HTTPRoutes and
 * GRPCRoutes that ask for them. Like the plugin it has no hash to point and no mirror routes
 * (setMirrorRoute does nothing there either), and it cannot tell whether a weight has been taken up.
 */
export class GatewayApiRouter implements TrafficRouter {
  readonly type = GATEWAY_API_KEY;
  private readonly context: RouterContext;
  private readonly config: GatewayApiConfig;
  private readonly services: RolloutServices;

  constructor(context: RouterContext) {
    this.context = context;
    this.config = parseGatewayApiConfig(context.config, context.rollout.namespace);
    const { stableService: stable, canaryService: canary } = context;
    if (stable === undefined || canary === undefined || stable === '' || canary === '')
      throw new Error(`${GATEWAY_API_PLUGIN} needs both canary.stableService and canary.canaryService`);
    this.services = { stable, canary };
  }

  updateHash(): Promise<void> {
    return Promise.resolve();
  }

  async setWeight(weight: number, additional: readonly WeightDestination[] = []): Promise<void> {
    if (additional.length > 0)
      throw new NotSupportedError(
        `${GATEWAY_API_PLUGIN}: traffic for Experiment Services (weighted experiment steps) is not supported`,
      );
    const weights = { canary: weight, stable: this.context.maxTrafficWeight - weight };
    const managed = this.context.managedRoutes;
    for (const target of this.config.routes)
      await this.change(target, (route) => [
        ...weightOps(route, this.services, managed, weights),
        ...inProgressLabelOps(route, this.config.inProgressLabel, weight),
      ]);
  }

  async setHeaderRoute(route: HeaderRoute): Promise<void> {
    if (route.match.length === 0) return this.removeHeaderRoute(route.name);
    const headers = gatewayHeaderMatches(route);
    for (const target of this.headerTargets())
      await this.change(target, (current) =>
        headerRouteOps(current, this.services, this.context.managedRoutes, route.name, headers),
      );
  }

  async removeHeaderRoute(name: string): Promise<void> {
    for (const target of this.headerTargets())
      await this.change(target, (current) => removeHeaderRouteOps(current, name));
  }

  setMirrorRoute(): Promise<void> {
    return Promise.resolve();
  }

  removeMirrorRoute(): Promise<void> {
    return Promise.resolve();
  }

  async removeManagedRoutes(): Promise<void> {
    for (const target of this.headerTargets())
      await this.change(target, (current) =>
        removeManagedRulesOps(current, this.services, this.context.managedRoutes),
      );
  }

  /** The canary's share in the first route named (undefined when it is missing or splits nothing). */
  async observeWeights(): Promise<ObservedWeights | undefined> {
    const first = this.config.routes[0];
    if (first === undefined) return undefined;
    const route = await this.context.objects.get(first.ref);
    if (route === undefined) return undefined;
    const { managedRoutes, maxTrafficWeight } = this.context;
    const canary = observedCanaryWeight(route, this.services, managedRoutes, maxTrafficWeight);
    return canary === undefined ? undefined : { canary, additional: [] };
  }

  verifyWeight(): Promise<boolean | undefined> {
    return Promise.resolve(undefined);
  }

  /** The routes it names. */
  writesRouting(object: KubeObject): boolean {
    return this.config.routes.some((r) => isObject(r.ref, object));
  }

  /** Weights of the splitting rules and the header-route rules (gateway-api-keep.ts). */
  keepRouting(manifest: KubeObject, live: KubeObject): KubeObject {
    if (!this.writesRouting(manifest)) return manifest;
    return keepGatewayRouting(manifest, live, this.services, this.context.managedRoutes);
  }

  /** The HTTPRoutes and GRPCRoutes that take header routes (`useHeaderRoutes`, or the single key). */
  private headerTargets(): GatewayRouteTarget[] {
    return this.config.routes.filter(
      (r) => r.useHeaderRoutes && (r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute'),
    );
  }

  /** Patches one route; a missing route is named in the error, whatever the store says. */
  private async change(target: GatewayRouteTarget, ops: (route: KubeObject) => JsonPatchOp[]): Promise<void> {
    const { ref } = target;
    try {
      await this.context.objects.modify(ref, ops);
    } catch (error) {
      if ((await this.context.objects.get(ref)) === undefined)
        throw new Error(
          `${ref.kind} ${ref.namespace}/${ref.name} not found (named in ${GATEWAY_API_PLUGIN})`,
          { cause: error },
        );
      throw error;
    }
  }
}
