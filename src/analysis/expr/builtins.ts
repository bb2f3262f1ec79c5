/**
 * The functions a condition can call: expr-lang's builtins (builtin/builtin.go and builtin/lib.go in
 * github.com/expr-lang/expr) that make sense for a metric result, and the helpers Argo Rollouts adds
 * (utils/evaluate/evaluate.go: asInt, asFloat, isNaN, isInf, isNil, default). The predicate builtins
 * (`all`, `filter`, `map`, ...) live with the evaluator, which runs their predicates. Pure.
 */
import { ExprEvalError } from './errors.ts';
import {
  checkString,
  describeValue,
  formatGoFloat,
  formatValue,
  goType,
  isNumber,
  kindOf,
  mapKeys,
  MAX_VALUE_DEPTH,
  ownValue,
  toFloat,
  typeName,
  wrapInt,
  type ExprMap,
} from './values.ts';

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

function bad(name: string, v: unknown): ExprEvalError {
  return new ExprEvalError(`invalid argument for ${name} (type ${goType(v)})`);
}

function str(name: string, v: unknown): string {
  if (typeof v !== 'string') throw bad(name, v);
  return v;
}

function arr(name: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw bad(name, v);
  return v;
}

function num(name: string, v: unknown): number | bigint {
  if (!isNumber(v)) throw bad(name, v);
  return v;
}

function intArg(name: string, v: unknown): number {
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

function toGoInt(name: string, x: number): bigint {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 63) {
    throw new ExprEvalError(`${name} cannot convert ${formatGoFloat(x)} to an integer`);
  }
  return BigInt(Math.trunc(x));
}

/** Numbers of the arguments, looking into arrays (nested arrays too), as max/min/mean/median do. */
function numbersOf(name: string, args: unknown[], ctx: CallContext, depth = 0): (number | bigint)[] {
  if (depth > MAX_VALUE_DEPTH) throw new ExprEvalError(`value nested too deeply for ${name}`);
  const out: (number | bigint)[] = [];
  for (const a of args) {
    if (Array.isArray(a)) {
      ctx.tick(a.length);
      out.push(...numbersOf(name, a, ctx, depth + 1));
    } else {
      out.push(num(name, a));
    }
  }
  return out;
}

function less(a: number | bigint, b: number | bigint): boolean {
  return typeof a === 'bigint' && typeof b === 'bigint' ? a < b : toFloat(a) < toFloat(b);
}

/** Go's unicode.IsSpace. */
const GO_SPACE =
  '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function trimSet(s: string, cut: string, left: boolean, right: boolean): string {
  const chars = Array.from(s);
  const set = new Set(Array.from(cut));
  let a = 0;
  let b = chars.length;
  while (left && a < b && set.has(chars[a] ?? '')) a++;
  while (right && b > a && set.has(chars[b - 1] ?? '')) b--;
  return chars.slice(a, b).join('');
}

/** Go's strings.SplitN (n < 0: all). */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = Array.from(s);
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function fetchOrNil(from: unknown, key: unknown): unknown {
  switch (kindOf(from)) {
    case 'array':
    case 'string': {
      if (!isNumber(key)) return null;
      const items = typeof from === 'string' ? Array.from(from) : (from as unknown[]);
      let i = intArg('get', key);
      if (i < 0) i += items.length;
      if (i < 0 || i >= items.length) return null;
      return typeof from === 'string' ? (items[i] ?? null) : (ownValue(items, String(i)) ?? null);
    }
    case 'map':
      return typeof key === 'string' ? (ownValue(from as ExprMap, key) ?? null) : null;
    default:
      return null;
  }
}

function isNilResult(env: Readonly<Record<string, unknown>>): boolean {
  const d = Object.getOwnPropertyDescriptor(env, 'result');
  return d === undefined || !('value' in d) || d.value === null || d.value === undefined;
}

