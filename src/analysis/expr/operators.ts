/** expr-lang's binary operators, indexing and slicing (vm/runtime in github.com/expr-lang/expr). Pure. */
import type { BinaryOperator, Expr } from './ast.ts';
import { ExprEvalError } from './errors.ts';
import { tick, type Ctx, type Evaluate } from './eval-context.ts';
import { compileRegex } from './regex.ts';
import {
  checkString,
  describeValue,
  equal,
  goType,
  isNumber,
  kindOf,
  ownValue,
  toFloat,
  wrapInt,
  type ExprMap,
} from './values.ts';

const SYMBOL: Partial<Record<BinaryOperator, string>> = { and: '&&', or: '||' };

function mismatch(op: string, a: unknown, b: unknown): ExprEvalError {
  const shown = SYMBOL[op as BinaryOperator] ?? op;
  return new ExprEvalError(`invalid operation: ${shown} (mismatched types ${goType(a)} and ${goType(b)})`);
}

export function isNil(v: unknown): boolean {
  return v === null || v === undefined;
}

/** An array or string index: ints, and floats truncated (as expr's runtime.ToInt). */
function toIndex(key: unknown, from: unknown): number {
  if (typeof key === 'bigint') return Number(key);
  if (typeof key === 'number' && Number.isFinite(key)) return Math.trunc(key);
  throw new ExprEvalError(
    `cannot fetch ${describeValue(key)} from ${goType(from)} (an index must be an integer, got ${goType(key)})`,
  );
}

/** expr-lang's runtime.Fetch: `a.b`, `a[i]`, `a['key']`. */
export function fetch(from: unknown, key: unknown): unknown {
  switch (kindOf(from)) {
    case 'nil':
      throw new ExprEvalError(`cannot fetch ${describeValue(key)} from <nil>`);
    case 'array':
    case 'string': {
      const items = typeof from === 'string' ? Array.from(from) : (from as unknown[]);
      const asked = toIndex(key, from);
      const i = asked < 0 ? items.length + asked : asked;
      if (i < 0 || i >= items.length) {
        throw new ExprEvalError(`index out of range: ${asked} (array length is ${items.length})`);
      }
      const v = typeof from === 'string' ? items[i] : ownValue(items, String(i));
      return v === undefined ? null : v;
    }
    case 'map': {
      if (typeof key !== 'string') {
        throw new ExprEvalError(
          `cannot fetch ${describeValue(key)} from ${goType(from)} (a key must be a string)`,
        );
      }
      const v = ownValue(from as ExprMap, key);
      return v === undefined ? null : v;
    }
    default:
      throw new ExprEvalError(`cannot fetch ${describeValue(key)} from ${goType(from)}`);
  }
}

export function slice(from: unknown, a: unknown, b: unknown): unknown {
  const k = kindOf(from);
  if (k !== 'array' && k !== 'string') throw new ExprEvalError(`cannot slice ${goType(from)}`);
  const items = typeof from === 'string' ? Array.from(from) : (from as unknown[]);
  const n = items.length;
  let lo = a === undefined ? 0 : toIndex(a, from);
  let hi = b === undefined ? n : toIndex(b, from);
  if (lo < 0) lo = Math.max(0, n + lo);
  if (hi < 0) hi = Math.max(0, n + hi);
  hi = Math.min(hi, n);
  lo = Math.min(lo, hi);
  const part = items.slice(lo, hi);
  return typeof from === 'string' ? part.join('') : part;
}

function inOp(needle: unknown, hay: unknown): boolean {
  switch (kindOf(hay)) {
    case 'nil':
      return false;
    case 'array':
      return (hay as unknown[]).some((x) => equal(x, needle));
    case 'map':
      if (typeof needle !== 'string') {
        throw new ExprEvalError(`cannot use ${goType(needle)} as a key of ${goType(hay)} in "in"`);
      }
      return Object.getOwnPropertyDescriptor(hay, needle) !== undefined;
    default:
      throw new ExprEvalError(`operator "in" not defined on ${goType(hay)}`);
  }
}

