import type { Decision } from '../engine/actions.ts';
import { applyControlRequest } from '../engine/commands.ts';
import { describeStep, type EngineRollout } from '../engine/spec.ts';
import type { RolloutStatus } from '../engine/state.ts';
import { excerpt, type Logger } from '../util/logger.ts';
import type { AnalysisRecord, AnalysisRunner } from './analysis.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import {
  ConflictError,
  StateTooLargeError,
  type ClusterPort,
  type KubeObject,
  type StoredState,
} from './ports.ts';

/** State writes refused for their size in a row before the run fails (each one sheds more). */
const MAX_TOO_LARGE = 4;

/** The ports and the rollout every step of a tick works with. */
export interface TickPorts {
  cluster: ClusterPort;
  log: Logger;
  keeper: LeaseKeeper;
  runner: AnalysisRunner | undefined;
  namespace: string;
  name: string;
}

/** What a driver carries from one tick to the next. */
export interface TickMemory {
  lastLine: string;
  lastProgress: string;
  /** Whether this driver has written its lease epoch into the state (the claim). */
  claimed: boolean;
  /** State writes refused for their size in a row. */
  tooLarge: number;
  /** Whether the last tick stayed at a pause to watch the background analysis. */
  watching: boolean;
  /** Why each step experiment's cluster actions failed last tick, by experiment, then template. */
  experimentFailures: Map<string, Record<string, string>>;
}

export function newTickMemory(): TickMemory {
  return {
    lastLine: '',
    lastProgress: '',
    claimed: false,
    tooLarge: 0,
    watching: false,
    experimentFailures: new Map(),
  };
}

/** Reads the state; once this driver has claimed it, a claim by another driver loses the lease. */
export async function readFencedState(p: TickPorts, memory: TickMemory): Promise<StoredState> {
  const { cluster, keeper, namespace, name } = p;
  const state = await cluster.readState(namespace, name);
  if (state === undefined)
    throw new Error(`no rollout-pilot state for ${namespace}/${name}: run the "run" command first`);
  checkClaim(keeper, memory.claimed, state.driver);
  return state;
}

/**
 * The state fence: once this driver claimed the state, a claim by another driver (its lease epoch
 * in the state's `driver`) means that driver holds the lease now; this one stops (LeaseLostError).
 */
export function checkClaim(keeper: LeaseKeeper, claimed: boolean, driver: string | undefined): void {
  if (claimed && keeper.epoch !== undefined && driver !== undefined && driver !== keeper.epoch) {
    keeper.lose(driver.replace(/\/\d+$/, ''));
    keeper.check();
  }
}

/** Applies the recorded commands (promote, abort ...) to the state, in order, and clears them. */
export function applyRequests(state: StoredState, now: Date, log: Logger): StoredState {
  let working: StoredState = state;
  for (const request of state.requests) {
    const applied = applyControlRequest(working.rollout, working.status, request, now);
    log.info(`${request.command} requested by ${request.requestedBy}: ${applied.message}`);
    working = { ...working, rollout: applied.rollout, status: applied.status };
  }
  return { ...working, requests: [] };
}

/** Applies the decision's cluster actions in order, each only while the lease is held. */
export async function applyClusterActions(
  p: TickPorts,
  rollout: KubeObject,
  decision: Decision,
): Promise<void> {
  for (const action of decision.actions) {
    p.keeper.check();
    await p.cluster.apply(rollout, action);
  }
  // A lease lost during the applies stops the tick before it starts or stops any analysis run.
  if (decision.analysis.length > 0) p.keeper.check();
}

/**
 * Starts and stops analysis runs as decided, launches due measurements and fits the runs in the
 * state's budget. Returns the runs and when the next measurement is due.
 */
export function advanceAnalysis(
  runner: AnalysisRunner | undefined,
  decision: Decision,
  records: AnalysisRecord[],
  working: StoredState,
  now: Date,
): { records: AnalysisRecord[]; nextMeasurement: Date | undefined } {
  if (runner === undefined) {
    if (decision.analysis.some((a) => a.kind === 'startAnalysis')) {
      throw new Error('this rollout uses analysis, and no analysis runner was configured');
    }
    return { records, nextMeasurement: undefined };
  }
  const handled = runner.handle(decision.analysis, records, {
    rollout: working.rollout,
    templates: working.templates,
    status: decision.status,
    now,
  });
  const launched = runner.launch(handled, now);
  // Within the state's byte budget before every write (docs/state-model.md, "Size limits").
  return { records: runner.fit(launched.records), nextMeasurement: launched.next };
}

