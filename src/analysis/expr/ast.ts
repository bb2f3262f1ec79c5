/**
 * The syntax tree of a condition. Every node records `pos`, the index into the source where it
 * starts (for messages). Pure data.
 */

export type BinaryOperator =
  | 'or'
  | 'and'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'matches'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | '..'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '??';

export type UnaryOperator = 'not' | '-' | '+';

export type Expr =
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; value: boolean; pos: number }
  | { kind: 'int'; value: bigint; pos: number }
  | { kind: 'float'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  /** A name from the environment (`result`). */
  | { kind: 'ident'; name: string; pos: number }
  /** Inside a predicate: `#` (name ''), `#index`, `#acc`; `.field` is a member of `#`. */
  | { kind: 'pointer'; name: string; pos: number }
  | { kind: 'unary'; op: UnaryOperator; operand: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr; pos: number }
  | { kind: 'conditional'; test: Expr; consequent: Expr; alternate: Expr; pos: number }
  /** `a.b`, `a?.b`, `a[i]`, `a?.[i]`; the property of `a.b` is the string node "b". */
  | { kind: 'member'; object: Expr; property: Expr; optional: boolean; pos: number }
  | { kind: 'slice'; object: Expr; from: Expr | undefined; to: Expr | undefined; pos: number }
  /** A postfix chain holding a `?.`: a nil before the `?.` makes the whole chain nil. */
  | { kind: 'chain'; node: Expr; pos: number }
  /** `name(args)`: a builtin or one of Argo's helpers. */
  | { kind: 'call'; name: string; args: Expr[]; pos: number }
  /** `a.name(args)`: parsed (expr-lang has methods on Go values) but never evaluated. */
  | { kind: 'method'; object: Expr; name: string; args: Expr[]; pos: number }
  /** The closure argument of `all`, `filter`, `map`, ...: `{# > 1}` or `# > 1`. */
  | { kind: 'predicate'; body: Expr; pos: number }
  | { kind: 'array'; items: Expr[]; pos: number }
  | { kind: 'map'; entries: { key: Expr; value: Expr }[]; pos: number };

/** Calls every direct child of a node. */
export function forEachChild(node: Expr, visit: (child: Expr) => void): void {
  switch (node.kind) {
    case 'unary':
      visit(node.operand);
      return;
    case 'binary':
      visit(node.left);
      visit(node.right);
      return;
    case 'conditional':
      visit(node.test);
      visit(node.consequent);
      visit(node.alternate);
      return;
    case 'member':
      visit(node.object);
      visit(node.property);
      return;
    case 'slice':
      visit(node.object);
      if (node.from) visit(node.from);
      if (node.to) visit(node.to);
      return;
    case 'chain':
      visit(node.node);
      return;
    case 'call':
      node.args.forEach(visit);
      return;
    case 'method':
      visit(node.object);
      node.args.forEach(visit);
      return;
    case 'predicate':
      visit(node.body);
      return;
    case 'array':
      node.items.forEach(visit);
      return;
    case 'map':
      for (const e of node.entries) {
        visit(e.key);
        visit(e.value);
      }
      return;
    default:
      return;
  }
}