function b(min: number, max: number, fn: Builtin['fn']): Builtin {
  return { min, max, fn };
}

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  [
    'len',
    b(1, 1, ([v]) => {
      if (typeof v === 'string') return BigInt(Array.from(v).length);
      if (Array.isArray(v)) return BigInt(v.length);
      if (kindOf(v) === 'map') return BigInt(mapKeys(v as ExprMap).length);
      throw new ExprEvalError(`invalid argument for len (type ${goType(v)})`);
    }),
  ],
  ['type', b(1, 1, ([v]) => typeName(v))],
  [
    'abs',
    b(1, 1, ([v]) => {
      const x = num('abs', v);
      return typeof x === 'bigint' ? wrapInt(x < 0n ? -x : x) : Math.abs(x);
    }),
  ],
  ['ceil', b(1, 1, ([v]) => Math.ceil(toFloat(num('ceil', v))))],
  ['floor', b(1, 1, ([v]) => Math.floor(toFloat(num('floor', v))))],
  [
    'round',
    b(1, 1, ([v]) => {
      const x = toFloat(num('round', v));
      return x < 0 ? -Math.round(-x) : Math.round(x);
    }),
  ],
  [
    'int',
    b(1, 1, ([v]) => {
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return toGoInt('int()', v);
      if (typeof v === 'string') {
        const parsed = parseGoInt(v);
        if (typeof parsed === 'bigint') return parsed;
        throw new ExprEvalError(`invalid operation: int(${JSON.stringify(v)})`);
      }
      throw new ExprEvalError(`invalid operation: int(${goType(v)})`);
    }),
  ],
  [
    'float',
    b(1, 1, ([v]) => {
      if (isNumber(v)) return toFloat(v);
      if (typeof v === 'string') {
        const parsed = parseGoFloat(v);
        if (typeof parsed === 'number') return parsed;
        throw new ExprEvalError(`invalid operation: float(${JSON.stringify(v)})`);
      }
      throw new ExprEvalError(`invalid operation: float(${goType(v)})`);
    }),
  ],
  ['string', b(1, 1, ([v]) => checkString(formatValue(v)))],
  ['upper', b(1, 1, ([v]) => str('upper', v).toUpperCase())],
  ['lower', b(1, 1, ([v]) => str('lower', v).toLowerCase())],
  [
    'trim',
    b(1, 2, ([v, cut]) =>
      cut === undefined
        ? trimSet(str('trim', v), GO_SPACE, true, true)
        : trimSet(str('trim', v), str('trim', cut), true, true),
    ),
  ],
  [
    'trimPrefix',
    b(1, 2, ([v, p]) => {
      const s = str('trimPrefix', v);
      const prefix = p === undefined ? ' ' : str('trimPrefix', p);
      return s.startsWith(prefix) ? s.slice(prefix.length) : s;
    }),
  ],
  [
    'trimSuffix',
    b(1, 2, ([v, p]) => {
      const s = str('trimSuffix', v);
      const suffix = p === undefined ? ' ' : str('trimSuffix', p);
      return suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
    }),
  ],
  ['hasPrefix', b(2, 2, ([v, p]) => str('hasPrefix', v).startsWith(str('hasPrefix', p)))],
  ['hasSuffix', b(2, 2, ([v, p]) => str('hasSuffix', v).endsWith(str('hasSuffix', p)))],
  [
    'split',
    b(2, 3, ([v, sep, n], ctx) => {
      const parts = splitN(str('split', v), str('split', sep), n === undefined ? -1 : intArg('split', n));
      ctx.tick(parts.length);
      return parts;
    }),
  ],
  [
    'replace',
    b(3, 3, ([v, from, to], ctx) => {
      const s = str('replace', v);
      const old = str('replace', from);
      const rep = str('replace', to);
      ctx.tick(s.length);
      const out =
        old === '' ? `${rep}${Array.from(s).join(rep)}${s === '' ? '' : rep}` : s.split(old).join(rep);
      return checkString(out);
    }),
  ],
  [
    'join',
    b(1, 2, ([v, sep], ctx) => {
      const items = arr('join', v);
      ctx.tick(items.length);
      const glue = sep === undefined ? '' : str('join', sep);
      return checkString(items.map((x) => str('join', x)).join(glue));
    }),
  ],
  ['first', b(1, 1, ([v]) => fetchOrNil(v, 0n))],
  ['last', b(1, 1, ([v]) => fetchOrNil(v, -1n))],
  ['get', b(2, 2, ([v, key]) => fetchOrNil(v, key))],
  [
    'keys',
    b(1, 1, ([v], ctx) => {
      if (kindOf(v) !== 'map') throw bad('keys', v);
      const keys = mapKeys(v as ExprMap);
      ctx.tick(keys.length);
      return keys;
    }),
  ],
  [
    'values',
    b(1, 1, ([v], ctx) => {
      if (kindOf(v) !== 'map') throw bad('values', v);
      const m = v as ExprMap;
      const keys = mapKeys(m);
      ctx.tick(keys.length);
      return keys.map((k) => ownValue(m, k) ?? null);
    }),
  ],
  [
    'max',
    b(1, Infinity, (args, ctx) => {
      let best: number | bigint | undefined;
      for (const x of numbersOf('max', args, ctx)) if (best === undefined || less(best, x)) best = x;
      return best ?? null;
    }),
  ],
  [
    'min',
    b(1, Infinity, (args, ctx) => {
      let best: number | bigint | undefined;
      for (const x of numbersOf('min', args, ctx)) if (best === undefined || less(x, best)) best = x;
      return best ?? null;
    }),
  ],
  [
    'mean',
    b(1, Infinity, (args, ctx) => {
      const xs = numbersOf('mean', args, ctx);
      return xs.length === 0 ? 0 : xs.reduce<number>((s, x) => s + toFloat(x), 0) / xs.length;
    }),
  ],
  [
    'median',
    b(1, Infinity, (args, ctx) => {
      const xs = numbersOf('median', args, ctx)
        .map(toFloat)
        .sort((x, y) => x - y);
      const n = xs.length;
      if (n === 0) return 0;
      return n % 2 === 1 ? (xs[(n - 1) / 2] ?? 0) : ((xs[n / 2 - 1] ?? 0) + (xs[n / 2] ?? 0)) / 2;
    }),
  ],
  [
    'take',
    b(2, 2, ([v, n]) => {
      const items = arr('take', v);
      const count = intArg('take', n);
      if (count < 0) throw new ExprEvalError(`invalid argument for take: ${count} is negative`);
      return items.slice(0, count);
    }),
  ],
  [
    'reverse',
    b(1, 1, ([v], ctx) => {
      const items = arr('reverse', v);
      ctx.tick(items.length);
      return [...items].reverse();
    }),
  ],
  [
    'sort',
    b(1, 2, ([v, order], ctx) => {
      const items = [...arr('sort', v)];
      const dir = order === undefined ? 'asc' : str('sort', order);
      if (dir !== 'asc' && dir !== 'desc')
        throw new ExprEvalError(`sort order must be "asc" or "desc", got ${JSON.stringify(dir)}`);
      ctx.tick(items.length * Math.max(1, Math.ceil(Math.log2(items.length + 1))));
      const allNumbers = items.every(isNumber);
      const allStrings = items.every((x) => typeof x === 'string');
      if (!allNumbers && !allStrings) throw new ExprEvalError('sort needs an array of numbers or of strings');
      items.sort((x, y) => {
        if (allNumbers)
          return less(x as number | bigint, y as number | bigint)
            ? -1
            : less(y as number | bigint, x as number | bigint)
              ? 1
              : 0;
        return (x as string) < (y as string) ? -1 : (x as string) > (y as string) ? 1 : 0;
      });
      return dir === 'desc' ? items.reverse() : items;
    }),
  ],
  // --- Argo Rollouts' helpers (utils/evaluate/evaluate.go) ---
  [
    'asInt',
    b(1, 1, ([v]) => {
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return toGoInt('asInt()', v);
      if (typeof v === 'string') {
        const parsed = parseGoInt(v);
        if (typeof parsed === 'bigint') return parsed;
        throw new ExprEvalError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: ${parsed}`);
      }
      throw new ExprEvalError(`asInt() not supported on ${goType(v)} ${formatValue(v)}`);
    }),
  ],
  [
    'asFloat',
    b(1, 1, ([v]) => {
      if (isNumber(v)) return toFloat(v);
      if (typeof v === 'string') {
        const parsed = parseGoFloat(v);
        if (typeof parsed === 'number') return parsed;
        throw new ExprEvalError(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: ${parsed}`);
      }
      throw new ExprEvalError(`asFloat() not supported on ${goType(v)} ${formatValue(v)}`);
    }),
  ],
  [
    'isNaN',
    b(1, 1, ([v]) => {
      if (!isNumber(v))
        throw new ExprEvalError(`isNaN() needs a number, got ${goType(v)} ${describeValue(v)}`);
      return Number.isNaN(toFloat(v));
    }),
  ],
  [
    'isInf',
    b(1, 1, ([v]) => {
      if (!isNumber(v))
        throw new ExprEvalError(`isInf() needs a number, got ${goType(v)} ${describeValue(v)}`);
      const x = toFloat(v);
      return x === Infinity || x === -Infinity;
    }),
  ],
  // As in Argo: both look at `result`, whatever their first argument is.
  ['isNil', b(1, 1, (_args, ctx) => isNilResult(ctx.env))],
  [
    'default',
    b(2, 2, ([, fallback], ctx) => (isNilResult(ctx.env) ? fallback : (ownValue(ctx.env, 'result') ?? null))),
  ],
]);