/** What one tick writes: the state it read, the state after requests, and what it decided. */
export interface TickOutcome {
  state: StoredState;
  working: StoredState;
  decision: Decision;
  records: AnalysisRecord[];
  github: StoredState['github'];
}

/**
 * Writes the tick's state (with this driver's claim) when anything changed. Returns false when the
 * tick must be decided again: someone else wrote meanwhile, or the state was too large to store.
 */
export async function writeTickState(p: TickPorts, memory: TickMemory, t: TickOutcome): Promise<boolean> {
  const { keeper, runner } = p;
  const { working, decision, records, github } = t;
  const experiments = decision.experiments ?? working.experiments;
  if (onlyStatusChanged(t, keeper) && JSON.stringify(decision.status) === JSON.stringify(t.state.status))
    return true;
  keeper.check();
  try {
    await p.cluster.writeState(p.namespace, p.name, {
      ...working,
      status: decision.status,
      analysis: records,
      experiments,
      github,
      driver: keeper.epoch ?? working.driver,
    });
    memory.claimed = true;
    memory.tooLarge = 0;
    return true;
  } catch (e) {
    // Someone else wrote (a recorded command, a new revision): decide again from what is there.
    if (e instanceof ConflictError) return false;
    // Too large to store: what this tick measured becomes an Error measurement, then decide again.
    if (e instanceof StateTooLargeError && runner !== undefined && memory.tooLarge++ < MAX_TOO_LARGE) {
      p.log.warn(excerpt(e.message, 1000));
      runner.unwritable(excerpt(e.message, 300));
      return false;
    }
    throw e;
  }
}

/**
 * Whether the tick changed nothing of the state but its status: no request taken up, the same
 * Rollout, measurements, experiments and GitHub targets, and this driver's claim already stored.
 */
function onlyStatusChanged(t: TickOutcome, keeper: LeaseKeeper): boolean {
  const { state, working, decision, records, github } = t;
  const experiments = decision.experiments ?? working.experiments;
  return (
    JSON.stringify(records) === JSON.stringify(state.analysis) &&
    JSON.stringify(experiments ?? []) === JSON.stringify(state.experiments ?? []) &&
    state.requests.length === 0 &&
    working.rollout === state.rollout &&
    (keeper.epoch === undefined || state.driver === keeper.epoch) &&
    JSON.stringify(github) === JSON.stringify(state.github)
  );
}

/**
 * Whether the tick's state may go to the cluster with the next tick's instead of on its own: it
 * only moved the status to another step (or into or out of a pause), acted on nothing and did not
 * end the run, so the next tick starts at once from it. Argo writes such a status and acts in its next
 * sync; one write instead of two takes a request off every step. A driver killed between the
 * next tick's actions and its write leaves the older step recorded: the next driver brings the
 * ReplicaSets back to that step's counts and moves on again, as both steps allowed. Never twice in
 * a row, so every other tick reads the cluster's state.
 */
export function mayCarry(t: TickOutcome, keeper: LeaseKeeper, carriedLast: boolean): boolean {
  return (
    !carriedLast &&
    keeper.epoch !== undefined &&
    onlyStatusChanged(t, keeper) &&
    t.decision.experiments === undefined &&
    t.decision.done === undefined &&
    actOnAtOnce(t.decision, t.working.status)
  );
}

/**
 * Calls `onProgress` (the PR report) when the step, the phase, a Service's selector, the stable
 * revision or the measurements changed.
 */
export async function publishProgress(
  onProgress: ((state: StoredState) => Promise<void>) | undefined,
  memory: TickMemory,
  t: TickOutcome,
): Promise<void> {
  const { working, decision, records, github } = t;
  const progressMark = JSON.stringify([
    decision.status.phase,
    decision.status.currentStepIndex,
    decision.status.abort,
    // A blue-green switch moves a Service without a step: people see it at once.
    decision.status.blueGreen?.activeSelector,
    decision.status.blueGreen?.previewSelector,
    decision.status.stableRS,
    records.map((r) => r.state.metrics.map((m) => m.measurements.length)),
    (decision.experiments ?? []).map((e) => [e.name, e.status.phase]),
  ]);
  // A scale-down deadline just set: the report shows the countdown to the old pods going.
  const deadlineSet = decision.actions.some(
    (a) => a.kind === 'setScaleDownDeadline' && a.deadline !== undefined,
  );
  if (onProgress !== undefined && (progressMark !== memory.lastProgress || deadlineSet) && !decision.done) {
    memory.lastProgress = progressMark;
    await onProgress({
      ...working,
      status: decision.status,
      analysis: records,
      experiments: decision.experiments ?? working.experiments,
      github,
    });
  }
}

