/**
 * Calls and what follows an operand: function calls (with expr-lang's predicate arguments), field
 * access, methods, indexing, slices and optional chaining. Pure.
 */
import type { Expr } from './ast.ts';
import type { Token } from './lexer.ts';
import { advance, cur, describe, expect, fail, isBracket, isOp, mk, type State } from './parser-state.ts';

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

/** `name(...)`, the current token being its "("; `piped` is the left side of a `|`. */
export function parseCall(st: State, nameTok: Token, piped: Expr[]): Expr {
  const name = nameTok.value;
  const shapes = PREDICATE_BUILTINS.get(name);
  const args = [...piped];
  if (shapes !== undefined) {
    args.push(...parseShapedArguments(st, name, shapes, piped.length));
  } else {
    args.push(...parseArguments(st, name));
  }
  return mk(st, { kind: 'call', name, args, pos: nameTok.start });
}

/** The arguments of a predicate builtin after the `piped` ones, each parsed as its shape says. */
function parseShapedArguments(st: State, name: string, shapes: readonly ArgShape[], piped: number): Expr[] {
  const args: Expr[] = [];
  expect(st, 'bracket', '(', '"("');
  const rest = shapes.slice(piped);
  const required = rest.filter((s) => !s.endsWith('?')).length;
  for (const [i, shape] of rest.entries()) {
    if (isBracket(cur(st), ')')) {
      if (shape.endsWith('?')) break;
      fail(st, `${name}() expects at least ${required + piped} arguments`, cur(st).start);
    }
    if (i > 0) expect(st, 'operator', ',', '","');
    args.push(shape.startsWith('predicate') ? parsePredicate(st) : st.parseExpr(st, 0));
  }
  if (isOp(cur(st), ',')) advance(st);
  expect(st, 'bracket', ')', `")" closing ${name}(`);
  return args;
}

function parseArguments(st: State, name: string): Expr[] {
  const args: Expr[] = [];
  expect(st, 'bracket', '(', '"("');
  while (!isBracket(cur(st), ')')) {
    if (args.length > 0) {
      expect(st, 'operator', ',', `"," or ")" closing ${name}(`);
      if (isBracket(cur(st), ')')) break;
    }
    args.push(st.parseExpr(st, 0));
  }
  expect(st, 'bracket', ')', `")" closing ${name}(`);
  return args;
}

function parsePredicate(st: State): Expr {
  const start = cur(st);
  const braced = isBracket(start, '{');
  if (braced) advance(st);
  st.predicateDepth++;
  const body = st.parseExpr(st, 0);
  st.predicateDepth--;
  if (braced) expect(st, 'bracket', '}', '"}" closing the predicate');
  return mk(st, { kind: 'predicate', body, pos: start.start });
}

/** Field access, methods, indexing and slices after `start`; a chain with `?.` is wrapped once. */
export function parsePostfix(st: State, start: Expr): Expr {
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
        node = parseField(st, node, tok, optional);
        chained ||= optional;
        continue;
      }
    }
    if (!isBracket(tok, '[')) break;
    advance(st);
    node = parseIndexOrSlice(st, node, tok, optional);
    chained ||= optional;
  }
  return chained ? mk(st, { kind: 'chain', node, pos: start.pos }) : node;
}

/** `.name` or `.name(args)` after `object`; the dot (`dot`) is already read. */
function parseField(st: State, object: Expr, dot: Token, optional: boolean): Expr {
  const prop = cur(st);
  const isName =
    prop.kind === 'identifier' || (prop.kind === 'operator' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(prop.value));
  if (!isName)
    fail(st, `unexpected ${describe(prop)}; expected a field name after "${dot.value}"`, prop.start);
  advance(st);
  if (isBracket(cur(st), '(')) {
    const args = parseArguments(st, prop.value);
    return mk(st, { kind: 'method', object, name: prop.value, args, pos: prop.start });
  }
  const property = mk(st, { kind: 'string', value: prop.value, pos: prop.start });
  return mk(st, { kind: 'member', object, property, optional, pos: prop.start });
}

/** `[index]`, `[from:to]`, `[:to]` or `[from:]` after `object`; the "[" (`open`) is already read. */
function parseIndexOrSlice(st: State, object: Expr, open: Token, optional: boolean): Expr {
  if (isOp(cur(st), ':')) {
    advance(st);
    const to = isBracket(cur(st), ']') ? undefined : st.parseExpr(st, 0);
    expect(st, 'bracket', ']', '"]"');
    return mk(st, { kind: 'slice', object, from: undefined, to, pos: open.start });
  }
  const from = st.parseExpr(st, 0);
  if (isOp(cur(st), ':')) {
    advance(st);
    const to = isBracket(cur(st), ']') ? undefined : st.parseExpr(st, 0);
    expect(st, 'bracket', ']', '"]"');
    return mk(st, { kind: 'slice', object, from, to, pos: open.start });
  }
  expect(st, 'bracket', ']', '"]"');
  return mk(st, { kind: 'member', object, property: from, optional, pos: open.start });
}
