import type { Config } from '../config/inputs.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { stateFor } from './wiring.ts';
import { outputsFor } from './outputs.ts';

/** status: where the rollout stands, read-only. Exit 1 when Degraded. */
export async function status(config: Config, ctx: CommandContext): Promise<CommandResult> {
  const experiment = await (await import('./experiment.ts')).experimentCommand(config, ctx, 'status');
  if (experiment !== undefined) return experiment;
  const { cluster, state } = await stateFor(config, ctx);
  const outputs = await outputsFor(cluster, state.rollout, state);
  ctx.log.info(
    `${config.rollout ?? ''}: ${state.status.phase}${state.status.message ? ` - ${state.status.message}` : ''}`,
  );
  return { exitCode: state.status.phase === 'Degraded' ? 1 : 0, outputs };
}
