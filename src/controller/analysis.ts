import {
  ANALYSIS_BUDGET_BYTES,
  dueMeasurements,
  fitBudget,
  newRun,
  recordMeasurement,
  terminateRun,
  type MeasurementOutcome,
  type RunState,
} from '../analysis/engine/index.ts';
import { evaluateCondition } from '../analysis/expr/index.ts';
import { analysisJobName } from '../analysis/providers/job-naming.ts';
import { ProviderError, redact, type MetricProvider } from '../analysis/providers/index.ts';
import {
  buildFirstDeployRun,
  buildRun,
  resolveProvider,
  type AnalysisRecord,
  type BuiltRun,
  type StoredTemplate,
} from '../analysis/templates.ts';
import type { AnalysisAction } from '../engine/actions.ts';
import type { AnalysisView, RolloutStatus } from '../engine/state.ts';
import { FIRST_DEPLOY_ANALYSIS_ANNOTATION } from '../manifests/first-deploy-rules.ts';
import { asList, asObj, dig } from '../manifests/values.ts';
import { excerpt, type Logger } from '../util/logger.ts';
import { readyOutcomes, type InFlight, type Outcome } from './measurement-batch.ts';
import type { KubeObject } from './ports.ts';

/** The type lives in the pure `analysis/templates.ts` (the reports read it); re-exported here. */
export type { AnalysisRecord };

/** Reads a Secret's key, for args with `valueFrom.secretKeyRef`. */
export type SecretReader = (name: string, key: string) => Promise<string>;

/** Providers that need more than the metric's block: the Job provider takes a deterministic name. */
export interface NamedMeasure {
  measureNamed(
    name: string,
    block: Record<string, unknown>,
    ctx: Parameters<MetricProvider['measure']>[1],
  ): ReturnType<MetricProvider['measure']>;
}

const FINISHED = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);
/** Characters of a measured value or message in a log line. */
export const LOG_VALUE_CHARS = 300;
/** The smallest budget `unwritable` shrinks the analysis state to. */
const MIN_BUDGET_BYTES = 64 * 1024;

export interface AnalysisRunnerOptions {
  /** The `allow-metadata-addresses` input. */
  allowMetadataAddresses?: boolean | undefined;
  /** Bytes the runs of a revision may take in the state (default ANALYSIS_BUDGET_BYTES). */
  budgetBytes?: number;
}

function kindOf(provider: Record<string, unknown>): string {
  return Object.keys(provider)[0] ?? '';
}

/** What a run is started from: the Rollout, the stored templates, the status and the time. */
interface RunContext {
  rollout: KubeObject;
  templates: readonly StoredTemplate[];
  status: RolloutStatus;
  now: Date;
}

type StartAnalysis = Extract<AnalysisAction, { kind: 'startAnalysis' }>;

/** The run `a` starts, built from the analysis block(s) as stored (Argo's JSON as written). */
function buildFor(a: StartAnalysis, ctx: RunContext): ReturnType<typeof buildFirstDeployRun> | BuiltRun {
  const strategy = dig(ctx.rollout.spec, 'strategy');
  const canary = dig(strategy, 'canary');
  const blueGreen = dig(strategy, 'blueGreen');
  const args = {
    rollout: ctx.rollout,
    stableHash: ctx.status.stableRS,
    latestHash: ctx.status.currentPodHash ?? '',
  };
  if (a.analysis === 'FirstDeploy') return buildFirstDeployRun(asObj(canary) ?? {}, ctx.templates, args);
  const block = {
    Background: () => dig(canary, 'analysis'),
    Step: () => dig(asList(dig(canary, 'steps'))[a.stepIndex ?? 0], 'analysis'),
    PrePromotion: () => dig(blueGreen, 'prePromotionAnalysis'),
    PostPromotion: () => dig(blueGreen, 'postPromotionAnalysis'),
  }[a.analysis]();
  return buildRun(asObj(block) ?? {}, ctx.templates, args);
}

