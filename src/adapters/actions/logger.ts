import * as core from '@actions/core';
import type { Diagnostic } from '../../util/errors.ts';
import { boundLines, type Logger } from '../../util/logger.ts';

function annotation(at: Diagnostic | undefined): core.AnnotationProperties | undefined {
  return at
    ? { file: at.file, startLine: at.line, startColumn: at.column, title: at.path || undefined }
    : undefined;
}

/** Logs through the runner: warnings and errors become annotations at the manifest's line. */
export class ActionsLogger implements Logger {
  info(message: string): void {
    core.info(boundLines(message));
  }
  warn(message: string, at?: Diagnostic): void {
    core.warning(boundLines(message), annotation(at));
  }
  error(message: string, at?: Diagnostic): void {
    core.error(boundLines(message), annotation(at));
  }
  group<T>(title: string, body: () => Promise<T>): Promise<T> {
    return core.group(title, body);
  }
}
