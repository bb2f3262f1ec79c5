import type { ApiCall } from './api-errors.ts';
import { Wakeup } from './watches.ts';
import type { NamespaceInformers } from './namespace-cache.ts';
import { ROLLOUT_LABEL, stateName } from './names.ts';
import { olderThan } from './seen-versions.ts';
import type { InformedObject, InformerEvent } from './shared-informer.ts';
import type { ConfigMap, Pod, ReplicaSet, Service } from './wire.ts';

/**
 * A write the watch has not shown within this long is taken as shown: the watch lags by
 * milliseconds, and a write that changed nothing (a scale to the same size) never shows at all.
 */
export const EXPECTATION_TTL_MS = 5000;

type CachedKind = 'ReplicaSet' | 'ConfigMap';

/** A write of the driver's that the watch has not shown yet. */
interface Expectation {
  /** The resourceVersion the write answered with; undefined for a delete. */
  version: string | undefined;
  /** What the write answered with: the object as the API server holds it now. */
  object: InformedObject | undefined;
  deleted: boolean;
  at: number;
}

/**
 * One driver's view of the namespace's shared caches: it wakes the driver on a change of its
 * rollout's objects, and shows the driver its own writes at once (read-your-writes): until the
 * watch delivers the version a write answered with, a read shows the write's answer in place of
 * the cached object (a delete: without it), as client-go's mutation cache does; a write whose
 * answer carries no object sends reads of its kind to the API server until then. Compare-and-swap
 * on the state stays the guard against any stale read.
 */
export class SharedView {
  private readonly expected = new Map<string, Expectation>();
  private readonly unsubscribe: (() => void)[] = [];
  private watched: string | undefined;
  private readonly wakeup = new Wakeup();

  private readonly informers: NamespaceInformers;
  /** The state ConfigMap's resourceVersion the driver wrote last: its own event is no news. */
  private readonly lastWritten: () => string | undefined;
  private readonly now: () => number;

  constructor(
    informers: NamespaceInformers,
    lastWritten: () => string | undefined,
    now: () => number = Date.now,
  ) {
    this.informers = informers;
    this.lastWritten = lastWritten;
    this.now = now;
    this.follow('ReplicaSet', informers.replicaSets);
    this.follow('ConfigMap', informers.states);
  }

  private follow(
    kind: CachedKind,
    informer: NamespaceInformers['replicaSets'] | NamespaceInformers['states'],
  ): void {
    this.unsubscribe.push(
      informer.subscribe({
        event: (type, obj) => {
          this.onEvent(kind, type, obj);
        },
        resync: (listedFrom) => {
          // A list made after a write shows it (or what came after it).
          for (const [key, e] of this.expected)
            if (key.startsWith(`${kind}/`) && e.at < listedFrom) this.expected.delete(key);
          this.wake();
        },
      }),
    );
  }

  private onEvent(kind: CachedKind, type: InformerEvent, obj: InformedObject): void {
    const key = `${kind}/${obj.metadata?.name ?? ''}`;
    const e = this.expected.get(key);
    const version = obj.metadata?.resourceVersion;
    if (e !== undefined && (type === 'DELETED' || e.version === undefined || shows(version, e.version))) {
      this.expected.delete(key);
    }
    if (this.watched === undefined || obj.metadata?.labels?.[ROLLOUT_LABEL] !== this.watched) return;
    if (kind === 'ConfigMap' && version !== undefined && version === this.lastWritten()) return;
    this.wake();
  }

  private wake(): void {
    this.wakeup.wake();
  }

  /** A write of the driver succeeded: reads of that object show its answer until the watch does. */
  written(call: ApiCall, answer: unknown): void {
    if (call.kind !== 'ReplicaSet' && call.kind !== 'ConfigMap') return;
    const name = call.name ?? '';
    const key = `${call.kind}/${name}`;
    const informer = call.kind === 'ReplicaSet' ? this.informers.replicaSets : this.informers.states;
    const cached = informer.get(name);
    const at = this.now();
    if (call.verb === 'delete') {
      if (cached === undefined) this.expected.delete(key);
      else this.expected.set(key, { version: undefined, object: undefined, deleted: true, at });
      return;
    }
    const object = answer as InformedObject | undefined;
    const version = object?.metadata?.resourceVersion;
    // The watch may have delivered it, or a later version, before the answer came back.
    if (version !== undefined && shows(cached?.metadata?.resourceVersion, version)) {
      this.expected.delete(key);
      return;
    }
    const shown = version !== undefined && object?.metadata?.name === name ? object : undefined;
    this.expected.set(key, { version, object: shown, deleted: false, at });
  }

  /** The driver's writes of `kind` the watch has not shown yet, by name (expired ones dropped). */
  private pending(kind: CachedKind): Map<string, Expectation> {
    const now = this.now();
    const out = new Map<string, Expectation>();
    for (const [key, e] of this.expected) {
      if (!key.startsWith(`${kind}/`)) continue;
      if (now - e.at >= EXPECTATION_TTL_MS) this.expected.delete(key);
      else out.set(key.slice(kind.length + 1), e);
    }
    return out;
  }

  /** The rollout's ReplicaSets from the cache; undefined when the API server must be asked. */
  replicaSets(rollout: string): ReplicaSet[] | undefined {
    const informer = this.informers.replicaSets;
    if (!informer.synced) return undefined;
    const pending = this.pending('ReplicaSet');
    if ([...pending.values()].some((e) => !e.deleted && e.object === undefined)) return undefined;
    const byName = new Map(informer.withLabel(ROLLOUT_LABEL, rollout).map((rs) => [rs.metadata?.name, rs]));
    for (const [name, e] of pending) {
      if (e.object?.metadata?.labels?.[ROLLOUT_LABEL] === rollout) byName.set(name, e.object as ReplicaSet);
      else byName.delete(name);
    }
    return [...byName.values()];
  }

  /** The rollout's state ConfigMap from the cache; undefined when the API server must be asked. */
  state(rollout: string): ConfigMap | undefined {
    const informer = this.informers.states;
    if (!informer.synced) return undefined;
    const name = stateName(rollout);
    const e = this.pending('ConfigMap').get(name);
    if (e === undefined) return informer.get(name);
    return e.object as ConfigMap | undefined;
  }

  /**
   * The rollout's pods from the cache; undefined when it is not ready. The driver never waits on
   * them (they only say why pods are missing), so the driver's own writes are not awaited here.
   */
  pods(rollout: string): Pod[] | undefined {
    const informer = this.informers.pods;
    if (!informer.synced) return undefined;
    return informer.withLabel(ROLLOUT_LABEL, rollout);
  }

  /** A Service from the cache: null when it does not exist, undefined when the cache is not ready. */
  service(name: string): Service | null | undefined {
    const informer = this.informers.services;
    if (!informer.synced) return undefined;
    return informer.get(name) ?? null;
  }

  /** Sleeps until a change of the rollout's ReplicaSets or state (not the driver's own), or `ms`. */
  async waitForChange(rollout: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.watched !== rollout) {
      this.watched = rollout;
      this.wakeup.clear();
    }
    await this.wakeup.wait(ms, signal);
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }
}

/** Whether an object at version `seen` shows a write that answered `written`: that one, or a later one. */
function shows(seen: string | undefined, written: string): boolean {
  if (seen === undefined) return false;
  if (seen === written) return true;
  return /^\d+$/.test(seen) && /^\d+$/.test(written) && !olderThan(seen, written);
}
