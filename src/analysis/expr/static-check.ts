/** What expr-lang's compiler rejects before running anything. Pure. */
import { forEachChild, type Expr } from './ast.ts';
import { BUILTINS, PREDICATE_FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './builtins.ts';
import { regexProblem } from './regex.ts';

export function arityProblem(name: string, count: number): string | undefined {
  const builtin = BUILTINS.get(name);
  if (builtin === undefined) return undefined;
  if (count < builtin.min)
    return `not enough arguments to call ${name}() (expected ${builtin.min}, got ${count})`;
  if (count > builtin.max)
    return `too many arguments to call ${name}() (expected ${builtin.max}, got ${count})`;
  return undefined;
}

export function unknownFunction(name: string, known: (name: string) => boolean): string {
  const reason = UNSUPPORTED_FUNCTIONS.get(name);
  if (reason !== undefined) return `${name}() is not supported: ${reason}`;
  if (known(name)) return `${name} is a value, not a function (only builtins can be called)`;
  return `unknown function ${name}()`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j] ?? 0;
      row[j] = Math.min(here + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The first problem expr-lang's compiler would report before running: an unknown name, an unknown or
 * unsupported function, a wrong number of arguments, a method call, `#acc` outside reduce(), an
 * invalid literal regular expression. Undefined when there is none.
 */
export function staticProblem(
  root: Expr,
  known: (name: string) => boolean,
  names: readonly string[] = [],
): string | undefined {
  let problem: string | undefined;
  const visit = (node: Expr, accAllowed: boolean): void => {
    if (problem !== undefined) return;
    switch (node.kind) {
      case 'ident':
        if (!known(node.name)) {
          if (node.name === '$env') problem = '$env is not supported in conditions';
          else {
            const near = names.find((n) => distance(n, node.name) <= 2);
            problem = `unknown name ${node.name}${near === undefined ? '' : ` (did you mean ${near}?)`}`;
          }
        }
        return;
      case 'pointer':
        if (node.name === 'acc' && !accAllowed) problem = '#acc is only available inside reduce()';
        return;
      case 'method':
        problem = `method calls are not supported: .${node.name}()`;
        return;
      case 'call': {
        const { name } = node;
        if (!PREDICATE_FUNCTIONS.has(name) && !BUILTINS.has(name)) {
          problem = unknownFunction(name, known);
          return;
        }
        problem = arityProblem(name, node.args.length);
        if (problem !== undefined) return;
        for (const arg of node.args) visit(arg, arg.kind === 'predicate' ? name === 'reduce' : accAllowed);
        return;
      }
      case 'predicate':
        visit(node.body, accAllowed);
        return;
      case 'binary':
        if (node.op === 'matches' && node.right.kind === 'string') {
          const why = regexProblem(node.right.value);
          if (why !== undefined) {
            problem = why;
            return;
          }
        }
        visit(node.left, accAllowed);
        visit(node.right, accAllowed);
        return;
      default:
        forEachChild(node, (c) => {
          visit(c, accAllowed);
        });
    }
  };
  visit(root, false);
  return problem;
}
