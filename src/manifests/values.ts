/** Typed, forgiving reads of parsed YAML: each returns undefined when the value has another shape. */
import { isPlainObject } from './schema.ts';

export type Obj = Record<string, unknown>;

export const asObj = (v: unknown): Obj | undefined => (isPlainObject(v) ? v : undefined);
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
export const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const asInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? v : undefined;
export const asBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
/** Set = present and not null (the API server drops null fields). */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** The value at `keys` below `root`, or undefined if any step is missing or not a mapping. */
export function dig(root: unknown, ...keys: string[]): unknown {
  let cur = root;
  for (const k of keys) {
    const o = asObj(cur);
    if (!o) return undefined;
    cur = o[k];
  }
  return cur;
}

/** A map of strings (labels, annotations) or an empty one. */
export function asStringMap(v: unknown): Record<string, string> {
  const o = asObj(v);
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, val] of Object.entries(o)) if (typeof val === 'string') out[k] = val;
  return out;
}

/**
 * The value at a structural path such as `spec.templates[0].selector` (keys without dots), or
 * undefined when any step is missing.
 */
export function valueAt(root: unknown, path: string): unknown {
  if (path === '') return root;
  let cur = root;
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1] !== '') cur = asObj(cur)?.[m[1] ?? ''];
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) {
      cur = Array.isArray(cur) ? (cur as unknown[])[Number(idx[1])] : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}
