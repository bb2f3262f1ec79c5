/**
 * The life of an AnalysisRun: create it, record measurements into it, terminate it. Each function
 * returns a new state and never changes its arguments; the clock and the expression language are
 * arguments. Mirrors Argo's `reconcileAnalysisRun` / `runMeasurements` / `garbageCollectMeasurements`
 * (analysis/analysis.go).
 */
import { assessRun, isCompleted, isTerminating } from './assess.ts';
import { evaluateResult } from './evaluate.ts';
import { capMeasurement, capText, MAX_MESSAGE_BYTES, MAX_RUN_MESSAGE_BYTES } from './limits.ts';
import { dryRunMetricNames, retentionLimit, validateRunSpec } from './spec.ts';
import type {
  ConditionEvaluator,
  Measurement,
  MeasurementOutcome,
  MetricResult,
  RunSpec,
  RunState,
} from './types.ts';

function iso(d: Date): string {
  return d.toISOString();
}

/**
 * A new run started at `now`. A spec Argo would refuse (see `validateRunSpec`) gives a run that is
 * already Error with Argo's "Analysis spec invalid: ..." message; a spec with `terminate` gives a run
 * that is already Successful ("Run Terminated").
 */
export function newRun(spec: RunSpec, now: Date): RunState {
  const state: RunState = { phase: 'Pending', startedAt: iso(now), metrics: [] };
  const problem = validateRunSpec(spec);
  if (problem !== undefined) {
    return { ...state, phase: 'Error', message: `Analysis spec invalid: ${problem}`, completedAt: iso(now) };
  }
  return settle(spec, state, now);
}

/** Text for a measured value: strings as they are, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === undefined) return '';
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return text ?? Object.prototype.toString.call(value);
}

function buildMeasurement(
  spec: RunSpec,
  metricName: string,
  base: Measurement | undefined,
  outcome: MeasurementOutcome,
  evaluate: ConditionEvaluator,
  now: Date,
): Measurement {
  const metric = spec.metrics.find((m) => m.name === metricName);
  if (metric === undefined) throw new Error(`no metric "${metricName}" in this run`);
  const m: Measurement = { phase: 'Running', startedAt: base?.startedAt ?? outcome.startedAt ?? iso(now) };
  const query = outcome.query ?? base?.query;
  if (query !== undefined) m.query = query;
  const metadata = { ...base?.metadata, ...outcome.metadata };
  if (Object.keys(metadata).length > 0) m.metadata = metadata;
  if ('error' in outcome) {
    m.phase = 'Error';
    m.message = outcome.error;
  } else if ('phase' in outcome) {
    m.phase = outcome.phase;
    if (outcome.value !== undefined) m.value = outcome.value;
    if (outcome.message !== undefined) m.message = outcome.message;
    if (outcome.phase === 'Running' && outcome.resumeAt !== undefined) m.resumeAt = outcome.resumeAt;
  } else {
    const text = outcome.valueText ?? formatValue(outcome.value);
    if (text !== '') m.value = text;
    const judged = evaluateResult(metric, outcome.value, evaluate);
    m.phase = judged.phase;
    m.conditions = judged.conditions;
    if (judged.error !== undefined) m.message = judged.error;
  }
  if (isCompleted(m.phase)) m.finishedAt = iso(now);
  // The full value was judged; what is stored is capped (docs/state-model.md, "Size limits").
  return capMeasurement(m);
}

function newResult(spec: RunSpec, name: string): MetricResult {
  return {
    name,
    phase: 'Running',
    measurements: [],
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0,
    dryRun: dryRunMetricNames(spec).has(name),
  };
}

/** Argo's counters: an Error adds to `error` and `consecutiveError` only, never to `count`. */
function count(result: MetricResult, m: Measurement): void {
  switch (m.phase) {
    case 'Successful':
      result.successful++;
      result.count++;
      result.consecutiveError = 0;
      result.consecutiveSuccess++;
      break;
    case 'Failed':
      result.failed++;
      result.count++;
      result.consecutiveError = 0;
      result.consecutiveSuccess = 0;
      break;
    case 'Inconclusive':
      result.inconclusive++;
      result.count++;
      result.consecutiveError = 0;
      result.consecutiveSuccess = 0;
      break;
    case 'Error':
      result.error++;
      result.consecutiveError++;
      result.consecutiveSuccess = 0;
      break;
    default:
      break;
  }
}

