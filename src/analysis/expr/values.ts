/**
 * The values an expression works with, and expr-lang's rules for them (vm/runtime in
 * github.com/expr-lang/expr). Go has ints and floats; so does this evaluator:
 *
 *   nil     null or undefined
 *   bool    boolean
 *   int     bigint (int64: results wrap around as in Go)
 *   float   number (float64). Every number in a metric result is a float, as it is in Argo Rollouts
 *           (Prometheus, Datadog and JSON values are float64 there).
 *   string  string
 *   array   a JavaScript array
 *   map     a plain object (prototype Object.prototype or null); only its own data properties exist
 *
 * Anything else (functions, class instances, symbols) is "unsupported": it can be passed around but
 * every operation on it is an error. Pure.
 */
import { ExprEvalError } from './errors.ts';

export type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'unsupported';

export type ExprMap = Record<string, unknown>;

/** Strings longer than this are an error (e.g. a concatenation or a join). */
export const MAX_STRING_LENGTH = 1_000_000;
/** Nesting of values walked recursively (equality, printing, flattening). */
export const MAX_VALUE_DEPTH = 200;

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'object': {
      if (Array.isArray(v)) return 'array';
      const proto: unknown = Object.getPrototypeOf(v);
      return proto === Object.prototype || proto === null ? 'map' : 'unsupported';
    }
    default:
      return 'unsupported';
  }
}

export function isMap(v: unknown): v is ExprMap {
  return kindOf(v) === 'map';
}

export function isNumber(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Go's name for a value's type, as Argo Rollouts' messages show it (`float64`, `<nil>`, ...). */
export function goType(v: unknown): string {
  switch (kindOf(v)) {
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'array':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    default:
      return typeof v === 'function' ? 'func' : 'unsupported value';
  }
}

/** What expr-lang's `type()` returns. */
export function typeName(v: unknown): string {
  const k = kindOf(v);
  return k === 'unsupported' ? 'unknown' : k;
}

/** An own data property of a map or array; never runs a getter, never reads the prototype. */
export function ownValue(container: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(container, key);
  return d !== undefined && 'value' in d ? (d.value as unknown) : undefined;
}

/** The own enumerable keys of a map, in insertion order. */
export function mapKeys(m: ExprMap): string[] {
  return Object.keys(m);
}

/** A new map (no prototype: a key such as "__proto__" is an ordinary key). */
export function newMap(entries: Iterable<[string, unknown]>): ExprMap {
  const m = Object.create(null) as ExprMap;
  for (const [k, v] of entries) m[k] = v;
  return m;
}

export function wrapInt(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

export function toFloat(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

export function checkString(s: string): string {
  if (s.length > MAX_STRING_LENGTH) {
    throw new ExprEvalError(`string too long (${s.length} characters; the limit is ${MAX_STRING_LENGTH})`);
  }
  return s;
}

function tooDeep(): ExprEvalError {
  return new ExprEvalError(`value nested too deeply (more than ${MAX_VALUE_DEPTH} levels)`);
}

/** expr-lang's `==`: numbers by value (int and float alike), strings, bools, nil; arrays and maps deeply. */
export function equal(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep();
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
    return toFloat(a) === toFloat(b);
  }
  if (ka !== kb) return false;
  switch (ka) {
    case 'nil':
      return true;
    case 'bool':
    case 'string':
      return a === b;
    case 'array': {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((v, i) => equal(v, y[i], depth + 1));
    }
    case 'map': {
      const x = a as ExprMap;
      const y = b as ExprMap;
      const kx = mapKeys(x);
      const ky = new Set(mapKeys(y));
      return (
        kx.length === ky.size &&
        kx.every((k) => ky.has(k) && equal(ownValue(x, k), ownValue(y, k), depth + 1))
      );
    }
    default:
      return a === b;
  }
}

/**
 * Go's `%v` of a float64: strconv's 'g' format with the shortest digits, which switches to an exponent
 * when the decimal exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`, `123456`).
 */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const frac = digits.slice(1);
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0] ?? '0'}${frac === '' ? '' : `.${frac}`}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Go's `fmt.Sprintf("%v", v)`, which expr-lang's `string()` uses. */
export function formatValue(v: unknown, depth = 0): string {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep();
  switch (kindOf(v)) {
    case 'nil':
      return '<nil>';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return (v as bigint).toString();
    case 'float':
      return formatGoFloat(v as number);
    case 'string':
      return v as string;
    case 'array':
      return `[${(v as unknown[]).map((x) => formatValue(x, depth + 1)).join(' ')}]`;
    case 'map': {
      const m = v as ExprMap;
      const keys = mapKeys(m).sort();
      return `map[${keys.map((k) => `${k}:${formatValue(ownValue(m, k), depth + 1)}`).join(' ')}]`;
    }
    default:
      return `<${goType(v)}>`;
  }
}

/** The value handed back to JavaScript callers: ints become numbers, maps plain objects. */
export function toPlain(v: unknown, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep();
  switch (kindOf(v)) {
    case 'nil':
      return null;
    case 'int':
      return Number(v);
    case 'array':
      return (v as unknown[]).map((x) => toPlain(x, depth + 1));
    case 'map': {
      const m = v as ExprMap;
      return Object.fromEntries(mapKeys(m).map((k) => [k, toPlain(ownValue(m, k), depth + 1)]));
    }
    default:
      return v;
  }
}

/** A short rendering of a value for messages. */
export function describeValue(v: unknown): string {
  const k = kindOf(v);
  if (k === 'string') return JSON.stringify(v);
  if (k === 'unsupported') return `<${goType(v)}>`;
  const text = formatValue(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
