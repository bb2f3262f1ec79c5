/**
 * A small declarative schema language for manifests, and a checker that walks a parsed object and
 * reports every problem with the path of the field it is about.
 *
 * The language covers what Kubernetes-style objects need: objects with known fields (unknown ones are
 * errors, with a "did you mean" for typos), required fields, "exactly one of these keys", strings,
 * integers with bounds, booleans, int-or-string, enums, lists, maps, and "anything" for free-form parts
 * that the API server validates later. Pure: no I/O.
 */
import { joinPath } from './manifest-doc.ts';

const INT32_MAX = 2_147_483_647;

/** Extra check on a value that already has the right type: returns a message, or undefined when fine. */
export type ValueCheck<T> = (value: T) => string | undefined;

export interface StringSchema {
  readonly type: 'string';
  readonly check?: ValueCheck<string>;
}
export interface IntSchema {
  readonly type: 'int';
  readonly min?: number;
  readonly max?: number;
}
export interface BoolSchema {
  readonly type: 'bool';
}
export interface IntOrStringSchema {
  readonly type: 'intOrString';
  readonly check?: ValueCheck<number | string>;
}
export interface EnumSchema {
  readonly type: 'enum';
  readonly values: readonly string[];
}
export interface ArraySchema {
  readonly type: 'array';
  readonly items: Schema;
}
/** A mapping with free keys whose values all follow one schema (labels, annotations, plugin configs). */
export interface MapSchema {
  readonly type: 'map';
  readonly values: Schema;
}
/** Free-form: any value is accepted (the API server or a plugin validates it later). */
export interface AnySchema {
  readonly type: 'any';
}
export interface ObjectSchema {
  readonly type: 'object';
  readonly fields: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  /** Each group: exactly one of these keys must be set. */
  readonly exactlyOneOf?: readonly (readonly string[])[];
  /** Each group: at most one of these keys may be set. */
  readonly atMostOneOf?: readonly (readonly string[])[];
  /** Accept fields that are not listed (and do not check them). Default: unknown fields are errors. */
  readonly open?: boolean;
}

export type Schema =
  | StringSchema
  | IntSchema
  | BoolSchema
  | IntOrStringSchema
  | EnumSchema
  | ArraySchema
  | MapSchema
  | AnySchema
  | ObjectSchema;

// ---- builders -------------------------------------------------------------------------------------

export const str = (check?: ValueCheck<string>): StringSchema =>
  check ? { type: 'string', check } : { type: 'string' };
export const int = (bounds: { min?: number; max?: number } = {}): IntSchema => ({ type: 'int', ...bounds });
export const bool = (): BoolSchema => ({ type: 'bool' });
export const intOrString = (check?: ValueCheck<number | string>): IntOrStringSchema =>
  check ? { type: 'intOrString', check } : { type: 'intOrString' };
export const oneOfValues = (...values: string[]): EnumSchema => ({ type: 'enum', values });
export const arrayOf = (items: Schema): ArraySchema => ({ type: 'array', items });
export const mapOf = (values: Schema): MapSchema => ({ type: 'map', values });
export const stringMap = (): MapSchema => mapOf(str());
export const anything = (): AnySchema => ({ type: 'any' });
export const object = (
  fields: Readonly<Record<string, Schema>>,
  options: Omit<ObjectSchema, 'type' | 'fields'> = {},
): ObjectSchema => ({ type: 'object', fields, ...options });

// ---- checker --------------------------------------------------------------------------------------

export interface SchemaIssue {
  /** Field path, as `parse.ts` records positions: `spec.strategy.canary.steps[2].setWeight`. */
  path: string;
  message: string;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** How a value reads in a message: `the string "3"`, `the number 1.5`, `a list`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return `the timestamp ${v.toISOString()}`;
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

function expectation(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      return 'a string';
    case 'int':
      return 'an integer';
    case 'bool':
      return 'true or false';
    case 'intOrString':
      return 'an integer or a string';
    case 'enum':
      return `one of ${schema.values.join(', ')}`;
    case 'array':
      return 'a list';
    case 'map':
    case 'object':
      return 'a mapping';
    case 'any':
      return 'anything';
  }
}

/**
 * Checks `value` against `schema` and returns every problem found. `path` is the path of `value`
 * itself ('' for a document root).
 */
export function checkSchema(value: unknown, schema: Schema, path = ''): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(value, schema, path, issues);
  return issues;
}

