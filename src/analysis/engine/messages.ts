/**
 * Messages for metrics and runs that did not succeed. Argo says "Metric "x" assessed Failed due to failed
 * (3) > failureLimit (2)" (argoproj/argo-rollouts#3008 asks for more); ours name the metric, what was
 * measured last, how the conditions judged it, and which limit was crossed:
 *   metric "error-rate" failed: measured 0.21, successCondition "result[0] < 0.05" false; 2 failures > failureLimit 1
 * Pure.
 */
import {
  consecutiveErrorLimitOf,
  consecutiveSuccessLimitOf,
  effectiveCount,
  failureLimitOf,
  inconclusiveLimitOf,
} from './spec.ts';
import type { AnalysisPhase, Measurement, MetricResult, MetricSpec } from './types.ts';

const MAX_VALUE_CHARS = 120;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function quoteValue(value: string): string {
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
}

/** What one measurement says: the value and how the conditions judged it. */
export function describeMeasurement(metric: MetricSpec, m: Measurement): string {
  if (m.phase === 'Error') return `last error: ${m.message ?? 'unknown error'}`;
  const parts: string[] = [
    m.value === undefined || m.value === '' ? 'no value' : `measured ${quoteValue(m.value)}`,
  ];
  const c = m.conditions;
  const sc = metric.successCondition;
  const fc = metric.failureCondition;
  if (c?.failure === true && fc !== undefined) parts.push(`failureCondition "${fc}" true`);
  else if (m.phase === 'Inconclusive' && c?.success === false && c.failure === false) {
    parts.push(`neither successCondition "${sc ?? ''}" nor failureCondition "${fc ?? ''}" true`);
  } else if (c?.success === false && sc !== undefined) parts.push(`successCondition "${sc}" false`);
  else if (c?.success === true && sc !== undefined) parts.push(`successCondition "${sc}" true`);
  else if (c?.failure === false && fc !== undefined) parts.push(`failureCondition "${fc}" false`);
  else if (c === undefined && m.message !== undefined && m.message !== '') {
    parts.push(`provider reported ${m.phase}: ${m.message}`);
  } else if (c === undefined) parts.push(`provider reported ${m.phase}`);
  return parts.join(', ');
}

function lastWith(result: MetricResult, phase: AnalysisPhase | undefined): Measurement | undefined {
  for (let i = result.measurements.length - 1; i >= 0; i--) {
    const m = result.measurements[i];
    if (m !== undefined && m.finishedAt !== undefined && (phase === undefined || m.phase === phase)) return m;
  }
  return undefined;
}

function withMeasurement(metric: MetricSpec, m: Measurement | undefined, why: string): string {
  return m === undefined ? why : `${describeMeasurement(metric, m)}; ${why}`;
}

const VERB: Record<AnalysisPhase, string> = {
  Pending: 'is pending',
  Running: 'is running',
  Successful: 'succeeded',
  Failed: 'failed',
  Error: 'errored',
  Inconclusive: 'inconclusive',
};

/**
 * Why a metric ended `phase` (Failed, Error or Inconclusive), derived from its counters in the order
 * Argo decides (`assessMetricStatus`); undefined for other phases.
 */
export function explainMetric(
  metric: MetricSpec,
  result: MetricResult,
  phase: AnalysisPhase,
  strictErrors = false,
): string | undefined {
  if (phase !== 'Failed' && phase !== 'Error' && phase !== 'Inconclusive') return undefined;
  const head = `${result.dryRun ? 'dry-run metric' : 'metric'} "${metric.name}" ${VERB[phase]}: `;
  const failureLimit = failureLimitOf(metric);
  const csl = consecutiveSuccessLimitOf(metric);
  const count = effectiveCount(metric);
  const cslNotReached = (): string =>
    `count ${count ?? result.count} reached with ${plural(result.consecutiveSuccess, 'consecutive success', 'consecutive successes')} < consecutiveSuccessLimit ${csl}`;
  let body: string;
  if (phase === 'Failed') {
    if (failureLimit >= 0 && result.failed > failureLimit) {
      body = withMeasurement(
        metric,
        lastWith(result, 'Failed'),
        `${plural(result.failed, 'failure', 'failures')} > failureLimit ${failureLimit}`,
      );
    } else if (csl > 0) {
      body = withMeasurement(metric, lastWith(result, undefined), cslNotReached());
    } else {
      body = withMeasurement(
        metric,
        lastWith(result, undefined),
        plural(result.failed, 'failure', 'failures'),
      );
    }
  } else if (phase === 'Inconclusive') {
    const limit = inconclusiveLimitOf(metric);
    if (result.inconclusive > limit) {
      body = withMeasurement(
        metric,
        lastWith(result, 'Inconclusive'),
        `${plural(result.inconclusive, 'inconclusive measurement', 'inconclusive measurements')} > inconclusiveLimit ${limit}`,
      );
    } else if (csl > 0) {
      body = withMeasurement(
        metric,
        lastWith(result, undefined),
        `${cslNotReached()} and ${plural(result.failed, 'failure', 'failures')} ≤ failureLimit ${failureLimit}`,
      );
    } else {
      body = withMeasurement(metric, lastWith(result, undefined), `${result.inconclusive} inconclusive`);
    }
  } else {
    const limit = consecutiveErrorLimitOf(metric);
    const lastError = lastWith(result, 'Error');
    if (result.consecutiveError > limit) {
      body = withMeasurement(
        metric,
        lastError,
        `${plural(result.consecutiveError, 'consecutive error', 'consecutive errors')} > consecutiveErrorLimit ${limit}`,
      );
    } else if (strictErrors && result.successful === 0 && result.error > 0) {
      body = withMeasurement(
        metric,
        lastError,
        `no successful measurement and ${plural(result.error, 'error', 'errors')} (strictErrors)`,
      );
    } else {
      body = withMeasurement(metric, lastError, plural(result.error, 'error', 'errors'));
    }
  }
  return head + body;
}
