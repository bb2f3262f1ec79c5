import type { Action, RouterCall } from '../../src/engine/actions.ts';
import { canonicalJson } from '../../src/engine/hash.ts';
import type { Observation, PodTemplate } from '../../src/engine/state.ts';
import {
  ConflictError,
  type Clock,
  type ClusterPort,
  type KubeObject,
  type LeaseInfo,
  type StoredState,
} from '../../src/controller/ports.ts';

/** A clock that only moves when told to: `sleep` advances it at once, no real timers. */
export class FakeClock implements Clock {
  ms: number;
  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.ms = start;
  }
  now(): Date {
    return new Date(this.ms);
  }
  private timers: { due: number; every: number; fn: () => void }[] = [];
  sleep(ms: number): Promise<void> {
    this.advance(Math.max(0, ms));
    return Promise.resolve();
  }
  /** Moves the time on, firing the `every` timers that fall due on the way, in time order. */
  advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      const next = this.timers.reduce<(typeof this.timers)[number] | undefined>(
        (first, t) => (t.due <= end && (first === undefined || t.due < first.due) ? t : first),
        undefined,
      );
      if (next === undefined) break;
      this.ms = Math.max(this.ms, next.due);
      next.due += next.every;
      next.fn();
    }
    this.ms = end;
  }
  every(ms: number, fn: () => void): () => void {
    const timer = { due: this.ms + ms, every: ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
}

export interface FakeReplicaSet {
  name: string;
  hash: string;
  revision: number;
  specReplicas: number;
  /** Fake-clock time (ms) each existing pod becomes available. */
  pods: number[];
  createdAt: number;
  ephemeral?: string | undefined;
  scaleDownDeadline?: string | undefined;
  /** The pod template it was created with (the `rollout-pilot.dev/pod-template` annotation). */
  template?: PodTemplate | undefined;
}

/** One `waitForChange` call: how long it was asked to wait, how long it did, and why it woke. */
export interface WakeUp {
  by: string;
  askedMs: number;
  waitedMs: number;
  reason: 'change' | 'timeout' | 'aborted';
}

/**
 * The cluster as several drivers share it: the state ConfigMap (compare-and-swap versions), the
 * driver Lease, ReplicaSets whose pods become available `readyDelayMs` after they are scaled up,
 * Services and Secrets, all timed by one FakeClock. Each driver talks to it through its own
 * FakeCluster (the port remembers the lease epoch it holds, as the Kubernetes adapter does).
 */
export class FakeWorld {
  readonly clock: FakeClock;
  readyDelayMs = 1000;
  /** Hashes whose pods never become available and report a crash (a broken canary). */
  readonly broken = new Set<string>();
  /** A waiting driver wakes at least this often (a crash-looping pod's events); unset: no such events. */
  wakeEveryMs: number | undefined;
  state: Omit<StoredState, 'version'> | undefined;
  version = 0;
  lease: { holder: string; renewedAt: number; durationSeconds: number; transitions: number } | undefined;
  readonly replicaSets = new Map<string, FakeReplicaSet>();
  /** Service name -> pod-template hash in its selector. */
  readonly services = new Map<string, string | undefined>();
  /** The traffic router as the fake sees it: its canary weight, hashes and routes, and each call. */
  readonly router = {
    weight: 0,
    hashes: '',
    routes: new Set<string>(),
    calls: [] as string[],
  };
  /** `namespace/name` -> key -> value. */
  readonly secrets = new Map<string, Record<string, string>>();
  /** Every cluster action applied, in order, with who applied it and the fake time. */
  readonly actions: { by: string; at: number; action: Action }[] = [];
  /** Every state write that succeeded, in order. */
  readonly writes: { by: string; at: number; state: StoredState }[] = [];
  readonly wakeUps: WakeUp[] = [];
  /** Runs before the next state write (once): a conflicting write made by someone else. */
  private conflict: ((state: Omit<StoredState, 'version'>) => void) | undefined;
  /** A change signalled by `signalChange` that no waiter has seen yet. */
  private pendingChange = false;

  constructor(clock = new FakeClock()) {
    this.clock = clock;
  }

  /** The next `writeState` finds that someone else wrote first (after `mutate`, if given). */
  injectConflict(mutate: (state: Omit<StoredState, 'version'>) => void = () => undefined): void {
    this.conflict = mutate;
  }

  /** Something changed (a watch event): the next or current wait returns at once. */
  signalChange(): void {
    this.pendingChange = true;
  }

  /** Writes the state as another run would (a recorded command, a new revision): bumps the version. */
  writeAsOther(mutate: (state: Omit<StoredState, 'version'>) => void): void {
    if (this.state === undefined) throw new Error('no state to change');
    mutate(this.state);
    this.version++;
    this.pendingChange = true;
  }

  /** Another identity takes the lease outright (a newer run that judged it expired or its own). */
  takeLease(holder: string, durationSeconds = 15): string {
    const transitions = (this.lease?.transitions ?? 0) + 1;
    this.lease = { holder, renewedAt: this.clock.ms, durationSeconds, transitions };
    return `${holder}/${transitions}`;
  }

  consumeConflict(): boolean {
    const mutate = this.conflict;
    if (mutate === undefined || this.state === undefined) return false;
    this.conflict = undefined;
    mutate(this.state);
    this.version++;
    return true;
  }

  consumeChange(): boolean {
    const had = this.pendingChange;
    this.pendingChange = false;
    return had;
  }

  /** Carries out one router call on the fake router. */
  route(call: RouterCall): void {
    const r = this.router;
    switch (call.call) {
      case 'setWeight':
        r.weight = call.weight;
        r.calls.push(`weight ${call.weight}`);
        return;
      case 'updateHash':
        r.hashes = `${call.canaryHash}/${call.stableHash}`;
        r.calls.push(`hash ${r.hashes}`);
        return;
      case 'setHeaderRoute':
      case 'setMirrorRoute': {
        const name = call.route.name;
        if (call.route.match.length > 0) r.routes.add(name);
        else r.routes.delete(name);
        r.calls.push(`${call.call} ${name}`);
        return;
      }
      case 'removeManagedRoutes':
        r.routes.clear();
        r.calls.push('removeManagedRoutes');
        return;
    }
  }

  available(rs: FakeReplicaSet): number {
    return rs.pods.filter((t) => t <= this.clock.ms).length;
  }

  /** The earliest fake time after now at which a pod becomes available, if any. */
  nextPodReady(): number | undefined {
    let next: number | undefined;
    for (const rs of this.replicaSets.values()) {
      for (const t of rs.pods) if (t > this.clock.ms && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  scale(rs: FakeReplicaSet, replicas: number): void {
    rs.specReplicas = replicas;
    const readyAt = this.broken.has(rs.hash) ? Infinity : this.clock.ms + this.readyDelayMs;
    while (rs.pods.length < replicas) rs.pods.push(readyAt);
    // Scale-down removes unavailable pods first, as the ReplicaSet controller does.
    rs.pods.sort((x, y) => x - y);
    rs.pods.length = Math.min(rs.pods.length, replicas);
  }

  /** How many times each action kind was applied (by anyone). */
  count(kind: Action['kind']): number {
    return this.actions.filter((a) => a.action.kind === kind).length;
  }
}

/** One driver's view of the FakeWorld: an in-memory ClusterPort. */
export class FakeCluster implements ClusterPort {
  readonly world: FakeWorld;
  readonly me: string;
  private requests = 0;
  /** `apply` throws after this many successful actions (a run killed mid-tick). */
  failAfterActions: number | undefined;
  private applied = 0;
  /** Runs at the start of every `waitForChange` with the time asked for: where a test moves the world on. */
  onWait: ((ms: number) => void) | undefined;

  constructor(world: FakeWorld, me: string) {
    this.world = world;
    this.me = me;
  }

  readState(): Promise<StoredState | undefined> {
    this.requests++;
    const s = this.world.state;
    return Promise.resolve(
      s === undefined ? undefined : { ...structuredClone(s), version: String(this.world.version) },
    );
  }

  writeState(_ns: string, _name: string, state: StoredState): Promise<string> {
    this.requests++;
    if (this.world.consumeConflict() || (state.version ?? '0') !== String(this.world.version)) {
      return Promise.reject(new ConflictError('the state changed meanwhile'));
    }
    // The store keeps no version of its own in the object: readState stamps the current one.
    const rest: Omit<StoredState, 'version'> & { version?: string | undefined } = structuredClone(state);
    delete rest.version;
    this.world.state = rest;
    this.world.version++;
    const version = String(this.world.version);
    this.world.writes.push({ by: this.me, at: this.world.clock.ms, state: { ...rest, version } });
    return Promise.resolve(version);
  }

  acquireLease(
    _ns: string,
    _name: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
  ): Promise<LeaseInfo | undefined> {
    this.requests++;
    const l = this.world.lease;
    const now = this.world.clock.ms;
    const live = l !== undefined && l.holder !== '' && l.renewedAt + l.durationSeconds * 1000 > now;
    if (l !== undefined && live && l.holder !== identity && !canTakeOver(l.holder)) {
      return Promise.resolve({
        holder: l.holder,
        renewedAt: new Date(l.renewedAt),
        durationSeconds: l.durationSeconds,
      });
    }
    const transitions = (l?.transitions ?? 0) + (l?.holder === identity ? 0 : 1);
    this.world.lease = { holder: identity, renewedAt: now, durationSeconds, transitions };
    return Promise.resolve(undefined);
  }

  releaseLease(_ns: string, _name: string, identity: string): Promise<void> {
    this.requests++;
    const l = this.world.lease;
    if (l?.holder === identity) this.world.lease = { ...l, holder: '' };
    return Promise.resolve();
  }

  leaseEpoch(): string | undefined {
    const l = this.world.lease;
    return l?.holder === this.me ? `${l.holder}/${l.transitions}` : undefined;
  }

  observe(_rollout: KubeObject, services: readonly string[]): Promise<Observation> {
    this.requests++;
    const w = this.world;
    return Promise.resolve({
      replicaSets: [...w.replicaSets.values()].map((rs) => ({
        name: rs.name,
        hash: rs.hash,
        revision: rs.revision,
        specReplicas: rs.specReplicas,
        replicas: rs.pods.length,
        readyReplicas: w.available(rs),
        availableReplicas: w.available(rs),
        createdAt: new Date(rs.createdAt).toISOString(),
        podIssues: w.broken.has(rs.hash) && rs.pods.length > 0 ? ['pod x: CrashLoopBackOff'] : [],
        ephemeralMetadata: rs.ephemeral,
        ...(rs.template === undefined ? {} : { podTemplate: rs.template }),
        scaleDownDeadline: rs.scaleDownDeadline,
      })),
      services: Object.fromEntries(
        services.map((s) => [
          s,
          w.services.has(s) ? { name: s, selectedHash: w.services.get(s) } : undefined,
        ]),
      ),
    });
  }

  revisions(): Promise<Map<number, { hash: string; template: unknown }>> {
    this.requests++;
    const out = new Map<number, { hash: string; template: unknown }>();
    for (const rs of this.world.replicaSets.values()) out.set(rs.revision, { hash: rs.hash, template: {} });
    return Promise.resolve(out);
  }

  apply(rollout: KubeObject, action: Action): Promise<void> {
    this.requests++;
    if (this.failAfterActions !== undefined && this.applied >= this.failAfterActions) {
      return Promise.reject(new Error(`${this.me} died after ${this.applied} actions`));
    }
    this.applied++;
    const w = this.world;
    w.actions.push({ by: this.me, at: w.clock.ms, action });
    const byName = (name: string): FakeReplicaSet | undefined => w.replicaSets.get(name);
    switch (action.kind) {
      case 'createReplicaSet': {
        const name = `${rollout.metadata.name}-${action.hash}`;
        if (w.replicaSets.has(name)) return Promise.reject(new Error(`ReplicaSet ${name} already exists`));
        const rs = {
          name,
          hash: action.hash,
          revision: action.revision,
          specReplicas: 0,
          pods: [],
          createdAt: w.clock.ms,
          template: action.template,
        };
        w.replicaSets.set(name, rs);
        w.scale(rs, action.replicas);
        break;
      }
      case 'scaleReplicaSet': {
        const rs = byName(action.name);
        if (rs === undefined) return Promise.reject(new Error(`no ReplicaSet ${action.name}`));
        w.scale(rs, action.replicas);
        break;
      }
      case 'setRevision': {
        const rs = byName(action.name);
        if (rs !== undefined) rs.revision = action.revision;
        break;
      }
      case 'switchService':
        w.services.set(action.service, action.hash);
        break;
      case 'deleteReplicaSet':
        w.replicaSets.delete(action.name);
        break;
      case 'setEphemeralMetadata': {
        const rs = byName(action.name);
        if (rs !== undefined) rs.ephemeral = canonicalJson(action.metadata);
        break;
      }
      case 'setScaleDownDeadline': {
        const rs = byName(action.name);
        if (rs !== undefined) rs.scaleDownDeadline = action.deadline;
        break;
      }
      case 'routeTraffic':
        w.route(action.call);
        break;
      default:
        break;
    }
    return Promise.resolve();
  }

  readSecret(namespace: string, name: string, key: string): Promise<string | undefined> {
    this.requests++;
    return Promise.resolve(this.world.secrets.get(`${namespace}/${name}`)?.[key]);
  }

  applyObjects(): Promise<void> {
    this.requests++;
    return Promise.resolve();
  }

  /**
   * Returns at once on a signalled change; otherwise moves the fake clock to the next pod becoming
   * available (what the ReplicaSet watch would report) or by `ms`, whichever comes first.
   */
  waitForChange(_rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void> {
    const w = this.world;
    const start = w.clock.ms;
    this.onWait?.(ms);
    const waitMs = Math.min(ms, w.wakeEveryMs ?? ms);
    const record = (reason: WakeUp['reason']): Promise<void> => {
      w.wakeUps.push({ by: this.me, askedMs: ms, waitedMs: w.clock.ms - start, reason });
      return Promise.resolve();
    };
    if (signal?.aborted === true) return record('aborted');
    if (w.consumeChange()) return record('change');
    const ready = w.nextPodReady();
    if (ready !== undefined && ready - start <= waitMs) {
      w.clock.advance(Math.max(0, ready - w.clock.ms));
      return record('change');
    }
    w.clock.advance(Math.max(0, start + waitMs - w.clock.ms));
    return record('timeout');
  }

  requestCount(): number {
    return this.requests;
  }
}
