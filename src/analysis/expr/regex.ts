/**
 * `matches` takes an RE2 pattern (Go's regexp), and RE2 runs it: re2js is a port of RE2 with Go's
 * syntax and semantics (inline flags, `(?P<name>...)`, `\pL`, `\Q...\E`, POSIX classes, `(?U)`) and
 * linear-time matching, so no pattern can backtrack for ever. What Go refuses is refused
 * (backreferences, lookaround), with Go's reason and a hint.
 *
 * Pure; compiled patterns are cached.
 */
import { RE2JS } from 're2js';
import { ExprEvalError } from './errors.ts';

const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 128;

/** A hint for the syntax people bring from other regex dialects. */
function hint(pattern: string): string {
  if (/\\[1-9]/.test(pattern)) return ' (backreferences are not supported: RE2 has none)';
  if (/\(\?<?[=!]/.test(pattern)) return ' (lookahead and lookbehind are not supported: RE2 has none)';
  return '';
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

/** The compiled pattern; its `test(s)` is Go's `regexp.MatchString` (found anywhere in s). */
export function compileRegex(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ExprEvalError(`invalid regular expression ${JSON.stringify(pattern)}: ${why}${hint(pattern)}`);
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(pattern, re);
  return re;
}
