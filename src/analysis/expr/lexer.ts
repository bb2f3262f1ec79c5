/**
 * The tokens of expr-lang (github.com/expr-lang/expr, parser/lexer), which Argo Rollouts uses for
 * `successCondition` / `failureCondition`. Pure.
 */
import { ExprSyntaxError } from './errors.ts';

export type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'bracket' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written; for strings, the value after escapes. */
  value: string;
  start: number;
  end: number;
}

/** Words that are operators, not names. */
const WORD_OPERATORS = new Set([
  'not',
  'in',
  'or',
  'and',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'let',
  'if',
  'else',
]);

const LETTER = /^[\p{L}_$]$/u;
const DIGIT = /^\p{Nd}$/u;
const SPACE = /^\s$/u;

function isAlpha(ch: string): boolean {
  return LETTER.test(ch);
}

function isAlphaNumeric(ch: string): boolean {
  return LETTER.test(ch) || DIGIT.test(ch);
}

function isAsciiDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** The character (code point) starting at index i, or '' past the end. */
function charAt(s: string, i: number): string {
  const cp = s.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

function hexValue(digits: string, base: number): number | undefined {
  if (digits === '') return undefined;
  for (const d of digits) if (Number.isNaN(parseInt(d, base))) return undefined;
  return parseInt(digits, base);
}

type Push = (kind: TokenKind, start: number, end: number, value?: string) => void;
type Fail = (reason: string, at: number) => never;

/** What each scanning step needs: the source, where tokens go and how it fails. */
interface Scanner {
  source: string;
  push: Push;
  fail: Fail;
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const sc: Scanner = {
    source,
    push: (kind, start, end, value = source.slice(start, end)) => {
      tokens.push({ kind, value, start, end });
    },
    fail: (reason, at) => {
      throw new ExprSyntaxError(reason, source, at);
    },
  };
  let i = 0;
  while (i < source.length) i = scanToken(sc, i);
  tokens.push({ kind: 'eof', value: '', start: source.length, end: source.length });
  return tokens;
}

/** Reads what starts at `i` (a token, space or a comment); returns the index after it. */
function scanToken(sc: Scanner, i: number): number {
  return skipSpaceOrComment(sc, i) ?? scanLiteral(sc, i) ?? scanWord(sc, i) ?? scanPunctuation(sc, i);
}

function skipSpaceOrComment(sc: Scanner, i: number): number | undefined {
  const { source } = sc;
  const ch = charAt(source, i);
  if (SPACE.test(ch)) return i + ch.length;
  if (ch === '/' && source[i + 1] === '/') {
    const nl = source.indexOf('\n', i);
    return nl < 0 ? source.length : nl + 1;
  }
  if (ch === '/' && source[i + 1] === '*') {
    const close = source.indexOf('*/', i + 2);
    if (close < 0) sc.fail('unclosed comment', i);
    return close + 2;
  }
  return undefined;
}

/** Strings (quoted or raw) and numbers. */
function scanLiteral(sc: Scanner, i: number): number | undefined {
  const { source } = sc;
  const ch = charAt(source, i);
  if (ch === '"' || ch === "'") return scanString(source, i, ch, sc.push, sc.fail);
  if (ch === '`') {
    const close = source.indexOf('`', i + 1);
    if (close < 0) sc.fail('string literal not terminated', i);
    sc.push('string', i, close + 1, source.slice(i + 1, close));
    return close + 1;
  }
  if (isAsciiDigit(ch) || (ch === '.' && isAsciiDigit(source[i + 1]))) {
    const end = scanNumber(source, i, sc.fail);
    sc.push('number', i, end);
    return end;
  }
  return undefined;
}

/** The end of the name starting at `i` (`i` itself when there is none). */
function nameEnd(source: string, i: number): number {
  let j = i;
  while (j < source.length && isAlphaNumeric(charAt(source, j))) j += charAt(source, j).length;
  return j;
}

/** Names, word operators (`and`, `in`, ...) and the predicate pointers `#`, `#index`, `#acc`. */
function scanWord(sc: Scanner, i: number): number | undefined {
  const { source } = sc;
  const ch = charAt(source, i);
  if (isAlpha(ch)) {
    const j = nameEnd(source, i);
    const word = source.slice(i, j);
    sc.push(WORD_OPERATORS.has(word) ? 'operator' : 'identifier', i, j);
    return j;
  }
  if (ch === '#') {
    // `#`, `#index`, `#acc`: the name must follow the `#` directly.
    sc.push('operator', i, i + 1);
    const j = nameEnd(source, i + 1);
    if (j > i + 1) sc.push('identifier', i + 1, j);
    return j;
  }
  return undefined;
}

/** Brackets and symbol operators (two characters before one); anything else is an error. */
function scanPunctuation(sc: Scanner, i: number): number {
  const { source } = sc;
  const ch = charAt(source, i);
  if ('([{'.includes(ch) || ')]}'.includes(ch)) {
    sc.push('bracket', i, i + 1);
    return i + 1;
  }
  const two = source.slice(i, i + 2);
  if (['?.', '??', '||', '&&', '==', '!=', '<=', '>=', '**', '..', '::'].includes(two)) {
    sc.push('operator', i, i + 2);
    return i + 2;
  }
  if ('?:|,;%+-^*/<>!=.&'.includes(ch)) {
    sc.push('operator', i, i + 1);
    return i + 1;
  }
  const cp = ch.codePointAt(0) ?? 0;
  sc.fail(
    `unrecognized character ${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`,
    i,
  );
}

/** A number as expr's lexer reads it; the value is checked by the parser. Returns the end index. */
function scanNumber(s: string, start: number, fail: Fail): number {
  let i = start;
  let digits = '0123456789_';
  if (s[i] === '0') {
    i++;
    const p = s[i];
    if (p === 'x' || p === 'X') {
      digits = '0123456789abcdefABCDEF_';
      i++;
    } else if (p === 'o' || p === 'O') {
      digits = '01234567_';
      i++;
    } else if (p === 'b' || p === 'B') {
      digits = '01_';
      i++;
    }
  }
  const run = (): void => {
    while (i < s.length && digits.includes(s[i] ?? '')) i++;
  };
  run();
  if (s[i] === '.' && s[i + 1] !== '.') {
    i++;
    run();
  }
  if (s[i] === 'e' || s[i] === 'E') {
    i++;
    if (s[i] === '+' || s[i] === '-') i++;
    run();
  }
  const next = charAt(s, i);
  if (next !== '' && isAlphaNumeric(next)) {
    fail(`bad number syntax: ${JSON.stringify(s.slice(start, i + next.length))}`, start);
  }
  return i;
}

/** A quoted string with Go-style escapes (only the enclosing quote can be escaped). */
function scanString(s: string, start: number, quote: string, push: Push, fail: Fail): number {
  let i = start + 1;
  let out = '';
  for (;;) {
    if (i >= s.length || s[i] === '\n') fail('string literal not terminated', start);
    const ch = charAt(s, i);
    if (ch === quote) {
      push('string', start, i + 1, out);
      return i + 1;
    }
    if (ch !== '\\') {
      out += ch;
      i += ch.length;
      continue;
    }
    const e = s[i + 1] ?? '';
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    const mapped = e === quote ? quote : simple[e];
    if (mapped !== undefined) {
      out += mapped;
      i += 2;
      continue;
    }
    let code: number | undefined;
    let len = 0;
    if (e >= '0' && e <= '7') {
      code = hexValue(s.slice(i + 1, i + 4), 8);
      len = 4;
      if (s.slice(i + 1, i + 4).length < 3 || (code !== undefined && code > 255)) code = undefined;
    } else if (e === 'x') {
      code = s.slice(i + 2, i + 4).length === 2 ? hexValue(s.slice(i + 2, i + 4), 16) : undefined;
      len = 4;
    } else if (e === 'u') {
      code = s.slice(i + 2, i + 6).length === 4 ? hexValue(s.slice(i + 2, i + 6), 16) : undefined;
      len = 6;
    } else if (e === 'U') {
      code = s.slice(i + 2, i + 10).length === 8 ? hexValue(s.slice(i + 2, i + 10), 16) : undefined;
      len = 10;
    }
    if (code === undefined || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      fail('invalid escape sequence in string literal', i);
    }
    out += String.fromCodePoint(code);
    i += len;
  }
}
