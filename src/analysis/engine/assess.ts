/**
 * Metric and run phases, as Argo's `assessMetricStatus`, `assessMetricFailureInconclusiveOrError` and
 * `assessRunStatus` (analysis/analysis.go) and `IsWorse` / `IsTerminating` (utils/analysis/helpers.go).
 * Pure: these return new values and never change their arguments.
 */
import { explainMetric } from './messages.ts';
import {
  consecutiveErrorLimitOf,
  consecutiveSuccessLimitOf,
  dryRunMetricNames,
  effectiveCount,
  failureLimitOf,
  inconclusiveLimitOf,
} from './spec.ts';
import type {
  AnalysisPhase,
  CompletedPhase,
  MetricResult,
  MetricSpec,
  RunSpec,
  RunState,
  RunSummary,
} from './types.ts';

export function isCompleted(phase: AnalysisPhase | undefined): phase is CompletedPhase {
  return phase === 'Successful' || phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive';
}

/** Best to worst (Argo's `analysisStatusOrder`); a phase not listed counts as the best. */
const ORDER: readonly AnalysisPhase[] = [
  'Successful',
  'Running',
  'Pending',
  'Inconclusive',
  'Error',
  'Failed',
];

/** Whether `next` is worse than `current`: Failed > Error > Inconclusive > Pending > Running > Successful. */
export function isWorse(current: AnalysisPhase, next: AnalysisPhase): boolean {
  return Math.max(0, ORDER.indexOf(next)) > Math.max(0, ORDER.indexOf(current));
}

/**
 * A run stops taking measurements once termination was requested, or once a metric that is not in
 * dry-run mode ended Failed, Error or Inconclusive.
 */
export function isTerminating(spec: RunSpec, state: RunState): boolean {
  if (spec.terminate === true || state.terminate === true) return true;
  return state.metrics.some(
    (r) => !r.dryRun && (r.phase === 'Failed' || r.phase === 'Error' || r.phase === 'Inconclusive'),
  );
}

/**
 * The limits a metric's counters crossed, checked in Argo's order: failed > failureLimit (unless -1),
 * inconclusive > inconclusiveLimit, consecutiveError > consecutiveErrorLimit; the last one crossed wins.
 */
export function limitViolation(
  metric: MetricSpec,
  result: MetricResult,
): 'Failed' | 'Inconclusive' | 'Error' | undefined {
  let phase: 'Failed' | 'Inconclusive' | 'Error' | undefined;
  const failureLimit = failureLimitOf(metric);
  if (failureLimit >= 0 && result.failed > failureLimit) phase = 'Failed';
  if (result.inconclusive > inconclusiveLimitOf(metric)) phase = 'Inconclusive';
  if (result.consecutiveError > consecutiveErrorLimitOf(metric)) phase = 'Error';
  return phase;
}

export interface AssessOptions {
  /** See `RunSpec.strictErrors`. */
  strictErrors?: boolean;
}

/**
 * A metric's phase (Argo's `assessMetricStatus`), in this order:
 * 1. a completed phase never changes;
 * 2. no measurement yet: Pending, or Successful when the run is terminating;
 * 3. the last measurement is in flight: Running;
 * 4. a limit crossed (`limitViolation`): Failed / Inconclusive / Error;
 * 5. consecutiveSuccessLimit (> 0) reached: Successful;
 * 6. count reached: Successful, except with consecutiveSuccessLimit on and not reached: Inconclusive
 *    while failureLimit is on, Failed when failureLimit is -1;
 * 7. otherwise (count not reached, or no count): Successful when terminating, else Running.
 * With `strictErrors`, a Successful from 6 or 7 becomes Error when nothing succeeded and something errored.
 */
export function assessMetric(
  metric: MetricSpec,
  result: MetricResult,
  terminating: boolean,
  options: AssessOptions = {},
): AnalysisPhase {
  if (isCompleted(result.phase)) return result.phase;
  if (result.measurements.length === 0) return terminating ? 'Successful' : 'Pending';
  const last = result.measurements[result.measurements.length - 1];
  if (!isCompleted(last?.phase)) return 'Running';
  const violated = limitViolation(metric, result);
  if (violated !== undefined) return violated;
  const csl = consecutiveSuccessLimitOf(metric);
  if (csl > 0 && result.consecutiveSuccess >= csl) return 'Successful';
  // Argo #4479: errors never add to `count`, so a metric can reach its count, or be terminated,
  // with nothing but errors and failures below the limits, and still end Successful. We keep that by
  // default (the rollout must behave as under Argo) and offer `strictErrors` to end such a metric Error.
  const successful = (): AnalysisPhase =>
    options.strictErrors === true && result.successful === 0 && result.error > 0 ? 'Error' : 'Successful';
  const count = effectiveCount(metric);
  if (count !== undefined && result.count >= count) {
    const failureApplicable = failureLimitOf(metric) >= 0;
    const successApplicable = csl > 0;
    if (failureApplicable && successApplicable) return 'Inconclusive';
    if (successApplicable) return 'Failed';
    return successful();
  }
  return terminating ? successful() : 'Running';
}