function walk(value: unknown, schema: Schema, path: string, out: SchemaIssue[]): void {
  const typeError = (hint = ''): void => {
    out.push({ path, message: `must be ${expectation(schema)}, not ${describeValue(value)}${hint}` });
  };
  switch (schema.type) {
    case 'any':
      return;
    case 'string': {
      if (typeof value !== 'string') {
        const quotable = typeof value === 'number' || typeof value === 'boolean';
        typeError(quotable ? ` (quote it: "${String(value)}")` : '');
        return;
      }
      const msg = schema.check?.(value);
      if (msg) out.push({ path, message: msg });
      return;
    }
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        const numeric = typeof value === 'string' && /^-?\d+$/.test(value.trim());
        typeError(numeric ? ' (remove the quotes)' : '');
        return;
      }
      if (schema.min !== undefined && value < schema.min) {
        out.push({ path, message: `must be ${rangeText(schema)}, not ${String(value)}` });
      } else if (schema.max !== undefined && value > schema.max) {
        out.push({ path, message: `must be ${rangeText(schema)}, not ${String(value)}` });
      } else if (value > INT32_MAX || value < -INT32_MAX - 1) {
        // Argo's integer fields are int32: the API server refuses anything wider.
        out.push({ path, message: `must fit in 32 bits (at most ${INT32_MAX}), not ${String(value)}` });
      }
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') typeError();
      return;
    case 'intOrString': {
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
        typeError();
        return;
      }
      const msg = schema.check?.(value);
      if (msg) out.push({ path, message: msg });
      return;
    }
    case 'enum': {
      if (typeof value !== 'string' || !schema.values.includes(value)) {
        const guess = typeof value === 'string' ? closestMatch(value, schema.values) : undefined;
        out.push({
          path,
          message:
            `must be one of ${schema.values.join(', ')}, not ${describeValue(value)}` +
            (guess ? ` (did you mean ${guess}?)` : ''),
        });
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        typeError();
        return;
      }
      value.forEach((item: unknown, i) => {
        walk(item, schema.items, joinPath(path, i), out);
      });
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) {
        typeError();
        return;
      }
      for (const [k, v] of Object.entries(value)) walk(v, schema.values, joinPath(path, k), out);
      return;
    }
    case 'object':
      walkObject(value, schema, path, out);
      return;
  }
}

function rangeText(s: IntSchema): string {
  if (s.min !== undefined && s.max !== undefined) return `between ${s.min} and ${s.max}`;
  if (s.min !== undefined) return s.min === 0 ? 'zero or more' : `at least ${s.min}`;
  return `at most ${String(s.max)}`;
}

/** A key counts as set when present with a non-null value (the API server drops nulls). */
function isSet(o: Record<string, unknown>, key: string): boolean {
  return o[key] !== undefined && o[key] !== null;
}

function listKeys(keys: readonly string[]): string {
  if (keys.length <= 1) return keys.join('');
  return `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1] ?? ''}`;
}

function walkObject(value: unknown, schema: ObjectSchema, path: string, out: SchemaIssue[]): void {
  if (!isPlainObject(value)) {
    out.push({ path, message: `must be a mapping, not ${describeValue(value)}` });
    return;
  }
  const known = Object.keys(schema.fields);
  /** Known fields that an unknown key probably meant (already reported with "did you mean"). */
  const meant = new Set<string>();
  for (const [key, child] of Object.entries(value)) {
    const fieldSchema = schema.fields[key];
    const childPath = joinPath(path, key);
    if (!fieldSchema) {
      if (schema.open) continue;
      const guess = closestMatch(key, known);
      if (guess !== undefined) meant.add(guess);
      out.push({
        path: childPath,
        message:
          `unknown field "${key}"` +
          (guess ? ` (did you mean ${guess}?)` : '') +
          (known.length > 0 ? `; allowed here: ${known.join(', ')}` : '; no fields are allowed here'),
      });
      continue;
    }
    if (child === null) continue; // dropped by the API server; presence rules below report it if needed
    walk(child, fieldSchema, childPath, out);
  }
  for (const key of schema.required ?? []) {
    if (!isSet(value, key) && !meant.has(key)) {
      const empty = key in value ? ' (it is empty)' : '';
      out.push({ path, message: `missing required field "${key}"${empty}` });
    }
  }
  for (const group of schema.exactlyOneOf ?? []) {
    const present = group.filter((k) => isSet(value, k));
    if (present.length === 1) continue;
    if (present.length === 0) {
      if (group.some((k) => meant.has(k))) continue; // the misspelt key is reported above
      const nulls = group.filter((k) => k in value);
      const hint =
        nulls.length > 0
          ? ` (${nulls.join(', ')} is empty: write \`${nulls[0] ?? ''}: {}\` for an empty object)`
          : '';
      out.push({ path, message: `must set exactly one of ${group.join(', ')}; found none${hint}` });
    } else {
      out.push({
        path,
        message: `must set exactly one of ${group.join(', ')}; found ${listKeys(present)} together`,
      });
    }
  }
  for (const group of schema.atMostOneOf ?? []) {
    const present = group.filter((k) => isSet(value, k));
    if (present.length > 1) {
      out.push({
        path,
        message: `may set only one of ${group.join(', ')}; found ${listKeys(present)} together`,
      });
    }
  }
}

// ---- "did you mean" -------------------------------------------------------------------------------

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours as 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo: same letters in
 * another case, or a small edit distance relative to the word's length.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c === word) continue;
    const score = editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.min(3, Math.floor(Math.max(word.length, best.length) / 4)));
  return bestScore <= allowed ? best : undefined;
}
