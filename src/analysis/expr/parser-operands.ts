/**
 * Operands: unary operators, parentheses, predicate pointers (`#`, `.field`), names, calls and the
 * literals (numbers, strings, booleans, nil, arrays, maps), each followed by its postfix chain. Pure.
 */
import type { Expr } from './ast.ts';
import type { Token } from './lexer.ts';
import { parseCall, parsePostfix } from './parser-calls.ts';
import { advance, cur, describe, expect, fail, isBracket, mk, type State } from './parser-state.ts';

const UNARY: ReadonlyMap<string, { precedence: number; op: 'not' | '-' | '+' }> = new Map([
  ['not', { precedence: 50, op: 'not' as const }],
  ['!', { precedence: 50, op: 'not' as const }],
  ['-', { precedence: 90, op: '-' as const }],
  ['+', { precedence: 90, op: '+' as const }],
]);

const POINTERS = new Set(['', 'index', 'acc']);

const INT64_MAX = 2n ** 63n - 1n;

export function parsePrimary(st: State): Expr {
  const tok = cur(st);
  if (tok.kind === 'operator') {
    const unary = UNARY.get(tok.value);
    if (unary !== undefined) {
      advance(st);
      const operand = st.parseExpr(st, unary.precedence);
      return parsePostfix(st, mk(st, { kind: 'unary', op: unary.op, operand, pos: tok.start }));
    }
    if (tok.value === '#' || tok.value === '.') return parsePointer(st, tok);
  }
  if (isBracket(tok, '(')) {
    advance(st);
    const inner = st.parseExpr(st, 0);
    expect(st, 'bracket', ')', '")"');
    return parsePostfix(st, inner);
  }
  return parseSecondary(st);
}

/** `#`, `#index`, `#acc` or `.field` inside a predicate: the element (or index, accumulator) at hand. */
function parsePointer(st: State, tok: Token): Expr {
  if (st.predicateDepth === 0) {
    fail(st, `cannot use ${tok.value === '#' ? '#' : '.field'} outside a predicate`, tok.start);
  }
  let name = '';
  if (tok.value === '#') {
    advance(st);
    const n = cur(st);
    if (n.kind === 'identifier' && n.start === tok.end) {
      name = n.value;
      advance(st);
    }
  }
  if (!POINTERS.has(name))
    fail(st, `unknown predicate variable #${name}; expected #, #index or #acc`, tok.start);
  // For `.field` the current token is still the dot: the postfix parser reads `.field` off `#`.
  return parsePostfix(st, mk(st, { kind: 'pointer', name, pos: tok.start }));
}

function numberNode(st: State, tok: Token): Expr {
  const raw = tok.value.replaceAll('_', '');
  const lower = raw.toLowerCase();
  const intNode = (value: bigint | undefined, what: string): Expr => {
    if (value === undefined) fail(st, `invalid ${what} literal ${JSON.stringify(tok.value)}`, tok.start);
    if (value > INT64_MAX) fail(st, `integer literal ${tok.value} is too large`, tok.start);
    return mk(st, { kind: 'int', value, pos: tok.start });
  };
  const big = (text: string, pattern: RegExp): bigint | undefined =>
    pattern.test(text) ? BigInt(text) : undefined;
  if (lower.startsWith('0x')) return intNode(big(lower, /^0x[0-9a-f]+$/), 'hex');
  if (lower.startsWith('0b')) return intNode(big(lower, /^0b[01]+$/), 'binary');
  if (lower.startsWith('0o')) return intNode(big(lower, /^0o[0-7]+$/), 'octal');
  if (/[.e]/.test(lower)) {
    if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower))
      fail(st, `invalid float literal ${JSON.stringify(tok.value)}`, tok.start);
    const value = Number(lower);
    if (!Number.isFinite(value)) fail(st, `float literal ${tok.value} is too large`, tok.start);
    return mk(st, { kind: 'float', value, pos: tok.start });
  }
  return intNode(big(lower, /^\d+$/), 'integer');
}

function parseSecondary(st: State): Expr {
  const tok = cur(st);
  let node: Expr;
  switch (tok.kind) {
    case 'identifier':
      advance(st);
      if (tok.value === 'true' || tok.value === 'false') {
        return mk(st, { kind: 'bool', value: tok.value === 'true', pos: tok.start });
      }
      if (tok.value === 'nil') return mk(st, { kind: 'nil', pos: tok.start });
      node = isBracket(cur(st), '(')
        ? parseCall(st, tok, [])
        : mk(st, { kind: 'ident', name: tok.value, pos: tok.start });
      break;
    case 'number':
      advance(st);
      node = numberNode(st, tok);
      break;
    case 'string':
      advance(st);
      node = mk(st, { kind: 'string', value: tok.value, pos: tok.start });
      break;
    default:
      if (isBracket(tok, '[')) node = parseArray(st);
      else if (isBracket(tok, '{')) node = parseMap(st);
      else fail(st, `unexpected ${describe(tok)}; expected a value`, tok.start);
  }
  return parsePostfix(st, node);
}

function parseArray(st: State): Expr {
  const open = cur(st);
  advance(st);
  const items: Expr[] = [];
  while (!isBracket(cur(st), ']')) {
    if (items.length > 0) {
      expect(st, 'operator', ',', '"," or "]"');
      if (isBracket(cur(st), ']')) break;
    }
    items.push(st.parseExpr(st, 0));
  }
  advance(st);
  return mk(st, { kind: 'array', items, pos: open.start });
}

function parseMap(st: State): Expr {
  const open = cur(st);
  advance(st);
  const entries: { key: Expr; value: Expr }[] = [];
  while (!isBracket(cur(st), '}')) {
    if (entries.length > 0) {
      expect(st, 'operator', ',', '"," or "}"');
      if (isBracket(cur(st), '}')) break;
    }
    const key = parseMapKey(st);
    expect(st, 'operator', ':', '":" after the map key');
    entries.push({ key, value: st.parseExpr(st, 0) });
  }
  advance(st);
  return mk(st, { kind: 'map', entries, pos: open.start });
}

/** A map key: a name, string or number (all taken as strings), or a parenthesised expression. */
function parseMapKey(st: State): Expr {
  const k = cur(st);
  if (k.kind === 'number' || k.kind === 'string' || k.kind === 'identifier') {
    const key = mk(st, { kind: 'string', value: k.value, pos: k.start });
    advance(st);
    return key;
  }
  if (isBracket(k, '(')) return st.parseExpr(st, 0);
  fail(
    st,
    `unexpected ${describe(k)}; a map key is a name, a string, a number or a parenthesised expression`,
    k.start,
  );
}
