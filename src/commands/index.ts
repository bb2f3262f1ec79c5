import type { Config } from '../config/inputs.ts';
import type { CommandContext, CommandResult } from './types.ts';

/** Runs one command. The action and the CLI both come through here: one engine, two edges. */
export async function execute(config: Config, ctx: CommandContext): Promise<CommandResult> {
  try {
    return await dispatch(config, ctx);
  } finally {
    // Whatever happened, a run that took the Lease gives it back (lint never connects: it need not
    // load the Kubernetes client to learn that).
    if (config.command !== 'lint') await (await import('./wiring.ts')).releaseHeldLease(ctx);
  }
}

/**
 * Each command's code is loaded when it runs (the bundle splits at these imports): a process
 * starts once per command, and `promote` has no use for the manifest parser, nor `lint` for the
 * Kubernetes client.
 */
async function dispatch(config: Config, ctx: CommandContext): Promise<CommandResult> {
  switch (config.command) {
    case 'lint':
      return (await import('./lint.ts')).lint(config, ctx);
    case 'run':
      return (await import('./run.ts')).run(config, ctx);
    case 'promote':
    case 'promote-full':
    case 'abort':
    case 'retry':
    case 'pause':
      return (await import('./control.ts')).control(config, ctx, config.command);
    case 'undo':
      return (await import('./undo.ts')).undo(config, ctx);
    case 'status':
      return (await import('./status.ts')).status(config, ctx);
    case 'plan':
      return (await import('./plan.ts')).plan(config, ctx);
  }
}
