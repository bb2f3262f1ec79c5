/**
 * Reading a provider block (plain JSON from the manifest, args substituted) with errors that name the
 * field, and formatting numbers the way Argo's Go code prints them.
 */

import { parseGoDuration } from '../../manifests/duration.ts';
import { ProviderError } from './types.ts';

export type Block = Record<string, unknown>;

export function isObject(v: unknown): v is Block {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class FieldReader {
  readonly block: Block;
  readonly prefix: string;
  constructor(block: Block, prefix: string) {
    this.block = block;
    this.prefix = prefix;
  }

  private fail(key: string, what: string): never {
    throw new ProviderError(`${this.prefix}.${key} must be ${what}`);
  }

  /** A string field; undefined when absent or null. */
  str(key: string): string | undefined {
    const v = this.block[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  /** An integer field; accepts an integer string too (a substituted arg). */
  int(key: string): number | undefined {
    const v = this.block[key];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) this.fail(key, 'an integer');
    return n;
  }

  /** A boolean field; accepts "true"/"false" too. */
  bool(key: string): boolean | undefined {
    const v = this.block[key];
    if (v === undefined || v === null) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    if (typeof v !== 'boolean') this.fail(key, 'a boolean');
    return v;
  }

  obj(key: string): FieldReader | undefined {
    const v = this.block[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(key, 'an object');
    return new FieldReader(v, `${this.prefix}.${key}`);
  }

  /** `[{key, value}]` header list, as Prometheus and web metrics write them. */
  headers(key: string): [string, string][] {
    const v = this.block[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(key, 'a list of {key, value}');
    return v.map((h: unknown, i) => {
      if (!isObject(h) || typeof h['key'] !== 'string' || typeof h['value'] !== 'string') {
        this.fail(`${key}[${i}]`, 'an object with string key and value');
      }
      return [h['key'], h['value']];
    });
  }

  strings(key: string): string[] | undefined {
    const v = this.block[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) this.fail(key, 'a list of strings');
    return v;
  }

  /** A `{name: string}` map (Datadog `queries`). */
  stringMap(key: string): Map<string, string> | undefined {
    const v = this.block[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(key, 'a map of strings');
    const out = new Map<string, string>();
    for (const [k, s] of Object.entries(v)) {
      if (typeof s !== 'string') this.fail(`${key}.${k}`, 'a string');
      out.set(k, s);
    }
    return out;
  }
}

/** Go's `time.ParseDuration` in milliseconds, with Go's error text. */
export function goDurationMs(text: string): number {
  const seconds = parseGoDuration(text);
  if (seconds === undefined) throw new ProviderError(`time: invalid duration ${JSON.stringify(text)}`);
  return seconds * 1000;
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)` (what Prometheus' SampleValue.String() also prints). */
export function goFormatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1] ?? '';
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  const exp = Number(m[4]);
  const point = 1 + exp; // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Seconds for a human message: `30s`, `1.5s`. */
export function secondsText(ms: number): string {
  return `${goFormatFloat(ms / 1000)}s`;
}
