/** Builtins on strings: string, upper, lower, trim*, has*, split, replace, join. Pure. */
import { arr, b, intArg, str, type Builtin } from './builtin-args.ts';
import { checkString, formatValue } from './values.ts';

/** Go's unicode.IsSpace. */
const GO_SPACE =
  '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function trimSet(s: string, cut: string, left: boolean, right: boolean): string {
  const chars = Array.from(s);
  const set = new Set(Array.from(cut));
  let a = 0;
  let b = chars.length;
  while (left && a < b && set.has(chars[a] ?? '')) a++;
  while (right && b > a && set.has(chars[b - 1] ?? '')) b--;
  return chars.slice(a, b).join('');
}

/** Go's strings.SplitN (n < 0: all). */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = Array.from(s);
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

export const STRING_BUILTINS: readonly (readonly [string, Builtin])[] = [
  ['string', b(1, 1, ([v]) => checkString(formatValue(v)))],
  ['upper', b(1, 1, ([v]) => str('upper', v).toUpperCase())],
  ['lower', b(1, 1, ([v]) => str('lower', v).toLowerCase())],
  [
    'trim',
    b(1, 2, ([v, cut]) =>
      cut === undefined
        ? trimSet(str('trim', v), GO_SPACE, true, true)
        : trimSet(str('trim', v), str('trim', cut), true, true),
    ),
  ],
  [
    'trimPrefix',
    b(1, 2, ([v, p]) => {
      const s = str('trimPrefix', v);
      const prefix = p === undefined ? ' ' : str('trimPrefix', p);
      return s.startsWith(prefix) ? s.slice(prefix.length) : s;
    }),
  ],
  [
    'trimSuffix',
    b(1, 2, ([v, p]) => {
      const s = str('trimSuffix', v);
      const suffix = p === undefined ? ' ' : str('trimSuffix', p);
      return suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
    }),
  ],
  ['hasPrefix', b(2, 2, ([v, p]) => str('hasPrefix', v).startsWith(str('hasPrefix', p)))],
  ['hasSuffix', b(2, 2, ([v, p]) => str('hasSuffix', v).endsWith(str('hasSuffix', p)))],
  [
    'split',
    b(2, 3, ([v, sep, n], ctx) => {
      const parts = splitN(str('split', v), str('split', sep), n === undefined ? -1 : intArg('split', n));
      ctx.tick(parts.length);
      return parts;
    }),
  ],
  [
    'replace',
    b(3, 3, ([v, from, to], ctx) => {
      const s = str('replace', v);
      const old = str('replace', from);
      const rep = str('replace', to);
      ctx.tick(s.length);
      const out =
        old === '' ? `${rep}${Array.from(s).join(rep)}${s === '' ? '' : rep}` : s.split(old).join(rep);
      return checkString(out);
    }),
  ],
  [
    'join',
    b(1, 2, ([v, sep], ctx) => {
      const items = arr('join', v);
      ctx.tick(items.length);
      const glue = sep === undefined ? '' : str('join', sep);
      return checkString(items.map((x) => str('join', x)).join(glue));
    }),
  ],
];