/** The new run `a` starts; a run that cannot even start is an Error run: the rollout aborts and says why. */
function newRecord(a: StartAnalysis, ctx: RunContext): AnalysisRecord {
  const run = {
    id: a.id,
    kind: a.analysis,
    stepIndex: a.stepIndex,
    podHash: ctx.status.currentPodHash ?? '',
  };
  let built;
  try {
    built = buildFor(a, ctx);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const state: RunState = {
      ...newRun({ metrics: [] }, ctx.now),
      phase: 'Error',
      message,
      completedAt: ctx.now.toISOString(),
    };
    const note =
      a.analysis === 'FirstDeploy'
        ? { note: `First-deploy analysis (${FIRST_DEPLOY_ANALYSIS_ANNOTATION}): the run could not be built.` }
        : {};
    return { ...run, args: {}, secretArgs: [], spec: { metrics: [] }, state, ...note };
  }
  const { args, secretArgs, spec } = built;
  const note = 'note' in built ? { note: built.note } : {};
  return { ...run, args, secretArgs, spec, state: newRun(spec, ctx.now), ...note };
}

/**
 * Runs the measurements of a rollout's analysis runs. Measurements run concurrently with the driver's
 * ticks (a Job may take minutes); their outcomes are recorded into the stored runs at the next tick,
 * so the state is only ever written by the tick, compare-and-swap.
 */
export class AnalysisRunner {
  private readonly inflight = new Map<string, InFlight>();
  /** Finished measurements not yet recorded (measurement-batch.ts holds some back). */
  private outcomes: Outcome[] = [];
  /** The outcomes the last `collect` recorded: redone as errors if that state cannot be written. */
  private collected: Outcome[] = [];
  private budgetBytes: number;
  private readonly allowMetadataAddresses: boolean;
  private wake: (() => void) | undefined;
  private readonly providers: ReadonlyMap<string, MetricProvider>;
  private readonly readSecret: SecretReader;
  private readonly log: Logger;
  private readonly rolloutName: string;
  private readonly clock: () => Date;

  constructor(
    providers: ReadonlyMap<string, MetricProvider>,
    readSecret: SecretReader,
    log: Logger,
    rolloutName: string,
    clock: () => Date,
    options: AnalysisRunnerOptions = {},
  ) {
    this.providers = providers;
    this.readSecret = readSecret;
    this.log = log;
    this.rolloutName = rolloutName;
    this.clock = clock;
    this.budgetBytes = options.budgetBytes ?? ANALYSIS_BUDGET_BYTES;
    this.allowMetadataAddresses = options.allowMetadataAddresses === true;
  }

  /**
   * The runs within the state's byte budget (docs/state-model.md, "Size limits"): the oldest
   * measurements trimmed when over it, counters kept. Call before every write of the state.
   */
  fit(records: AnalysisRecord[]): AnalysisRecord[] {
    const fitted = fitBudget(records, this.budgetBytes);
    if (fitted.trimmed > 0) {
      this.log.info(
        `analysis: trimmed the ${fitted.trimmed} oldest measurements to keep the state under ${Math.round(this.budgetBytes / 1024)} KiB (now ${Math.round(fitted.bytes / 1024)} KiB)`,
      );
    }
    return fitted.records;
  }

  /**
   * The state could not be written for its size. The measurements the last `collect` recorded become
   * Error measurements saying so (the metric's consecutiveErrorLimit then decides, as for any error),
   * to be recorded again at the next tick; with none to blame, the budget shrinks instead.
   */
  unwritable(reason: string): void {
    const blamed = this.collected.splice(0);
    if (blamed.length === 0) {
      this.budgetBytes = Math.max(MIN_BUDGET_BYTES, Math.floor(this.budgetBytes / 2));
      return;
    }
    for (const o of blamed) {
      this.outcomes.push({
        ...o,
        outcome: {
          error: `metric "${o.metric}": the measurement could not be stored: ${reason}`,
          ...('query' in o.outcome && o.outcome.query !== undefined ? { query: o.outcome.query } : {}),
        },
      });
    }
  }

  /** Whether a measurement is in flight, or finished and not recorded yet. */
  get measuring(): boolean {
    return this.inflight.size > 0 || this.outcomes.length > 0;
  }

