import type { Diagnostic } from './errors.ts';

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
