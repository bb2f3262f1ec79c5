import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import type { SharedKube } from '../adapters/k8s/namespace-cache.ts';
import type { Config } from '../config/inputs.ts';
import { LeaseKeeper } from '../controller/lease-keeper.ts';
import { systemClock } from '../controller/ports.ts';
import { mergeOrders, parseOrderInput } from '../controller/rollout-schedule.ts';
import { findCycle } from '../manifests/rollout-order.ts';
import { ConfigurationError } from '../util/errors.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { connect, driverIdentity, sharedKube } from './wiring.ts';
import type { PreparedRun } from './prepare.ts';
import { takeLease } from './lease.ts';
import { storeRollout } from './store.ts';
import { outputsFor } from './outputs.ts';
import { applyPlain, dryRun, keepServiceHashes, settle, takeoverOf, type Settled } from './run.ts';
import { driveAll, resultsOutputs, type Driven, type RolloutResult } from './many-drivers.ts';

/**
 * `run` when the manifests hold several Rollouts: each gets what a run of one gets (its own Lease,
 * state, comment and check run); the plain objects are applied once for all, under every Lease;
 * then the Rollouts are driven in parallel, or in the order their `rollout-pilot.dev/after`
 * annotations and the `order` input give (many-drivers.ts).
 */
export async function runMany(
  config: Config,
  ctx: CommandContext,
  runs: readonly PreparedRun[],
  annotated: ReadonlyMap<string, readonly string[]>,
): Promise<CommandResult> {
  const first = runs[0]?.rollout.metadata.namespace;
  // The namespace input puts them all in one; otherwise their own namespaces must agree.
  const elsewhere = runs.filter(
    (r) => config.namespace === undefined && r.rollout.metadata.namespace !== first,
  );
  if (elsewhere.length > 0) {
    throw new ConfigurationError(
      `one run drives several Rollouts of one namespace: ${elsewhere.map((r) => r.rollout.metadata.name).join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} not in ${first ?? 'the default namespace'} (drive them from separate steps)`,
    );
  }
  const main = connect(config, ctx, first);
  const namespace = main.namespace;
  const names = runs.map((r) => r.rollout.metadata.name);
  const order = orderOf(config, names, annotated);
  const settled: Settled[] = [];
  for (const prepared of runs) settled.push(await settle(config, ctx, main.cluster, namespace, prepared));
  // Every Rollout's plain objects are the same documents: fix the selectors of all their Services.
  const plain = runs[0]?.plain ?? [];
  await keepServiceHashes(main.cluster, namespace, plain, [...new Set(settled.flatMap((s) => s.managed))]);
  await dryRun(ctx, main.cluster, namespace, plain, settled);
  // One list+watch per kind for all the drivers, which read from and wake on it (namespace-cache.ts).
  const shared = sharedKube(config, ctx);
  try {
    await shared.ready(namespace);
    return await leaseAndDrive(config, ctx, { namespace, order, settled, plain, main: main.cluster, shared });
  } finally {
    shared.stop();
  }
}

/** Takes every Rollout's Lease, applies the plain objects under them all, and drives. */
async function leaseAndDrive(
  config: Config,
  ctx: CommandContext,
  run: {
    namespace: string;
    order: Map<string, string[]>;
    settled: readonly Settled[];
    plain: PreparedRun['plain'];
    main: KubeCluster;
    shared: SharedKube;
  },
): Promise<CommandResult> {
  const { namespace, plain } = run;
  const driven: Driven[] = [];
  for (const one of run.settled) {
    // Its own adapter on the shared clients: it fences its writes with the one Lease it holds.
    const { cluster } = connect(config, ctx, namespace, run.shared);
    driven.push({ ...one, cluster, takeover: await takeoverOf(cluster, namespace, one) });
  }
  const identity = driverIdentity(ctx.env);
  const others = await takeLeases(ctx, namespace, driven, identity);
  if (others.size > 0) return handOver(ctx, namespace, driven, others);
  // Until its turn, each Lease is renewed (at the quiet pace): no other run takes a waiting Rollout.
  const keepers = new Map(
    driven.map((d) => {
      const keeper = new LeaseKeeper(d.cluster, ctx.log, { namespace, name: d.name, identity }, systemClock);
      void keeper.setQuiet(true);
      return [d.name, keeper];
    }),
  );
  try {
    await applyPlain(
      ctx,
      run.main,
      namespace,
      plain,
      driven.map((d) => d.keeper),
    );
    return await driveAll(config, ctx, {
      namespace,
      identity,
      order: run.order,
      driven,
      keepers,
      main: run.main,
    });
  } finally {
    for (const k of keepers.values()) k.stop();
  }
}

/** The annotations' order merged with the `order` input; a cycle between the two is refused. */
function orderOf(
  config: Config,
  names: readonly string[],
  annotated: ReadonlyMap<string, readonly string[]>,
): Map<string, string[]> {
  const input = parseOrderInput(config.order, names);
  if ('problem' in input) throw new ConfigurationError(input.problem);
  const order = mergeOrders(names, annotated, input.order);
  const cycle = findCycle(order);
  if (cycle !== undefined) {
    throw new ConfigurationError(
      `input order and rollout-pilot.dev/after: the Rollouts wait for each other in a cycle (${cycle.join(' → ')})`,
    );
  }
  return order;
}

/**
 * Takes every Rollout's Lease. Returns the holders of those another live run drives; when there are
 * some but not all, the Leases taken are given back and the run stops before any write: the other
 * run's Services and router objects must not be re-applied under it.
 */
async function takeLeases(
  ctx: CommandContext,
  namespace: string,
  driven: readonly Driven[],
  identity: string,
): Promise<Map<string, string>> {
  const held = await Promise.all(
    driven.map(
      async (d) => [d.name, await takeLease(d.cluster, namespace, d.name, identity, ctx.log)] as const,
    ),
  );
  const others = new Map(
    held.flatMap(([name, other]) => (other === undefined ? [] : [[name, other.holder]])),
  );
  if (others.size === 0 || others.size === driven.length) return others;
  await Promise.all(driven.map((d) => d.cluster.releaseHeld().catch(() => undefined)));
  throw new ConfigurationError(
    `another run drives ${[...others].map(([n, h]) => `${n} (${h})`).join(', ')} but not ${driven
      .filter((d) => !others.has(d.name))
      .map((d) => d.name)
      .join(', ')}: run again once it has finished`,
  );
}

/** Another run drives every one of them: each picks up its new revision, as with one Rollout. */
async function handOver(
  ctx: CommandContext,
  namespace: string,
  driven: readonly Driven[],
  others: ReadonlyMap<string, string>,
): Promise<CommandResult> {
  const results: RolloutResult[] = [];
  for (const d of driven) {
    const changed = await storeRollout(d.cluster, namespace, d.rollout, d.prepared.templates);
    const message = `another run drives ${d.name}: ${others.get(d.name) ?? '?'}${changed ? '; it picks up this revision' : ''}`;
    ctx.log.info(message);
    const existing = await d.cluster.readState(namespace, d.name);
    const outputs = existing ? await outputsFor(d.cluster, d.rollout, existing) : {};
    results.push({
      name: d.name,
      namespace,
      started: false,
      ending: 'stopped',
      outputs: { ...outputs, message },
    });
  }
  return { exitCode: 0, outputs: resultsOutputs(results) };
}
