import { AppsV1Api, Watch, type KubeConfig, type V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeCluster } from '../src/adapters/k8s/cluster.ts';
import type { StoredState } from '../src/controller/ports.ts';
import type { Action } from '../src/engine/actions.ts';
import type { RolloutStatus } from '../src/engine/state.ts';
import type { Interval } from './intervals.ts';

/** Epoch milliseconds with sub-millisecond resolution, comparable with Date.parse. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** One call through the ClusterPort: which method, when, and how many API requests it made. */
export interface CallRecord {
  method: string;
  start: number;
  end: number;
  requests: number;
}

export interface ApplyRecord extends CallRecord {
  action: Action;
}

export interface SleepRecord {
  start: number;
  end: number;
  /** What the driver asked for: 150 ms after an action, the requeue (≤ 5 s) otherwise. */
  ms: number;
}

export interface StatusRecord {
  at: number;
  status: RolloutStatus;
}

/** Thrown from waitForChange once a measurement window is over, to stop drive() where it sleeps. */
export class BenchStop extends Error {
  override name = 'BenchStop';
}

/**
 * Records everything the driver does through a KubeCluster: every call (time and API requests),
 * every action, every status written, every sleep. `cluster` is the KubeCluster itself behind a
 * Proxy, so whatever methods the port grows are recorded too, and nothing of what it does changes.
 */
export class Recorder {
  readonly calls: CallRecord[] = [];
  readonly applies: ApplyRecord[] = [];
  readonly sleeps: SleepRecord[] = [];
  readonly statuses: StatusRecord[] = [];
  /** Set to make the driver's next waitForChange throw BenchStop. */
  stop = false;
  /** Called after each recorded call, for measurement windows that start on an event. */
  onCall: ((call: CallRecord, detail: CallDetail) => void) | undefined;
  /** Called as the driver goes to sleep. */
  onSleep: ((start: number) => void) | undefined;

  readonly inner: KubeCluster;
  /** Pass this to drive(). */
  readonly cluster: KubeCluster;

  constructor(inner: KubeCluster) {
    this.inner = inner;
    this.cluster = new Proxy(inner, {
      get: (target, prop, receiver): unknown => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'requestCount') return value;
        const method = value as (...a: unknown[]) => unknown;
        return (...a: unknown[]) => this.invoke(prop, a, () => method.apply(target, a));
      },
    });
  }

  requestCount(): number {
    return this.inner.requestCount();
  }

  private async invoke(method: string, a: readonly unknown[], fn: () => unknown): Promise<unknown> {
    if (method === 'waitForChange') {
      if (this.stop) throw new BenchStop('measurement window over');
      const start = now();
      this.onSleep?.(start);
      await fn();
      this.sleeps.push({ start, end: now(), ms: Number(a[1]) });
      return undefined;
    }
    const before = this.inner.requestCount();
    const start = now();
    let ok = false;
    let result: unknown;
    try {
      result = await fn();
      ok = true;
      return result;
    } finally {
      const call = { method, start, end: now(), requests: this.inner.requestCount() - before };
      this.calls.push(call);
      const detail: CallDetail = {};
      if (ok && method === 'apply') {
        detail.action = a[1] as Action;
        this.applies.push({ ...call, action: detail.action });
      }
      if (ok && method === 'writeState') {
        detail.status = structuredClone((a[2] as StoredState).status);
        this.statuses.push({ at: call.end, status: detail.status });
      }
      this.onCall?.(call, detail);
    }
  }
}

export interface CallDetail {
  action?: Action;
  status?: RolloutStatus;
}

/** What the benchmark needs of a ReplicaSet to tell whether the cluster has caught up with it. */
export interface RSState {
  generation: number;
  observedGeneration: number;
  spec: number;
  /** status.replicas: pods that exist and are not being deleted. */
  replicas: number;
  available: number;
}

function rsState(rs: V1ReplicaSet): RSState {
  return {
    generation: rs.metadata?.generation ?? 0,
    observedGeneration: rs.status?.observedGeneration ?? 0,
    spec: rs.spec?.replicas ?? 0,
    replicas: rs.status?.replicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
  };
}

/**
 * The cluster has caught up with `expected` (ReplicaSet name → spec.replicas): the ReplicaSet
 * controller has seen each spec, and each has exactly that many pods, all available. This is the
 * most the controller can ever have to wait for after a scale.
 */
export function settled(sets: ReadonlyMap<string, RSState>, expected: ReadonlyMap<string, number>): boolean {
  for (const [name, spec] of expected) {
    const rs = sets.get(name);
    if (rs === undefined) {
      if (spec === 0) continue;
      return false;
    }
    if (rs.spec !== spec || rs.observedGeneration < rs.generation) return false;
    if (rs.replicas !== spec || rs.available !== spec) return false;
  }
  return true;
}

export interface Snapshot {
  at: number;
  sets: ReadonlyMap<string, RSState>;
}

/**
 * Every state of a rollout's ReplicaSets, timestamped as a watch of its own (not counted in the
 * controller's requests) delivers it: the cluster's side of the story, independent of the driver.
 */
export class ReplicaSetTimeline {
  readonly snapshots: Snapshot[] = [];
  private current = new Map<string, RSState>();
  private controller: AbortController | undefined;
  private stopped = false;
  private resourceVersion = '';
  private readonly kc: KubeConfig;
  private readonly namespace: string;
  private readonly labelSelector: string;

