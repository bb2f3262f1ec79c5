import type { Config } from '../config/inputs.ts';
import { toEngineRollout } from '../controller/engine-rollout.ts';
import { systemClock } from '../controller/ports.ts';
import { renderTree } from '../report/tree.ts';
import { ConfigurationError } from '../util/errors.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { stateFor } from './wiring.ts';

/** CLI `get [rollout] NAME [--watch]`: the rollout as a live tree. */
export async function get(
  config: Config,
  ctx: CommandContext,
  options: { watch: boolean; write: (screen: string) => void; signal?: AbortSignal },
): Promise<CommandResult> {
  const { cluster, namespace, name } = await stateFor(config, ctx);
  for (;;) {
    const state = await cluster.readState(namespace, name);
    if (state === undefined) throw new ConfigurationError(`rollout ${name} is gone from ${namespace}`);
    const screen = renderTree({
      rollout: toEngineRollout(state.rollout),
      status: state.status,
      replicaSets: await cluster.details(state.rollout),
      now: systemClock.now(),
    });
    options.write(screen);
    if (!options.watch || options.signal?.aborted) {
      return { exitCode: state.status.phase === 'Degraded' ? 1 : 0, outputs: { phase: state.status.phase } };
    }
    await systemClock.sleep(1000, options.signal);
    if (options.signal?.aborted) return { exitCode: 0, outputs: { phase: state.status.phase } };
  }
}
