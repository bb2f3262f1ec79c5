import type { Config } from '../config/inputs.ts';
import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import { toEngineRollout } from '../controller/engine-rollout.ts';
import { systemClock } from '../controller/ports.ts';
import { stepExperimentTree } from '../report/experiment-step-report.ts';
import { renderTree } from '../report/tree.ts';
import { ConfigurationError } from '../util/errors.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { connect, stateFor } from './wiring.ts';

/**
 * CLI `get [rollout] [NAME] [--watch]`: the rollout as a live tree; without a name, every rollout
 * rollout-pilot manages in the namespace, one tree after the other (a run of several Rollouts).
 */
export async function get(
  config: Config,
  ctx: CommandContext,
  options: { watch: boolean; write: (screen: string) => void; signal?: AbortSignal },
): Promise<CommandResult> {
  const { cluster, namespace } =
    config.rollout === undefined ? connect(config, ctx) : await stateFor(config, ctx);
  for (;;) {
    const names = config.rollout === undefined ? await cluster.managedRollouts(namespace) : [config.rollout];
    if (names.length === 0)
      throw new ConfigurationError(`no rollout in ${namespace} is managed by rollout-pilot`);
    const trees = await Promise.all(names.map((name) => tree(cluster, namespace, name)));
    options.write(trees.map((t) => t.screen).join('\n\n'));
    const phase =
      trees.length === 1 ? (trees[0]?.phase ?? '') : trees.map((t) => `${t.name}=${t.phase}`).join(' ');
    const degraded = trees.some((t) => t.phase === 'Degraded');
    if (!options.watch || options.signal?.aborted) return { exitCode: degraded ? 1 : 0, outputs: { phase } };
    await systemClock.sleep(1000, options.signal);
    if (options.signal?.aborted) return { exitCode: 0, outputs: { phase } };
  }
}

async function tree(
  cluster: KubeCluster,
  namespace: string,
  name: string,
): Promise<{ name: string; phase: string; screen: string }> {
  const state = await cluster.readState(namespace, name);
  if (state === undefined) throw new ConfigurationError(`rollout ${name} is gone from ${namespace}`);
  const rollout = toEngineRollout(state.rollout);
  const now = systemClock.now();
  const { sets, branches } = stepExperimentTree({
    rollout: name,
    namespace,
    podHash: state.status.currentPodHash,
    steps: rollout.strategy === 'canary' ? rollout.canary.steps : [],
    records: state.experiments ?? [],
    analysis: state.analysis,
    now,
    sets: await cluster.details(state.rollout),
  });
  const screen = renderTree({ rollout, status: state.status, replicaSets: sets, now, branches });
  return { name, phase: state.status.phase, screen };
}
