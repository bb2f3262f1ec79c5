/**
 * `provider.job`, as Argo's metricproviders/job runs it: one measurement is one batch/v1 Job built from
 * the block's `spec` (passed as written: Argo adds no defaults, so Kubernetes' own apply, e.g.
 * `backoffLimit` 6) and `metadata.labels` / `metadata.annotations`, in the rollout's namespace.
 *
 *   - the Job's `Complete` condition ⇒ Successful; its `Failed` condition ⇒ Failed (the message names the
 *     Job, the condition's reason and the failing container's exit code);
 *   - a pod of the Job stuck on `ErrImagePull`, `ImagePullBackOff` or `InvalidImageName` ⇒ Inconclusive
 *     (Argo ≥ argoproj/argo-rollouts#4692; before that such a Job waited forever);
 *   - anything that stops the Job from being created or read ⇒ a ProviderError (measurement Error).
 *
 * Argo decides these phases itself; the metric's conditions are not evaluated. The caller names the Job
 * (Argo: `<run uid>.<metric>.<measurements taken + 1>`, see `analysisJobName`) so that a driver that
 * restarts mid-measurement re-attaches to the Job it started instead of creating a second one. Creating
 * is idempotent: when a Job of that name exists and is ours (our label, and the same owner), it is
 * waited on.
 *
 * Cleanup: Argo keeps finished Jobs and deletes the oldest beyond the metric's measurement retention
 * (default 10) with foreground propagation, deletes a Job at once when its measurement is terminated,
 * and the rest go with the AnalysisRun that owns them. rollout-pilot records what it needs (phase, exit
 * code, message) in the measurement, so it deletes a finished Job right away (background propagation)
 * unless `keepJobs` is set; then the Job goes with its owner (the `owner` option) or stays. A Job that
 * has not finished (Inconclusive, or the measurement aborted) is always deleted: nothing will read it.
 */

import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiCall } from '../../adapters/k8s/api-errors.ts';
import { KubeHttp } from '../../adapters/k8s/http.ts';
import { withRetry } from '../../adapters/k8s/retry.ts';
import { BatchV1, CoreV1 } from '../../adapters/k8s/typed-api.ts';
import { FieldReader, type Block } from './fields.ts';
import {
  ANALYSIS_JOB_LABEL,
  DNS_SUBDOMAIN,
  JOB_DEFAULT_POLL_INTERVAL_MS,
  JOB_NAME_KEY,
  labelValue,
  MAX_JOB_NAME,
  METRIC_ANNOTATION,
  METRIC_LABEL,
  type JobRef,
} from './job-naming.ts';
import { apiMessage, statusCode, untilAborted } from './job-calls.ts';
import { failedContainer, isTrue, selectorOf, stuckContainer } from './job-pods.ts';
import { ProviderError, redact, type MeasureContext, type MeasureResult } from './types.ts';
import type { Job, Pod } from '../../adapters/k8s/wire.ts';

export type JobPhase = 'Successful' | 'Failed' | 'Inconclusive';

/**
 * A job measurement. It needs two things `MeasureResult` does not have yet: `forcedPhase` Failed and
 * Inconclusive, and a `message`. Once types.ts has `forcedPhase?: 'Successful' | 'Failed' |
 * 'Inconclusive'` and `message?: string`, this type is a MeasureResult and JobProvider can be declared
 * `implements MetricProvider`; until then it cannot be put where a MetricProvider is expected (on
 * purpose: a consumer that ignores the phase would judge a failed Job with the conditions, and no
 * conditions means Successful).
 */
export interface JobMeasureResult extends Omit<MeasureResult, 'forcedPhase' | 'metadata'> {
  /** The exit code of the container that decided the phase (0 on success), null when unknown. */
  value: number | null;
  forcedPhase: JobPhase;
  /** Why the measurement failed or is inconclusive; absent on success. */
  message?: string;
  /** `job-name`: the Job's name (Argo keeps it there too). */
  metadata: Record<string, string>;
}

export interface JobOwner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface JobProviderOptions {
  kubeConfig: KubeConfig;
  /** How long transient API failures are retried (api-retry-budget); default 3 minutes. */
  retryBudgetMs?: number | undefined;
  /** Where the Jobs run (the rollout's namespace). */
  namespace: string;
  /** Set as the Jobs' controller ownerReference, so they are collected with the rollout's state. */
  owner?: JobOwner;
  /** Extra labels for every Job (e.g. the rollout's name); the provider's own labels win. */
  labels?: Record<string, string>;
  /** Keep finished Jobs instead of deleting them (they then go with `owner`). Default false. */
  keepJobs?: boolean;
  /** How often the Job is read while it runs. Default 1000. */
  pollIntervalMs?: number;
  /** Waits `ms`; rejects when `signal` aborts. Default: a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface InFlight {
  promise: Promise<JobMeasureResult>;
  controller: AbortController;
  waiters: number;
}

export class JobProvider {
  readonly kind = 'job';
  private readonly batch: BatchV1;
  private readonly core: CoreV1;
  private readonly namespace: string;
  private readonly owner: JobOwner | undefined;
  private readonly labels: Record<string, string>;
  private readonly keepJobs: boolean;
  private readonly pollIntervalMs: number;
  private readonly retryBudgetMs: number | undefined;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Measurements under way in this process, by Job name: a second caller joins the first. */
  private readonly inFlight = new Map<string, InFlight>();

