import { decide } from '../engine/decide.ts';
import type { Decision } from '../engine/actions.ts';
import { podTemplateHash, stepsHash } from '../engine/hash.ts';
import { strategyServices, type EngineRollout } from '../engine/spec.ts';
import { initialStatus, type RolloutStatus } from '../engine/state.ts';
import type { Logger } from '../util/logger.ts';
import type { AnalysisRecord, AnalysisRunner } from './analysis.ts';
import { podTemplateOf, stepsOf, storedPodTemplate } from './engine-rollout.ts';
import { driveUnderLease, type LeaseKeeper, RENEW_EVERY_MS } from './lease-keeper.ts';
import { deletePrunedExperiments, experimentPortOf, reconcileStepExperiments } from './step-experiments.ts';
import type { Clock, ClusterPort, KubeObject, StoredState } from './ports.ts';
import {
  actOnAtOnce,
  advanceAnalysis,
  applyClusterActions,
  applyRequests,
  logPauseWatch,
  logStepLine,
  mayCarry,
  newTickMemory,
  publishProgress,
  readFencedState,
  requeueDelay,
  waitForWake,
  writeTickState,
  type TickMemory,
  type TickPorts,
} from './tick.ts';

/** The earlier of a measurement's time and an experiment's next look. */
function earliest(next: Date | undefined, wakeAt: number | undefined): Date | undefined {
  if (wakeAt === undefined) return next;
  return next === undefined || wakeAt < next.getTime() ? new Date(wakeAt) : next;
}

export interface DriveOptions {
  namespace: string;
  name: string;
  identity: string;
  /** Hand over (exit 0, state in the cluster) once this much time has passed. */
  deadline: Date;
  /** Converts the stored Rollout into what the engine reads (validated earlier). */
  toEngine: (rollout: KubeObject) => EngineRollout;
  /** Runs analysis measurements; without it a rollout with analysis cannot be driven. */
  analysis?: AnalysisRunner | undefined;
  /** Called after a tick that changed the step, the phase or the measurements (the PR report). */
  onProgress?: ((state: StoredState) => Promise<void>) | undefined;
  /**
   * The `watch-pauses` input: stay at a pause without a duration while background analysis of the
   * revision measures. Unset: the run ends at such a pause.
   */
  watchPauses?: boolean | undefined;
  /** Where the rollout is reported; written with the state so later runs update the same things. */
  github?: () => StoredState['github'];
  /** Renew the Lease at the quiet pace while the Rollout is Paused (lease-keeper.ts). */
  quietWhenPaused?: boolean | undefined;
}

export interface DriveResult {
  status: RolloutStatus;
  rollout: KubeObject;
  exitCode: 0 | 1;
  /** Why the run stopped driving: done, handed over at max-runtime, or another driver holds it. */
  stoppedBecause: 'done' | 'max-runtime' | 'other-driver';
  driver?: string | undefined;
  ticks: number;
  /** Analysis runs of the revision, with their measurements. */
  analysis: AnalysisRecord[];
}

/**
 * Drives one rollout until it needs nobody (Healthy), waits for a person (an indefinite pause),
 * fails (aborted or timed out), or the run's time is up. Every tick reads the state from the
 * cluster, so a run killed at any instant is picked up exactly where it stood by the next one.
 */
export async function drive(
  cluster: ClusterPort,
  clock: Clock,
  log: Logger,
  opts: DriveOptions,
): Promise<DriveResult> {
  const { namespace, name, identity } = opts;
  let ticks = 0;
  const otherDriver = async (holder: string): Promise<DriveResult> => {
    const state = await cluster.readState(namespace, name);
    return {
      status: state?.status ?? initialStatus(),
      rollout: state?.rollout ?? ({} as KubeObject),
      exitCode: 0,
      stoppedBecause: 'other-driver',
      driver: holder,
      ticks,
      analysis: state?.analysis ?? [],
    };
  };
  return driveUnderLease(
    cluster,
    clock,
    log,
    { namespace, name, identity },
    {
      drive: (keeper) => driveHeld(cluster, clock, log, opts, keeper, () => ticks++),
      otherDriver,
      stopMeasuring: () => opts.analysis?.stopAll(),
    },
  );
}

