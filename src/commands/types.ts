import type { Outputs } from '../config/inputs.ts';
import type { Logger } from '../util/logger.ts';

export type OutputName = (typeof Outputs)[keyof typeof Outputs];

export interface CommandResult {
  exitCode: 0 | 1;
  outputs: Partial<Record<OutputName, string>>;
  /** Markdown for the job summary (the CLI prints it). */
  summary?: string | undefined;
}

/** What every command gets from its edge (action or CLI). */
export interface CommandContext {
  log: Logger;
  /** Workspace root: manifest paths are relative to it. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}
