/**
 * `matches` takes an RE2 pattern (Go's regexp). This translates the RE2 syntax people write into a
 * JavaScript RegExp (unicode mode) and refuses what would behave differently or dangerously:
 *
 * - RE2 has no backreferences and no lookaround: they are errors, as in Go;
 * - inline flags are accepted at the very start only (`(?i)`, `(?s)`, `(?m)`, combined), `(?U)` is not;
 * - `(?P<name>...)` becomes `(?<name>...)`, `\pL` becomes `\p{L}`, `\A` / `\z` become `^` / `$`,
 *   `\Q...\E` is quoted, an escaped punctuation character stands for itself, a `{` that does not start
 *   a repetition is literal (as in RE2);
 * - POSIX classes (`[[:alpha:]]`) are not supported;
 * - a repeated group that itself contains an unbounded repetition (`(a+)+`, `(\w*)*`) is refused: RE2
 *   runs it in linear time, JavaScript's backtracking engine can take exponential time.
 *
 * Pure; compiled patterns are cached.
 */
import { ExprEvalError } from './errors.ts';

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 128;

function hex(ch: string): string {
  return (ch.codePointAt(0) ?? 0).toString(16);
}

function literal(ch: string): string {
  return /[A-Za-z0-9_]/.test(ch) || ch.length > 1 || ch.charCodeAt(0) > 0x7f ? ch : `\\u{${hex(ch)}}`;
}

/** RE2 → JavaScript source and flags, or a reason. */
function translate(pattern: string): { source: string; flags: string } | { error: string } {
  let flags = 'u';
  let i = 0;
  const lead = /^\(\?([A-Za-z]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1] ?? '') {
      if (f === 'i' || f === 'm' || f === 's') {
        if (!flags.includes(f)) flags += f;
      } else if (f === 'U') {
        return { error: 'the (?U) flag (ungreedy) is not supported' };
      } else {
        return { error: `unknown flag (?${f})` };
      }
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) return { error: 'trailing backslash' };
      if (/[1-9]/.test(d)) return { error: `backreferences (\\${d}) are not supported (RE2 has none)` };
      if (d === 'p' || d === 'P') {
        if (pattern[i + 2] === '{') {
          const close = pattern.indexOf('}', i + 3);
          if (close < 0) return { error: 'unclosed \\p{...}' };
          out += pattern.slice(i, close + 1);
          i = close + 1;
        } else {
          const name = pattern[i + 2];
          if (name === undefined || !/[A-Za-z]/.test(name)) return { error: `invalid \\${d} escape` };
          out += `\\${d}{${name}}`;
          i += 3;
        }
        continue;
      }
      if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const text = pattern.slice(i + 2, end < 0 ? pattern.length : end);
        for (const ch of text) out += literal(ch);
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (d === 'A' || d === 'z') {
        if (inClass) return { error: `\\${d} is not allowed in a character class` };
        if (flags.includes('m')) return { error: `\\${d} together with (?m) is not supported` };
        out += d === 'A' ? '^' : '$';
        i += 2;
        continue;
      }
      if (d === 'C') return { error: '\\C (any byte) is not supported' };
      if (d === 'x' && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close < 0) return { error: 'unclosed \\x{...}' };
        out += `\\u{${pattern.slice(i + 3, close)}}`;
        i = close + 1;
        continue;
      }
      if (/[A-Za-z0-9]/.test(d)) {
        out += `\\${d}`;
        i += 2;
        continue;
      }
      const ch = String.fromCodePoint(pattern.codePointAt(i + 1) ?? 0);
      out += `\\u{${hex(ch)}}`;
      i += 1 + ch.length;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':')
        return { error: 'POSIX character classes ([[:alpha:]]) are not supported' };
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
      if (rest.startsWith(':') || /^<[A-Za-z_]/.test(rest)) {
        out += '(?';
        i += 2;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest))
        return { error: 'lookahead and lookbehind are not supported (RE2 has none)' };
      return { error: 'inline flags are only supported at the start of the pattern' };
    }
    if (c === '{') {
      const rep = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (rep) {
        out += rep[0];
        i += rep[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if (c === '}' || c === ']') {
      out += `\\${c}`;
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) return { error: 'missing closing ]' };
  return { source: out, flags };
}

/**
 * Whether a repeated group contains an unbounded repetition. Reads the translated source: escapes
 * are `\x`, `\u{...}` or `\p{...}`; classes are skipped.
 */
function nestedRepetition(source: string): boolean {
  const stack: { unbounded: boolean }[] = [{ unbounded: false }];
  let lastGroupUnbounded: boolean | undefined;
  let i = 0;
  const top = (): { unbounded: boolean } => stack[stack.length - 1] ?? { unbounded: false };
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === '\\') {
      const d = source[i + 1] ?? '';
      if ((d === 'u' || d === 'p' || d === 'P') && source[i + 2] === '{') {
        i = source.indexOf('}', i) + 1;
      } else {
        i += 2;
      }
      lastGroupUnbounded = undefined;
      continue;
    }
    if (c === '[') {
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      lastGroupUnbounded = undefined;
      continue;
    }
    if (c === '(') {
      stack.push({ unbounded: false });
      i++;
      if (source[i] === '?') {
        i++;
        if (source[i] === '<') i = source.indexOf('>', i) + 1;
        else i++;
      }
      lastGroupUnbounded = undefined;
      continue;
    }
    if (c === ')') {
      const closed = stack.pop() ?? { unbounded: false };
      lastGroupUnbounded = closed.unbounded;
      if (closed.unbounded) top().unbounded = true;
      i++;
      continue;
    }
    const rep = /^(\*|\+|\?|\{\d+(,\d*)?\})/.exec(source.slice(i));
    if (rep) {
      const q = rep[0];
      const unbounded = q === '*' || q === '+' || /^\{\d+,\}$/.test(q);
      if (unbounded && lastGroupUnbounded === true) return true;
      if (unbounded) top().unbounded = true;
      i += q.length;
      if (source[i] === '?') i++;
      lastGroupUnbounded = undefined;
      continue;
    }
    lastGroupUnbounded = undefined;
    i++;
  }
  return false;
}

/** Why a pattern cannot be used with `matches`, or undefined when it can. */
export function regexProblem(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function compileRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const t = translate(pattern);
  if ('error' in t)
    throw new ExprEvalError(`invalid regular expression ${JSON.stringify(pattern)}: ${t.error}`);
  if (nestedRepetition(t.source)) {
    throw new ExprEvalError(
      `regular expression ${JSON.stringify(pattern)} repeats a group that itself repeats without bound ` +
        '(like (a+)+); such patterns can take exponential time and are refused',
    );
  }
  let re: RegExp;
  try {
    re = new RegExp(t.source, t.flags);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ExprEvalError(`invalid regular expression ${JSON.stringify(pattern)}: ${why}`);
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(pattern, re);
  return re;
}
