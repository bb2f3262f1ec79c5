import type { InformedObject, ListWatchSource } from '../../src/adapters/k8s/shared-informer.ts';

export interface FakeObject extends InformedObject {
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

interface Logged {
  version: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: FakeObject;
}

/**
 * One kind in one namespace as the API server serves it: objects with a resourceVersion counter,
 * a list, and watches that replay every event after the version they start from (410 Gone, as an
 * ERROR event, once that version is compacted away). Counts lists and watches as requests.
 */
export class FakeListWatch implements ListWatchSource<FakeObject> {
  private version = 100;
  private readonly objects = new Map<string, FakeObject>();
  private log: Logged[] = [];
  private readonly watchers = new Set<{
    from: number;
    onEvent: (t: string, o: FakeObject) => void;
    end: () => void;
  }>();
  lists = 0;
  watches = 0;
  /** When set, the next list fails (the API server away). */
  failLists = 0;

  put(name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): FakeObject {
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    const obj: FakeObject = { metadata: { name, labels, resourceVersion: String(++this.version) }, data };
    this.objects.set(name, obj);
    this.record(type, obj);
    return structuredClone(obj);
  }

  remove(name: string): void {
    const obj = this.objects.get(name);
    if (obj === undefined) return;
    this.objects.delete(name);
    this.record('DELETED', {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(++this.version) },
    });
  }

  /** Forgets the events so far: a watch from an older version gets 410 Gone. */
  compact(): void {
    this.log = [];
  }

  /** Ends every open watch, as the API server does at its timeout. */
  endWatches(): void {
    for (const w of [...this.watchers]) w.end();
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private record(type: Logged['type'], obj: FakeObject): void {
    const entry = { version: this.version, type, obj: structuredClone(obj) };
    this.log.push(entry);
    // As over the network: the event arrives after the write's answer.
    for (const w of this.watchers) {
      queueMicrotask(() => {
        w.onEvent(type, structuredClone(obj));
      });
    }
  }

  list(): Promise<{ items: FakeObject[]; resourceVersion: string }> {
    this.lists++;
    if (this.failLists > 0) {
      this.failLists--;
      return Promise.reject(new Error('connect ECONNREFUSED'));
    }
    return Promise.resolve({
      items: [...this.objects.values()].map((o) => structuredClone(o)),
      resourceVersion: String(this.version),
    });
  }

  watch(
    resourceVersion: string,
    onEvent: (type: string, obj: FakeObject) => void,
    onDone: (err: unknown) => void,
  ): Promise<{ abort: () => void }> {
    this.watches++;
    const from = Number(resourceVersion);
    let open = true;
    const w = {
      from,
      onEvent,
      end: () => {
        if (!open) return;
        open = false;
        this.watchers.delete(w);
        queueMicrotask(() => {
          onDone(null);
        });
      },
    };
    const oldest = this.log[0]?.version ?? this.version + 1;
    if (from < this.version && from + 1 < oldest) {
      queueMicrotask(() => {
        onEvent('ERROR', { metadata: { name: '' } });
      });
    } else {
      this.watchers.add(w);
      for (const e of this.log) if (e.version > from) onEvent(e.type, structuredClone(e.obj));
    }
    return Promise.resolve({ abort: w.end });
  }
}

/** Lets queued microtasks and zero-delay timers run. */
export async function settle(ms = 0): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
