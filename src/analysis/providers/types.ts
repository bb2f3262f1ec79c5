/**
 * The contract between the analysis engine and the metric providers. A provider takes one metric's
 * provider block (the object under `provider.<kind>`, args already substituted), queries its backend
 * once and returns the value Argo Rollouts would evaluate `successCondition` / `failureCondition`
 * against, shaped the way Argo shapes it. Anything that stops it from producing a value is a
 * ProviderError, which the engine records as a measurement in phase Error.
 *
 * Secrets never leave a provider: every message and every "query as sent" passes through `redact`
 * with the context's secrets plus the provider's own (API keys, passwords, tokens).
 */

export interface MeasureContext {
  /** Aborted when the engine gives up on the measurement (run cancelled, action shutting down). */
  signal: AbortSignal;
  /** The engine's clock: instant queries are evaluated at this time, query windows end here. */
  now: Date;
  /** Values to redact from anything a provider reports (e.g. args that came from a Secret). */
  secrets: ReadonlySet<string>;
  /** The `allow-metadata-addresses` input: requests may reach 169.254.0.0/16 and fd00:ec2::254. */
  allowMetadataAddresses?: boolean | undefined;
  /**
   * Which measurement this is: the metric's name and the name of the Job that takes it (the Job
   * provider names its Job so, so that a restarted driver finds the one it started; others ignore it).
   */
  measurement?: { jobName: string; metricName: string } | undefined;
}

export interface MeasureResult {
  /**
   * What `result` is in the metric's conditions, shaped as Argo shapes it: a number, an array of
   * numbers, `null` (Datadog without data), a map or list of maps (New Relic), any JSON value or a
   * string (web).
   */
  value: unknown;
  /** Argo's `measurement.value` string for the same result (`[0.2]`, `10`, `NaN`, JSON, ...). */
  display: string;
  /** What was sent (the query, the request line), secrets redacted. */
  query: string;
  /** Extra facts Argo keeps in `measurement.metadata` (e.g. Prometheus warnings). */
  metadata?: Record<string, string>;
  /**
   * Set when Argo decides the phase itself instead of evaluating the conditions: a web metric whose
   * body is not JSON is Successful, whatever the conditions say.
   */
  forcedPhase?: 'Successful' | 'Failed' | 'Inconclusive';
  /** Why the provider decided the phase itself (a Job's exit code). */
  message?: string;
}

export interface MetricProvider {
  /** The provider's key in an AnalysisTemplate metric: `prometheus`, `datadog`, `newRelic`, `web`. */
  readonly kind: string;
  /**
   * Takes one measurement. Rejects with a ProviderError for anything that yields no value; when
   * `ctx.signal` aborts, rejects with the signal's reason instead.
   */
  measure(provider: Record<string, unknown>, ctx: MeasureContext): Promise<MeasureResult>;
}

/** A measurement that produced no value; becomes a measurement in phase Error. Already redacted. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  /** What was sent, when something was (redacted). */
  readonly query: string | undefined;
  /** The response was larger than the provider reads (`MAX_RESPONSE_BYTES`). */
  readonly oversize: boolean;
  constructor(message: string, query?: string, options: { oversize?: boolean } = {}) {
    super(message);
    this.query = query;
    this.oversize = options.oversize === true;
  }
}

const REDACTED = '***';

/**
 * Replaces every occurrence of each secret in `text` (as written, URL-encoded, and JSON-escaped) with
 * `***`. Longer secrets go first, so a secret that contains another is replaced whole.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s === '') continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ x: s }).toString().slice(2));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (form !== '') out = out.split(form).join(REDACTED);
  }
  return out;
}

/** A set holding the context's secrets and the given extra ones (empty and undefined skipped). */
export function withSecrets(base: Iterable<string>, ...more: (string | undefined)[]): Set<string> {
  const out = new Set<string>();
  for (const s of base) if (s !== '') out.add(s);
  for (const s of more) if (s !== undefined && s !== '') out.add(s);
  return out;
}
