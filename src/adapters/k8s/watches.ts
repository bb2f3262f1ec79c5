import { Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../../controller/ports.ts';
import { sleep, type KubeApi } from './api-call.ts';
import { parts, ROLLOUT_LABEL, stateName } from './names.ts';

/** Events that arrive this close together wake the driver once. */
const EVENT_DEBOUNCE_MS = 50;

/** Watches on the rollout's ReplicaSets and state ConfigMap; they wake a waiting driver. */
export class Watches {
  private watches: { key: string; controllers: AbortController[]; alive: boolean } | undefined;
  private dirty = false;
  private waiter: (() => void) | undefined;

  private readonly api: KubeApi;
  /** The state ConfigMap's resourceVersion we wrote last: its own watch event is no news. */
  private readonly lastWritten: () => string | undefined;

  constructor(api: KubeApi, lastWritten: () => string | undefined) {
    this.api = api;
    this.lastWritten = lastWritten;
  }

  async waitForChange(rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void> {
    await this.watch(rollout);
    if (this.dirty) {
      // Several events usually come together (a scale, then pods): take them as one.
      this.dirty = false;
      await sleep(EVENT_DEBOUNCE_MS, signal);
      this.dirty = false;
      return;
    }
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
    if (this.dirty) {
      this.dirty = false;
      await sleep(EVENT_DEBOUNCE_MS, signal);
      this.dirty = false;
    }
  }

  /** Starts the watches once per rollout; one that ends is started again at the next wait. */
  private async watch(rollout: KubeObject): Promise<void> {
    const p = parts(rollout);
    const key = `${p.namespace}/${p.name}`;
    if (this.watches?.key === key && this.watches.alive) return;
    this.stop();
    const entry = { key, controllers: [] as AbortController[], alive: true };
    this.watches = entry;
    const onEvent = (_type: string, obj: unknown): void => {
      const version = (obj as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
      if (version !== undefined && version === this.lastWritten()) return;
      this.dirty = true;
      this.waiter?.();
    };
    const onDone = (): void => {
      entry.alive = false;
    };
    const watch = new Watch(this.api.kubeConfig);
    try {
      this.api.requests += 2;
      entry.controllers.push(
        await watch.watch(
          `/apis/apps/v1/namespaces/${p.namespace}/replicasets`,
          { labelSelector: `${ROLLOUT_LABEL}=${p.name}`, allowWatchBookmarks: false },
          onEvent,
          onDone,
        ),
        await watch.watch(
          `/api/v1/namespaces/${p.namespace}/configmaps`,
          { fieldSelector: `metadata.name=${stateName(p.name)}`, allowWatchBookmarks: false },
          onEvent,
          onDone,
        ),
      );
      // The watches start with the current objects ("ADDED"): that is not news.
      await sleep(EVENT_DEBOUNCE_MS);
      this.dirty = false;
    } catch {
      // Without a watch the driver still wakes on its timers.
      entry.alive = false;
    }
  }

  stop(): void {
    for (const c of this.watches?.controllers ?? []) c.abort();
    this.watches = undefined;
  }
}
