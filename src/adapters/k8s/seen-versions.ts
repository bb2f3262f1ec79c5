/**
 * The newest resourceVersion a driver has seen of a kind in a namespace, from its lists and from
 * the answers to its own writes.
 *
 * A list without a resourceVersion is a consistent read: since Kubernetes 1.31 (ConsistentListFromCache)
 * the API server serves it from its watch cache only once the cache has caught up with etcd's
 * newest revision, and when that revision is a write to another kind (the driver's own state
 * ConfigMap, a Lease) the cache learns it only from etcd's next progress notification: 70 to 90 ms
 * per list, measured on the local cluster, on every tick that follows a state write. A list "not
 * older than" the newest version the driver has seen is served from the cache as soon as the cache
 * has that version, which it has within milliseconds: the driver still sees every write of its own
 * and everything it saw before, and what others changed since reaches it as the watch's next event
 * (Argo Rollouts' controller reads the same cache through its informers). The first list of a
 * process, and the first after a write whose answer carries no version (a delete), stay consistent.
 */
export class SeenVersions {
  private readonly newest = new Map<string, string>();
  /** The version of each read (a list by its selector, a get by its name): where a watch of it starts. */
  private readonly reads = new Map<string, string>();

  /** A write's answer; one without a version (a delete) makes the next list of its kind consistent. */
  noteWrite(kind: string, namespace: string | undefined, version: string | undefined): void {
    const key = `${kind}/${namespace ?? ''}`;
    if (version === undefined || version === '') this.newest.delete(key);
    else this.raise(key, version);
  }

  /** A list's (or a get's) answer: `scope` is its label selector (or the object's name). */
  noteRead(kind: string, namespace: string, scope: string, version: string | undefined): void {
    if (version === undefined || version === '') return;
    this.reads.set(`${kind}/${namespace}/${scope}`, version);
    this.raise(`${kind}/${namespace}`, version);
  }

  /** The query of the next list of `kind` in `namespace`: from the watch cache, not older than what was seen. */
  listQuery(kind: string, namespace: string): { resourceVersion?: string; resourceVersionMatch?: string } {
    const version = this.newest.get(`${kind}/${namespace}`);
    return version === undefined ? {} : { resourceVersion: version, resourceVersionMatch: 'NotOlderThan' };
  }

  /** The version of the last read of `scope`: a watch of it from there misses nothing since. */
  watchFrom(kind: string, namespace: string, scope: string): string | undefined {
    return this.reads.get(`${kind}/${namespace}/${scope}`);
  }

  private raise(key: string, version: string): void {
    const known = this.newest.get(key);
    if (known === undefined || !olderThan(version, known)) this.newest.set(key, version);
  }
}

/**
 * resourceVersions are opaque to clients, but every API server backed by etcd gives its revision;
 * two such numbers compare. Anything else: not older (the later answer wins).
 */
export function olderThan(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) < BigInt(b);
}
