/** The predicate builtins (all, filter, map, reduce ...): they run a `{...}` body per element. Pure. */
import type { Expr } from './ast.ts';
import { ExprEvalError } from './errors.ts';
import { tick, type Ctx, type Evaluate, type Scope } from './eval-context.ts';
import { bool } from './operators.ts';
import { describeValue, goType, ownValue, wrapInt } from './values.ts';

function predicateBody(node: Expr | undefined, name: string): Expr {
  if (node?.kind !== 'predicate') throw new ExprEvalError(`${name}() needs a predicate`);
  return node.body;
}

function runPredicate(body: Expr, ctx: Ctx, ev: Evaluate, scope: Scope): unknown {
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

/** One predicate call being evaluated: its array and how to run the body on one element. */
interface PredicateRun {
  name: string;
  pred: Expr | undefined;
  extra: Expr | undefined;
  items: unknown[];
  ctx: Ctx;
  ev: Evaluate;
  /** The body's value for element i. */
  each: (body: Expr, i: number) => unknown;
  /** The body's value for element i, which must be a bool. */
  test: (body: Expr, i: number) => boolean;
}

/** all, any, none, one: a bool over the elements. */
function quantifier(p: PredicateRun): boolean {
  const { name, pred, items, test } = p;
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
    default: {
      const body = predicateBody(pred, name);
      let n = 0;
      for (let i = 0; i < items.length && n < 2; i++) if (test(body, i)) n++;
      return n === 1;
    }
  }
}

/** filter, map, count, sum: a new array or an aggregate. */
function transform(p: PredicateRun): unknown {
  const { name, pred, items, ctx, each, test } = p;
  switch (name) {
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
    default: {
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
  }
}

/** find, findIndex, findLast, findLastIndex. */
function search(p: PredicateRun): unknown {
  const { name, pred, items, test } = p;
  const body = predicateBody(pred, name);
  if (name === 'find' || name === 'findIndex') {
    const i = items.findIndex((_, j) => test(body, j));
    if (name === 'findIndex') return BigInt(i);
    return i < 0 ? null : (ownValue(items, String(i)) ?? null);
  }
  let i = items.length - 1;
  while (i >= 0 && !test(body, i)) i--;
  if (name === 'findLastIndex') return BigInt(i);
  return i < 0 ? null : (ownValue(items, String(i)) ?? null);
}

function reduce(p: PredicateRun): unknown {
  const { name, pred, extra, items, ctx, ev } = p;
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
    acc = runPredicate(body, ctx, ev, {
      item: ownValue(items, String(i)) ?? null,
      index: i,
      acc,
      hasAcc: true,
    });
  }
  return acc;
}

/** Evaluates the array argument of a predicate call and binds how to run the body on its elements. */
function startPredicate(node: Extract<Expr, { kind: 'call' }>, ctx: Ctx, ev: Evaluate): PredicateRun {
  const { name, args } = node;
  const [collection, pred, extra] = args;
  if (collection === undefined) throw new ExprEvalError(`${name}() needs an array`);
  const list = ev(collection, ctx);
  if (!Array.isArray(list)) {
    throw new ExprEvalError(`${name}() needs an array, got ${goType(list)} ${describeValue(list)}`);
  }
  const items: unknown[] = list;
  const each = (body: Expr, i: number): unknown =>
    runPredicate(body, ctx, ev, {
      item: ownValue(items, String(i)) ?? null,
      index: i,
      acc: null,
      hasAcc: false,
    });
  const test = (body: Expr, i: number): boolean => {
    const v = each(body, i);
    if (typeof v !== 'boolean') {
      throw new ExprEvalError(
        `the predicate of ${name}() must give a bool, got ${goType(v)} ${describeValue(v)}`,
      );
    }
    return v;
  };
  return { name, pred, extra, items, ctx, ev, each, test };
}

export function predicateCall(node: Extract<Expr, { kind: 'call' }>, ctx: Ctx, ev: Evaluate): unknown {
  const p = startPredicate(node, ctx, ev);
  switch (p.name) {
    case 'all':
    case 'any':
    case 'none':
    case 'one':
      return quantifier(p);
    case 'filter':
    case 'map':
    case 'count':
    case 'sum':
      return transform(p);
    case 'find':
    case 'findIndex':
    case 'findLast':
    case 'findLastIndex':
      return search(p);
    case 'reduce':
      return reduce(p);
    default:
      throw new ExprEvalError(`unknown function ${p.name}()`);
  }
}