  constructor(kc: KubeConfig, namespace: string, labelSelector: string) {
    this.kc = kc;
    this.namespace = namespace;
    this.labelSelector = labelSelector;
  }

  async start(): Promise<void> {
    const list = await this.kc
      .makeApiClient(AppsV1Api)
      .listNamespacedReplicaSet({ namespace: this.namespace, labelSelector: this.labelSelector });
    this.current = new Map(list.items.map((rs) => [rs.metadata?.name ?? '', rsState(rs)]));
    this.snapshots.push({ at: now(), sets: new Map(this.current) });
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    this.controller = await new Watch(this.kc).watch(
      `/apis/apps/v1/namespaces/${this.namespace}/replicasets`,
      { labelSelector: this.labelSelector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (phase: string, obj: unknown) => {
        const rs = obj as V1ReplicaSet;
        this.resourceVersion = rs.metadata?.resourceVersion ?? this.resourceVersion;
        if (phase === 'BOOKMARK') return;
        if (phase === 'ERROR') {
          // 410 Gone: start over from a fresh list.
          this.resourceVersion = '';
          return;
        }
        const name = rs.metadata?.name ?? '';
        if (phase === 'DELETED') this.current.delete(name);
        else this.current.set(name, rsState(rs));
        this.snapshots.push({ at: now(), sets: new Map(this.current) });
      },
      () => {
        // The client ends a watch after 30 s without events: watch on from where it stood.
        if (!this.stopped) {
          const again = this.resourceVersion === '' ? this.start() : this.watch();
          again.catch((e: unknown) => {
            process.stderr.write(`bench: ReplicaSet watch failed: ${String(e)}\n`);
          });
        }
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  /** The ReplicaSets as they stood at `t`. */
  at(t: number): ReadonlyMap<string, RSState> {
    let found: Snapshot | undefined;
    for (const s of this.snapshots) {
      if (s.at > t) break;
      found = s;
    }
    return found?.sets ?? new Map<string, RSState>();
  }

  /** The first moment at or after `t` when the cluster had caught up with `expected`. */
  settledAt(t: number, expected: ReadonlyMap<string, number>): number | undefined {
    if (settled(this.at(t), expected)) return t;
    return this.snapshots.find((s) => s.at > t && settled(s.sets, expected))?.at;
  }
}

/** A batch of actions the driver applied in one tick, back to back. */
export interface ActionBatch {
  start: number;
  end: number;
  actions: Action[];
}

/** Consecutive apply calls (nothing else in between) are one tick's actions. */
export function actionBatches(calls: readonly CallRecord[], applies: readonly ApplyRecord[]): ActionBatch[] {
  const out: ActionBatch[] = [];
  let current: ActionBatch | undefined;
  let a = 0;
  for (const call of calls) {
    if (call.method !== 'apply') {
      current = undefined;
      continue;
    }
    const applied = applies[a++];
    if (applied === undefined) continue;
    if (current === undefined) {
      current = { start: call.start, end: call.end, actions: [] };
      out.push(current);
    }
    current.end = call.end;
    current.actions.push(applied.action);
  }
  return out;
}

/**
 * The waits the controller cannot avoid: from the end of each tick's actions until the cluster
 * (as the independent watch saw it) had caught up with every ReplicaSet's new spec — pods created,
 * scheduled, Ready and counted available, or deleted. A wait ends early if the driver acts again.
 */
export function mustWaits(
  batches: readonly ActionBatch[],
  timeline: ReplicaSetTimeline,
  rolloutName: string,
  from: number,
  to: number,
): Interval[] {
  const expected = new Map<string, number>();
  for (const [name, rs] of timeline.at(from)) expected.set(name, rs.spec);
  const out: Interval[] = [];
  batches.forEach((batch, i) => {
    for (const action of batch.actions) {
      if (action.kind === 'createReplicaSet') expected.set(`${rolloutName}-${action.hash}`, action.replicas);
      else if (action.kind === 'scaleReplicaSet') expected.set(action.name, action.replicas);
      else if (action.kind === 'deleteReplicaSet') expected.delete(action.name);
    }
    const next = batches[i + 1]?.start ?? to;
    const caughtUp = timeline.settledAt(batch.end, expected) ?? to;
    out.push([batch.end, Math.min(caughtUp, next, to)]);
  });
  return out;
}

/**
 * The same waits seen from the watch alone, for a driver in another process: each change of a
 * ReplicaSet's spec (a new generation, a new or deleted ReplicaSet) starts a wait that lasts until
 * the cluster had caught up with it, or until the next change.
 */
export function mustWaitsFromTimeline(timeline: ReplicaSetTimeline, from: number, to: number): Interval[] {
  const changes: Snapshot[] = [];
  let prev = timeline.at(from);
  for (const s of timeline.snapshots) {
    if (s.at <= from || s.at > to) continue;
    const changed =
      s.sets.size !== prev.size ||
      [...s.sets].some(([name, rs]) => {
        const before = prev.get(name);
        return before === undefined || before.generation !== rs.generation;
      });
    if (changed) changes.push(s);
    prev = s.sets;
  }
  return changes.map((c, i) => {
    const expected = new Map([...c.sets].map(([name, rs]) => [name, rs.spec]));
    const next = changes[i + 1]?.at ?? to;
    const caughtUp = timeline.settledAt(c.at, expected) ?? to;
    return [c.at, Math.min(caughtUp, next, to)] as const;
  });
}
