/**
 * The Istio traffic router (Argo's rollout/trafficrouting/istio): weights in the routes of one or
 * more VirtualServices, canary and stable told apart by Service host or by DestinationRule subset,
 * subsets pinned to ReplicaSets by pod hash, and managed header and mirror routes. Every write is a
 * minimal JSON patch of the routes or subsets concerned; the pure parts are in istio-*.ts.
 */
import type { KubeObject } from '../../controller/ports.ts';
import {
  isObject,
  type HeaderRoute,
  type JsonPatchOp,
  type ObjectRef,
  type ObservedWeights,
  type RouterContext,
  type TrafficRouter,
  type WeightDestination,
} from '../../controller/traffic-router.ts';
import type { SetMirrorRoute } from '../../manifests/rollout-model.ts';
import { asObj, asStr } from '../../manifests/values.ts';
import {
  describe,
  destinationRuleRef,
  destinations,
  destinationView,
  istioConfig,
  virtualServiceRef,
  type IstioConfig,
  type VirtualServiceConfig,
  type WeightTargets,
} from './istio-config.ts';
import {
  headerRouteBody,
  mirrorRouteBody,
  placeManagedRoute,
  removeRoutesPatch,
  type CanaryTarget,
} from './istio-routes.ts';
import { keepSubsetHashes, keepVirtualServiceRouting } from './istio-keep.ts';
import { subsetHashPatch } from './istio-subsets.ts';
import { firstWeighedHttpRoute, observedWeights, weightPatch } from './istio-weights.ts';
import type { RouterRegistration } from './registry.ts';

function notFound(ref: ObjectRef): Error {
  return new Error(`${ref.kind} ${ref.namespace}/${ref.name} not found`);
}

export class IstioRouter implements TrafficRouter {
  readonly type = 'istio';
  private readonly context: RouterContext;
  private readonly config: IstioConfig;
  private readonly targets: WeightTargets;

  constructor(context: RouterContext) {
    this.context = context;
    this.config = istioConfig(context.config);
    const dr = this.config.destinationRule;
    this.targets = {
      canaryService: context.canaryService ?? '',
      stableService: context.stableService ?? '',
      canarySubset: dr?.canarySubsetName ?? '',
      stableSubset: dr?.stableSubsetName ?? '',
      additionalSubsets: dr?.additionalSubsetNames ?? [],
    };
  }

  private ref(vs: VirtualServiceConfig): ObjectRef {
    return virtualServiceRef(vs.name, this.context.rollout.namespace);
  }

  /** Patches each VirtualService in turn with what `change` computes from it as read. */
  private async eachVirtualService(
    change: (vs: KubeObject, config: VirtualServiceConfig) => JsonPatchOp[],
    missing: 'fail' | 'skip' = 'fail',
  ): Promise<void> {
    for (const config of this.config.virtualServices) {
      const ref = this.ref(config);
      if ((await this.context.objects.get(ref)) === undefined) {
        if (missing === 'skip') continue;
        throw notFound(ref);
      }
      await this.context.objects.modify(ref, (vs) => change(vs, config));
    }
  }

  async updateHash(
    canaryHash: string,
    stableHash: string,
    additional: readonly WeightDestination[] = [],
  ): Promise<void> {
    const dr = this.config.destinationRule;
    if (dr === undefined) return;
    const ref = destinationRuleRef(dr.name, this.context.rollout.namespace);
    if ((await this.context.objects.get(ref)) === undefined) throw notFound(ref);
    const hashes = { canary: canaryHash, stable: stableHash, additional };
    await this.context.objects.modify(ref, (current) =>
      subsetHashPatch(current, dr, this.context.rollout.name, hashes),
    );
  }

  async setWeight(weight: number, additional: readonly WeightDestination[] = []): Promise<void> {
    const want = { weight, additional, total: this.context.maxTrafficWeight };
    await this.eachVirtualService((vs, config) =>
      weightPatch(vs, config, this.context.managedRoutes, this.targets, want),
    );
  }

