import type { KubeObject } from '../../controller/ports.ts';
import { sleep, type KubeApi } from './api-call.ts';
import { parts, ROLLOUT_LABEL, stateName } from './names.ts';
import type { Query } from './http.ts';
import { KubeWatch } from './watch.ts';

/**
 * Events that arrive this close together wake the driver once (the API server sends a burst's
 * events within a few ms). It delays every wake by as much: at 50 ms it was a tenth of a promote.
 */
const EVENT_DEBOUNCE_MS = 10;

/**
 * What a waiting driver sleeps on: `wake` ends the wait at once (or the next one, when nobody waits
 * yet); events that come together wake it once.
 */
export class Wakeup {
  private dirty = false;
  private waiter: (() => void) | undefined;

  wake(): void {
    this.dirty = true;
    this.waiter?.();
  }

  /** Forgets the events so far (they were not news). */
  clear(): void {
    this.dirty = false;
  }

  /** Sleeps until woken, `ms` passed or `signal` aborted. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.dirty) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.waiter = done;
        signal?.addEventListener('abort', done);
      });
    }
    if (this.dirty) {
      // Several events usually come together (a scale, then pods): take them as one.
      this.dirty = false;
      await sleep(EVENT_DEBOUNCE_MS, signal);
      this.dirty = false;
    }
  }
}

/** What a driver watches: the ReplicaSets with a label, and one state ConfigMap. */
export interface WatchTarget {
  namespace: string;
  /** `key=value` */
  labelSelector: string;
  configMap: string;
}

/** Watches on the rollout's ReplicaSets and state ConfigMap; they wake a waiting driver. */
export class Watches {
  private watches: { key: string; controllers: AbortController[]; alive: boolean } | undefined;
  private readonly wakeup = new Wakeup();

  private readonly api: KubeApi;
  /** The state ConfigMap's resourceVersion we wrote last: its own watch event is no news. */
  private readonly lastWritten: () => string | undefined;

  constructor(api: KubeApi, lastWritten: () => string | undefined) {
    this.api = api;
    this.lastWritten = lastWritten;
  }

  async waitForChange(rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void> {
    const p = parts(rollout);
    const target = {
      namespace: p.namespace,
      labelSelector: `${ROLLOUT_LABEL}=${p.name}`,
      configMap: stateName(p.name),
    };
    await this.waitFor(target, ms, signal);
  }

  /** Sleeps until the target's ReplicaSets or ConfigMap change (not by our own state write), or `ms`. */
  async waitFor(target: WatchTarget, ms: number, signal?: AbortSignal): Promise<void> {
    await this.watch(target);
    await this.wakeup.wait(ms, signal);
  }

  /** Starts the watches once per target; one that ends is started again at the next wait. */
  private async watch(p: WatchTarget): Promise<void> {
    const key = `${p.namespace}/${p.labelSelector}/${p.configMap}`;
    if (this.watches?.key === key && this.watches.alive) return;
    this.stop();
    const entry = { key, controllers: [] as AbortController[], alive: true };
    this.watches = entry;
    // A watch from the version the driver last read shows every change since and nothing else. One
    // without (nothing read yet) starts with the current objects ("ADDED"): not news, so its events
    // count only from EVENT_DEBOUNCE_MS after it started.
    let settledAt = Infinity;
    const onEvent =
      (fromRead: boolean) =>
      (_type: string, obj: unknown): void => {
        if (!fromRead && performance.now() < settledAt) return;
        const version = (obj as { metadata?: { resourceVersion?: string } } | null)?.metadata
          ?.resourceVersion;
        if (version !== undefined && version === this.lastWritten()) return;
        this.wakeup.wake();
      };
    const onDone = (): void => {
      entry.alive = false;
    };
    const watch = new KubeWatch(this.api.clients.http);
    const open = (path: string, query: Query, from: string | undefined): Promise<AbortController> =>
      watch.watch(
        path,
        { ...query, allowWatchBookmarks: false, ...(from === undefined ? {} : { resourceVersion: from }) },
        onEvent(from !== undefined),
        onDone,
      );
    this.api.requests += 2;
    const started = await Promise.allSettled([
      open(
        `/apis/apps/v1/namespaces/${p.namespace}/replicasets`,
        { labelSelector: p.labelSelector },
        this.api.seen.watchFrom('ReplicaSet', p.namespace, p.labelSelector),
      ),
      open(
        `/api/v1/namespaces/${p.namespace}/configmaps`,
        { fieldSelector: `metadata.name=${p.configMap}` },
        this.api.seen.watchFrom('ConfigMap', p.namespace, p.configMap),
      ),
    ]);
    settledAt = performance.now() + EVENT_DEBOUNCE_MS;
    for (const s of started) if (s.status === 'fulfilled') entry.controllers.push(s.value);
    if (started.some((s) => s.status === 'rejected')) {
      // Without a watch the driver still wakes on its timers.
      for (const c of entry.controllers) c.abort();
      entry.alive = false;
    }
  }

  stop(): void {
    for (const c of this.watches?.controllers ?? []) c.abort();
    this.watches = undefined;
  }
}
