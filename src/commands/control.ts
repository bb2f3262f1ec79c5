import type { Config } from '../config/inputs.ts';
import { ConflictError, systemClock, type ClusterPort } from '../controller/ports.ts';
import { applyControlRequest } from '../engine/commands.ts';
import type { ControlRequest } from '../engine/state.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { driverIdentity, stateFor } from './wiring.ts';
import { outputsFor } from './outputs.ts';
import { takeLease } from './lease.ts';
import { driveAndReport } from './drive.ts';

/** promote, promote-full, abort, retry, pause: need only the rollout's name and namespace. */
export async function control(
  config: Config,
  ctx: CommandContext,
  command: ControlRequest['command'] | undefined,
): Promise<CommandResult> {
  const experiment = await (
    await import('./experiment.ts')
  ).experimentCommand(config, ctx, command ?? 'resume');
  if (experiment !== undefined) return experiment;
  const { cluster, namespace, name, state } = await stateFor(config, ctx);
  const identity = driverIdentity(ctx.env);
  const other = await takeLease(cluster, namespace, name, identity, ctx.log);
  if (other !== undefined && command === undefined) {
    const message = `another run drives ${name}: ${other.holder}`;
    ctx.log.info(message);
    return { exitCode: 0, outputs: { ...(await outputsFor(cluster, state.rollout, state)), message } };
  }
  if (command === undefined) {
    // `run` with only the rollout's name: resume driving from where the cluster stands.
    ctx.log.info(`resuming ${name} from the state in the cluster`);
    return driveAndReport(config, ctx, cluster, namespace, name, identity, state.github);
  }
  if (other !== undefined) {
    // A live driver acts on it at its next tick.
    await recordRequest(cluster, namespace, name, { command, requestedBy: identity });
    const message = `recorded ${command} for ${name}: the driving run (${other.holder}) acts on it`;
    ctx.log.info(message);
    return { exitCode: 0, outputs: { ...(await outputsFor(cluster, state.rollout, state)), message } };
  }
  const outcome = applyControlRequest(state.rollout, state.status, { command }, systemClock.now());
  ctx.log.info(`${command}: ${outcome.message}`);
  if (!outcome.applied) {
    await cluster.releaseLease(namespace, name, identity);
    return {
      exitCode: 1,
      outputs: { ...(await outputsFor(cluster, state.rollout, state)), message: outcome.message },
    };
  }
  await cluster.writeState(namespace, name, { ...state, rollout: outcome.rollout, status: outcome.status });
  return driveAndReport(config, ctx, cluster, namespace, name, identity, state.github);
}

/** Records a command for the driving run, compare-and-swap like any write; it acts at its next tick. */
export async function recordRequest(
  cluster: ClusterPort,
  namespace: string,
  name: string,
  request: Omit<ControlRequest, 'requestedAt'>,
): Promise<void> {
  for (;;) {
    const current = await cluster.readState(namespace, name);
    if (current === undefined) return;
    const requested: ControlRequest = { ...request, requestedAt: systemClock.now().toISOString() };
    try {
      await cluster.writeState(namespace, name, { ...current, requests: [...current.requests, requested] });
      return;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
}
