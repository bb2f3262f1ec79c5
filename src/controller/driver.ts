import { decide } from '../engine/decide.ts';
import type { Decision } from '../engine/actions.ts';
import { applyControlRequest } from '../engine/commands.ts';
import { podTemplateHash, stepsHash } from '../engine/hash.ts';
import type { EngineRollout } from '../engine/spec.ts';
import { describeStep } from '../engine/spec.ts';
import { initialStatus, type RolloutStatus } from '../engine/state.ts';
import { excerpt, type Logger } from '../util/logger.ts';
import type { AnalysisRecord, AnalysisRunner } from './analysis.ts';
import {
  ConflictError,
  LeaseLostError,
  StateTooLargeError,
  type Clock,
  type ClusterPort,
  type KubeObject,
  type StoredState,
} from './ports.ts';

/** A driver renews its lease at least this often; a dead driver's lease lapses after LEASE_SECONDS. */
export const LEASE_SECONDS = 15;
const RENEW_EVERY_MS = 5000;
/** State writes refused for their size in a row before the run fails (each one sheds more). */
const MAX_TOO_LARGE = 4;

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
  /** Where the rollout is reported; written with the state so later runs update the same things. */
  github?: () => StoredState['github'];
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

const jobOf = (id: string): string => id.split('#')[0] ?? id;
const attemptOf = (id: string): string => (id.split('#')[1] ?? '').split('@')[0] ?? '';

/** Whether an earlier attempt of this same job holds the lease: that attempt is gone. */
export function sameJob(identity: string, holder: string): boolean {
  return jobOf(identity) === jobOf(holder) && !matrixSibling(identity, holder);
}

/**
 * Whether the holder is another process of the same run, job and attempt: a leg of the same matrix
 * (GitHub gives every leg the same run id, job id and attempt), alive, not an earlier attempt.
 */
export function matrixSibling(identity: string, holder: string): boolean {
  return (
    identity !== holder &&
    jobOf(identity) === jobOf(holder) &&
    attemptOf(identity) === attemptOf(holder) &&
    identity.includes('@') &&
    holder.includes('@')
  );
}

function stepLine(rollout: EngineRollout, status: RolloutStatus, decision: Decision): string {
  const steps = rollout.canary.steps;
  const index = status.currentStepIndex ?? 0;
  const where =
    index >= steps.length
      ? `steps ${steps.length}/${steps.length} done`
      : `step ${index + 1}/${steps.length} ${describeStep(steps[index])}`;
  return `${where}: ${status.phase}${status.message ? ` (${status.message})` : ''}, weight ${status.canaryWeight}${decision.requeueAfterMs > 0 && !decision.done ? `, next look in ${Math.round(decision.requeueAfterMs / 100) / 10}s` : ''}`;
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
  const other = await cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, (h) =>
    sameJob(identity, h),
  );
  if (other !== undefined) return otherDriver(other.holder);
  const keeper = new LeaseKeeper(cluster, log, { namespace, name, identity });
  try {
    return await driveHeld(cluster, clock, log, opts, keeper, () => ticks++);
  } catch (e) {
    if (e instanceof LeaseLostError) {
      opts.analysis?.stopAll();
      log.info(e.message);
      return await otherDriver(e.holder);
    }
    throw e;
  } finally {
    keeper.stop();
  }
}

/**
 * Renews the driver's lease on its own timer, every RENEW_EVERY_MS whatever a tick is doing; the
 * moment a renewal finds another holder, `signal` aborts and the driver stops acting.
 */
export class LeaseKeeper {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setInterval>;
  private busy = false;
  lostTo: string | undefined;
  readonly epoch: string | undefined;

  private readonly cluster: ClusterPort;
  private readonly log: Logger;
  private readonly lease: { namespace: string; name: string; identity: string };

