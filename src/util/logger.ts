import type { Diagnostic } from './errors.ts';

/** The longest line a logger writes; longer ones are cut with a marker (docs/providers.md). */
export const MAX_LOG_LINE_CHARS = 8 * 1024;

/** A single-line excerpt of at most `max` characters (plus `…` and how long the whole was). */
export function excerpt(text: string, max: number): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max)}… (${line.length} chars)` : line;
}

/** Each line of a message cut to MAX_LOG_LINE_CHARS: what reaches a log is bounded whatever the caller. */
export function boundLines(message: string, max = MAX_LOG_LINE_CHARS): string {
  if (message.length <= max) return message;
  return message
    .split('\n')
    .map((l) => (l.length > max ? `${l.slice(0, max)}… [line cut: ${l.length} chars]` : l))
    .join('\n');
}

/** Where the action writes what it decides. The action maps it to @actions/core, the CLI to stdio. */
export interface Logger {
  info(message: string): void;
  warn(message: string, at?: Diagnostic): void;
  error(message: string, at?: Diagnostic): void;
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}

/** A logger that keeps lines in memory, for unit tests of code that logs. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.lines.push(`> ${title}`);
    return body();
  }
}