function stepLine(rollout: EngineRollout, status: RolloutStatus, decision: Decision): string {
  const next =
    decision.requeueAfterMs > 0 && !decision.done
      ? `, next look in ${Math.round(decision.requeueAfterMs / 100) / 10}s`
      : '';
  const phase = `${status.phase}${status.message ? ` (${status.message})` : ''}`;
  if (rollout.strategy === 'blueGreen') {
    const bg = status.blueGreen;
    return `blue-green, active ${bg?.activeSelector ?? 'none'}, preview ${bg?.previewSelector ?? 'none'}: ${phase}${next}`;
  }
  const steps = rollout.canary.steps;
  const index = status.currentStepIndex ?? 0;
  const where =
    index >= steps.length
      ? `steps ${steps.length}/${steps.length} done`
      : `step ${index + 1}/${steps.length} ${describeStep(steps[index])}`;
  return `${where}: ${phase}, weight ${status.canaryWeight}${next}`;
}

/** Logs where the rollout stands, only when that changed since the last tick. */
export function logStepLine(
  log: Logger,
  memory: TickMemory,
  rollout: EngineRollout,
  decision: Decision,
): void {
  const line = stepLine(rollout, decision.status, decision);
  if (line !== memory.lastLine) log.info(line);
  memory.lastLine = line;
}

/**
 * Says plainly, once per pause, whether anything measures while the rollout waits for a person:
 * the run watching its background analysis, or the run ending with nothing measuring.
 */
export function logPauseWatch(
  log: Logger,
  memory: TickMemory,
  decision: Decision,
  opts: { deadline: Date; watchPauses?: boolean | undefined },
): void {
  const watching = decision.watchingPause === true;
  if (watching && !memory.watching) log.info(pauseWatchLine(true, opts.deadline));
  memory.watching = watching;
  if (decision.done !== undefined && decision.status.phase === 'Paused') {
    log.info(
      `${pauseWatchLine(false, opts.deadline)} (${opts.watchPauses === true ? 'no background analysis is running' : 'watch-pauses is false'})`,
    );
  }
}

/** The words the log, the comment and the job summary use for a pause without a duration. */
export function pauseWatchLine(watching: boolean, deadline: Date | undefined): string {
  return watching
    ? `watching: background analysis keeps measuring while paused (up to max-runtime${deadline === undefined ? '' : `, until ${deadline.toISOString()}`}); a failing measurement aborts the rollout, a promote or abort is taken up at once`
    : 'nothing measures during this pause';
}

/** How long until the next look: the engine's requeue, or sooner when a measurement is due. */
export function requeueDelay(decision: Decision, nextMeasurement: Date | undefined, now: Date): number {
  if (nextMeasurement === undefined) return decision.requeueAfterMs;
  return Math.min(decision.requeueAfterMs, Math.max(0, nextMeasurement.getTime() - now.getTime()));
}

/**
 * A tick that moved to another step (or into or out of a pause) and acted on nothing is acted on
 * again at once; after actions, the ReplicaSets' watch wakes the driver as soon as the cluster answers.
 */
export function actOnAtOnce(decision: Decision, before: RolloutStatus): boolean {
  const after = decision.status;
  const moved =
    after.currentStepIndex !== before.currentStepIndex ||
    after.pauseConditions.length !== before.pauseConditions.length ||
    after.stableRS !== before.stableRS ||
    after.abort !== before.abort;
  return moved && decision.actions.length === 0 && decision.analysis.length === 0;
}

/** Sleeps until a watch event, a finished measurement, the lease's loss, or `ms`. */
export async function waitForWake(p: TickPorts, rollout: KubeObject, ms: number): Promise<void> {
  const { keeper, runner } = p;
  const stop = new AbortController();
  const onLost = (): void => {
    stop.abort();
  };
  keeper.signal.addEventListener('abort', onLost);
  await Promise.race([
    p.cluster.waitForChange(rollout, ms, stop.signal),
    ...(runner === undefined ? [] : [runner.waitForOutcome(stop.signal)]),
  ]);
  stop.abort();
  keeper.signal.removeEventListener('abort', onLost);
}
