/**
 * Turning a metric as written in an AnalysisTemplate (arguments already substituted) into the engine's
 * `MetricSpec`, and the run-level rules Argo checks when it reconciles a run: `ValidateMetrics`
 * (`utils/analysis/factory.go`), `GetDryRunMetrics` / `GetMeasurementRetentionMetrics`
 * (`utils/analysis/helpers.go`). Pure.
 */
import { RE2JS } from 're2js';
import { parseGoDuration } from '../../manifests/duration.ts';
import type { MetricSpec, RunSpec } from './types.ts';

/** Argo's default measurement history per metric (`DefaultMeasurementHistoryLimit`, analysis/analysis.go). */
export const DEFAULT_MEASUREMENT_RETENTION = 10;
/** Argo's `DefaultConsecutiveErrorLimit` (utils/defaults/defaults.go). */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** Argo's `DefaultErrorRetryInterval` (analysis/analysis.go), in seconds. */
export const ERROR_RETRY_INTERVAL_SECONDS = 10;

/** A Go duration string (`30s`, `5m`, `1h`, `1m30s`, `500ms`) in seconds; undefined when Go rejects it. */
export function durationSeconds(text: string): number | undefined {
  return parseGoDuration(text);
}

/**
 * Kubernetes `IntOrString.IntValue()`: a number as is, a string through Go's `strconv.Atoi`, and 0 when
 * the string is not an integer (Argo silently reads a bad `count: "abc"` as 0).
 */
