/** Builtins on arrays and maps: len, type, first, last, get, keys, values, take, reverse, sort. Pure. */
import { ExprEvalError } from './errors.ts';
import { arr, b, bad, intArg, str, type Builtin } from './builtin-args.ts';
import { less } from './builtins-numbers.ts';
import { goType, isNumber, kindOf, mapKeys, ownValue, typeName, type ExprMap } from './values.ts';

function fetchOrNil(from: unknown, key: unknown): unknown {
  switch (kindOf(from)) {
    case 'array':
    case 'string': {
      if (!isNumber(key)) return null;
      const items = typeof from === 'string' ? Array.from(from) : (from as unknown[]);
      let i = intArg('get', key);
      if (i < 0) i += items.length;
      if (i < 0 || i >= items.length) return null;
      return typeof from === 'string' ? (items[i] ?? null) : (ownValue(items, String(i)) ?? null);
    }
    case 'map':
      return typeof key === 'string' ? (ownValue(from as ExprMap, key) ?? null) : null;
    default:
      return null;
  }
}

export const COLLECTION_BUILTINS: readonly (readonly [string, Builtin])[] = [
  [
    'len',
    b(1, 1, ([v]) => {
      if (typeof v === 'string') return BigInt(Array.from(v).length);
      if (Array.isArray(v)) return BigInt(v.length);
      if (kindOf(v) === 'map') return BigInt(mapKeys(v as ExprMap).length);
      throw new ExprEvalError(`invalid argument for len (type ${goType(v)})`);
    }),
  ],
  ['type', b(1, 1, ([v]) => typeName(v))],
  ['first', b(1, 1, ([v]) => fetchOrNil(v, 0n))],
  ['last', b(1, 1, ([v]) => fetchOrNil(v, -1n))],
  ['get', b(2, 2, ([v, key]) => fetchOrNil(v, key))],
  [
    'keys',
    b(1, 1, ([v], ctx) => {
      if (kindOf(v) !== 'map') throw bad('keys', v);
      const keys = mapKeys(v as ExprMap);
      ctx.tick(keys.length);
      return keys;
    }),
  ],
  [
    'values',
    b(1, 1, ([v], ctx) => {
      if (kindOf(v) !== 'map') throw bad('values', v);
      const m = v as ExprMap;
      const keys = mapKeys(m);
      ctx.tick(keys.length);
      return keys.map((k) => ownValue(m, k) ?? null);
    }),
  ],
  [
    'take',
    b(2, 2, ([v, n]) => {
      const items = arr('take', v);
      const count = intArg('take', n);
      if (count < 0) throw new ExprEvalError(`invalid argument for take: ${count} is negative`);
      return items.slice(0, count);
    }),
  ],
  [
    'reverse',
    b(1, 1, ([v], ctx) => {
      const items = arr('reverse', v);
      ctx.tick(items.length);
      return [...items].reverse();
    }),
  ],
  [
    'sort',
    b(1, 2, ([v, order], ctx) => {
      const items = [...arr('sort', v)];
      const dir = order === undefined ? 'asc' : str('sort', order);
      if (dir !== 'asc' && dir !== 'desc')
        throw new ExprEvalError(`sort order must be "asc" or "desc", got ${JSON.stringify(dir)}`);
      ctx.tick(items.length * Math.max(1, Math.ceil(Math.log2(items.length + 1))));
      const allNumbers = items.every(isNumber);
      const allStrings = items.every((x) => typeof x === 'string');
      if (!allNumbers && !allStrings) throw new ExprEvalError('sort needs an array of numbers or of strings');
      items.sort((x, y) => {
        if (allNumbers)
          return less(x as number | bigint, y as number | bigint)
            ? -1
            : less(y as number | bigint, x as number | bigint)
              ? 1
              : 0;
        return (x as string) < (y as string) ? -1 : (x as string) > (y as string) ? 1 : 0;
      });
      return dir === 'desc' ? items.reverse() : items;
    }),
  ],
];
