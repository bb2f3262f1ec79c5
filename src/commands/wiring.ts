import { hostname } from 'node:os';
import { KubeCluster, loadKubeConfig } from '../adapters/k8s/cluster.ts';
import type { Config } from '../config/inputs.ts';
import { systemClock, type StoredState } from '../controller/ports.ts';
import { ConfigurationError } from '../util/errors.ts';
import type { CommandContext } from './types.ts';

/** Who is driving: one GitHub job (attempts of the same job may take over from each other). */
export function driverIdentity(env: NodeJS.ProcessEnv): string {
  if (env.ROLLOUT_PILOT_DRIVER_ID) return env.ROLLOUT_PILOT_DRIVER_ID;
  if (env.GITHUB_RUN_ID) {
    // The pid tells apart two legs of a matrix on one machine (same run, job and attempt).
    return `${env.GITHUB_REPOSITORY ?? ''}/actions/runs/${env.GITHUB_RUN_ID}/${env.GITHUB_JOB ?? ''}#${env.GITHUB_RUN_ATTEMPT ?? '1'}@${hostname()}/${process.pid}`;
  }
  return `cli@${hostname()}/${process.pid}#1`;
}

interface Connected {
  cluster: KubeCluster;
  namespace: string;
}

/** The clusters each command connected to, so that `releaseHeldLease` can release their Leases. */
const connected = new WeakMap<CommandContext, KubeCluster[]>();

/**
 * Releases the Lease if the command took it and still holds it: on every exit path, a handled
 * error included (best effort: a Lease that is not released lapses after LEASE_SECONDS).
 */
export async function releaseHeldLease(ctx: CommandContext): Promise<void> {
  await Promise.all((connected.get(ctx) ?? []).map((c) => c.releaseHeld().catch(() => undefined)));
}

export function connect(config: Config, ctx: CommandContext, manifestNamespace?: string): Connected {
  const kc = loadKubeConfig(config.kubeconfig, ctx.env);
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const namespace = config.namespace ?? manifestNamespace ?? contextNamespace ?? 'default';
  const cluster = new KubeCluster(kc);
  cluster.setRetryBudget(config.apiRetryBudgetMs);
  cluster.onRetry = (what, waitMs) => {
    ctx.log.info(`${what}; retrying in ${(waitMs / 1000).toFixed(1)}s (api-retry-budget)`);
  };
  connected.set(ctx, [...(connected.get(ctx) ?? []), cluster]);
  return { cluster, namespace };
}

export function deadline(config: Config): Date {
  return new Date(systemClock.now().getTime() + config.maxRuntimeMs);
}

export async function stateFor(
  config: Config,
  ctx: CommandContext,
): Promise<Connected & { name: string; state: StoredState }> {
  if (config.rollout === undefined) throw new ConfigurationError(`${config.command} needs the rollout input`);
  const connected = connect(config, ctx);
  const state = await connected.cluster.readState(connected.namespace, config.rollout);
  if (state === undefined) {
    throw new ConfigurationError(
      `no rollout "${config.rollout}" in namespace ${connected.namespace} is managed by rollout-pilot (run the "run" command first)`,
    );
  }
  return { ...connected, name: config.rollout, state };
}
