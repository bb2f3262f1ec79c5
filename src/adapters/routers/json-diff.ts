import type { JsonPatchOp } from '../../controller/traffic-router.ts';
import { asObj } from '../../manifests/values.ts';

/** One key as a JSON pointer token (RFC 6901: `~` and `/` escaped). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The JSON patch that turns `current` into `desired` at `path`, touching only what differs: maps key
 * by key, lists index by index (extra items removed from the end, missing ones appended), other
 * values replaced. Applied in order, the ops leave `current` deep-equal to `desired`.
 */
export function jsonDiff(path: string, current: unknown, desired: unknown): JsonPatchOp[] {
  const from = asObj(current);
  const to = asObj(desired);
  if (from !== undefined && to !== undefined) return diffMaps(path, from, to);
  if (Array.isArray(current) && Array.isArray(desired)) return diffLists(path, current, desired);
  if (sameJson(current, desired)) return [];
  return [{ op: 'replace', path, value: desired }];
}

function diffMaps(
  path: string,
  current: Record<string, unknown>,
  desired: Record<string, unknown>,
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const key of Object.keys(current)) {
    if (!Object.hasOwn(desired, key)) ops.push({ op: 'remove', path: `${path}/${pointerToken(key)}` });
  }
  for (const [key, value] of Object.entries(desired)) {
    const at = `${path}/${pointerToken(key)}`;
    if (Object.hasOwn(current, key)) ops.push(...jsonDiff(at, current[key], value));
    else ops.push({ op: 'add', path: at, value });
  }
  return ops;
}

function diffLists(path: string, current: readonly unknown[], desired: readonly unknown[]): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const common = Math.min(current.length, desired.length);
  for (let i = 0; i < common; i++) ops.push(...jsonDiff(`${path}/${i}`, current[i], desired[i]));
  // From the end, so each index still names the item it meant when its op runs.
  for (let i = current.length - 1; i >= desired.length; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
  for (let i = current.length; i < desired.length; i++)
    ops.push({ op: 'add', path: `${path}/${i}`, value: desired[i] });
  return ops;
}
