/**
 * A parser for expr-lang's grammar (parser/parser.go in github.com/expr-lang/expr): the same operator
 * precedences and associativity, comparison chaining (`a < b < c`), `not in` and friends, the pipe,
 * optional chaining, slices, predicates with `#`, and the ternary. Constructs rollout-pilot does not
 * evaluate (`let`, `if`/`else`) are rejected here with a reason. The size of what is accepted is
 * bounded (source length, nesting, number of nodes). Pure.
 *
 * This module holds the entry point and the binary operators (precedence climbing); operands are in
 * parser-operands.ts, calls and postfix access in parser-calls.ts, the shared state in parser-state.ts.
 */
import type { BinaryOperator, Expr } from './ast.ts';
import { ExprSyntaxError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';
import { parseCall } from './parser-calls.ts';
import { parsePrimary } from './parser-operands.ts';
import {
  EXPR_LIMITS,
  advance,
  cur,
  describe,
  expect,
  fail,
  isBracket,
  isOp,
  mk,
  type State,
} from './parser-state.ts';

interface BinaryInfo {
  precedence: number;
  right: boolean;
  op: BinaryOperator | '|';
}

const BINARY: ReadonlyMap<string, BinaryInfo> = new Map<string, BinaryInfo>([
  ['|', { precedence: 0, right: false, op: '|' }],
  ['or', { precedence: 10, right: false, op: 'or' }],
  ['||', { precedence: 10, right: false, op: 'or' }],
  ['and', { precedence: 15, right: false, op: 'and' }],
  ['&&', { precedence: 15, right: false, op: 'and' }],
  ['==', { precedence: 20, right: false, op: '==' }],
  ['!=', { precedence: 20, right: false, op: '!=' }],
  ['<', { precedence: 20, right: false, op: '<' }],
  ['>', { precedence: 20, right: false, op: '>' }],
  ['>=', { precedence: 20, right: false, op: '>=' }],
  ['<=', { precedence: 20, right: false, op: '<=' }],
  ['in', { precedence: 20, right: false, op: 'in' }],
  ['matches', { precedence: 20, right: false, op: 'matches' }],
  ['contains', { precedence: 20, right: false, op: 'contains' }],
  ['startsWith', { precedence: 20, right: false, op: 'startsWith' }],
  ['endsWith', { precedence: 20, right: false, op: 'endsWith' }],
  ['..', { precedence: 25, right: false, op: '..' }],
  ['+', { precedence: 30, right: false, op: '+' }],
  ['-', { precedence: 30, right: false, op: '-' }],
  ['*', { precedence: 60, right: false, op: '*' }],
  ['/', { precedence: 60, right: false, op: '/' }],
  ['%', { precedence: 60, right: false, op: '%' }],
  ['**', { precedence: 100, right: true, op: '**' }],
  ['^', { precedence: 100, right: true, op: '**' }],
  ['??', { precedence: 500, right: false, op: '??' }],
]);

/** Comparisons chain: `a < b <= c` is `a < b && b <= c`. */
const CHAINED = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Operators that can follow `not`: `a not in b` is `not (a in b)`. */
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);

/**
 * Parses a condition into a syntax tree. Throws ExprSyntaxError naming the position and what was
 * expected there.
 */
export function parseExpression(source: string): Expr {
  if (source.length > EXPR_LIMITS.maxSourceLength) {
    throw new ExprSyntaxError(
      `expression is too long (${source.length} characters; the limit is ${EXPR_LIMITS.maxSourceLength})`,
      source,
      EXPR_LIMITS.maxSourceLength,
    );
  }
  const st: State = {
    source,
    tokens: tokenize(source),
    at: 0,
    depth: 0,
    predicateDepth: 0,
    nodes: 0,
    parseExpr,
  };
  if (cur(st).kind === 'eof') fail(st, 'empty expression', 0);
  const node = parseExpr(st, 0);
  const end = cur(st);
  if (isOp(end, '=')) fail(st, 'unexpected "="; use == to compare', end.start);
  if (end.kind !== 'eof') {
    fail(st, `unexpected ${describe(end)}; expected an operator or the end of the expression`, end.start);
  }
  return node;
}

