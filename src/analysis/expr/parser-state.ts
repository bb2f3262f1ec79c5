/**
 * The parser's running state and the token helpers every part of the grammar uses: where it is in
 * the token list, what it has built so far (nesting, node count) and how it fails. Pure.
 */
import type { Expr } from './ast.ts';
import { ExprSyntaxError } from './errors.ts';
import type { Token } from './lexer.ts';

export const EXPR_LIMITS = {
  /** Characters in one expression. */
  maxSourceLength: 10_000,
  /** Nested sub-expressions (parentheses, operands, arguments, literals). */
  maxNesting: 64,
  /** Nodes in the syntax tree. */
  maxNodes: 1_000,
} as const;

/** Parses a sub-expression binding at least as tight as `precedence`. */
export type ParseExpr = (st: State, precedence: number) => Expr;

export interface State {
  source: string;
  tokens: Token[];
  at: number;
  depth: number;
  predicateDepth: number;
  nodes: number;
  /** The precedence climber, handed to the operand and postfix modules so they need not import it. */
  parseExpr: ParseExpr;
}

export function fail(st: State, reason: string, at: number): never {
  throw new ExprSyntaxError(reason, st.source, at);
}

export function cur(st: State): Token {
  // The token list always ends with 'eof', and `at` never moves past it.
  return st.tokens[st.at] ?? { kind: 'eof', value: '', start: st.source.length, end: st.source.length };
}

export function describe(tok: Token): string {
  if (tok.kind === 'eof') return 'end of expression';
  if (tok.kind === 'string') return `string ${JSON.stringify(tok.value)}`;
  return JSON.stringify(tok.value);
}

export function advance(st: State): void {
  if (st.at < st.tokens.length - 1) st.at++;
}

export function isOp(tok: Token, value: string): boolean {
  return tok.kind === 'operator' && tok.value === value;
}

export function isBracket(tok: Token, value: string): boolean {
  return tok.kind === 'bracket' && tok.value === value;
}

export function expect(st: State, kind: 'operator' | 'bracket', value: string, what = `"${value}"`): void {
  const tok = cur(st);
  if (tok.kind === kind && tok.value === value) {
    advance(st);
    return;
  }
  fail(st, `unexpected ${describe(tok)}; expected ${what}`, tok.start);
}

/** Counts a new node against EXPR_LIMITS.maxNodes. */
export function mk<T extends Expr>(st: State, node: T): T {
  st.nodes++;
  if (st.nodes > EXPR_LIMITS.maxNodes) {
    fail(st, `expression is too large (more than ${EXPR_LIMITS.maxNodes} nodes)`, node.pos);
  }
  return node;
}
