/**
 * A parser for expr-lang's grammar (parser/parser.go in github.com/expr-lang/expr): the same operator
 * precedences and associativity, comparison chaining (`a < b < c`), `not in` and friends, the pipe,
 * optional chaining, slices, predicates with `#`, and the ternary. Constructs rollout-pilot does not
 * evaluate (`let`, `if`/`else`) are rejected here with a reason. The size of what is accepted is
 * bounded (source length, nesting, number of nodes). Pure.
 */
import type { BinaryOperator, Expr } from './ast.ts';
import { ExprSyntaxError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';

export const EXPR_LIMITS = {
  /** Characters in one expression. */
  maxSourceLength: 10_000,
  /** Nested sub-expressions (parentheses, operands, arguments, literals). */
  maxNesting: 64,
  /** Nodes in the syntax tree. */
  maxNodes: 1_000,
} as const;

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

const UNARY: ReadonlyMap<string, { precedence: number; op: 'not' | '-' | '+' }> = new Map([
  ['not', { precedence: 50, op: 'not' as const }],
  ['!', { precedence: 50, op: 'not' as const }],
  ['-', { precedence: 90, op: '-' as const }],
  ['+', { precedence: 90, op: '+' as const }],
]);

type ArgShape = 'expr' | 'predicate' | 'expr?' | 'predicate?';

/** Builtins whose arguments include a predicate (expr-lang's parser table). */
export const PREDICATE_BUILTINS: ReadonlyMap<string, readonly ArgShape[]> = new Map<string, ArgShape[]>([
  ['all', ['expr', 'predicate']],
  ['none', ['expr', 'predicate']],
  ['any', ['expr', 'predicate']],
  ['one', ['expr', 'predicate']],
  ['filter', ['expr', 'predicate']],
  ['map', ['expr', 'predicate']],
  ['count', ['expr', 'predicate?']],
  ['sum', ['expr', 'predicate?']],
  ['find', ['expr', 'predicate']],
  ['findIndex', ['expr', 'predicate']],
  ['findLast', ['expr', 'predicate']],
  ['findLastIndex', ['expr', 'predicate']],
  ['groupBy', ['expr', 'predicate']],
  ['sortBy', ['expr', 'predicate', 'expr?']],
  ['reduce', ['expr', 'predicate', 'expr?']],
]);

const POINTERS = new Set(['', 'index', 'acc']);

const INT64_MAX = 2n ** 63n - 1n;

interface State {
  source: string;
  tokens: Token[];
  at: number;
  depth: number;
  predicateDepth: number;
  nodes: number;
}

function fail(st: State, reason: string, at: number): never {
  throw new ExprSyntaxError(reason, st.source, at);
}

function cur(st: State): Token {
  // The token list always ends with 'eof', and `at` never moves past it.
  return st.tokens[st.at] ?? { kind: 'eof', value: '', start: st.source.length, end: st.source.length };
}

function describe(tok: Token): string {
  if (tok.kind === 'eof') return 'end of expression';
  if (tok.kind === 'string') return `string ${JSON.stringify(tok.value)}`;
  return JSON.stringify(tok.value);
}

function advance(st: State): void {
  if (st.at < st.tokens.length - 1) st.at++;
}

function isOp(tok: Token, value: string): boolean {
  return tok.kind === 'operator' && tok.value === value;
}

function isBracket(tok: Token, value: string): boolean {
  return tok.kind === 'bracket' && tok.value === value;
}

function expect(st: State, kind: 'operator' | 'bracket', value: string, what = `"${value}"`): void {
  const tok = cur(st);
  if (tok.kind === kind && tok.value === value) {
    advance(st);
    return;
  }
  fail(st, `unexpected ${describe(tok)}; expected ${what}`, tok.start);
}

function mk<T extends Expr>(st: State, node: T): T {
  st.nodes++;
  if (st.nodes > EXPR_LIMITS.maxNodes) {
    fail(st, `expression is too large (more than ${EXPR_LIMITS.maxNodes} nodes)`, node.pos);
  }
  return node;
}

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
  const st: State = { source, tokens: tokenize(source), at: 0, depth: 0, predicateDepth: 0, nodes: 0 };
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
    let left = parsePrimary(st);
    let previous = '';
    for (;;) {
      let opTok = cur(st);
      if (opTok.kind !== 'operator') break;
      let negate = false;
      const notTok = opTok;
      if (opTok.value === 'not') {
        const following = st.tokens[st.at + 1];
        if (following === undefined || following.kind !== 'operator' || !NEGATABLE.has(following.value)) {
          fail(st, `unexpected "not"; expected an operator such as "not in"`, opTok.start);
        }
        const info = BINARY.get(following.value);
        if (info === undefined || info.precedence < precedence) break;
        advance(st);
        opTok = following;
        negate = true;
      }
      const info = BINARY.get(opTok.value);
      if (info === undefined || info.precedence < precedence) break;
      advance(st);
      if (info.op === '|') {
        const name = cur(st);
        if (name.kind !== 'identifier')
          fail(st, `unexpected ${describe(name)}; expected a function name after |`, name.start);
        advance(st);
        if (!isBracket(cur(st), '('))
          fail(st, `unexpected ${describe(cur(st))}; expected "(" after ${name.value}`, cur(st).start);
        left = parseCall(st, name, [left]);
        previous = '|';
        continue;
      }
      if (previous === '??' && info.op !== '??') {
        fail(
          st,
          `operator "${opTok.value}" and ?? cannot be mixed; wrap either side in parentheses`,
          opTok.start,
        );
      }
      if (CHAINED.has(info.op)) {
        left = parseComparison(st, left, opTok, info.precedence);
      } else {
        const right = parseExpr(st, info.right ? info.precedence : info.precedence + 1);
        left = mk(st, { kind: 'binary', op: info.op, left, right, pos: opTok.start });
        if (negate) left = mk(st, { kind: 'unary', op: 'not', operand: left, pos: notTok.start });
      }
      previous = info.op;
    }
    if (precedence === 0) left = parseConditional(st, left);
    return left;
  } finally {
    st.depth--;
  }
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

