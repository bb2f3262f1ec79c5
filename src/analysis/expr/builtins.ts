/**
 * The functions a condition can call: expr-lang's builtins (builtin/builtin.go and builtin/lib.go in
 * github.com/expr-lang/expr) that make sense for a metric result, and the helpers Argo Rollouts adds
 * (utils/evaluate/evaluate.go: asInt, asFloat, isNaN, isInf, isNil, default). The predicate builtins
 * (`all`, `filter`, `map`, ...) live with the evaluator, which runs their predicates. Pure.
 */
import { ARGO_BUILTINS } from './builtins-argo.ts';
import { COLLECTION_BUILTINS } from './builtins-collections.ts';
import { NUMBER_BUILTINS } from './builtins-numbers.ts';
import { STRING_BUILTINS } from './builtins-strings.ts';
import type { Builtin } from './builtin-args.ts';

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ...COLLECTION_BUILTINS,
  ...NUMBER_BUILTINS,
  ...STRING_BUILTINS,
  ...ARGO_BUILTINS,
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
