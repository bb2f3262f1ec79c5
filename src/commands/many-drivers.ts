import type { Config } from '../config/inputs.ts';
import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import type { LeaseKeeper } from '../controller/lease-keeper.ts';
import { nextMoves, type Ending } from '../controller/rollout-schedule.ts';
import { errorMessage } from '../util/errors.ts';
import type { Logger } from '../util/logger.ts';
import type { CommandContext, CommandResult, OutputName } from './types.ts';
import { deadline } from './wiring.ts';
import { recordRequest } from './control.ts';
import { driveAndReport } from './drive.ts';
import { githubLink } from './github.ts';
import { outputsFor } from './outputs.ts';
import { storeRevision, takeoverOf, type Settled } from './run.ts';

/** A Rollout of a run of several, ready to drive on its own connection. */
export interface Driven extends Settled {
  cluster: KubeCluster;
  takeover: Awaited<ReturnType<typeof takeoverOf>>;
}

/** How one Rollout of the run ended, with the outputs a run of it alone would have given. */
export interface RolloutResult {
  name: string;
  namespace: string;
  started: boolean;
  ending: Ending;
  outputs: Partial<Record<OutputName, string>>;
  summary?: string | undefined;
}

interface Plan {
  namespace: string;
  identity: string;
  order: ReadonlyMap<string, readonly string[]>;
  driven: readonly Driven[];
  /** Renew the Leases of the Rollouts that wait for their turn. */
  keepers: ReadonlyMap<string, LeaseKeeper>;
  /** The connection that holds no Lease: it records the aborts for the drivers. */
  main: KubeCluster;
}

/** Drives the Rollouts as the schedule says until none runs and none can start; then sums up. */
export async function driveAll(config: Config, ctx: CommandContext, plan: Plan): Promise<CommandResult> {
  const until = deadline(config).getTime();
  const results = new Map<string, RolloutResult>();
  const running = new Map<string, Promise<void>>();
  const ended = new Map<string, { ending: Ending; phase: string }>();
  const skipped = new Set<string>();
  const aborting = new Set<string>();
  for (;;) {
    const moves = nextMoves({
      order: plan.order,
      running: new Set(running.keys()),
      ended,
      skipped,
      aborting,
      whenOneFails: config.whenOneFails,
    });
    for (const { rollout, reason } of moves.skip) {
      skipped.add(rollout);
      results.set(rollout, await notStarted(ctx, plan, rollout, reason));
    }
    for (const { rollout, reason } of moves.abort) {
      aborting.add(rollout);
      ctx.log.info(`aborting ${rollout}: ${reason}`);
      await recordRequest(plan.main, plan.namespace, rollout, {
        command: 'abort',
        requestedBy: `${plan.identity} (${reason})`,
      });
    }
    for (const name of moves.start) {
      const d = plan.driven.find((x) => x.name === name);
      if (d === undefined) continue;
      const done = driveOne(config, ctx, plan, d, until).then((r) => {
        results.set(name, r);
        ended.set(name, { ending: r.ending, phase: r.outputs.phase ?? '' });
        running.delete(name);
      });
      running.set(name, done);
    }
    if (running.size === 0) {
      if (moves.skip.length === 0) break;
      continue;
    }
    await Promise.race(running.values());
  }
  const all = plan.driven.flatMap((d) => results.get(d.name) ?? []);
  const failed = all.some((r) => r.ending === 'failed');
  return { exitCode: failed ? 1 : 0, outputs: resultsOutputs(all), summary: summaryOf(all) };
}

