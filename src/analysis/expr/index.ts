/**
 * Argo Rollouts' condition language (`successCondition`, `failureCondition`): expr-lang
 * (github.com/expr-lang/expr) plus the helpers Argo adds in utils/evaluate/evaluate.go. A safe,
 * bounded evaluator: no `eval`, no prototypes, no globals, no clock. See docs/expressions.md. Pure.
 */
import { forEachChild, type Expr } from './ast.ts';
import { ExprEvalError, ExprSyntaxError } from './errors.ts';
import { run } from './evaluate.ts';
import { staticProblem } from './static-check.ts';
import { parseExpression } from './parser.ts';
import { goType, kindOf, toPlain } from './values.ts';

export type { Expr } from './ast.ts';
export { ExprError, ExprEvalError, ExprSyntaxError } from './errors.ts';
export { parseExpression } from './parser.ts';
export { EXPR_LIMITS } from './parser-state.ts';
export { MAX_STEPS } from './eval-context.ts';
export { ARGO_HELPERS, UNSUPPORTED_FUNCTIONS } from './builtins.ts';

const PARSED = new Map<string, Expr>();
const PARSED_LIMIT = 256;

/** Parses once per distinct source (conditions are evaluated again at every measurement). */
function parsed(source: string): Expr {
  const hit = PARSED.get(source);
  if (hit !== undefined) return hit;
  const ast = parseExpression(source);
  if (PARSED.size >= PARSED_LIMIT) {
    const oldest = PARSED.keys().next().value;
    if (oldest !== undefined) PARSED.delete(oldest);
  }
  PARSED.set(source, ast);
  return ast;
}

/**
 * Evaluates an expression against `env`. Names are `env`'s own properties; numbers in `env` are
 * floats (as Go's float64), bigints are ints. Ints in the value returned come back as numbers, maps
 * as plain objects. Throws ExprSyntaxError when a source does not parse, ExprEvalError otherwise.
 */
export function evaluate(expr: Expr | string, env: Record<string, unknown>): unknown {
  const ast = typeof expr === 'string' ? parsed(expr) : expr;
  const names = Object.keys(env);
  const problem = staticProblem(ast, (name) => Object.hasOwn(env, name), names);
  if (problem !== undefined) throw new ExprEvalError(problem);
  return toPlain(run(ast, env));
}

/**
 * Evaluates a metric condition as Argo Rollouts' EvalCondition does: `result` is the measured value,
 * the helpers asInt, asFloat, isNaN, isInf, isNil and default are available, and anything but a
 * boolean is an error ("expected bool, but got float64").
 */
export function evaluateCondition(source: string, result: unknown): boolean {
  const ast = parsed(source);
  const problem = staticProblem(ast, (name) => name === 'result', ['result']);
  if (problem !== undefined) throw new ExprEvalError(problem);
  const env: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  env.result = result;
  const out = run(ast, env);
  if (typeof out !== 'boolean') throw new ExprEvalError(`expected bool, but got ${goType(out)}`);
  return out;
}

const PLACEHOLDER = /\{\{[\s\S]*?\}\}/;

/**
 * For lint: undefined when the condition parses and uses only `result` and known functions; else
 * what is wrong (with the position for a syntax error).
 */
export function checkCondition(source: string): string | undefined {
  const placeholder = PLACEHOLDER.exec(source);
  if (placeholder) {
    return `contains the placeholder ${placeholder[0]}, which must be resolved before the condition is evaluated`;
  }
  let ast: Expr;
  try {
    ast = parsed(source);
  } catch (e) {
    if (e instanceof ExprSyntaxError) return e.message;
    throw e;
  }
  return staticProblem(ast, (name) => name === 'result', ['result']);
}

/**
 * Things that evaluate but probably do not mean what they say, for lint warnings. Argo's `isNil` and
 * `default` look at `result` whatever their first argument is, so `default(result.x, 0)` returns the
 * whole result when there is one.
 */
export function conditionWarnings(source: string): string[] {
  let ast: Expr;
  try {
    ast = parsed(source);
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (node: Expr): void => {
    if (node.kind === 'call' && (node.name === 'default' || node.name === 'isNil')) {
      const first = node.args[0];
      if (first !== undefined && !(first.kind === 'ident' && first.name === 'result')) {
        out.push(
          `${node.name}() looks at result, not at its first argument (as in Argo Rollouts); ` +
            `write ${node.name}(result${node.name === 'default' ? ', ...' : ''}) or use ?? for other values`,
        );
      }
    }
    forEachChild(node, visit);
  };
  visit(ast);
  return out;
}

/**
 * Argo's message for a condition that could not be evaluated (formatEvalError): when the result is
 * nil or an empty array it says so, since that is nearly always the cause.
 */
export function describeConditionError(
  which: 'successCondition' | 'failureCondition',
  source: string,
  result: unknown,
  error: unknown,
): string {
  const empty = kindOf(result) === 'nil' || (Array.isArray(result) && result.length === 0);
  if (empty) {
    return `could not evaluate ${which} "${source}": metric result is nil or empty: no data returned from the metric provider`;
  }
  const why = error instanceof Error ? error.message : String(error);
  return `could not evaluate ${which} "${source}": ${why}`;
}
