/**
 * The standalone Experiment's driver (design 3.7): holds the experiment's own Lease
 * (`rollout-pilot-experiment.<name>`), and ticks until the experiment is done (its phase final,
 * its ReplicaSets at 0), the run's time is up (hand over), or another driver holds it. Every tick
 * reads the state from the cluster and writes it back by compare-and-swap, so a run killed at any
 * instant is picked up where it stood by the next one.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type { ExperimentReplicaSet, ExperimentStatus } from '../engine/experiment-types.ts';
import type { Logger } from '../util/logger.ts';
import type { AnalysisRunner } from './analysis.ts';
import type { ExperimentOwner } from './experiment-ports.ts';
import {
  initialExperimentStatus,
  reconcileExperiment,
  type ExperimentTickResult,
} from './experiment-reconcile.ts';
import {
  applyExperimentRequests,
  experimentExitCode,
  readExperiment,
  type ExperimentDriverPort,
  type ExperimentState,
} from './experiment-state.ts';
import { driveUnderLease, type LeaseKeeper, RENEW_EVERY_MS } from './lease-keeper.ts';
import { ConflictError, type Clock, type KubeObject } from './ports.ts';
import { checkClaim } from './tick.ts';

export interface ExperimentDriveOptions {
  namespace: string;
  name: string;
  identity: string;
  /** Hand over (exit 0, state in the cluster) once this much time has passed. */
  deadline: Date;
  /** Runs the analyses' measurements; without it an experiment with analyses cannot be driven. */
  analysis?: AnalysisRunner | undefined;
  /** Called after a tick that changed the phase, a template, a run or the measurements. */
  onProgress?: ((state: ExperimentState) => Promise<void>) | undefined;
  /** Where the experiment is reported; written with the state so later runs update the same things. */
  github?: () => ExperimentState['github'];
}

export interface ExperimentDriveResult {
  status: ExperimentStatus;
  experiment: KubeObject;
  /** 1 when the experiment ended Failed or Error (issue #11). */
  exitCode: 0 | 1;
  stoppedBecause: 'done' | 'max-runtime' | 'other-driver';
  driver?: string | undefined;
  ticks: number;
  analysis: AnalysisRecord[];
  /** The templates' ReplicaSets as the last tick observed them (none when another run drives). */
  replicaSets: Record<string, ExperimentReplicaSet | undefined>;
}

interface Memory {
  claimed: boolean;
  failures: Record<string, string>;
  lastLine: string;
  lastProgress: string;
}

export async function driveExperiment(
  cluster: ExperimentDriverPort,
  clock: Clock,
  log: Logger,
  opts: ExperimentDriveOptions,
): Promise<ExperimentDriveResult> {
  const { namespace, name, identity } = opts;
  let ticks = 0;
  const otherDriver = async (holder: string): Promise<ExperimentDriveResult> => {
    const state = await cluster.readExperimentState(namespace, name);
    return {
      status: state?.status ?? initialExperimentStatus(),
      experiment: state?.experiment ?? ({} as KubeObject),
      exitCode: 0,
      stoppedBecause: 'other-driver',
      driver: holder,
      ticks,
      analysis: state?.analysis ?? [],
      replicaSets: {},
    };
  };
  return driveUnderLease(
    cluster,
    clock,
    log,
    { namespace, name, identity, kind: 'Experiment' },
    {
      drive: (keeper) => driveHeld(cluster, clock, log, opts, keeper, () => ++ticks),
      otherDriver,
      stopMeasuring: () => opts.analysis?.stopAll(),
    },
  );
}

/** Reads the state; once this driver claimed it, a claim by another driver loses the lease. */
async function readFenced(
  cluster: ExperimentDriverPort,
  opts: ExperimentDriveOptions,
  keeper: LeaseKeeper,
  memory: Memory,
): Promise<ExperimentState> {
  const state = await cluster.readExperimentState(opts.namespace, opts.name);
  if (state === undefined)
    throw new Error(`no rollout-pilot state for Experiment ${opts.namespace}/${opts.name}: run "run" first`);
  checkClaim(keeper, memory.claimed, state.driver);
  return state;
}

/** Writes the tick's state when anything changed; false when someone else wrote meanwhile. */
async function writeTick(
  cluster: ExperimentDriverPort,
  opts: ExperimentDriveOptions,
  keeper: LeaseKeeper,
  before: ExperimentState,
  after: ExperimentState,
): Promise<boolean> {
  const same = (k: keyof ExperimentState): boolean => JSON.stringify(before[k]) === JSON.stringify(after[k]);
  const unchanged =
    same('status') &&
    same('analysis') &&
    same('experiment') &&
    same('github') &&
    before.requests.length === 0;
  if (unchanged && (keeper.epoch === undefined || before.driver === keeper.epoch)) return true;
  keeper.check();
  try {
    await cluster.writeExperimentState(opts.namespace, opts.name, {
      ...after,
      driver: keeper.epoch ?? after.driver,
    });
    return true;
  } catch (e) {
    if (e instanceof ConflictError) return false;
    throw e;
  }
}

/** One line for the log when the phase or a template's or run's state changed. */
function progressLine(status: ExperimentStatus): string {
  const templates = status.templateStatuses.map(
    (t) => `${t.name} ${t.status} ${t.availableReplicas}/${t.replicas}`,
  );
  const runs = status.analysisRuns.map((r) => `${r.name} ${r.phase || 'not started'}`);
  const message = status.message ? ` (${status.message})` : '';
  return `experiment ${status.phase ?? 'Pending'}${message}: templates ${templates.join(', ')}${runs.length > 0 ? `; analyses ${runs.join(', ')}` : ''}`;
}

