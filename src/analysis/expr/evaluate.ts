/**
 * Evaluates a parsed condition with expr-lang's semantics (vm/vm.go and vm/runtime in
 * github.com/expr-lang/expr). Safe by construction: an expression can only read the environment's own
 * data properties and the elements of plain arrays and maps it reaches from there, and call the
 * functions in builtins.ts; there is no `eval`, no access to prototypes, globals or the process. The
 * work is bounded: every node evaluated and every element visited counts against a step budget.
 * Pure.
 */
import { forEachChild, type BinaryOperator, type Expr } from './ast.ts';
import { BUILTINS, PREDICATE_FUNCTIONS, UNSUPPORTED_FUNCTIONS, type CallContext } from './builtins.ts';
import { ExprEvalError } from './errors.ts';
import { compileRegex, regexProblem } from './regex.ts';
import {
  checkString,
  describeValue,
  equal,
  goType,
  isNumber,
  kindOf,
  newMap,
  ownValue,
  toFloat,
  wrapInt,
  type ExprMap,
} from './values.ts';

/** Nodes evaluated plus elements visited, per evaluation. */
export const MAX_STEPS = 1_000_000;

interface Scope {
  item: unknown;
  index: number;
  acc: unknown;
  hasAcc: boolean;
}

interface Ctx {
  env: Readonly<Record<string, unknown>>;
  scopes: Scope[];
  steps: number;
  call: CallContext;
}

/** Thrown by `a?.b` when `a` is nil; caught by the enclosing chain, which is then nil. Never escapes. */
class NilChain extends Error {
  override name = 'NilChain';
}
const NIL_CHAIN = new NilChain('nil before ?.');

function tick(ctx: Ctx, n = 1): void {
  ctx.steps += n;
  if (ctx.steps > MAX_STEPS) {
    throw new ExprEvalError(`evaluation is too expensive (more than ${MAX_STEPS} steps)`);
  }
}

const SYMBOL: Partial<Record<BinaryOperator, string>> = { and: '&&', or: '||' };

function mismatch(op: string, a: unknown, b: unknown): ExprEvalError {
  const shown = SYMBOL[op as BinaryOperator] ?? op;
  return new ExprEvalError(`invalid operation: ${shown} (mismatched types ${goType(a)} and ${goType(b)})`);
}