/** Stores the revision and drives it as a run of one would, its lines marked with its name. */
async function driveOne(
  config: Config,
  ctx: CommandContext,
  plan: Plan,
  d: Driven,
  until: number,
): Promise<RolloutResult> {
  const { namespace } = plan;
  const keeper = plan.keepers.get(d.name);
  keeper?.stop();
  const base = { name: d.name, namespace };
  if (keeper?.lostTo !== undefined) {
    return notStarted(ctx, plan, d.name, `another run drives ${d.name}: ${keeper.lostTo}`);
  }
  const left = until - Date.now();
  if (left <= 0) return notStarted(ctx, plan, d.name, 'not started: max-runtime reached first');
  const sub: CommandContext = { ...ctx, log: markedLogger(ctx.log, d.name) };
  try {
    await storeRevision(sub, d.cluster, namespace, d, d.takeover);
    const before = (await d.cluster.readState(namespace, d.name))?.github;
    const link = githubLink(config, ctx.env, before);
    sub.log.info(`driving ${namespace}/${d.name}`);
    // The run's deadline, not one counted from now: a Rollout started late hands over with the rest.
    const r = await driveAndReport(
      { ...config, maxRuntimeMs: left },
      sub,
      d.cluster,
      namespace,
      d.name,
      plan.identity,
      link,
      true,
    );
    const ending: Ending =
      r.exitCode === 1 ? 'failed' : r.outputs.phase === 'Healthy' ? 'healthy' : 'stopped';
    return { ...base, started: true, ending, outputs: r.outputs, summary: r.summary };
  } catch (e) {
    sub.log.error(errorMessage(e));
    return { ...base, started: true, ending: 'failed', outputs: { message: errorMessage(e) } };
  }
}

/** A Rollout the run did not start: its Lease goes back; its outputs say where it stands. */
async function notStarted(
  ctx: CommandContext,
  plan: Plan,
  name: string,
  reason: string,
): Promise<RolloutResult> {
  ctx.log.info(`${name}: ${reason}`);
  const d = plan.driven.find((x) => x.name === name);
  plan.keepers.get(name)?.stop();
  const result: RolloutResult = {
    name,
    namespace: plan.namespace,
    started: false,
    ending: 'stopped',
    outputs: { message: reason },
  };
  if (d === undefined) return result;
  await d.cluster.releaseHeld().catch(() => undefined);
  const existing = await d.cluster.readState(plan.namespace, name).catch(() => undefined);
  if (existing !== undefined) {
    result.outputs = { ...(await outputsFor(d.cluster, existing.rollout, existing)), message: reason };
  }
  return result;
}

/** Every line of one driver starts with its Rollout's name: the drivers' lines interleave. */
export function markedLogger(log: Logger, name: string): Logger {
  const mark = (m: string): string => `[${name}] ${m}`;
  return {
    info: (m) => {
      log.info(mark(m));
    },
    warn: (m, at) => {
      log.warn(mark(m), at);
    },
    error: (m, at) => {
      log.error(mark(m), at);
    },
    group: async (title, body) => {
      log.info(mark(title));
      return body();
    },
  };
}

/** Phases from the worst: one Degraded Rollout makes the run Degraded, and so on. */
const PHASE_RANK = ['Degraded', 'Paused', 'Progressing', 'Healthy'];

/** The `results` output, and phase, aborted and message summing the Rollouts up. */
export function resultsOutputs(results: readonly RolloutResult[]): Partial<Record<OutputName, string>> {
  const list = results.map((r) => {
    const o = r.outputs;
    const num = (v: string | undefined): number | undefined =>
      v === undefined || v === '' ? undefined : Number(v);
    return {
      rollout: r.name,
      namespace: r.namespace,
      started: r.started,
      phase: o.phase ?? '',
      aborted: o.aborted === 'true',
      message: o.message ?? '',
      stableRevision: num(o['stable-revision']),
      canaryRevision: num(o['canary-revision']),
      stepIndex: num(o['step-index']),
      stepCount: num(o['step-count']),
      canaryWeight: num(o['canary-weight']),
      commentUrl: o['comment-url'],
      checkRunUrl: o['check-run-url'],
    };
  });
  const ranked = list
    .map((r) => r.phase)
    .filter((p) => PHASE_RANK.includes(p))
    .sort((a, b) => PHASE_RANK.indexOf(a) - PHASE_RANK.indexOf(b));
  return {
    phase: ranked[0] ?? '',
    aborted: String(list.some((r) => r.aborted)),
    message: list.map((r) => `${r.rollout}: ${r.phase || 'not started'} - ${r.message}`).join('\n'),
    results: JSON.stringify(list),
  };
}

/** The job summary: one line per Rollout, then each Rollout's own summary. */
function summaryOf(results: readonly RolloutResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.outputs.phase ?? ''} | ${r.started ? 'yes' : 'no'} | ${(r.outputs.message ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
  );
  const head = [
    `## rollout-pilot: ${results.length} Rollouts`,
    '',
    '| Rollout | Phase | Started | Message |',
    '| --- | --- | --- | --- |',
    ...rows,
  ];
  return [head.join('\n'), ...results.flatMap((r) => r.summary ?? [])].join('\n\n');
}