/** Go's math.Pow where it differs from JavaScript's. */
function pow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

function arithmetic(op: BinaryOperator, l: unknown, r: unknown): unknown {
  if (op === '+' && typeof l === 'string' && typeof r === 'string') return checkString(l + r);
  if (!isNumber(l) || !isNumber(r)) throw mismatch(op, l, r);
  if (op === '/') return toFloat(l) / toFloat(r);
  if (op === '**') return pow(toFloat(l), toFloat(r));
  if (typeof l === 'bigint' && typeof r === 'bigint') {
    switch (op) {
      case '+':
        return wrapInt(l + r);
      case '-':
        return wrapInt(l - r);
      case '*':
        return wrapInt(l * r);
      default:
        if (r === 0n) throw new ExprEvalError('integer divide by zero');
        return wrapInt(l % r);
    }
  }
  const x = toFloat(l);
  const y = toFloat(r);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    default:
      throw mismatch(op, l, r);
  }
}

function compare(op: '<' | '>' | '<=' | '>=', l: unknown, r: unknown): boolean {
  let c: number;
  if (isNumber(l) && isNumber(r)) {
    if (typeof l === 'bigint' && typeof r === 'bigint') c = l < r ? -1 : l > r ? 1 : 0;
    else {
      const x = toFloat(l);
      const y = toFloat(r);
      if (Number.isNaN(x) || Number.isNaN(y)) return false;
      c = x < y ? -1 : x > y ? 1 : 0;
    }
  } else if (typeof l === 'string' && typeof r === 'string') {
    c = l < r ? -1 : l > r ? 1 : 0;
  } else {
    throw mismatch(op, l, r);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    default:
      return c >= 0;
  }
}

function range(l: unknown, r: unknown, ctx: Ctx): bigint[] {
  if (!isNumber(l) || !isNumber(r)) throw mismatch('..', l, r);
  const a = toIndex(l, l);
  const b = toIndex(r, r);
  const size = b - a + 1;
  if (size <= 0) return [];
  tick(ctx, size);
  return Array.from({ length: size }, (_, i) => BigInt(a + i));
}

function stringOperands(op: string, l: unknown, r: unknown): [string, string] {
  if (typeof l !== 'string' || typeof r !== 'string') throw mismatch(op, l, r);
  return [l, r];
}

export function bool(what: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ExprEvalError(`${what} needs a bool, got ${goType(v)} ${describeValue(v)}`);
  return v;
}

export function binary(node: Extract<Expr, { kind: 'binary' }>, ctx: Ctx, ev: Evaluate): unknown {
  const { op } = node;
  if (op === 'and' || op === 'or') {
    const l = ev(node.left, ctx);
    if (typeof l !== 'boolean') throw mismatch(op, l, true);
    if (op === 'and' ? !l : l) return l;
    const r = ev(node.right, ctx);
    if (typeof r !== 'boolean') throw mismatch(op, l, r);
    return r;
  }
  if (op === '??') {
    const l = ev(node.left, ctx);
    return isNil(l) ? ev(node.right, ctx) : l;
  }
  const l = ev(node.left, ctx);
  const r = ev(node.right, ctx);
  switch (op) {
    case '==':
      return equal(l, r);
    case '!=':
      return !equal(l, r);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(op, l, r);
    case 'in':
      return inOp(l, r);
    case 'matches': {
      const [s, pattern] = stringOperands(op, l, r);
      tick(ctx, s.length);
      return compileRegex(pattern).test(s);
    }
    case 'contains': {
      const [s, part] = stringOperands(op, l, r);
      return s.includes(part);
    }
    case 'startsWith': {
      const [s, part] = stringOperands(op, l, r);
      return s.startsWith(part);
    }
    case 'endsWith': {
      const [s, part] = stringOperands(op, l, r);
      return s.endsWith(part);
    }
    case '..':
      return range(l, r, ctx);
    default:
      return arithmetic(op, l, r);
  }
}
