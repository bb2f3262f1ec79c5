import type { KubeObject } from '../../src/controller/ports.ts';
import type { JsonPatchOp, ObjectRef, RouterObjects } from '../../src/controller/traffic-router.ts';

const OWNER = 'rollout-pilot.test/owned';

function key(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name,
  };
}

type Container = Record<string, unknown> | unknown[];

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The parent of a JSON pointer's target and the last token; throws where RFC 6902 fails. */
function locate(doc: unknown, path: string): { parent: Container; token: string } {
  const tokens = path.split('/').slice(1).map(unescape);
  const last = tokens.pop();
  if (last === undefined) throw new Error(`patch path ${path}: the root cannot be patched here`);
  let cur: unknown = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[t];
    else cur = undefined;
    if (cur === undefined) throw new Error(`patch path ${path}: ${t} does not exist`);
  }
  if (typeof cur !== 'object' || cur === null) throw new Error(`patch path ${path}: not a container`);
  return { parent: cur as Container, token: last };
}

function index(parent: unknown[], token: string, path: string, forAdd: boolean): number {
  if (forAdd && token === '-') return parent.length;
  const i = Number(token);
  const max = forAdd ? parent.length : parent.length - 1;
  if (!Number.isInteger(i) || i < 0 || i > max) throw new Error(`patch path ${path}: index out of range`);
  return i;
}

/** Applies RFC 6902 operations to a copy of `doc`; throws (changing nothing) when one fails. */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  const out = structuredClone(doc);
  for (const op of ops) {
    const { parent, token } = locate(out, op.path);
    if (op.op === 'test') {
      const value = Array.isArray(parent) ? parent[Number(token)] : parent[token];
      if (JSON.stringify(value) !== JSON.stringify(op.value))
        throw new Error(`patch test failed at ${op.path}`);
    } else if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(index(parent, token, op.path, false), 1);
      else if (!Object.hasOwn(parent, token)) throw new Error(`patch path ${op.path}: nothing to remove`);
      else Reflect.deleteProperty(parent, token);
    } else if (Array.isArray(parent)) {
      const i = index(parent, token, op.path, op.op === 'add');
      if (op.op === 'add') parent.splice(i, 0, structuredClone(op.value));
      else parent[i] = structuredClone(op.value);
    } else {
      if (op.op === 'replace' && !Object.hasOwn(parent, token))
        throw new Error(`patch path ${op.path}: nothing to replace`);
      parent[token] = structuredClone(op.value);
    }
  }
  return out;
}

/**
 * An in-memory RouterObjects for unit tests: objects by reference, JSON patches applied as the API
 * server does (all or nothing), a resourceVersion bumped on every write, and a log of the writes.
 * `interfere` lets a test change an object between a router's read and its write (a conflict).
 */
export class FakeRouterObjects implements RouterObjects {
  private readonly store = new Map<string, KubeObject>();
  private version = 1;
  /** Every write, in order: `create <kind>/<name>` or `patch <kind>/<name> <ops as JSON>`. */
  readonly writes: string[] = [];
  /** Called once before the next write, to change the object as someone else would. */
  interfere: ((object: KubeObject) => KubeObject) | undefined;

  constructor(objects: readonly KubeObject[] = []) {
    for (const o of objects) this.put(o);
  }

  /** Puts an object as someone else would (no owner mark unless given). */
  put(object: KubeObject): void {
    const copy = structuredClone(object);
    copy.metadata.namespace ??= 'default';
    copy.metadata.resourceVersion = String(this.version++);
    this.store.set(key(refOf(copy)), copy);
  }

  /** The stored object (a copy), for assertions. */
  read(ref: ObjectRef): KubeObject | undefined {
    const o = this.store.get(key(ref));
    return o === undefined ? undefined : structuredClone(o);
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return Promise.resolve(this.read(ref));
  }

  async modify(ref: ObjectRef, change: (current: KubeObject) => JsonPatchOp[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(ref);
      if (current === undefined) throw new Error(`${ref.kind} ${ref.namespace}/${ref.name} not found`);
      const ops = change(current);
      if (ops.length === 0) return;
      this.applyInterference(ref);
      const stored = this.store.get(key(ref));
      if (stored === undefined || stored.metadata.resourceVersion !== current.metadata.resourceVersion)
        continue;
      const patched = applyJsonPatch(stored, ops);
      patched.metadata.resourceVersion = String(this.version++);
      this.store.set(key(ref), patched);
      this.writes.push(`patch ${ref.kind}/${ref.name} ${JSON.stringify(ops)}`);
      return;
    }
    throw new Error(`${ref.kind} ${ref.namespace}/${ref.name}: changed by someone else on every attempt`);
  }

  create(object: KubeObject): Promise<void> {
    const ref = refOf(object);
    if (this.store.has(key(ref))) throw new Error(`${ref.kind} ${ref.namespace}/${ref.name} already exists`);
    const copy = structuredClone(object);
    copy.metadata.namespace = ref.namespace;
    copy.metadata.annotations = { ...(copy.metadata.annotations as object | undefined), [OWNER]: 'yes' };
    copy.metadata.resourceVersion = String(this.version++);
    this.store.set(key(ref), copy);
    this.writes.push(`create ${ref.kind}/${ref.name}`);
    return Promise.resolve();
  }

  owns(object: KubeObject): boolean {
    const annotations = object.metadata.annotations as Record<string, string> | undefined;
    return annotations?.[OWNER] === 'yes';
  }

  private applyInterference(ref: ObjectRef): void {
    const interfere = this.interfere;
    if (interfere === undefined) return;
    this.interfere = undefined;
    const stored = this.store.get(key(ref));
    if (stored !== undefined) this.put(interfere(structuredClone(stored)));
  }
}