export function intValue(v: number | string | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return Math.trunc(v);
  if (!/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

/** A metric as an AnalysisTemplate writes it, after `{{args.x}}` substitution. */
export interface ArgoMetricInput {
  name: string;
  interval?: string;
  initialDelay?: string;
  count?: number | string;
  successCondition?: string;
  failureCondition?: string;
  failureLimit?: number | string;
  inconclusiveLimit?: number | string;
  consecutiveErrorLimit?: number | string;
  consecutiveSuccessLimit?: number | string;
  provider: Record<string, unknown>;
}

/** Converts durations and int-or-strings the way Argo reads them; an error names the bad duration. */
export function metricSpecFromArgo(m: ArgoMetricInput): { spec: MetricSpec } | { error: string } {
  const spec: MetricSpec = { name: m.name, provider: m.provider };
  if (m.interval !== undefined && m.interval !== '') {
    const s = durationSeconds(m.interval);
    if (s === undefined) return { error: `invalid interval string: time: invalid duration "${m.interval}"` };
    spec.intervalSeconds = s;
  }
  if (m.initialDelay !== undefined && m.initialDelay !== '') {
    const s = durationSeconds(m.initialDelay);
    if (s === undefined) {
      return { error: `invalid startDelay string: time: invalid duration "${m.initialDelay}"` };
    }
    spec.initialDelaySeconds = s;
  }
  if (m.count !== undefined) spec.count = intValue(m.count);
  if (m.successCondition !== undefined && m.successCondition !== '')
    spec.successCondition = m.successCondition;
  if (m.failureCondition !== undefined && m.failureCondition !== '')
    spec.failureCondition = m.failureCondition;
  if (m.failureLimit !== undefined) spec.failureLimit = intValue(m.failureLimit);
  if (m.inconclusiveLimit !== undefined) spec.inconclusiveLimit = intValue(m.inconclusiveLimit);
  if (m.consecutiveErrorLimit !== undefined) spec.consecutiveErrorLimit = intValue(m.consecutiveErrorLimit);
  if (m.consecutiveSuccessLimit !== undefined)
    spec.consecutiveSuccessLimit = intValue(m.consecutiveSuccessLimit);
  return { spec };
}

/**
 * Argo's `Metric.EffectiveCount()`: `count` when set and non-zero; else 1 without an interval, and no
 * limit (undefined: measure until terminated) with one.
 */
export function effectiveCount(m: MetricSpec): number | undefined {
  const count = m.count ?? 0;
  if (count !== 0) return count;
  return m.intervalSeconds === undefined ? 1 : undefined;
}

export function failureLimitOf(m: MetricSpec): number {
  return m.failureLimit ?? 0;
}
export function inconclusiveLimitOf(m: MetricSpec): number {
  return m.inconclusiveLimit ?? 0;
}
export function consecutiveErrorLimitOf(m: MetricSpec): number {
  return m.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT;
}
export function consecutiveSuccessLimitOf(m: MetricSpec): number {
  return m.consecutiveSuccessLimit ?? 0;
}

/**
 * Go's `regexp.MatchString(pattern, name)`, run by re2js (RE2, as Go): the pattern is found anywhere in
 * the name (not anchored), and a pattern Go cannot compile matches nothing (Argo ignores the compile
 * error, so a lone `*` matches no metric; `.*` is the wildcard).
 */
export function goRegexpMatches(pattern: string, name: string): boolean {
  try {
    return RE2JS.compile(pattern).test(name);
  } catch {
    return false;
  }
}

/** The metrics a run evaluates in dry-run mode. */
export function dryRunMetricNames(spec: RunSpec): Set<string> {
  const names = new Set<string>();
  for (const rule of spec.dryRun ?? []) {
    for (const m of spec.metrics) if (goRegexpMatches(rule, m.name)) names.add(m.name);
  }
  return names;
}

/** Measurements kept for a metric: the last matching retention rule with a positive limit, else 10. */
export function retentionLimit(spec: RunSpec, metricName: string): number {
  let limit = DEFAULT_MEASUREMENT_RETENTION;
  for (const rule of spec.measurementRetention ?? []) {
    if (goRegexpMatches(rule.metricName, metricName))
      limit = rule.limit > 0 ? rule.limit : DEFAULT_MEASUREMENT_RETENTION;
  }
  return limit;
}

/** Argo's `ValidateMetric` for the fields the engine sees (durations were checked when they were parsed). */
export function validateMetric(m: MetricSpec): string | undefined {
  const count = m.count ?? 0;
  const failureLimit = failureLimitOf(m);
  const consecutiveSuccessLimit = consecutiveSuccessLimitOf(m);
  const inconclusiveLimit = inconclusiveLimitOf(m);
  if (consecutiveSuccessLimit < 0) return 'consecutiveSuccessLimit must be >= 0';
  if (failureLimit < -1) return 'failureLimit must be >= 0, or -1 to be disabled';
  if (consecutiveSuccessLimit === 0 && failureLimit === -1) {
    return 'failureLimit and consecutiveSuccessLimit cannot both be disabled';
  }
  if (inconclusiveLimit < 0) return 'inconclusiveLimit must be >= 0';
  if (m.consecutiveErrorLimit !== undefined && m.consecutiveErrorLimit < 0)
    return 'consecutiveErrorLimit must be >= 0';
  if (count > 0) {
    if (failureLimit >= 0) {
      if (count < failureLimit + consecutiveSuccessLimit) {
        return `count (${count}) must be >= failureLimit + consecutiveSuccessLimit (${failureLimit} + ${consecutiveSuccessLimit}) if both >= 0`;
      }
    } else if (count < consecutiveSuccessLimit) {
      return 'count must be >= consecutiveSuccessLimit';
    }
    if (count < inconclusiveLimit) return 'count must be >= inconclusiveLimit';
  }
  if (count > 1 && m.intervalSeconds === undefined) return 'interval must be specified when count > 1';
  const providers = Object.keys(m.provider).length;
  if (providers === 0) return 'no provider specified';
  if (providers > 1) return 'multiple providers specified';
  return undefined;
}

/**
 * What Argo checks before measuring anything, in its order; the text is Argo's, after "Analysis spec
 * invalid: ". Undefined when the run may start.
 */
export function validateRunSpec(spec: RunSpec): string | undefined {
  if (spec.metrics.length === 0) return 'no metrics specified';
  const seen = new Set<string>();
  for (const [i, m] of spec.metrics.entries()) {
    if (seen.has(m.name)) return `metrics[${i}]: duplicate name '${m.name}'`;
    seen.add(m.name);
    const problem = validateMetric(m);
    if (problem !== undefined) return `metrics[${i}]: ${problem}`;
  }
  for (const [i, rule] of (spec.dryRun ?? []).entries()) {
    if (!spec.metrics.some((m) => goRegexpMatches(rule, m.name))) {
      return `dryRun[${i}]: Rule didn't match any metric name(s)`;
    }
  }
  for (const [i, rule] of (spec.measurementRetention ?? []).entries()) {
    if (!spec.metrics.some((m) => goRegexpMatches(rule.metricName, m.name))) {
      return `measurementRetention[${i}]: Rule didn't match any metric name(s)`;
    }
  }
  return undefined;
}
