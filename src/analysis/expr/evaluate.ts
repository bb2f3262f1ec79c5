/**
 * Evaluates a parsed condition with expr-lang's semantics (vm/vm.go and vm/runtime in
 * github.com/expr-lang/expr). Safe by construction: an expression can only read the environment's own
 * data properties and the elements of plain arrays and maps it reaches from there, and call the
 * functions in builtins.ts; there is no `eval`, no access to prototypes, globals or the process. The
 * work is bounded: every node evaluated and every element visited counts against a step budget.
 * Pure.
 */
import type { Expr } from './ast.ts';
import { BUILTINS, PREDICATE_FUNCTIONS } from './builtins.ts';
import { ExprEvalError } from './errors.ts';
import { NIL_CHAIN, tick, type Ctx } from './eval-context.ts';
import { binary, fetch, isNil, slice } from './operators.ts';
import { predicateCall } from './predicates.ts';
import { arityProblem, unknownFunction } from './static-check.ts';
import { describeValue, goType, newMap, wrapInt } from './values.ts';

function call(node: Extract<Expr, { kind: 'call' }>, ctx: Ctx): unknown {
  const { name } = node;
  if (PREDICATE_FUNCTIONS.has(name)) return predicateCall(node, ctx, ev);
  const builtin = BUILTINS.get(name);
  if (builtin === undefined) throw new ExprEvalError(unknownFunction(name, (n) => Object.hasOwn(ctx.env, n)));
  const arity = arityProblem(name, node.args.length);
  if (arity !== undefined) throw new ExprEvalError(arity);
  const args = node.args.map((a) => ev(a, ctx));
  return builtin.fn(args, ctx.call);
}

/** `#`, `#index`, `#acc`: the innermost predicate's element, its index, reduce()'s accumulator. */
function pointer(node: Extract<Expr, { kind: 'pointer' }>, ctx: Ctx): unknown {
  const scope = ctx.scopes[ctx.scopes.length - 1];
  if (scope === undefined) throw new ExprEvalError('# is only available inside a predicate');
  if (node.name === 'index') return BigInt(scope.index);
  if (node.name === 'acc') {
    if (!scope.hasAcc) throw new ExprEvalError('#acc is only available inside reduce()');
    return scope.acc;
  }
  return scope.item;
}

function unary(node: Extract<Expr, { kind: 'unary' }>, ctx: Ctx): unknown {
  const v = ev(node.operand, ctx);
  if (node.op === 'not') {
    if (typeof v !== 'boolean') throw new ExprEvalError(`invalid operation: not ${goType(v)}`);
    return !v;
  }
  if (typeof v === 'bigint') return node.op === '-' ? wrapInt(-v) : v;
  if (typeof v === 'number') return node.op === '-' ? -v : v;
  throw new ExprEvalError(`invalid operation: ${node.op} ${goType(v)}`);
}

function mapLiteral(node: Extract<Expr, { kind: 'map' }>, ctx: Ctx): unknown {
  const entries: [string, unknown][] = node.entries.map((e) => {
    const k = ev(e.key, ctx);
    if (typeof k !== 'string') throw new ExprEvalError(`a map key must be a string, got ${goType(k)}`);
    return [k, ev(e.value, ctx)];
  });
  return newMap(entries);
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
    case 'pointer':
      return pointer(node, ctx);
    case 'unary':
      return unary(node, ctx);
    case 'binary':
      return binary(node, ctx, ev);
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
    case 'map':
      return mapLiteral(node, ctx);
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