export interface RunAssessment {
  phase: AnalysisPhase;
  /** Set when the run ended other than Successful, or was terminated. */
  message?: string;
  /** The metric results with their phases and messages brought up to date. */
  metrics: MetricResult[];
  runSummary: RunSummary;
  dryRunSummary: RunSummary;
}

function emptySummary(): RunSummary {
  return { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 };
}

function tally(summary: RunSummary, phase: AnalysisPhase | undefined): void {
  if (phase === 'Error') summary.error++;
  else if (phase === 'Failed') summary.failed++;
  else if (phase === 'Inconclusive') summary.inconclusive++;
  else summary.successful++;
}

/**
 * One pass of Argo's `assessRunStatus`:
 * - every metric's phase is re-assessed (`assessMetric`), with "terminating" as the state says now;
 * - a metric not yet measured, or not complete, keeps the run Running (dry-run metrics too);
 * - once all are complete, the run takes the worst phase of the metrics not in dry-run mode (Successful
 *   when every metric is in dry-run mode);
 * - a terminating run ends at once with that worst phase, Successful if nothing completed;
 * - the summaries count each completed metric by the limit its counters crossed (Argo's
 *   `assessMetricFailureInconclusiveOrError`), Successful when none: so a metric that Failed for want of
 *   consecutive successes is summarised as Successful, as in Argo.
 */
export function assessRun(spec: RunSpec, state: RunState): RunAssessment {
  const terminating = isTerminating(spec, state);
  const dryRun = dryRunMetricNames(spec);
  const strictErrors = spec.strictErrors === true;
  const runSummary = emptySummary();
  const dryRunSummary = emptySummary();
  const metrics = state.metrics.map((r) => ({ ...r }));
  let worst: AnalysisPhase | undefined;
  let everythingCompleted = true;

  for (const metric of spec.metrics) {
    const isDry = dryRun.has(metric.name);
    if (isDry) dryRunSummary.count++;
    else runSummary.count++;
    const result = metrics.find((r) => r.name === metric.name);
    if (result === undefined) {
      everythingCompleted = false;
      continue;
    }
    const phase = assessMetric(metric, result, terminating, { strictErrors });
    if (phase !== result.phase) {
      const last = result.measurements[result.measurements.length - 1];
      const message = explainMetric(metric, result, phase, strictErrors) ?? last?.message;
      if (message === undefined) delete result.message;
      else result.message = message;
      result.phase = phase;
    }
    if (!isCompleted(phase)) {
      everythingCompleted = false;
      continue;
    }
    const counted =
      limitViolation(metric, result) ??
      (strictErrors && phase === 'Error' && result.successful === 0 ? 'Error' : undefined);
    if (isDry) {
      worst ??= 'Successful';
      tally(dryRunSummary, counted);
    } else {
      if (worst === undefined || isWorse(worst, phase)) worst = phase;
      tally(runSummary, counted);
    }
  }

  let phase: AnalysisPhase;
  if (terminating) phase = worst ?? 'Successful';
  else if (!everythingCompleted || worst === undefined) phase = 'Running';
  else phase = worst;
  const assessment: RunAssessment = { phase, metrics, runSummary, dryRunSummary };
  const message = runMessage(spec, state, metrics, phase, dryRun);
  if (message !== undefined) assessment.message = message;
  return assessment;
}

function runMessage(
  spec: RunSpec,
  state: RunState,
  metrics: MetricResult[],
  phase: AnalysisPhase,
  dryRun: Set<string>,
): string | undefined {
  if (phase === 'Successful') {
    return spec.terminate === true || state.terminate === true ? 'Run Terminated' : undefined;
  }
  if (!isCompleted(phase)) return undefined;
  const explained: { phase: AnalysisPhase; text: string }[] = [];
  for (const metric of spec.metrics) {
    if (dryRun.has(metric.name)) continue;
    const result = metrics.find((r) => r.name === metric.name);
    if (result === undefined || !isCompleted(result.phase) || result.phase === 'Successful') continue;
    const text = explainMetric(metric, result, result.phase, spec.strictErrors === true);
    if (text !== undefined) explained.push({ phase: result.phase, text });
  }
  const first = explained.findIndex((e) => e.phase === phase);
  if (first < 0) return undefined;
  const ordered = [explained[first], ...explained.filter((_, i) => i !== first)];
  return ordered.map((e) => e?.text ?? '').join('. Also ');
}