function parseExpr(st: State, precedence: number): Expr {
  const first = cur(st);
  st.depth++;
  if (st.depth > EXPR_LIMITS.maxNesting) {
    fail(st, `expression is nested too deeply (more than ${EXPR_LIMITS.maxNesting} levels)`, first.start);
  }
  try {
    if (isOp(first, 'let')) fail(st, 'variables (let) are not supported in conditions', first.start);
    if (isOp(first, 'if')) fail(st, 'if/else is not supported in conditions; use cond ? a : b', first.start);
    const left = parseBinaryChain(st, parsePrimary(st), precedence);
    return precedence === 0 ? parseConditional(st, left) : left;
  } finally {
    st.depth--;
  }
}

/** A binary operator read off the tokens; `negatedBy` is the `not` of `not in` and friends. */
interface NextOperator {
  tok: Token;
  info: BinaryInfo;
  negatedBy: Token | undefined;
}

/** Reads the next binary operator if it binds at least as tight as `precedence`; else reads nothing. */
function nextOperator(st: State, precedence: number): NextOperator | undefined {
  const opTok = cur(st);
  if (opTok.kind !== 'operator') return undefined;
  if (opTok.value === 'not') {
    const following = st.tokens[st.at + 1];
    if (following === undefined || following.kind !== 'operator' || !NEGATABLE.has(following.value)) {
      fail(st, `unexpected "not"; expected an operator such as "not in"`, opTok.start);
    }
    const info = BINARY.get(following.value);
    if (info === undefined || info.precedence < precedence) return undefined;
    advance(st);
    advance(st);
    return { tok: following, info, negatedBy: opTok };
  }
  const info = BINARY.get(opTok.value);
  if (info === undefined || info.precedence < precedence) return undefined;
  advance(st);
  return { tok: opTok, info, negatedBy: undefined };
}

/** `first` followed by binary operators of at least `precedence` (precedence climbing). */
function parseBinaryChain(st: State, first: Expr, precedence: number): Expr {
  let left = first;
  let previous = '';
  for (;;) {
    const next = nextOperator(st, precedence);
    if (next === undefined) break;
    const { tok, info, negatedBy } = next;
    if (info.op === '|') {
      left = parsePipe(st, left);
      previous = '|';
      continue;
    }
    if (previous === '??' && info.op !== '??') {
      fail(st, `operator "${tok.value}" and ?? cannot be mixed; wrap either side in parentheses`, tok.start);
    }
    if (CHAINED.has(info.op)) {
      left = parseComparison(st, left, tok, info.precedence);
    } else {
      const right = parseExpr(st, info.right ? info.precedence : info.precedence + 1);
      left = mk(st, { kind: 'binary', op: info.op, left, right, pos: tok.start });
      if (negatedBy) left = mk(st, { kind: 'unary', op: 'not', operand: left, pos: negatedBy.start });
    }
    previous = info.op;
  }
  return left;
}

/** `left | name(args)`: the call with `left` as its first argument. The "|" is already read. */
function parsePipe(st: State, left: Expr): Expr {
  const name = cur(st);
  if (name.kind !== 'identifier')
    fail(st, `unexpected ${describe(name)}; expected a function name after |`, name.start);
  advance(st);
  if (!isBracket(cur(st), '('))
    fail(st, `unexpected ${describe(cur(st))}; expected "(" after ${name.value}`, cur(st).start);
  return parseCall(st, name, [left]);
}

function parseComparison(st: State, first: Expr, firstTok: Token, precedence: number): Expr {
  let root: Expr | undefined;
  let left = first;
  let tok = firstTok;
  for (;;) {
    const right = parseExpr(st, precedence + 1);
    const info = BINARY.get(tok.value);
    const op = (info?.op ?? '==') as BinaryOperator;
    const cmp = mk(st, { kind: 'binary', op, left, right, pos: tok.start } as const);
    root =
      root === undefined
        ? cmp
        : mk(st, { kind: 'binary', op: 'and', left: root, right: cmp, pos: tok.start });
    left = right;
    tok = cur(st);
    if (tok.kind !== 'operator' || !CHAINED.has(tok.value)) break;
    advance(st);
  }
  return root;
}

function parseConditional(st: State, test: Expr): Expr {
  let node = test;
  while (isOp(cur(st), '?')) {
    const q = cur(st);
    advance(st);
    let consequent: Expr;
    let alternate: Expr;
    if (isOp(cur(st), ':')) {
      advance(st);
      consequent = node;
      alternate = parseExpr(st, 0);
    } else {
      consequent = parseExpr(st, 0);
      expect(st, 'operator', ':', '":" of the ternary operator');
      alternate = parseExpr(st, 0);
    }
    node = mk(st, { kind: 'conditional', test: node, consequent, alternate, pos: q.start });
  }
  return node;
}
