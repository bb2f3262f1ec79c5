/**
 * The analysis run engine: Argo Rollouts' AnalysisRun semantics over plain JSON state, with no I/O and
 * no clock of its own. A controller loop looks like:
 *
 *   let run = newRun(spec, now);
 *   const { due, resume, terminate, nextAt } = dueMeasurements(spec, run, now);
 *   // ask the providers for `due` (and `resume` / `terminate` in-flight ones), then for each outcome:
 *   run = recordMeasurement(spec, run, name, outcome, evaluateCondition, now);
 *   // until run.phase is Successful, Failed, Error or Inconclusive; sleep until `nextAt` in between.
 */
export type {
  AnalysisPhase,
  CompletedPhase,
  ConditionEvaluator,
  Measurement,
  MeasurementOutcome,
  MeasurementRetention,
  MetricResult,
  MetricSpec,
  RunSpec,
  RunState,
  RunSummary,
} from './types.ts';
export {
  assessMetric,
  assessRun,
  isCompleted,
  isTerminating,
  isWorse,
  limitViolation,
  type AssessOptions,
  type RunAssessment,
} from './assess.ts';
export { evaluateResult, type Evaluation } from './evaluate.ts';
export { describeMeasurement, explainMetric } from './messages.ts';
export {
  ANALYSIS_BUDGET_BYTES,
  capMeasurement,
  capText,
  fitBudget,
  MAX_MESSAGE_BYTES,
  MAX_METADATA_BYTES,
  MAX_QUERY_BYTES,
  MAX_RUN_MESSAGE_BYTES,
  MAX_VALUE_BYTES,
  truncationMarker,
  utf8Length,
  type BudgetResult,
  type RunHolder,
} from './limits.ts';
export { formatValue, newRun, recordMeasurement, settle, terminateRun } from './run.ts';
export { dueMeasurements, type DueMeasurements } from './schedule.ts';
export {
  DEFAULT_CONSECUTIVE_ERROR_LIMIT,
  DEFAULT_MEASUREMENT_RETENTION,
  durationSeconds,
  dryRunMetricNames,
  effectiveCount,
  ERROR_RETRY_INTERVAL_SECONDS,
  goRegexpMatches,
  intValue,
  metricSpecFromArgo,
  retentionLimit,
  validateMetric,
  validateRunSpec,
  type ArgoMetricInput,
} from './spec.ts';