  /** One API request, with transient failures retried within the api-retry-budget. */
  private api<T>(call: ApiCall, fn: () => Promise<T>): Promise<T> {
    return withRetry(call, fn, this.retryBudgetMs);
  }

  constructor(options: JobProviderOptions) {
    this.retryBudgetMs = options.retryBudgetMs;
    const http = new KubeHttp(options.kubeConfig);
    this.batch = new BatchV1(http);
    this.core = new CoreV1(http);
    this.namespace = options.namespace;
    this.owner = options.owner;
    this.labels = options.labels ?? {};
    this.keepJobs = options.keepJobs ?? false;
    this.pollIntervalMs = options.pollIntervalMs ?? JOB_DEFAULT_POLL_INTERVAL_MS;
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
  }

  /**
   * The MetricProvider entry point: the Job's name and the metric's name come in
   * `ctx.measurement` (required).
   */
  async measure(block: Record<string, unknown>, ctx: MeasureContext): Promise<JobMeasureResult> {
    const measurement = ctx.measurement;
    if (measurement === undefined || measurement.jobName === '') {
      throw new ProviderError("the job provider needs the Job's name in the context's measurement.jobName");
    }
    return await this.measureJob({ name: measurement.jobName, metric: measurement.metricName }, block, ctx);
  }

  /**
   * Runs the Job `job.name` from `block` (`{ metadata?, spec }`) and waits for its end, or attaches to
   * it when it exists already. Rejects with a ProviderError when the Job cannot be created or read, and
   * with `ctx.signal`'s reason when it aborts (after deleting the Job, unless another caller in this
   * process still waits on it). A call for a name already being measured in this process joins that
   * measurement (its block is not read again).
   */
  async measureJob(
    job: JobRef,
    block: Record<string, unknown>,
    ctx: MeasureContext,
  ): Promise<JobMeasureResult> {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const query = `job ${job.name}`;
    if (job.name.length > MAX_JOB_NAME || !DNS_SUBDOMAIN.test(job.name)) {
      throw new ProviderError(
        redact(
          `job name ${JSON.stringify(job.name)} must be at most ${MAX_JOB_NAME} lowercase letters, digits, '-' and '.'`,
          ctx.secrets,
        ),
        redact(query, ctx.secrets),
      );
    }
    const body = this.jobBody(job, block, ctx);

    let run = this.inFlight.get(job.name);
    if (run === undefined) {
      const controller = new AbortController();
      const started: InFlight = {
        controller,
        waiters: 0,
        promise: this.run(job.name, body, controller.signal, ctx.secrets).finally(() => {
          this.inFlight.delete(job.name);
        }),
      };
      started.promise.catch(() => undefined); // rejections reach the callers through untilAborted
      this.inFlight.set(job.name, started);
      run = started;
    }
    run.waiters++;
    try {
      return await untilAborted(run.promise, ctx.signal);
    } catch (e) {
      if (!ctx.signal.aborted) throw e;
      if (run.waiters === 1) {
        // The last one waiting: stop and delete the Job before reporting the abort.
        run.controller.abort(ctx.signal.reason);
        await run.promise.catch(() => undefined);
      }
      throw ctx.signal.reason;
    } finally {
      run.waiters--;
    }
  }