/** Observes the cluster and decides: the Rollout as the engine reads it, the decision, the runs. */
async function decideTick(
  p: TickPorts,
  opts: Pick<DriveOptions, 'toEngine' | 'watchPauses'>,
  working: StoredState,
  now: Date,
  memory: TickMemory,
): Promise<{ rollout: EngineRollout; decision: Decision; records: AnalysisRecord[]; wakeAt?: number }> {
  const rollout = opts.toEngine(working.rollout);
  const observed = await p.cluster.observe(working.rollout, strategyServices(rollout));
  const ownHash = podTemplateHash(podTemplateOf(working.rollout));
  // A ReplicaSet adopted from Argo Rollouts that runs this very template is this revision.
  const templateHash = observed.replicaSets.find((rs) => rs.sameTemplateAs === ownHash)?.hash ?? ownHash;
  // Only the current revision's runs matter; finished measurements are recorded first.
  const runner = p.runner;
  let records = working.analysis.filter((r) => r.podHash === templateHash);
  if (runner !== undefined) records = runner.collect(records);
  // The step experiments first, so the canary sees their phases as of now.
  const port = experimentPortOf(p.cluster);
  const owner = { kind: 'rollout' as const, namespace: p.namespace, rollout: p.name };
  const before = working.experiments ?? [];
  const experiments = await reconcileStepExperiments({
    port,
    runner,
    owner,
    records: before,
    analysis: records,
    templates: working.templates,
    observed,
    failures: memory.experimentFailures,
    now,
    check: () => {
      p.keeper.check();
    },
  });
  records = experiments.analysis;
  const attemptPrefix = `${templateHash}-${working.status.attempt ?? 0}-`;
  const decision = decide({
    rollout,
    templateHash,
    podTemplate: storedPodTemplate(working.rollout),
    stepsHash: stepsHash(stepsOf(working.rollout)),
    status: working.status,
    observed,
    now,
    analysis: runner?.view(records.filter((r) => r.id.startsWith(attemptPrefix))),
    watchPauses: opts.watchPauses,
    experiments: experiments.records,
    rolloutObject: working.rollout,
  });
  if (decision.experiments === undefined && before.length > 0) decision.experiments = experiments.records;
  const kept = decision.experiments ?? before;
  await deletePrunedExperiments(port, owner, experiments.records, kept, () => {
    p.keeper.check();
  });
  return {
    rollout,
    decision,
    records,
    ...(experiments.wakeAt === undefined ? {} : { wakeAt: experiments.wakeAt }),
  };
}

/** Stops measuring and gives the lease back: the run ends here, the state stays in the cluster. */
async function letGo(p: TickPorts, identity: string): Promise<void> {
  p.runner?.stopAll();
  await p.cluster.releaseLease(p.namespace, p.name, identity);
}

/**
 * The driver's loop while it holds the lease: read, decide, act, record, publish; then stop (done),
 * hand over (max-runtime), or wait for the next change.
 */
async function driveHeld(
  cluster: ClusterPort,
  clock: Clock,
  log: Logger,
  opts: DriveOptions,
  keeper: LeaseKeeper,
  tick: () => number,
): Promise<DriveResult> {
  const { namespace, name, identity } = opts;
  const p: TickPorts = { cluster, log, keeper, runner: opts.analysis, namespace, name };
  const memory = newTickMemory();
  /** The last tick's state and the status it decided, written with this tick's (mayCarry). */
  let carried: { state: StoredState; status: RolloutStatus } | undefined;
  for (;;) {
    keeper.check();
    const now = clock.now();
    const carriedLast = carried !== undefined;
    const state = carried?.state ?? (await readFencedState(p, memory));
    const current = carried === undefined ? state : { ...state, status: carried.status };
    carried = undefined;
    const ticks = tick() + 1;
    const working = applyRequests(current, now, log);
    const decided = await decideTick(p, opts, working, now, memory);
    const { rollout, decision } = decided;
    await applyClusterActions(p, working.rollout, decision);
    for (const line of decision.log) log.info(line);
    const { records, nextMeasurement } = advanceAnalysis(p.runner, decision, decided.records, working, now);
    const github = opts.github?.() ?? working.github;
    const outcome = { state, working, decision, records, github };
    if (mayCarry(outcome, keeper, carriedLast)) {
      carried = { state, status: decision.status };
      logStepLine(log, memory, rollout, decision);
      continue;
    }
    if (!(await writeTickState(p, memory, outcome))) continue;
    await publishProgress(opts.onProgress, memory, outcome);
    logStepLine(log, memory, rollout, decision);
    logPauseWatch(log, memory, decision, opts);
    if (opts.quietWhenPaused === true) await keeper.setQuiet(decision.status.phase === 'Paused');

    const result = { status: decision.status, rollout: working.rollout, ticks, analysis: records };
    if (decision.done) {
      await letGo(p, identity);
      return { ...result, exitCode: decision.done.exitCode, stoppedBecause: 'done' };
    }
    const left = opts.deadline.getTime() - clock.now().getTime();
    const requeue = requeueDelay(decision, earliest(nextMeasurement, decided.wakeAt), now);
    if (left <= 0 || requeue > left) {
      // What a measurement in flight finds is recorded before the run lets go (within max-runtime).
      if (left > 0 && p.runner?.measuring === true) {
        await waitForWake(p, working.rollout, left);
        continue;
      }
      await letGo(p, identity);
      log.info(
        `handing over: ${requeue > left ? `the next change is due in ${Math.round(requeue / 1000)}s, after this run's max-runtime` : 'max-runtime reached'}; a later run resumes from the cluster`,
      );
      return { ...result, exitCode: 0, stoppedBecause: 'max-runtime' };
    }
    if (actOnAtOnce(decision, working.status)) continue;
    // Otherwise sleep until a watch event, a finished measurement, or the requeue time.
    await waitForWake(p, working.rollout, Math.min(requeue, RENEW_EVERY_MS));
  }
}
