// Messages between the backend's two processes: the watcher on the host (backend.ts), which knows
// the cluster's pods, and the server inside the pod network namespace (backend-server.ts), which
// answers on their addresses. They talk over Node's IPC pipe, which crosses network namespaces.

/** What the backend knows of one pod whose IP is bound in the namespace. */
export interface PodInfo {
  readonly ip: string;
  readonly uid: string;
  readonly pod: string;
  readonly namespace: string;
  /** The rollouts-pod-template-hash (a Rollout's pods) or pod-template-hash label: the revision a ReplicaSet's pods share. */
  readonly revision: string;
}

/** The share of requests (0..1) that fail with 500, per `namespace/revision`. */
export type FailureRates = Readonly<Record<string, number>>;

export type ToServer =
  | { readonly kind: 'pods'; readonly pods: readonly PodInfo[]; readonly ports: readonly number[] }
  | { readonly kind: 'failures'; readonly rates: FailureRates };

/** One count of answered requests: how many with `code` for the pod at `ip`. */
export interface ServedCount {
  readonly ip: string;
  readonly pod: string;
  readonly namespace: string;
  readonly revision: string;
  readonly code: number;
  readonly count: number;
}

export type ToWatcher =
  | { readonly kind: 'served'; readonly counts: readonly ServedCount[] }
  | { readonly kind: 'listening'; readonly ports: readonly number[] };

export function failureKey(namespace: string, revision: string): string {
  return `${namespace}/${revision}`;
}