  /** Where header and mirror routes send traffic: the DestinationRule's host when it has one. */
  private async canaryTarget(): Promise<CanaryTarget> {
    const dr = this.config.destinationRule;
    if (dr === undefined) return { host: this.targets.canaryService, subset: '' };
    const ref = destinationRuleRef(dr.name, this.context.rollout.namespace);
    const object = await this.context.objects.get(ref);
    if (object === undefined) throw notFound(ref);
    const host = asStr(asObj(object.spec)?.host) ?? '';
    return { host: host === '' ? this.targets.canaryService : host, subset: dr.canarySubsetName };
  }

  async setHeaderRoute(route: HeaderRoute): Promise<void> {
    if (route.match.length === 0) return this.removeHeaderRoute(route.name);
    const target = await this.canaryTarget();
    const managed = this.context.managedRoutes;
    await this.eachVirtualService((vs, config) => {
      const weighed = firstWeighedHttpRoute(vs, config, managed);
      const first = destinations(weighed)?.[0];
      const port = first === undefined ? undefined : destinationView(first).port;
      return placeManagedRoute(vs, headerRouteBody(route, target, port), managed);
    });
  }

  removeHeaderRoute(name: string): Promise<void> {
    return this.eachVirtualService((vs) => removeRoutesPatch(vs, new Set([name])));
  }

  async setMirrorRoute(route: SetMirrorRoute): Promise<void> {
    if (route.match.length === 0) return this.removeMirrorRoute(route.name);
    const target = await this.canaryTarget();
    const managed = this.context.managedRoutes;
    await this.eachVirtualService((vs, config) => {
      const weighed = firstWeighedHttpRoute(vs, config, managed);
      if (weighed === undefined) {
        throw new Error(
          `${describe(vs)} has no HTTP route whose split mirror route "${route.name}" could keep`,
        );
      }
      return placeManagedRoute(vs, mirrorRouteBody(route, target, weighed), managed);
    });
  }

  removeMirrorRoute(name: string): Promise<void> {
    return this.eachVirtualService((vs) => removeRoutesPatch(vs, new Set([name])));
  }

  /** A VirtualService that is gone has no routes left to remove (as in Argo). */
  removeManagedRoutes(): Promise<void> {
    const names = new Set(this.context.managedRoutes);
    if (names.size === 0) return Promise.resolve();
    return this.eachVirtualService((vs) => removeRoutesPatch(vs, names), 'skip');
  }

  /** The split of the first VirtualService's first weighed route; undefined when it cannot be read. */
  async observeWeights(): Promise<ObservedWeights | undefined> {
    const config = this.config.virtualServices[0];
    if (config === undefined) return undefined;
    const vs = await this.context.objects.get(this.ref(config));
    if (vs === undefined) return undefined;
    try {
      return observedWeights(vs, config, this.context.managedRoutes, this.targets);
    } catch {
      return undefined;
    }
  }

  /** Istio applies a route change without a status to read back (Argo's VerifyWeight returns nil). */
  verifyWeight(): Promise<boolean | undefined> {
    return Promise.resolve(undefined);
  }

  private isDestinationRule(object: KubeObject): boolean {
    const dr = this.config.destinationRule;
    return dr !== undefined && isObject(destinationRuleRef(dr.name, this.context.rollout.namespace), object);
  }

  /** Its VirtualServices and its DestinationRule. */
  writesRouting(object: KubeObject): boolean {
    return (
      this.config.virtualServices.some((vs) => isObject(this.ref(vs), object)) ||
      this.isDestinationRule(object)
    );
  }

  /** Weights and managed routes of its VirtualServices, pod hashes of its DestinationRule (istio-keep.ts). */
  keepRouting(manifest: KubeObject, live: KubeObject): KubeObject {
    let kept = manifest;
    for (const config of this.config.virtualServices) {
      if (!isObject(this.ref(config), manifest)) continue;
      kept = keepVirtualServiceRouting(kept, live, config, this.context.managedRoutes, this.targets);
    }
    const dr = this.config.destinationRule;
    if (dr !== undefined && this.isDestinationRule(manifest)) kept = keepSubsetHashes(kept, live, dr);
    return kept;
  }
}

export const istioRouter: RouterRegistration = {
  key: 'istio',
  create: (context) => new IstioRouter(context),
};