/** Argo Rollouts' helpers, in the order its docs list them. */
export const ARGO_HELPERS: readonly string[] = ['asInt', 'asFloat', 'isNaN', 'isInf', 'isNil', 'default'];

/** The predicate builtins this evaluator runs (their argument shapes are in the parser). */
export const PREDICATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'all',
  'any',
  'none',
  'one',
  'filter',
  'map',
  'count',
  'sum',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'reduce',
]);

const CLOCK = 'it reads the clock, and a condition must give the same answer for the same result';

/** expr-lang builtins that rollout-pilot does not provide, with the reason. */
export const UNSUPPORTED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['now', CLOCK],
  ['date', CLOCK],
  ['duration', 'time values are not supported in conditions'],
  ['timezone', 'time values are not supported in conditions'],
  ['toJSON', 'JSON encoding is not supported in conditions'],
  ['fromJSON', 'JSON decoding is not supported in conditions'],
  ['toBase64', 'base64 is not supported in conditions'],
  ['fromBase64', 'base64 is not supported in conditions'],
  ['groupBy', 'groupBy is not supported in conditions'],
  ['sortBy', 'sortBy is not supported in conditions; use sort() on numbers or strings'],
  ['splitAfter', 'splitAfter is not supported in conditions; use split()'],
  ['repeat', 'repeat is not supported in conditions'],
  ['indexOf', 'indexOf is not supported in conditions; use contains'],
  ['lastIndexOf', 'lastIndexOf is not supported in conditions; use contains'],
  ['toPairs', 'toPairs is not supported in conditions; use keys() and values()'],
  ['fromPairs', 'fromPairs is not supported in conditions'],
  ['concat', 'concat is not supported in conditions'],
  ['flatten', 'flatten is not supported in conditions'],
  ['uniq', 'uniq is not supported in conditions'],
  ['bitand', 'bitwise functions are not supported in conditions'],
  ['bitor', 'bitwise functions are not supported in conditions'],
  ['bitxor', 'bitwise functions are not supported in conditions'],
  ['bitnand', 'bitwise functions are not supported in conditions'],
  ['bitnot', 'bitwise functions are not supported in conditions'],
  ['bitshl', 'bitwise functions are not supported in conditions'],
  ['bitshr', 'bitwise functions are not supported in conditions'],
  ['bitushr', 'bitwise functions are not supported in conditions'],
]);
