/**
 * The analysis run engine's data: an AnalysisRun as plain JSON (it is stored in a ConfigMap), dates as
 * RFC 3339 strings. Field names follow Argo's `AnalysisRun` (`pkg/apis/rollouts/v1alpha1/analysis_types.go`)
 * so a stored run reads like `kubectl get analysisrun -o yaml`; additions are marked "ours".
 */

export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/** The phases that end a measurement, a metric or a run (Argo's `AnalysisPhase.Completed()`). */
export type CompletedPhase = 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/**
 * One metric with its arguments already resolved. Durations are in seconds (see `durationSeconds`);
 * limits are Argo's, unset meaning Argo's default.
 */
export interface MetricSpec {
  name: string;
  /** Time between measurements; unset: a single measurement. */
  intervalSeconds?: number;
  /** Wait after the run started before the first measurement. */
  initialDelaySeconds?: number;
  /** Measurements to take; unset or 0: 1 without an interval, until terminated with one. */
  count?: number;
  successCondition?: string;
  failureCondition?: string;
  /** Default 0; -1 disables it (only together with consecutiveSuccessLimit). */
  failureLimit?: number;
  /** Default 0. */
  inconclusiveLimit?: number;
  /** Default 4. */
  consecutiveErrorLimit?: number;
  /** Default 0 (off). */
  consecutiveSuccessLimit?: number;
  /** The provider block as written (`{ prometheus: {...} }`); the engine only counts its keys. */
  provider: Record<string, unknown>;
}

export interface MeasurementRetention {
  /** A Go regular expression, matched anywhere in the metric name. */
  metricName: string;
  /** Measurements kept; 0 or less means the default (10). */
  limit: number;
}

export interface RunSpec {
  metrics: MetricSpec[];
  /** Go regular expressions (`.*` for all), matched anywhere in the metric name, as Argo's `dryRun[].metricName`. */
  dryRun?: string[];
  measurementRetention?: MeasurementRetention[];
  /** Stop the run: no new measurements, in-flight ones are terminated. */
  terminate?: boolean;
  /**
   * Ours, default false. Argo ends a metric Successful once `count` non-error measurements were taken or
   * the run was terminated, however many measurements errored on the way (argoproj/argo-rollouts#4479);
   * with this flag such a metric ends Error when it has no successful measurement and at least one error.
   */
  strictErrors?: boolean;
}

export interface Measurement {
  /** `Running` while in flight (an asynchronous provider such as a Job), else a completed phase. */
  phase: AnalysisPhase;
  /** The measured value as text. */
  value?: string;
  /** Error text, or what the provider reported. */
  message?: string;
  startedAt: string;
  /** Absent while in flight. */
  finishedAt?: string;
  /** Ours: the query as sent (the caller redacts secrets). */
  query?: string;
  /** When to check an in-flight measurement again. */
  resumeAt?: string;
  /** Provider bookkeeping (a Job name, ...). */
  metadata?: Record<string, string>;
  /** Ours: how each condition evaluated, for messages. */
  conditions?: { success?: boolean; failure?: boolean };
}

export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  /** The newest measurements, oldest first (trimmed by measurementRetention). */
  measurements: Measurement[];
  /** Measurements that did not error: successful + failed + inconclusive. */
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  consecutiveSuccess: number;
  message?: string;
  dryRun: boolean;
  /** Ours: measurements dropped (oldest first) to keep the state under its budget; counters unchanged. */
  trimmed?: number;
}

export interface RunSummary {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
}

export interface RunState {
  phase: AnalysisPhase;
  message?: string;
  startedAt: string;
  completedAt?: string;
  /** One result per metric that has been measured at least once, in the order first measured (as Argo). */
  metrics: MetricResult[];
  runSummary?: RunSummary;
  dryRunSummary?: RunSummary;
  /** Ours: termination requested after the run was created (`terminateRun`), Argo's `spec.terminate`. */
  terminate?: boolean;
  /** Ours: measurements of this run dropped to keep the state under its budget (`fitBudget`). */
  measurementsTrimmed?: number;
  /** Ours: a note for people (why measurements are missing). */
  note?: string;
}

/**
 * What a provider reports for one measurement:
 * - `{ value }`: a value the engine judges with the metric's conditions;
 * - `{ error }`: the query failed;
 * - `{ phase }`: the provider decided itself (a Job's exit status), or `Running` for a measurement still
 *   in flight (then `resumeAt` says when to look again).
 * `valueText` overrides how the value is shown; `startedAt` defaults to the recording time.
 */
export type MeasurementOutcome =
  | {
      value: unknown;
      valueText?: string;
      query?: string;
      startedAt?: string;
      metadata?: Record<string, string>;
    }
  | { error: string; query?: string; startedAt?: string; metadata?: Record<string, string> }
  | {
      phase: CompletedPhase | 'Running';
      value?: string;
      message?: string;
      resumeAt?: string;
      query?: string;
      startedAt?: string;
      metadata?: Record<string, string>;
    };

/** Evaluates one condition against a measured value; throws when it cannot (syntax, type, nil...). */
export type ConditionEvaluator = (condition: string, result: unknown) => boolean;