  /** Resolves when a measurement finishes, or when `signal` aborts. */
  waitForOutcome(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.hasReady()) {
        resolve();
        return;
      }
      this.wake = resolve;
      signal.addEventListener('abort', () => {
        resolve();
      });
    });
  }

  /** The runs of the current revision and attempt, as the step engine reads them. */
  view(records: readonly AnalysisRecord[]): Map<string, AnalysisView> {
    return new Map(records.map((r) => [r.id, { id: r.id, phase: r.state.phase, message: r.state.message }]));
  }

  /** Records finished measurements into the runs. */
  collect(records: AnalysisRecord[]): AnalysisRecord[] {
    const { ready: pending, held } = readyOutcomes(this.outcomes, this.inflight.values());
    this.outcomes = held;
    this.collected = pending;
    if (pending.length === 0) return records;
    return records.map((r) => {
      let state = r.state;
      for (const o of pending.filter((p) => p.runId === r.id)) {
        try {
          state = recordMeasurement(r.spec, state, o.metric, o.outcome, evaluateCondition, o.at);
        } catch (e) {
          // The run ended meanwhile (another metric decided it, or it was terminated).
          this.log.info(
            `analysis ${r.id} metric ${o.metric}: not recorded (${excerpt(e instanceof Error ? e.message : String(e), LOG_VALUE_CHARS)})`,
          );
          continue;
        }
        const metric = state.metrics.find((m) => m.name === o.metric);
        const last = metric?.measurements.at(-1);
        // Bounded excerpts only: a value may be kilobytes (docs/providers.md, "Size limits").
        this.log.info(
          `analysis ${r.id} metric ${o.metric}: ${excerpt(last?.value ?? last?.message ?? '', LOG_VALUE_CHARS)} → ${last?.phase ?? '?'} (metric ${metric?.phase ?? '?'}, run ${state.phase})`,
        );
        if (FINISHED.has(state.phase) && !FINISHED.has(r.state.phase)) {
          this.log.info(
            `analysis ${r.id}: ${state.phase}${state.message ? ` - ${excerpt(state.message, 4 * LOG_VALUE_CHARS)}` : ''}`,
          );
        }
      }
      return { ...r, state };
    });
  }

  /** Starts or terminates runs as the step engine decided. */
  handle(actions: readonly AnalysisAction[], records: AnalysisRecord[], ctx: RunContext): AnalysisRecord[] {
    let out = records;
    for (const a of actions) {
      if (a.kind === 'startAnalysis') {
        if (out.some((r) => r.id === a.id)) continue;
        out = [...out, newRecord(a, ctx)];
      } else {
        out = this.terminate(out, a.id, ctx.now);
      }
    }
    return out;
  }

  /** Terminates the run `id` (Argo's `spec.terminate`) and stops its measurements in flight. */
  terminate(records: readonly AnalysisRecord[], id: string, now: Date): AnalysisRecord[] {
    const out = records.map((r) => (r.id === id ? { ...r, state: terminateRun(r.spec, r.state, now) } : r));
    for (const [key, f] of this.inflight) if (key.startsWith(`${id}/`)) f.controller.abort();
    return out;
  }

  /**
   * Starts every due measurement (recorded as Running, so a restarted driver knows it was in flight),
   * re-attaches in-flight ones this process does not run (a Job survives its driver), and stops the
   * ones of runs that ended. Returns the runs and when the next measurement is due.
   */
  launch(
    records: readonly AnalysisRecord[],
    now: Date,
  ): { records: AnalysisRecord[]; next: Date | undefined } {
    let next: Date | undefined;
    const out = records.map((r) => {
      const due = dueMeasurements(r.spec, r.state, now);
      for (const metricName of due.terminate) this.inflight.get(`${r.id}/${metricName}`)?.controller.abort();
      if (FINISHED.has(r.state.phase)) return r;
      if (due.nextAt !== undefined) {
        const at = new Date(due.nextAt);
        if (next === undefined || at < next) next = at;
      }
      let state = r.state;
      for (const metricName of due.due) {
        const metric = r.spec.metrics.find((m) => m.name === metricName);
        if (metric === undefined) continue;
        const taken = state.metrics.find((m) => m.name === metricName);
        const index = (taken?.count ?? 0) + (taken?.error ?? 0) + 1;
        const jobName = analysisJobName(`${this.rolloutName}-${r.id}`, metricName, index);
        state = recordMeasurement(
          r.spec,
          state,
          metricName,
          { phase: 'Running', startedAt: now.toISOString(), metadata: { 'job-name': jobName } },
          evaluateCondition,
          now,
        );
        this.start(r, metric.provider, metricName, jobName, now);
      }
      for (const metricName of due.resume) {
        const metric = r.spec.metrics.find((m) => m.name === metricName);
        const last = state.metrics.find((m) => m.name === metricName)?.measurements.at(-1);
        // Measured here and finished, but not recorded yet: starting it again would count it twice.
        const pending = this.outcomes.some((o) => o.runId === r.id && o.metric === metricName);
        if (metric === undefined || pending || this.inflight.has(`${r.id}/${metricName}`)) continue;
        this.start(r, metric.provider, metricName, last?.metadata?.['job-name'] ?? '', now);
      }
      return { ...r, state };
    });
    return { records: out, next };
  }

  private start(
    r: AnalysisRecord,
    provider: Record<string, unknown>,
    metric: string,
    jobName: string,
    now: Date,
  ): void {
    const key = `${r.id}/${metric}`;
    if (this.inflight.has(key)) return;
    const controller = new AbortController();
    const startedAt = now.getTime();
    this.inflight.set(key, { runId: r.id, metric, kind: kindOf(provider), startedAt, controller });
    void this.measure(r, provider, metric, jobName, controller.signal, now).then((outcome) => {
      if (this.inflight.get(key)?.controller === controller) this.inflight.delete(key);
      if (outcome !== undefined)
        this.outcomes.push({ runId: r.id, metric, outcome, at: this.clock(), startedAt });
      // This one ending may also release outcomes held for it.
      if (this.hasReady()) this.wake?.();
    });
  }

  private hasReady(): boolean {
    return readyOutcomes(this.outcomes, this.inflight.values()).ready.length > 0;
  }

  stopAll(): void {
    for (const f of this.inflight.values()) f.controller.abort();
  }

  private async measure(
    r: AnalysisRecord,
    providerBlock: Record<string, unknown>,
    metric: string,
    jobName: string,
    signal: AbortSignal,
    now: Date,
  ): Promise<MeasurementOutcome | undefined> {
    const kind = kindOf(providerBlock);
    const secrets = new Map<string, string>();
    let outcome: MeasurementOutcome;
    try {
      for (const s of r.secretArgs) secrets.set(s.name, await this.readSecret(s.secretName, s.key));
      const provider = this.providers.get(kind);
      if (provider === undefined)
        throw new ProviderError(`metric provider "${kind}" is not supported by rollout-pilot`);
      const block = resolveProvider((providerBlock[kind] ?? {}) as Record<string, unknown>, r.args, secrets);
      const result = await provider.measure(block, {
        signal,
        now,
        secrets: new Set(secrets.values()),
        allowMetadataAddresses: this.allowMetadataAddresses,
        // A Job is named after its measurement, so a restarted driver finds the one it started.
        measurement: { jobName, metricName: metric },
      });
      outcome =
        result.forcedPhase !== undefined
          ? {
              phase: result.forcedPhase,
              value: result.display,
              ...(result.message === undefined ? {} : { message: result.message }),
              query: result.query,
              ...(result.metadata === undefined ? {} : { metadata: result.metadata }),
            }
          : { value: result.value, valueText: result.display, query: result.query };
    } catch (e) {
      if (signal.aborted) return undefined;
      const text = redact(e instanceof Error ? e.message : String(e), secrets.values());
      // A response over the cap names the metric, so the rollout's message says which one.
      const message = e instanceof ProviderError && e.oversize ? `metric "${metric}": ${text}` : text;
      outcome = {
        error: message,
        ...(e instanceof ProviderError && e.query !== undefined ? { query: e.query } : {}),
      };
    }
    return outcome;
  }
}