  private jobBody(job: JobRef, block: Block, ctx: MeasureContext): Job {
    try {
      const f = new FieldReader(block, 'job');
      const meta = f.obj('metadata');
      const spec = f.obj('spec');
      if (spec === undefined) throw new ProviderError('job.spec is required');
      const labels: Record<string, string> = {
        ...Object.fromEntries(meta?.stringMap('labels') ?? []),
        ...this.labels,
        [ANALYSIS_JOB_LABEL]: 'true',
      };
      const annotations: Record<string, string> = Object.fromEntries(meta?.stringMap('annotations') ?? []);
      if (job.metric !== undefined) {
        const value = labelValue(job.metric);
        if (value !== '') labels[METRIC_LABEL] = value;
        annotations[METRIC_ANNOTATION] = job.metric;
      }
      return {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: job.name,
          namespace: this.namespace,
          labels,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
          ...(this.owner === undefined
            ? {}
            : { ownerReferences: [{ ...this.owner, controller: true, blockOwnerDeletion: false }] }),
        },
        spec: spec.block as unknown as NonNullable<Job['spec']>,
      };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new ProviderError(redact(message, ctx.secrets), redact(`job ${job.name}`, ctx.secrets));
    }
  }

  /** Create-or-attach, wait, judge, clean up. `signal` aborts only when every caller has given up. */
  private async run(
    name: string,
    body: Job,
    signal: AbortSignal,
    secrets: ReadonlySet<string>,
  ): Promise<JobMeasureResult> {
    const query = `job ${name}`;
    let ours = false;
    try {
      await this.createOrAttach(name, body, signal);
      ours = true;
      for (;;) {
        const job = await this.read(name);
        if (job === undefined) throw new Error(`job ${name} was deleted before it finished`);
        const result = await this.judge(name, job);
        if (result !== undefined) {
          const finished = result.forcedPhase !== 'Inconclusive';
          if (!finished || !this.keepJobs) await this.cleanup(name, result);
          return {
            ...result,
            ...(result.message === undefined ? {} : { message: redact(result.message, secrets) }),
          };
        }
        await this.sleep(this.pollIntervalMs, signal);
        if (signal.aborted) throw signal.reason;
      }
    } catch (e) {
      if (signal.aborted) {
        if (ours) await this.delete(name).catch(() => undefined);
        throw signal.reason;
      }
      if (e instanceof ProviderError) throw e;
      throw new ProviderError(redact(apiMessage(e), secrets), redact(query, secrets));
    }
  }

  /** Creates the Job; when it exists, waits for a dying one to go, and attaches to a live one of ours. */
  private async createOrAttach(name: string, body: Job, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      try {
        await this.api({ verb: 'create', kind: 'Job', namespace: this.namespace, name }, () =>
          this.batch.createNamespacedJob({ namespace: this.namespace, body }),
        );
        return;
      } catch (e) {
        if (statusCode(e) !== 409) throw new Error(`creating job ${name}: ${apiMessage(e)}`, { cause: e });
      }
      const existing = await this.read(name);
      if (existing === undefined) continue; // gone in between: create again
      if (existing.metadata?.deletionTimestamp !== undefined) {
        await this.sleep(this.pollIntervalMs, signal); // an earlier, aborted measurement's Job
        continue;
      }
      const labelled = existing.metadata?.labels?.[ANALYSIS_JOB_LABEL] === 'true';
      const owned =
        this.owner === undefined ||
        (existing.metadata?.ownerReferences ?? []).some((r) => r.uid === this.owner?.uid);
      if (!labelled || !owned) {
        throw new ProviderError(`job ${name} already exists and is not this analysis' job`, `job ${name}`);
      }
      return;
    }
  }

  private async read(name: string): Promise<Job | undefined> {
    try {
      return await this.api({ verb: 'get', kind: 'Job', namespace: this.namespace, name }, () =>
        this.batch.readNamespacedJob({ name, namespace: this.namespace }),
      );
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw new Error(`reading job ${name}: ${apiMessage(e)}`, { cause: e });
    }
  }

  private async pods(job: Job): Promise<Pod[]> {
    const list = await this.api({ verb: 'list', kind: 'Pod', namespace: this.namespace }, () =>
      this.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: selectorOf(job),
      }),
    );
    return list.items;
  }

  /** The measurement once the Job has decided, else undefined. */
  private async judge(name: string, job: Job): Promise<JobMeasureResult | undefined> {
    const query = `job ${name}`;
    const metadata = { [JOB_NAME_KEY]: name };
    if (isTrue(job, 'Complete') !== undefined) {
      return { value: 0, display: '0', forcedPhase: 'Successful', query, metadata };
    }
    const failed = isTrue(job, 'Failed');
    if (failed !== undefined) {
      const container = failedContainer(await this.pods(job));
      const why = [failed.reason, failed.message].filter((s) => s !== undefined && s !== '').join(': ');
      const parts = [`job ${name} failed${why === '' ? '' : ` (${why})`}`];
      if (container !== undefined) parts.push(container.text);
      return {
        value: container?.code ?? null,
        display: container === undefined ? '' : String(container.code),
        forcedPhase: 'Failed',
        message: parts.join(': '),
        query,
        metadata,
      };
    }
    const stuck = stuckContainer(await this.pods(job));
    if (stuck !== undefined) {
      return {
        value: null,
        display: '',
        forcedPhase: 'Inconclusive',
        message: `job ${name}: ${stuck}`,
        query,
        metadata,
      };
    }
    return undefined;
  }

  /** Deletes the Job after a result; a failed delete is noted in the metadata, not an error. */
  private async cleanup(name: string, result: JobMeasureResult): Promise<void> {
    try {
      await this.delete(name);
    } catch (e) {
      result.metadata['cleanup-error'] = apiMessage(e);
    }
  }

  private async delete(name: string): Promise<void> {
    try {
      await this.api({ verb: 'delete', kind: 'Job', namespace: this.namespace, name }, () =>
        this.batch.deleteNamespacedJob({
          name,
          namespace: this.namespace,
          propagationPolicy: 'Background',
        }),
      );
    } catch (e) {
      if (statusCode(e) !== 404) throw e;
    }
  }
}
