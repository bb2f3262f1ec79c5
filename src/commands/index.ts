import type { Config } from '../config/inputs.ts';
import { NotSupportedError } from '../util/errors.ts';
import { lint } from './lint.ts';
import type { CommandContext, CommandResult } from './types.ts';

/** Runs one command. The action and the CLI both come through here: one engine, two edges. */
export async function execute(config: Config, ctx: CommandContext): Promise<CommandResult> {
  switch (config.command) {
    case 'lint':
      return lint(config, ctx);
    case 'run':
    case 'plan':
    case 'promote':
    case 'promote-full':
    case 'abort':
    case 'retry':
    case 'undo':
    case 'pause':
    case 'status':
      throw new NotSupportedError(
        `command "${config.command}" is not supported yet in this version of rollout-pilot`,
      );
  }
}
