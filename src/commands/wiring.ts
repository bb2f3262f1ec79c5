import { hostname } from 'node:os';
import { KubeClients } from '../adapters/k8s/api-call.ts';
import { KubeCluster, loadKubeConfig } from '../adapters/k8s/cluster.ts';
import { SharedKube } from '../adapters/k8s/namespace-cache.ts';
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

/** One kubeconfig and one set of API clients (one connection pool) per command, however many connect. */
const clientsOf = new WeakMap<CommandContext, KubeClients>();

function clients(config: Config, ctx: CommandContext): KubeClients {
  let found = clientsOf.get(ctx);
  if (found === undefined) {
    found = new KubeClients(loadKubeConfig(config.kubeconfig, ctx.env));
    clientsOf.set(ctx, found);
  }
  return found;
}

/** The namespace a command works in: the input, the manifests', the kubeconfig context's, default. */
export function namespaceOf(config: Config, ctx: CommandContext, manifestNamespace?: string): string {
  // The kubeconfig is loaded first whatever the answer: a broken one fails here, as before.
  const kc = clients(config, ctx).kubeConfig;
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return config.namespace ?? manifestNamespace ?? contextNamespace ?? 'default';
}

/**
 * A cluster adapter of its own (its Lease, its fence) on the command's shared API clients; with
 * `shared`, it reads from and wakes on the run's shared caches (run-many.ts).
 */
export function connect(
  config: Config,
  ctx: CommandContext,
  manifestNamespace?: string,
  shared?: SharedKube,
): Connected {
  const namespace = namespaceOf(config, ctx, manifestNamespace);
  const cluster = new KubeCluster(clients(config, ctx), shared);
  cluster.setRetryBudget(config.apiRetryBudgetMs);
  cluster.onRetry = (what, waitMs) => {
    ctx.log.info(`${what}; retrying in ${(waitMs / 1000).toFixed(1)}s (api-retry-budget)`);
  };
  connected.set(ctx, [...(connected.get(ctx) ?? []), cluster]);
  return { cluster, namespace };
}

/** The caches and watches every driver of a run of several Rollouts shares. */
export function sharedKube(config: Config, ctx: CommandContext): SharedKube {
  return new SharedKube(clients(config, ctx));
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
