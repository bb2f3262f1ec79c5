import type { Config } from '../config/inputs.ts';
import { lint } from './lint.ts';
import { control } from './control.ts';
import { plan } from './plan.ts';
import { run } from './run.ts';
import { status } from './status.ts';
import { undo } from './undo.ts';
import { releaseHeldLease } from './wiring.ts';
import type { CommandContext, CommandResult } from './types.ts';

/** Runs one command. The action and the CLI both come through here: one engine, two edges. */
export async function execute(config: Config, ctx: CommandContext): Promise<CommandResult> {
  try {
    return await dispatch(config, ctx);
  } finally {
    // Whatever happened, a run that took the Lease gives it back.
    await releaseHeldLease(ctx);
  }
}

function dispatch(config: Config, ctx: CommandContext): Promise<CommandResult> {
  switch (config.command) {
    case 'lint':
      return lint(config, ctx);
    case 'run':
      return run(config, ctx);
    case 'promote':
    case 'promote-full':
    case 'abort':
    case 'retry':
    case 'pause':
      return control(config, ctx, config.command);
    case 'undo':
      return undo(config, ctx);
    case 'status':
      return status(config, ctx);
    case 'plan':
      return plan(config, ctx);
  }
}
