/**
 * The NGINX Ingress router (`trafficRouting.nginx`), as Argo Rollouts v1.10.2 drives it
 * (rollout/trafficrouting/nginx/nginx.go): beside each stable Ingress, a canary Ingress the rollout
 * owns, whose canary-weight annotation ingress-nginx reads. The stable Ingress is only read.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type {
  ObjectRef,
  ObservedWeights,
  RouterContext,
  RouterObjects,
  TrafficRouter,
} from '../../controller/traffic-router.ts';
import { asStringMap } from '../../manifests/values.ts';
import {
  canaryIngressName,
  canaryIngressPatch,
  canaryWeightAnnotation,
  desiredCanaryIngress,
  INGRESS_API_VERSION,
  type NginxConfig,
  parseNginxConfig,
} from './nginx-ingress.ts';

export class NginxRouter implements TrafficRouter {
  readonly type = 'nginx';
  private readonly objects: RouterObjects;
  private readonly rollout: { name: string; namespace: string };
  private readonly config: NginxConfig;
  private readonly stableService: string;
  private readonly canaryService: string;
  private readonly weightTotal: number | undefined;

  constructor(context: RouterContext) {
    this.objects = context.objects;
    this.rollout = context.rollout;
    this.config = parseNginxConfig(context.config);
    const { stableService, canaryService } = context;
    if (stableService === undefined || canaryService === undefined)
      throw new Error(
        `rollout ${context.rollout.name}: trafficRouting.nginx needs stableService and canaryService`,
      );
    this.stableService = stableService;
    this.canaryService = canaryService;
    this.weightTotal = context.maxTrafficWeightSet === true ? context.maxTrafficWeight : undefined;
  }

  /** Nothing to do: the canary Ingress sends to the canary Service, whatever its pods' hash. */
  updateHash(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Creates or updates the canary Ingress of each stable Ingress, in order. Additional destinations
   * (an Experiment's) are not routed by NGINX, as in Argo.
   */
  async setWeight(weight: number): Promise<void> {
    for (const stable of this.config.stableIngresses) await this.reconcile(stable, weight);
  }

  // Argo's NGINX router has no managed routes: header routing for NGINX is written by the user as
  // canary-by-header / canary-by-cookie in `additionalIngressAnnotations`, so these do nothing.
  setHeaderRoute(): Promise<void> {
    return Promise.resolve();
  }
  removeHeaderRoute(): Promise<void> {
    return Promise.resolve();
  }
  setMirrorRoute(): Promise<void> {
    return Promise.resolve();
  }
  removeMirrorRoute(): Promise<void> {
    return Promise.resolve();
  }
  removeManagedRoutes(): Promise<void> {
    return Promise.resolve();
  }

  /** The canary-weight of the first canary Ingress; undefined when it does not exist (yet). */
  async observeWeights(): Promise<ObservedWeights | undefined> {
    const first = this.config.stableIngresses[0];
    if (first === undefined) return undefined;
    const canary = await this.objects.get(this.ingress(canaryIngressName(this.rollout.name, first)));
    if (canary === undefined) return undefined;
    const annotations = asStringMap(canary.metadata.annotations);
    const written = annotations[canaryWeightAnnotation(this.config.annotationPrefix)];
    if (written === undefined || !/^\d+$/.test(written)) return undefined;
    return { canary: Number(written), additional: [] };
  }

  /** ingress-nginx does not report what it applied: Argo cannot tell either. */
  verifyWeight(): Promise<boolean | undefined> {
    return Promise.resolve(undefined);
  }

  /** The stable Ingress is only read; the canary Ingress it writes is its own, never in the manifests. */
  writesRouting(): boolean {
    return false;
  }
  keepRouting(manifest: KubeObject): KubeObject {
    return manifest;
  }

  private ingress(name: string): ObjectRef {
    return { apiVersion: INGRESS_API_VERSION, kind: 'Ingress', namespace: this.rollout.namespace, name };
  }

  private async reconcile(stableName: string, weight: number): Promise<void> {
    const stable = await this.objects.get(this.ingress(stableName));
    if (stable === undefined) {
      throw new Error(
        `Ingress ${this.rollout.namespace}/${stableName} (trafficRouting.nginx of rollout ${this.rollout.name}) not found`,
      );
    }
    const desired = desiredCanaryIngress({
      rollout: this.rollout,
      stable,
      stableService: this.stableService,
      canaryService: this.canaryService,
      config: this.config,
      weight,
      weightTotal: this.weightTotal,
    });
    const ref = this.ingress(desired.metadata.name);
    if ((await this.objects.get(ref)) === undefined) {
      try {
        await this.objects.create(desired);
        return;
      } catch (error) {
        // Created meanwhile (another run, a retry): update it as one that existed, if it is ours.
        if ((await this.objects.get(ref)) === undefined) throw error;
      }
    }
    await this.objects.modify(ref, (current) => {
      this.refuseForeign(current);
      return canaryIngressPatch(current, desired);
    });
  }

  /** A canary Ingress the rollout does not own is someone else's: it is never changed. */
  private refuseForeign(current: KubeObject): void {
    if (this.objects.owns(current)) return;
    throw new Error(
      `Ingress ${this.rollout.namespace}/${current.metadata.name} exists and is not owned by rollout ${this.rollout.name}: it will not be used as its canary Ingress`,
    );
  }
}
