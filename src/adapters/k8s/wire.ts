/**
 * The Kubernetes objects as they travel: plain JSON. The package's V1* interfaces describe the
 * generated client's model classes, whose timestamps are Date objects; rollout-pilot's own client
 * (http.ts, typed-api.ts) hands out what the API server sent, where a timestamp is RFC 3339 text.
 * `Plain<V1Lease>` is V1Lease with every Date (and MicroTime) as a string. Pure; types only, and
 * the MicroTime format.
 */
import type {
  V1ConfigMap,
  V1ContainerStatus,
  V1Job,
  V1Lease,
  V1Pod,
  V1PodList,
  V1ReplicaSet,
  V1Service,
  V1ObjectMeta,
} from '@kubernetes/client-node';

/**
 * A model with its timestamps as the strings the API server sends, and its fields by their JSON
 * names (the generator renames reserved words: ListMeta's `continue` is `_continue` in the class).
 */
export type Plain<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T as K extends `_${infer Json}` ? Json : K]: Plain<T[K]> }
      : T;

/** What a write accepts: the plain form, or a model whose Dates JSON turns into RFC 3339 text. */
export type Body<T> = Plain<T> | T;

/**
 * A MicroTime (a Lease's acquireTime and renewTime) as the API server parses it: RFC 3339 with six
 * fractional digits (k8s.io/apimachinery's RFC3339Micro; three digits are refused).
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The objects rollout-pilot reads, as they travel. */
export type ConfigMap = Plain<V1ConfigMap>;
export type ContainerStatus = Plain<V1ContainerStatus>;
export type Job = Plain<V1Job>;
export type Lease = Plain<V1Lease>;
export type ObjectMeta = Plain<V1ObjectMeta>;
export type Pod = Plain<V1Pod>;
export type PodList = Plain<V1PodList>;
export type ReplicaSet = Plain<V1ReplicaSet>;
export type Service = Plain<V1Service>;
