import type { SetHeaderRoute, SetMirrorRoute, TrafficRouting } from '../manifests/rollout-model.ts';
import type { WeightDestination } from '../engine/state.ts';
import type { KubeObject } from './ports.ts';

/** A share of traffic beside the canary and the stable (the engine's type: RouterCall carries it). */
export type { WeightDestination } from '../engine/state.ts';

/** What a router reports it serves now: the canary's weight and the other destinations'. */
export interface ObservedWeights {
  canary: number;
  additional: WeightDestination[];
}

/** A header route as a router sets it: named (the name is listed in `managedRoutes`). */
export type HeaderRoute = SetHeaderRoute & { name: string };

/**
 * The traffic router of a rollout (Argo's TrafficRoutingReconciler, Flagger's router.Interface):
 * the mesh or ingress that splits traffic by weight, so the canary's share no longer follows its
 * pod count. One adapter per router lives in `src/adapters/routers/`; the registry there picks it
 * by the rollout's `trafficRouting` key. The stable gets what the canary and the additional
 * destinations leave of maxTrafficWeight. Each call is absolute, so repeating it is harmless.
 */
export interface TrafficRouter {
  /** The `trafficRouting` key it serves: `nginx`, `istio`, `plugins/argoproj-labs/gatewayAPI` ... */
  readonly type: string;
  /**
   * Point the router's canary and stable destinations at these ReplicaSets, for routers that
   * select pods by hash (Istio's DestinationRule subsets); the others do nothing.
   */
  updateHash(
    canaryHash: string,
    stableHash: string,
    additional?: readonly WeightDestination[],
  ): Promise<void>;
  /** Send `weight` (of maxTrafficWeight) to the canary and each additional destination its own. */
  setWeight(weight: number, additional?: readonly WeightDestination[]): Promise<void>;
  /** Send requests that match the headers to the canary (a `setHeaderRoute` step). */
  setHeaderRoute(route: HeaderRoute): Promise<void>;
  removeHeaderRoute(name: string): Promise<void>;
  /** Copy matching requests to the canary, answering from the stable (a `setMirrorRoute` step). */
  setMirrorRoute(route: SetMirrorRoute): Promise<void>;
  removeMirrorRoute(name: string): Promise<void>;
  /** Remove every route of `managedRoutes` (at the end of the update, or on an abort). */
  removeManagedRoutes(): Promise<void>;
  /** The weights the router serves now; undefined when it cannot read them. */
  observeWeights(): Promise<ObservedWeights | undefined>;
  /**
   * Whether the router has taken `weight` up (a load balancer may lag the object that sets it);
   * undefined when the router cannot tell, and the engine goes on as Argo does.
   */
  verifyWeight(weight: number, additional?: readonly WeightDestination[]): Promise<boolean | undefined>;
  /**
   * Whether the router writes routing into this object (a VirtualService or HTTPRoute it weighs,
   * its DestinationRule), so that re-applying the object from the manifests must keep that routing
   * (see keepRouting). Pure; the object's namespace must be set.
   */
  writesRouting(object: KubeObject): boolean;
  /**
   * The object to apply when the manifests hold one the router writes: the manifest's, with the
   * routing the router is responsible for (weights, managed routes, subset hashes) taken from the
   * live object, so that a re-apply neither moves traffic nor drops a managed route. Everything else
   * is the manifest's: a route added in git is added, one removed in git is removed. Returns the
   * manifest unchanged for an object the router does not write. Pure: reads and writes nothing.
   */
  keepRouting(manifest: KubeObject, live: KubeObject): KubeObject;
}

/** Which object a router reads or writes (the namespace is always set: the rollout's by default). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The API group of an apiVersion: `networking.istio.io/v1` is `networking.istio.io`, `v1` is ''. */
function apiGroup(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Whether `object` is the one `ref` names. The version is not compared: a manifest may write a
 * VirtualService as `v1` that the router reads as `v1alpha3`, it is the same object.
 */
export function isObject(ref: ObjectRef, object: KubeObject): boolean {
  return (
    object.kind === ref.kind &&
    object.metadata.name === ref.name &&
    object.metadata.namespace === ref.namespace &&
    apiGroup(object.apiVersion) === apiGroup(ref.apiVersion)
  );
}

/** One RFC 6902 operation; paths are JSON pointers (`/spec/http/0/route/1/weight`). */
export type JsonPatchOp =
  { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

/**
 * The objects a router reads and writes (Ingresses, VirtualServices, DestinationRules, HTTPRoutes),
 * as a small port: the Kubernetes adapter implements it, tests use an in-memory fake. Every write
 * is a minimal JSON patch under rollout-pilot's field manager, never a replacement of the object, so
 * the routes and fields that others (Argo CD, a person) manage are left as they are.
 */
export interface RouterObjects {
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Changes an existing object by the patch `change` computes from it as read. The patch is sent
   * with a test of the resourceVersion that was read: when someone changed the object meanwhile,
   * it is read again and the patch computed again (a few times), so nobody's change is overwritten
   * blindly. `change` returns [] when the object is already as wanted: then nothing is written.
   * Throws when the object does not exist.
   */
  modify(ref: ObjectRef, change: (current: KubeObject) => JsonPatchOp[]): Promise<void>;
  /** Creates an object the rollout owns (it goes with the rollout's state). */
  create(object: KubeObject): Promise<void>;
  /** Whether the rollout owns the object (created it through `create`). */
  owns(object: KubeObject): boolean;
}

/** What a router adapter is built from: the rollout and its router's block as written. */
export interface RouterContext {
  /** Reads and writes the router's objects. */
  objects: RouterObjects;
  rollout: { name: string; namespace: string };
  /** The router's own block: `trafficRouting.nginx`, or a plugin's under `trafficRouting.plugins`. */
  config: unknown;
  stableService: string | undefined;
  canaryService: string | undefined;
  /** `trafficRouting.managedRoutes` by name, highest precedence first. */
  managedRoutes: readonly string[];
  /** The weight of all traffic (`trafficRouting.maxTrafficWeight`, 100 by default). */
  maxTrafficWeight: number;
  /**
   * Whether the rollout writes `trafficRouting.maxTrafficWeight` (even as 100): NGINX's canary
   * Ingress carries canary-weight-total only then, as Argo writes it.
   */
  maxTrafficWeightSet?: boolean;
}

/** The parts of a canary rollout a router is built from. */
export interface RoutedRollout {
  name: string;
  namespace: string;
  canary: {
    trafficRouting?: TrafficRouting | undefined;
    stableService?: string | undefined;
    canaryService?: string | undefined;
    maxTrafficWeight: number;
  };
}
