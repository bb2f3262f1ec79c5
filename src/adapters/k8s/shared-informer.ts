/** The metadata an informer needs of an object: its name, version, labels and deletion mark. */
export interface InformedObject {
  metadata?:
    | {
        name?: string | undefined;
        resourceVersion?: string | undefined;
        labels?: Record<string, string> | undefined;
        deletionTimestamp?: Date | string | undefined;
      }
    | undefined;
}

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Where an informer gets its objects: one list, then a watch from the list's resourceVersion. */
export interface ListWatchSource<T extends InformedObject> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /**
   * Watches from `resourceVersion`; `onEvent` gets every event in order (BOOKMARK and ERROR
   * included, as the API server sends them), `onDone` once when the watch ends for any reason.
   */
  watch(
    resourceVersion: string,
    onEvent: (type: string, obj: T) => void,
    onDone: (err: unknown) => void,
  ): Promise<{ abort: () => void }>;
}

/** Told of every change of a cached object, and of every fresh list (`resync`). */
export interface InformerListener<T> {
  event?: (type: InformerEvent, obj: T) => void;
  /** A new list replaced the cache: it is at least as new as anything written before `listedFrom`. */
  resync?: (listedFrom: number) => void;
}

/** Waits before listing again after a failed list or watch, so a lost API server is not hammered. */
const RELIST_BACKOFF_MS = [500, 1000, 2000, 5000];

/**
 * One list+watch of one kind in one namespace, shared by every driver of the run: a cache of the
 * objects by name, kept current by the watch, and listeners told of each change. A watch that ends
 * is resumed from the last resourceVersion; one that cannot be (410 Gone, an error) lists anew.
 */
export class SharedInformer<T extends InformedObject> {
  private readonly cache = new Map<string, T>();
  private readonly listeners = new Set<InformerListener<T>>();
  private resourceVersion = '';
  private watching: { abort: () => void } | undefined;
  private stopped = false;
  private failures = 0;
  private started: Promise<void> | undefined;
  /** True once the first list is in and while a watch runs after it. */
  synced = false;
  /** Lists made (the first one included), for tests and the bench. */
  lists = 0;

  private readonly source: ListWatchSource<T>;
  private readonly now: () => number;

  constructor(source: ListWatchSource<T>, now: () => number = Date.now) {
    this.source = source;
    this.now = now;
  }

  /** Starts the list and watch once; resolves after the first list (or its failure, retried behind). */
  start(): Promise<void> {
    this.started ??= this.relist();
    return this.started;
  }

  subscribe(listener: InformerListener<T>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get(name: string): T | undefined {
    return this.cache.get(name);
  }

  /** The cached objects whose label `key` is `value`. */
  withLabel(key: string, value: string): T[] {
    return [...this.cache.values()].filter((o) => o.metadata?.labels?.[key] === value);
  }

  stop(): void {
    this.stopped = true;
    this.synced = false;
    this.watching?.abort();
    this.watching = undefined;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const listedFrom = this.now();
    let listed;
    try {
      this.lists++;
      listed = await this.source.list();
    } catch {
      this.retryLater();
      return;
    }
    const fresh = new Map(listed.items.map((o) => [o.metadata?.name ?? '', o]));
    for (const [name, old] of this.cache) if (!fresh.has(name)) this.emit('DELETED', old);
    this.cache.clear();
    for (const [name, obj] of fresh) this.cache.set(name, obj);
    this.resourceVersion = listed.resourceVersion;
    this.synced = true;
    for (const l of [...this.listeners]) l.resync?.(listedFrom);
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let ended = false;
    let broken = false;
    let handle: { abort: () => void } | undefined;
    const onDone = (): void => {
      if (ended) return;
      ended = true;
      if (this.watching === handle) this.watching = undefined;
      if (this.stopped) return;
      // A watch the server or the client timer closed resumes where it stood; a broken one relists.
      if (this.resourceVersion === '') this.retryLater();
      else void this.watch();
    };
    const onEvent = (type: string, obj: T): void => {
      if (type === 'ERROR') {
        // 410 Gone (the version was compacted) or another error: only a new list can continue.
        this.resourceVersion = '';
        broken = true;
        handle?.abort();
        return;
      }
      this.onEvent(type, obj);
    };
    try {
      handle = await this.source.watch(this.resourceVersion, onEvent, onDone);
      this.watching = handle;
      this.failures = 0;
      // The error came before the watch was ours to end.
      if (broken || this.stopped) handle.abort();
    } catch {
      this.resourceVersion = '';
      onDone();
    }
  }

  private onEvent(type: string, obj: T): void {
    const version = obj.metadata?.resourceVersion;
    if (version !== undefined) this.resourceVersion = version;
    if (type === 'BOOKMARK') return;
    const name = obj.metadata?.name ?? '';
    if (type === 'DELETED') this.cache.delete(name);
    else if (type === 'ADDED' || type === 'MODIFIED') this.cache.set(name, obj);
    else return;
    this.emit(type, obj);
  }

  private emit(type: InformerEvent, obj: T): void {
    for (const l of [...this.listeners]) l.event?.(type, obj);
  }

  private retryLater(): void {
    this.synced = false;
    if (this.stopped) return;
    const wait = RELIST_BACKOFF_MS[Math.min(this.failures, RELIST_BACKOFF_MS.length - 1)] ?? 5000;
    this.failures++;
    setTimeout(() => void this.relist(), wait).unref();
  }
}
