/** What every builtin shares: its signature, argument checks and Go's number parsing. Pure. */
import { ExprEvalError } from './errors.ts';
import { formatGoFloat, goType, isNumber } from './values.ts';

export interface CallContext {
  /** Charges work against the evaluation budget. */
  tick(n: number): void;
  /** The environment: Argo's `isNil` and `default` look at its `result`. */
  env: Readonly<Record<string, unknown>>;
}

export interface Builtin {
  min: number;
  max: number;
  fn: (args: unknown[], ctx: CallContext) => unknown;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function bad(name: string, v: unknown): ExprEvalError {
  return new ExprEvalError(`invalid argument for ${name} (type ${goType(v)})`);
}

export function str(name: string, v: unknown): string {
  if (typeof v !== 'string') throw bad(name, v);
  return v;
}

export function arr(name: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw bad(name, v);
  return v;
}

export function num(name: string, v: unknown): number | bigint {
  if (!isNumber(v)) throw bad(name, v);
  return v;
}

export function intArg(name: string, v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  throw bad(name, v);
}

/** Go's strconv.ParseInt(s, 10, 64). */
export function parseGoInt(s: string): bigint | 'invalid syntax' | 'value out of range' {
  if (!/^[+-]?\d+$/.test(s)) return 'invalid syntax';
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? 'value out of range' : v;
}

/** Go's strconv.ParseFloat(s, 64): decimal, hexadecimal (0x1.8p1), inf, infinity and nan. */
export function parseGoFloat(s: string): number | 'invalid syntax' | 'value out of range' {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  const plain = s.replaceAll('_', '');
  let v: number;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    v = Number(s);
  } else {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(plain);
    if (!m || `${m[2] ?? ''}${m[3] ?? ''}` === '') return 'invalid syntax';
    const whole = m[2] ?? '';
    const frac = m[3] ?? '';
    const mantissa = parseInt(`${whole}${frac}` || '0', 16);
    v = mantissa * 2 ** (Number(m[4]) - 4 * frac.length);
    if (m[1] === '-') v = -v;
  }
  return Number.isFinite(v) ? v : 'value out of range';
}

export function toGoInt(name: string, x: number): bigint {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 63) {
    throw new ExprEvalError(`${name} cannot convert ${formatGoFloat(x)} to an integer`);
  }
  return BigInt(Math.trunc(x));
}

export function b(min: number, max: number, fn: Builtin['fn']): Builtin {
  return { min, max, fn };
}