  constructor(
    cluster: ClusterPort,
    log: Logger,
    lease: { namespace: string; name: string; identity: string },
  ) {
    this.cluster = cluster;
    this.log = log;
    this.lease = lease;
    this.epoch = cluster.leaseEpoch?.();
    this.timer = setInterval(() => void this.renew(), RENEW_EVERY_MS);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Throws LeaseLostError once the lease is gone. */
  check(): void {
    if (this.lostTo !== undefined) throw new LeaseLostError(this.lostTo);
  }

  lose(holder: string): void {
    this.lostTo ??= holder;
    this.controller.abort();
  }

  async renew(): Promise<void> {
    if (this.busy || this.lostTo !== undefined) return;
    this.busy = true;
    try {
      const { namespace, name, identity } = this.lease;
      const other = await this.cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, () => false);
      if (other !== undefined) this.lose(other.holder);
    } catch (e) {
      // The API server is away (each request already retried): writes stay fenced meanwhile.
      this.log.info(`renewing the lease failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function driveHeld(
  cluster: ClusterPort,
  clock: Clock,
  log: Logger,
  opts: DriveOptions,
  keeper: LeaseKeeper,
  tick: () => number,
): Promise<DriveResult> {
  const { namespace, name, identity } = opts;
  let ticks: number;
  let lastLine = '';
  let lastProgress = '';
  /** Whether this driver has written its lease epoch into the state (the claim). */
  let claimed = false;
  /** State writes refused for their size in a row. */
  let tooLarge = 0;
  for (;;) {
    keeper.check();
    const now = clock.now();
    const state = await cluster.readState(namespace, name);
    if (state === undefined)
      throw new Error(`no rollout-pilot state for ${namespace}/${name}: run the "run" command first`);
    // Another driver claimed the state after we did: it holds the lease now (the state fence).
    if (
      claimed &&
      keeper.epoch !== undefined &&
      state.driver !== undefined &&
      state.driver !== keeper.epoch
    ) {
      keeper.lose(state.driver.replace(/\/\d+$/, ''));
      keeper.check();
    }
    ticks = tick() + 1;

    let working: StoredState = state;
    for (const request of state.requests) {
      const applied = applyControlRequest(working.rollout, working.status, request, now);
      log.info(`${request.command} requested by ${request.requestedBy}: ${applied.message}`);
      working = { ...working, rollout: applied.rollout, status: applied.status };
    }
    working = { ...working, requests: [] };
    const rollout = opts.toEngine(working.rollout);

    const spec = (working.rollout.spec ?? {}) as {
      template?: unknown;
      strategy?: { canary?: { steps?: unknown } };
    };
    const observed = await cluster.observe(
      working.rollout,
      [rollout.canary.stableService, rollout.canary.canaryService].filter(
        (s): s is string => s !== undefined,
      ),
    );
    const ownHash = podTemplateHash(spec.template);
    // A ReplicaSet adopted from Argo Rollouts that runs this very template is this revision.
    const templateHash = observed.replicaSets.find((rs) => rs.sameTemplateAs === ownHash)?.hash ?? ownHash;
    // Only the current revision's runs matter; finished measurements are recorded first.
    const runner = opts.analysis;
    let records = working.analysis.filter((r) => r.podHash === templateHash);
    if (runner !== undefined) records = runner.collect(records);
    const attemptPrefix = `${templateHash}-${working.status.attempt ?? 0}-`;
    const decision = decide({
      rollout,
      templateHash,
      stepsHash: stepsHash(spec.strategy?.canary?.steps),
      status: working.status,
      observed,
      now,
      analysis: runner?.view(records.filter((r) => r.id.startsWith(attemptPrefix))),
    });
    for (const action of decision.actions) {
      keeper.check();
      if (action.kind !== 'startAnalysis' && action.kind !== 'terminateAnalysis') {
        await cluster.apply(working.rollout, action);
      }
    }
    for (const line of decision.log) log.info(line);
    let nextMeasurement: Date | undefined;
    if (runner !== undefined) {
      records = runner.handle(decision.actions, records, {
        rollout: working.rollout,
        templates: working.templates,
        status: decision.status,
        now,
      });
      const launched = runner.launch(records, now);
      // Within the state's byte budget before every write (docs/state-model.md, "Size limits").
      records = runner.fit(launched.records);
      nextMeasurement = launched.next;
    } else if (decision.actions.some((a) => a.kind === 'startAnalysis')) {
      throw new Error('this rollout uses analysis, and no analysis runner was configured');
    }

    const unchanged =
      JSON.stringify(decision.status) === JSON.stringify(state.status) &&
      JSON.stringify(records) === JSON.stringify(state.analysis) &&
      state.requests.length === 0 &&
      working.rollout === state.rollout &&
      (keeper.epoch === undefined || state.driver === keeper.epoch);
    const github = opts.github?.() ?? working.github;
    if (!unchanged || JSON.stringify(github) !== JSON.stringify(state.github)) {
      keeper.check();
      try {
        await cluster.writeState(namespace, name, {
          ...working,
          status: decision.status,
          analysis: records,
          github,
          driver: keeper.epoch ?? working.driver,
        });
        claimed = true;
        tooLarge = 0;
      } catch (e) {
        // Someone else wrote (a recorded command, a new revision): decide again from what is there.
        if (e instanceof ConflictError) continue;
        // Too large to store: what this tick measured becomes an Error measurement, then decide again.
        if (e instanceof StateTooLargeError && runner !== undefined && tooLarge++ < MAX_TOO_LARGE) {
          log.warn(excerpt(e.message, 1000));
          runner.unwritable(excerpt(e.message, 300));
          continue;
        }
        throw e;
      }
    }
    const progressMark = JSON.stringify([
      decision.status.phase,
      decision.status.currentStepIndex,
      decision.status.abort,
      records.map((r) => r.state.metrics.map((m) => m.measurements.length)),
    ]);
    if (opts.onProgress !== undefined && progressMark !== lastProgress && !decision.done) {
      lastProgress = progressMark;
      await opts.onProgress({ ...working, status: decision.status, analysis: records, github });
    }
    const line = stepLine(rollout, decision.status, decision);
    if (line !== lastLine) log.info(line);
    lastLine = line;

    if (decision.done) {
      runner?.stopAll();
      await cluster.releaseLease(namespace, name, identity);
      return {
        analysis: records,
        status: decision.status,
        rollout: working.rollout,
        exitCode: decision.done.exitCode,
        stoppedBecause: 'done',
        ticks,
      };
    }
    const left = opts.deadline.getTime() - clock.now().getTime();
    let requeue = decision.requeueAfterMs;
    if (nextMeasurement !== undefined)
      requeue = Math.min(requeue, Math.max(0, nextMeasurement.getTime() - now.getTime()));
    if (left <= 0 || requeue > left) {
      runner?.stopAll();
      await cluster.releaseLease(namespace, name, identity);
      log.info(
        `handing over: ${requeue > left ? `the next change is due in ${Math.round(requeue / 1000)}s, after this run's max-runtime` : 'max-runtime reached'}; a later run resumes from the cluster`,
      );
      return {
        status: decision.status,
        rollout: working.rollout,
        exitCode: 0,
        stoppedBecause: 'max-runtime',
        ticks,
        analysis: records,
      };
    }
    // Otherwise sleep until a watch event, a finished measurement, or the requeue time.
    // A tick that moved to another step (or into or out of a pause) acts on it at once; after
    // actions, the ReplicaSets' watch wakes the driver as soon as the cluster answers.
    const moved =
      decision.status.currentStepIndex !== working.status.currentStepIndex ||
      decision.status.pauseConditions.length !== working.status.pauseConditions.length ||
      decision.status.stableRS !== working.status.stableRS ||
      decision.status.abort !== working.status.abort;
    if (moved && decision.actions.length === 0) continue;
    const wait = Math.min(requeue, RENEW_EVERY_MS);
    const stop = new AbortController();
    const onLost = (): void => {
      stop.abort();
    };
    keeper.signal.addEventListener('abort', onLost);
    await Promise.race([
      cluster.waitForChange(working.rollout, wait, stop.signal),
      ...(runner === undefined ? [] : [runner.waitForOutcome(stop.signal)]),
    ]);
    stop.abort();
    keeper.signal.removeEventListener('abort', onLost);
  }
}