/**
 * Records what a provider reported for `metricName`, then re-assesses the metric and the run and trims
 * the measurement history. An outcome for a metric with an in-flight measurement completes (or updates)
 * that measurement; otherwise it is a new measurement, which Argo would not take for a metric or run
 * that is complete (that throws). A measurement completed while the run is ending that the provider
 * reports Successful reads "Metric Terminated", as in Argo.
 */
export function recordMeasurement(
  spec: RunSpec,
  state: RunState,
  metricName: string,
  outcome: MeasurementOutcome,
  evaluate: ConditionEvaluator,
  now: Date,
): RunState {
  const next = structuredClone(state);
  let result = next.metrics.find((r) => r.name === metricName);
  const last = result?.measurements[result.measurements.length - 1];
  const inFlight = last !== undefined && last.finishedAt === undefined;
  if (!inFlight) {
    if (isCompleted(result?.phase))
      throw new Error(`metric "${metricName}" is already ${result?.phase ?? ''}`);
    if (isCompleted(next.phase) || isTerminating(spec, next)) {
      throw new Error(
        `the analysis run is ${isCompleted(next.phase) ? next.phase : 'terminating'}: no new measurements`,
      );
    }
  }
  const terminating = isCompleted(next.phase) || isTerminating(spec, next);
  const m = buildMeasurement(spec, metricName, inFlight ? last : undefined, outcome, evaluate, now);
  if (inFlight && terminating && m.phase === 'Successful') m.message = 'Metric Terminated';
  if (result === undefined) {
    result = newResult(spec, metricName);
    next.metrics.push(result);
  }
  if (isCompleted(m.phase)) count(result, m);
  if (inFlight) result.measurements[result.measurements.length - 1] = m;
  else result.measurements.push(m);
  return settle(spec, next, now);
}

/**
 * Ends the run as Argo does when `spec.terminate` is set (a background analysis when its rollout
 * finishes): no new measurements, in-flight ones to be terminated (`dueMeasurements().terminate`), and
 * the run ends with the worst phase of its metrics, Successful unless a limit was crossed. A run that is
 * already complete is returned unchanged.
 */
export function terminateRun(spec: RunSpec, state: RunState, now: Date): RunState {
  if (isCompleted(state.phase)) return structuredClone(state);
  const next = structuredClone(state);
  next.terminate = true;
  return settle(spec, next, now);
}

/**
 * Re-assesses until the run stops changing. Argo assesses once per reconcile with "terminating" as the
 * stored state says at the start, so a metric that fails while a sibling is still running ends the run
 * only on the next reconcile (an immediate one, as the status update re-queues the run); we take that
 * second pass at once. A complete run keeps its phase and message (Argo never reconciles it again), but
 * its metrics are still brought up to date, so that terminated in-flight measurements land.
 */
export function settle(spec: RunSpec, state: RunState, now: Date): RunState {
  const next = structuredClone(state);
  for (let pass = 0; pass < 3; pass++) {
    const terminatingBefore = isTerminating(spec, next);
    const a = assessRun(spec, next);
    next.metrics = a.metrics;
    next.runSummary = a.runSummary;
    next.dryRunSummary = a.dryRunSummary;
    if (!isCompleted(next.phase) && a.phase !== next.phase) {
      next.phase = a.phase;
      if (a.message === undefined) delete next.message;
      else next.message = a.message;
    }
    if (isTerminating(spec, next) === terminatingBefore) break;
  }
  if (isCompleted(next.phase) && next.completedAt === undefined) next.completedAt = iso(now);
  if (next.message !== undefined) next.message = capText(next.message, MAX_RUN_MESSAGE_BYTES);
  for (const result of next.metrics) {
    if (result.message !== undefined) result.message = capText(result.message, MAX_MESSAGE_BYTES);
    const limit = retentionLimit(spec, result.name);
    if (result.measurements.length > limit) result.measurements = result.measurements.slice(-limit);
  }
  return next;
}