async function tickOnce(
  cluster: ExperimentDriverPort,
  log: Logger,
  opts: ExperimentDriveOptions,
  keeper: LeaseKeeper,
  memory: Memory,
  now: Date,
): Promise<{ state: ExperimentState; result: ExperimentTickResult; changed: boolean } | undefined> {
  const read = await readFenced(cluster, opts, keeper, memory);
  const working = applyExperimentRequests(read, log);
  const runner = opts.analysis;
  const owner: ExperimentOwner = { kind: 'experiment', namespace: opts.namespace, name: opts.name };
  const result = await reconcileExperiment(cluster, runner, {
    owner,
    experiment: readExperiment(working.experiment),
    status: working.status,
    records: runner === undefined ? working.analysis : runner.collect(working.analysis),
    templates: working.templates,
    failures: memory.failures,
    now,
    check: () => {
      keeper.check();
    },
  });
  const records = runner === undefined ? result.records : runner.fit(result.records);
  const state: ExperimentState = {
    ...working,
    status: result.status,
    analysis: records,
    github: opts.github?.() ?? working.github,
  };
  if (!(await writeTick(cluster, opts, keeper, read, state))) return undefined;
  memory.claimed = true;
  memory.failures = result.failures;
  // Argo's controller reconciles again on its own status update: so does this driver.
  return { state, result, changed: JSON.stringify(read.status) !== JSON.stringify(state.status) };
}

/** Logs where the experiment stands and reports it, when that changed since the last tick. */
async function tellProgress(
  log: Logger,
  opts: ExperimentDriveOptions,
  memory: Memory,
  state: ExperimentState,
  done: boolean,
): Promise<void> {
  const line = progressLine(state.status);
  if (line !== memory.lastLine) log.info(line);
  memory.lastLine = line;
  const mark = JSON.stringify([
    line,
    state.analysis.map((r) => r.state.metrics.map((m) => m.measurements.length)),
  ]);
  if (opts.onProgress !== undefined && mark !== memory.lastProgress && !done) {
    memory.lastProgress = mark;
    await opts.onProgress(state);
  }
}

/**
 * How long until the next look: the engine's requeue, a due measurement, or the renewal pace; at
 * least MIN_WAIT_MS, as a duration passes only once the clock is strictly after it.
 */
function nextLook(result: ExperimentTickResult, now: Date): number {
  const waits = [RENEW_EVERY_MS];
  if (result.requeueAfterMs !== undefined) waits.push(result.requeueAfterMs);
  if (result.nextMeasurement !== undefined) waits.push(result.nextMeasurement.getTime() - now.getTime());
  return Math.max(MIN_WAIT_MS, Math.min(...waits));
}

const MIN_WAIT_MS = 250;

/** Sleeps until the experiment's objects change, a measurement finishes, the lease is lost, or `ms`. */
async function waitForWake(
  cluster: ExperimentDriverPort,
  opts: ExperimentDriveOptions,
  keeper: LeaseKeeper,
  ms: number,
): Promise<void> {
  const stop = new AbortController();
  const onLost = (): void => {
    stop.abort();
  };
  keeper.signal.addEventListener('abort', onLost);
  const owner: ExperimentOwner = { kind: 'experiment', namespace: opts.namespace, name: opts.name };
  await Promise.race([
    cluster.waitForExperimentChange(owner, ms, stop.signal),
    ...(opts.analysis === undefined ? [] : [opts.analysis.waitForOutcome(stop.signal)]),
  ]);
  stop.abort();
  keeper.signal.removeEventListener('abort', onLost);
}

/** The driver's loop while it holds the lease. */
async function driveHeld(
  cluster: ExperimentDriverPort,
  clock: Clock,
  log: Logger,
  opts: ExperimentDriveOptions,
  keeper: LeaseKeeper,
  tick: () => number,
): Promise<ExperimentDriveResult> {
  const memory: Memory = { claimed: false, failures: {}, lastLine: '', lastProgress: '' };
  const letGo = async (): Promise<void> => {
    opts.analysis?.stopAll();
    await cluster.releaseLease(opts.namespace, opts.name, opts.identity, 'Experiment');
  };
  for (;;) {
    keeper.check();
    const now = clock.now();
    const ticked = await tickOnce(cluster, log, opts, keeper, memory, now);
    const ticks = tick();
    if (ticked === undefined) continue;
    const { state, result } = ticked;
    await tellProgress(log, opts, memory, state, result.done);
    const out = {
      status: state.status,
      experiment: state.experiment,
      ticks,
      analysis: state.analysis,
      replicaSets: result.replicaSets,
    };
    if (result.done) {
      await letGo();
      return { ...out, exitCode: experimentExitCode(state.status.phase), stoppedBecause: 'done' };
    }
    const left = opts.deadline.getTime() - clock.now().getTime();
    const wait = nextLook(result, now);
    if (left <= 0) {
      await letGo();
      log.info('handing over: max-runtime reached; a later run resumes from the cluster');
      return { ...out, exitCode: 0, stoppedBecause: 'max-runtime' };
    }
    if (ticked.changed && result.actions.length === 0) continue;
    // After actions, look again soon: what they did shows on the next observation.
    await waitForWake(cluster, opts, keeper, Math.min(wait, left, result.actions.length > 0 ? 1000 : wait));
  }
}
