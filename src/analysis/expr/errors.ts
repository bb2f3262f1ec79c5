/**
 * Errors raised by the condition language. Both kinds mean the same to the analysis engine (the
 * measurement is in phase Error, as Argo Rollouts records a condition that does not compile or run),
 * so they share a base class that a caller can catch at once.
 */

/** Any problem with a condition: it does not parse, or it cannot be evaluated. */
export class ExprError extends Error {
  override name = 'ExprError';
}

/** Where a position (an index into the source) falls: 1-based line and column. */
export function lineAndColumn(source: string, position: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, Math.min(position, source.length)));
  const lastBreak = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  return { line, column: before.length - lastBreak };
}

/** The text does not parse. `position` is the index into the expression where the problem is. */
export class ExprSyntaxError extends ExprError {
  override name = 'ExprSyntaxError';
  /** Index into the expression (0-based, UTF-16 code units). */
  readonly position: number;
  /** 1-based line of `position`. */
  readonly line: number;
  /** 1-based column of `position`. */
  readonly column: number;
  /** The message without the location. */
  readonly reason: string;
  constructor(reason: string, source: string, position: number) {
    const { line, column } = lineAndColumn(source, position);
    super(`${reason} (at line ${line}, column ${column})`);
    this.reason = reason;
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

/** The expression parsed but cannot be evaluated (a type error, an unknown name, a budget exceeded). */
export class ExprEvalError extends ExprError {
  override name = 'ExprEvalError';
}
