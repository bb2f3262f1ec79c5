/** The evaluator's running state: the environment, predicate scopes and the step budget. Pure. */
import type { Expr } from './ast.ts';
import type { CallContext } from './builtin-args.ts';
import { ExprEvalError } from './errors.ts';

/** Nodes evaluated plus elements visited, per evaluation. */
export const MAX_STEPS = 1_000_000;

export interface Scope {
  item: unknown;
  index: number;
  acc: unknown;
  hasAcc: boolean;
}

export interface Ctx {
  env: Readonly<Record<string, unknown>>;
  scopes: Scope[];
  steps: number;
  call: CallContext;
}

/** Thrown by `a?.b` when `a` is nil; caught by the enclosing chain, which is then nil. Never escapes. */
class NilChain extends Error {
  override name = 'NilChain';
}
export const NIL_CHAIN = new NilChain('nil before ?.');

export function tick(ctx: Ctx, n = 1): void {
  ctx.steps += n;
  if (ctx.steps > MAX_STEPS) {
    throw new ExprEvalError(`evaluation is too expensive (more than ${MAX_STEPS} steps)`);
  }
}

/** The evaluator itself, handed to the operator and predicate modules so they need not import it. */
export type Evaluate = (node: Expr, ctx: Ctx) => unknown;
