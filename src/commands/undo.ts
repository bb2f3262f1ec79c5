import type { Config } from '../config/inputs.ts';
import { podTemplateOf } from '../controller/engine-rollout.ts';
import { podTemplateHash } from '../engine/hash.ts';
import { ConfigurationError } from '../util/errors.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { driverIdentity, stateFor } from './wiring.ts';
import { driveAndReport } from './drive.ts';

/** undo: back to the previous revision (or `--to-revision`), as a new update. */
export async function undo(config: Config, ctx: CommandContext): Promise<CommandResult> {
  const { cluster, namespace, name, state } = await stateFor(config, ctx);
  const revisions = await cluster.revisions(state.rollout);
  const currentHash = podTemplateHash(podTemplateOf(state.rollout));
  const current =
    [...revisions].find(([, r]) => r.hash === currentHash)?.[0] ?? Math.max(0, ...revisions.keys());
  const target = config.toRevision ?? Math.max(-1, ...[...revisions.keys()].filter((r) => r < current));
  const found = revisions.get(target);
  if (found === undefined) {
    throw new ConfigurationError(
      `undo: no revision ${target < 0 ? 'before the current one' : target} of ${name} (have ${[...revisions.keys()].sort((a, b) => a - b).join(', ') || 'none'})`,
    );
  }
  const rollout = structuredClone(state.rollout);
  rollout.spec = { ...(rollout.spec ?? {}), template: found.template };
  await cluster.writeState(namespace, name, { ...state, rollout });
  ctx.log.info(`undo: ${name} goes back to revision ${target} (${found.hash})`);
  const identity = driverIdentity(ctx.env);
  return driveAndReport(config, ctx, cluster, namespace, name, identity, state.github);
}