function parsePrimary(st: State): Expr {
  const tok = cur(st);
  if (tok.kind === 'operator') {
    const unary = UNARY.get(tok.value);
    if (unary !== undefined) {
      advance(st);
      const operand = parseExpr(st, unary.precedence);
      return parsePostfix(st, mk(st, { kind: 'unary', op: unary.op, operand, pos: tok.start }));
    }
    if (tok.value === '#' || tok.value === '.') {
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
  }
  if (isBracket(tok, '(')) {
    advance(st);
    const inner = parseExpr(st, 0);
    expect(st, 'bracket', ')', '")"');
    return parsePostfix(st, inner);
  }
  return parseSecondary(st);
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

function parseCall(st: State, nameTok: Token, piped: Expr[]): Expr {
  const name = nameTok.value;
  const shapes = PREDICATE_BUILTINS.get(name);
  const args = [...piped];
  if (shapes !== undefined) {
    expect(st, 'bracket', '(', '"("');
    const rest = shapes.slice(piped.length);
    const required = rest.filter((s) => !s.endsWith('?')).length;
    for (const [i, shape] of rest.entries()) {
      if (isBracket(cur(st), ')')) {
        if (shape.endsWith('?')) break;
        fail(st, `${name}() expects at least ${required + piped.length} arguments`, cur(st).start);
      }
      if (i > 0) expect(st, 'operator', ',', '","');
      args.push(shape.startsWith('predicate') ? parsePredicate(st) : parseExpr(st, 0));
    }
    if (isOp(cur(st), ',')) advance(st);
    expect(st, 'bracket', ')', `")" closing ${name}(`);
  } else {
    args.push(...parseArguments(st, name));
  }
  return mk(st, { kind: 'call', name, args, pos: nameTok.start });
}

function parseArguments(st: State, name: string): Expr[] {
  const args: Expr[] = [];
  expect(st, 'bracket', '(', '"("');
  while (!isBracket(cur(st), ')')) {
    if (args.length > 0) {
      expect(st, 'operator', ',', `"," or ")" closing ${name}(`);
      if (isBracket(cur(st), ')')) break;
    }
    args.push(parseExpr(st, 0));
  }
  expect(st, 'bracket', ')', `")" closing ${name}(`);
  return args;
}

function parsePredicate(st: State): Expr {
  const start = cur(st);
  const braced = isBracket(start, '{');
  if (braced) advance(st);
  st.predicateDepth++;
  const body = parseExpr(st, 0);
  st.predicateDepth--;
  if (braced) expect(st, 'bracket', '}', '"}" closing the predicate');
  return mk(st, { kind: 'predicate', body, pos: start.start });
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
    items.push(parseExpr(st, 0));
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
    const k = cur(st);
    let key: Expr;
    if (k.kind === 'number' || k.kind === 'string' || k.kind === 'identifier') {
      key = mk(st, { kind: 'string', value: k.value, pos: k.start });
      advance(st);
    } else if (isBracket(k, '(')) {
      key = parseExpr(st, 0);
    } else {
      fail(
        st,
        `unexpected ${describe(k)}; a map key is a name, a string, a number or a parenthesised expression`,
        k.start,
      );
    }
    expect(st, 'operator', ':', '":" after the map key');
    entries.push({ key, value: parseExpr(st, 0) });
  }
  advance(st);
  return mk(st, { kind: 'map', entries, pos: open.start });
}

function parsePostfix(st: State, start: Expr): Expr {
  let node = start;
  let chained = false;
  for (;;) {
    let tok = cur(st);
    let optional = false;
    if (isOp(tok, '.') || isOp(tok, '?.')) {
      optional = tok.value === '?.';
      advance(st);
      if (optional && isBracket(cur(st), '[')) {
        tok = cur(st);
      } else {
        const prop = cur(st);
        const isName =
          prop.kind === 'identifier' ||
          (prop.kind === 'operator' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(prop.value));
        if (!isName)
          fail(st, `unexpected ${describe(prop)}; expected a field name after "${tok.value}"`, prop.start);
        advance(st);
        if (isBracket(cur(st), '(')) {
          const args = parseArguments(st, prop.value);
          node = mk(st, { kind: 'method', object: node, name: prop.value, args, pos: prop.start });
        } else {
          const property = mk(st, { kind: 'string', value: prop.value, pos: prop.start });
          node = mk(st, { kind: 'member', object: node, property, optional, pos: prop.start });
        }
        chained ||= optional;
        continue;
      }
    }
    if (!isBracket(tok, '[')) break;
    advance(st);
    if (isOp(cur(st), ':')) {
      advance(st);
      const to = isBracket(cur(st), ']') ? undefined : parseExpr(st, 0);
      expect(st, 'bracket', ']', '"]"');
      node = mk(st, { kind: 'slice', object: node, from: undefined, to, pos: tok.start });
    } else {
      const from = parseExpr(st, 0);
      if (isOp(cur(st), ':')) {
        advance(st);
        const to = isBracket(cur(st), ']') ? undefined : parseExpr(st, 0);
        expect(st, 'bracket', ']', '"]"');
        node = mk(st, { kind: 'slice', object: node, from, to, pos: tok.start });
      } else {
        expect(st, 'bracket', ']', '"]"');
        node = mk(st, { kind: 'member', object: node, property: from, optional, pos: tok.start });
      }
    }
    chained ||= optional;
  }
  return chained ? mk(st, { kind: 'chain', node, pos: start.pos }) : node;
}
