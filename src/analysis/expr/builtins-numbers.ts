/** Builtins on numbers: abs, ceil, floor, round, int, float, max, min, mean, median. Pure. */
import { ExprEvalError } from './errors.ts';
import { b, num, parseGoFloat, parseGoInt, toGoInt, type Builtin, type CallContext } from './builtin-args.ts';
import { goType, isNumber, MAX_VALUE_DEPTH, toFloat, wrapInt } from './values.ts';

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

export function less(a: number | bigint, b: number | bigint): boolean {
  return typeof a === 'bigint' && typeof b === 'bigint' ? a < b : toFloat(a) < toFloat(b);
}

export const NUMBER_BUILTINS: readonly (readonly [string, Builtin])[] = [
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
];
