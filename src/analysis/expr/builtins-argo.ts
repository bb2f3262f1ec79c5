/** Argo Rollouts' helpers (utils/evaluate/evaluate.go): asInt, asFloat, isNaN, isInf, isNil, default. Pure. */
import { ExprEvalError } from './errors.ts';
import { b, parseGoFloat, parseGoInt, toGoInt, type Builtin } from './builtin-args.ts';
import { describeValue, formatValue, goType, isNumber, ownValue, toFloat } from './values.ts';

function isNilResult(env: Readonly<Record<string, unknown>>): boolean {
  const d = Object.getOwnPropertyDescriptor(env, 'result');
  return d === undefined || !('value' in d) || d.value === null || d.value === undefined;
}

export const ARGO_BUILTINS: readonly (readonly [string, Builtin])[] = [
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
];