function isNil(v: unknown): boolean {
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

function slice(from: unknown, a: unknown, b: unknown): unknown {
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

function bool(what: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ExprEvalError(`${what} needs a bool, got ${goType(v)} ${describeValue(v)}`);
  return v;
}

function binary(node: Extract<Expr, { kind: 'binary' }>, ctx: Ctx): unknown {
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

function predicateBody(node: Expr | undefined, name: string): Expr {
  if (node?.kind !== 'predicate') throw new ExprEvalError(`${name}() needs a predicate`);
  return node.body;
}

function runPredicate(body: Expr, ctx: Ctx, scope: Scope): unknown {
  tick(ctx);
  ctx.scopes.push(scope);
  try {
    return ev(body, ctx);
  } finally {
    ctx.scopes.pop();
  }
}

function sumOf(name: string, values: unknown[]): unknown {
  let int = 0n;
  let float = 0;
  let isFloat = false;
  for (const v of values) {
    if (typeof v === 'bigint') int = wrapInt(int + v);
    else if (typeof v === 'number') {
      float += v;
      isFloat = true;
    } else throw new ExprEvalError(`invalid argument for ${name} (type ${goType(v)})`);
  }
  return isFloat ? float + Number(int) : int;
}

function predicateCall(node: Extract<Expr, { kind: 'call' }>, ctx: Ctx): unknown {
  const { name, args } = node;
  const [collection, pred, extra] = args;
  if (collection === undefined) throw new ExprEvalError(`${name}() needs an array`);
  const list = ev(collection, ctx);
  if (!Array.isArray(list)) {
    throw new ExprEvalError(`${name}() needs an array, got ${goType(list)} ${describeValue(list)}`);
  }
  const items: unknown[] = list;
  const each = (body: Expr, i: number): unknown =>
    runPredicate(body, ctx, { item: ownValue(items, String(i)) ?? null, index: i, acc: null, hasAcc: false });
  const test = (body: Expr, i: number): boolean => {
    const v = each(body, i);
    if (typeof v !== 'boolean') {
      throw new ExprEvalError(
        `the predicate of ${name}() must give a bool, got ${goType(v)} ${describeValue(v)}`,
      );
    }
    return v;
  };
  switch (name) {
    case 'all': {
      const body = predicateBody(pred, name);
      return items.every((_, i) => test(body, i));
    }
    case 'any': {
      const body = predicateBody(pred, name);
      return items.some((_, i) => test(body, i));
    }
    case 'none': {
      const body = predicateBody(pred, name);
      return !items.some((_, i) => test(body, i));
    }
    case 'one': {
      const body = predicateBody(pred, name);
      let n = 0;
      for (let i = 0; i < items.length && n < 2; i++) if (test(body, i)) n++;
      return n === 1;
    }
    case 'filter': {
      const body = predicateBody(pred, name);
      return items.filter((_, i) => test(body, i));
    }
    case 'map': {
      const body = predicateBody(pred, name);
      return items.map((_, i) => each(body, i));
    }
    case 'count': {
      if (pred === undefined) {
        tick(ctx, items.length);
        return BigInt(items.filter((x) => bool('count() without a predicate', x)).length);
      }
      const body = predicateBody(pred, name);
      return BigInt(items.filter((_, i) => test(body, i)).length);
    }
    case 'sum': {
      if (pred === undefined) {
        tick(ctx, items.length);
        return sumOf(name, items);
      }
      const body = predicateBody(pred, name);
      return sumOf(
        name,
        items.map((_, i) => each(body, i)),
      );
    }
    case 'find':
    case 'findIndex': {
      const body = predicateBody(pred, name);
      const i = items.findIndex((_, j) => test(body, j));
      if (name === 'findIndex') return BigInt(i);
      return i < 0 ? null : (ownValue(items, String(i)) ?? null);
    }
    case 'findLast':
    case 'findLastIndex': {
      const body = predicateBody(pred, name);
      let i = items.length - 1;
      while (i >= 0 && !test(body, i)) i--;
      if (name === 'findLastIndex') return BigInt(i);
      return i < 0 ? null : (ownValue(items, String(i)) ?? null);
    }
    case 'reduce': {
      const body = predicateBody(pred, name);
      let start = 0;
      let acc: unknown;
      if (extra !== undefined) acc = ev(extra, ctx);
      else if (items.length === 0) return null;
      else {
        acc = ownValue(items, '0') ?? null;
        start = 1;
      }
      for (let i = start; i < items.length; i++) {
        acc = runPredicate(body, ctx, {
          item: ownValue(items, String(i)) ?? null,
          index: i,
          acc,
          hasAcc: true,
        });
      }
      return acc;
    }
    default:
      throw new ExprEvalError(`unknown function ${name}()`);
  }
}

function call(node: Extract<Expr, { kind: 'call' }>, ctx: Ctx): unknown {
  const { name } = node;
  if (PREDICATE_FUNCTIONS.has(name)) return predicateCall(node, ctx);
  const builtin = BUILTINS.get(name);
  if (builtin === undefined) throw new ExprEvalError(unknownFunction(name, (n) => Object.hasOwn(ctx.env, n)));
  const arity = arityProblem(name, node.args.length);
  if (arity !== undefined) throw new ExprEvalError(arity);
  const args = node.args.map((a) => ev(a, ctx));
  return builtin.fn(args, ctx.call);
}

function ev(node: Expr, ctx: Ctx): unknown {
  tick(ctx);
  switch (node.kind) {
    case 'nil':
      return null;
    case 'bool':
    case 'int':
    case 'float':
    case 'string':
      return node.value;
    case 'ident': {
      const d = Object.getOwnPropertyDescriptor(ctx.env, node.name);
      if (d === undefined) throw new ExprEvalError(`unknown name ${node.name}`);
      const v: unknown = 'value' in d ? d.value : undefined;
      return v === undefined ? null : v;
    }
    case 'pointer': {
      const scope = ctx.scopes[ctx.scopes.length - 1];
      if (scope === undefined) throw new ExprEvalError('# is only available inside a predicate');
      if (node.name === 'index') return BigInt(scope.index);
      if (node.name === 'acc') {
        if (!scope.hasAcc) throw new ExprEvalError('#acc is only available inside reduce()');
        return scope.acc;
      }
      return scope.item;
    }
    case 'unary': {
      const v = ev(node.operand, ctx);
      if (node.op === 'not') {
        if (typeof v !== 'boolean') throw new ExprEvalError(`invalid operation: not ${goType(v)}`);
        return !v;
      }
      if (typeof v === 'bigint') return node.op === '-' ? wrapInt(-v) : v;
      if (typeof v === 'number') return node.op === '-' ? -v : v;
      throw new ExprEvalError(`invalid operation: ${node.op} ${goType(v)}`);
    }
    case 'binary':
      return binary(node, ctx);
    case 'conditional': {
      const t = ev(node.test, ctx);
      if (typeof t !== 'boolean') {
        throw new ExprEvalError(`the condition of ?: must be a bool, got ${goType(t)} ${describeValue(t)}`);
      }
      return ev(t ? node.consequent : node.alternate, ctx);
    }
    case 'member': {
      const from = ev(node.object, ctx);
      if (node.optional && isNil(from)) throw NIL_CHAIN;
      return fetch(from, ev(node.property, ctx));
    }
    case 'slice': {
      const from = ev(node.object, ctx);
      const a = node.from === undefined ? undefined : ev(node.from, ctx);
      const b = node.to === undefined ? undefined : ev(node.to, ctx);
      return slice(from, a, b);
    }
    case 'chain':
      try {
        return ev(node.node, ctx);
      } catch (e) {
        if (e === NIL_CHAIN) return null;
        throw e;
      }
    case 'call':
      return call(node, ctx);
    case 'method':
      throw new ExprEvalError(`method calls are not supported: .${node.name}()`);
    case 'predicate':
      throw new ExprEvalError(
        'a predicate is only allowed as an argument of all(), filter(), map() and the like',
      );
    case 'array': {
      tick(ctx, node.items.length);
      return node.items.map((x) => ev(x, ctx));
    }
    case 'map': {
      const entries: [string, unknown][] = node.entries.map((e) => {
        const k = ev(e.key, ctx);
        if (typeof k !== 'string') throw new ExprEvalError(`a map key must be a string, got ${goType(k)}`);
        return [k, ev(e.value, ctx)];
      });
      return newMap(entries);
    }
  }
}

/** Runs a parsed expression against an environment; values are the evaluator's (ints are bigint). */
export function run(node: Expr, env: Readonly<Record<string, unknown>>): unknown {
  const ctx: Ctx = {
    env,
    scopes: [],
    steps: 0,
    call: {
      env,
      tick: (n) => {
        tick(ctx, n);
      },
    },
  };
  try {
    return ev(node, ctx);
  } catch (e) {
    if (e === NIL_CHAIN) return null;
    if (e instanceof RangeError) throw new ExprEvalError(`evaluation failed: ${e.message}`);
    throw e;
  }
}

// --- static checks: what expr-lang's compiler rejects before running anything ---

function arityProblem(name: string, count: number): string | undefined {
  const builtin = BUILTINS.get(name);
  if (builtin === undefined) return undefined;
  if (count < builtin.min)
    return `not enough arguments to call ${name}() (expected ${builtin.min}, got ${count})`;
  if (count > builtin.max)
    return `too many arguments to call ${name}() (expected ${builtin.max}, got ${count})`;
  return undefined;
}

function unknownFunction(name: string, known: (name: string) => boolean): string {
  const reason = UNSUPPORTED_FUNCTIONS.get(name);
  if (reason !== undefined) return `${name}() is not supported: ${reason}`;
  if (known(name)) return `${name} is a value, not a function (only builtins can be called)`;
  return `unknown function ${name}()`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j] ?? 0;
      row[j] = Math.min(here + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The first problem expr-lang's compiler would report before running: an unknown name, an unknown or
 * unsupported function, a wrong number of arguments, a method call, `#acc` outside reduce(), an
 * invalid literal regular expression. Undefined when there is none.
 */
export function staticProblem(
  root: Expr,
  known: (name: string) => boolean,
  names: readonly string[] = [],
): string | undefined {
  let problem: string | undefined;
  const visit = (node: Expr, accAllowed: boolean): void => {
    if (problem !== undefined) return;
    switch (node.kind) {
      case 'ident':
        if (!known(node.name)) {
          if (node.name === '$env') problem = '$env is not supported in conditions';
          else {
            const near = names.find((n) => distance(n, node.name) <= 2);
            problem = `unknown name ${node.name}${near === undefined ? '' : ` (did you mean ${near}?)`}`;
          }
        }
        return;
      case 'pointer':
        if (node.name === 'acc' && !accAllowed) problem = '#acc is only available inside reduce()';
        return;
      case 'method':
        problem = `method calls are not supported: .${node.name}()`;
        return;
      case 'call': {
        const { name } = node;
        if (!PREDICATE_FUNCTIONS.has(name) && !BUILTINS.has(name)) {
          problem = unknownFunction(name, known);
          return;
        }
        problem = arityProblem(name, node.args.length);
        if (problem !== undefined) return;
        for (const arg of node.args) visit(arg, arg.kind === 'predicate' ? name === 'reduce' : accAllowed);
        return;
      }
      case 'predicate':
        visit(node.body, accAllowed);
        return;
      case 'binary':
        if (node.op === 'matches' && node.right.kind === 'string') {
          const why = regexProblem(node.right.value);
          if (why !== undefined) {
            problem = why;
            return;
          }
        }
        visit(node.left, accAllowed);
        visit(node.right, accAllowed);
        return;
      default:
        forEachChild(node, (c) => {
          visit(c, accAllowed);
        });
    }
  };
  visit(root, false);
  return problem;
}
