/**
 * When to measure, as Argo's `generateMetricTasks` and `calculateNextReconcileTime` (analysis/analysis.go).
 * Pure; the clock is an argument.
 */
import { isCompleted, isTerminating } from './assess.ts';
import { effectiveCount, ERROR_RETRY_INTERVAL_SECONDS } from './spec.ts';
import type { RunSpec, RunState } from './types.ts';

export interface DueMeasurements {
  /** Metrics to measure now (a new measurement each). */
  due: string[];
  /** Metrics whose in-flight measurement should be checked again now (the provider's Resume). */
  resume: string[];
  /** Metrics whose in-flight measurement must be stopped: the run is ending (the provider's Terminate). */
  terminate: string[];
  /**
   * The earliest instant at which another call would report something to do; absent when nothing is
   * scheduled (run complete, or only in-flight measurements without a resumeAt).
   */
  nextAt?: string;
}

/**
 * For each metric, in spec order:
 * - a completed metric: nothing;
 * - an in-flight measurement (no finishedAt): resume it once its resumeAt has come (at once without one),
 *   or terminate it when the run is terminating or already complete;
 * - a terminating run: nothing new;
 * - never measured: due once initialDelay has passed since the run started;
 * - count reached: nothing;
 * - otherwise due once the interval has passed since the last measurement finished; after an Error the
 *   wait is Argo's 10 s error retry, whatever the interval (and 10 s when there is no interval).
 * Argo takes an interval measurement only when the clock is strictly after finishedAt + interval (and
 * an initialDelay one when it is not before startedAt + delay); `nextAt` is therefore 1 ms after
 * finishedAt + interval, so that a caller sleeping until `nextAt` finds the measurement due.
 */
export function dueMeasurements(spec: RunSpec, state: RunState, now: Date): DueMeasurements {
  const out: DueMeasurements = { due: [], resume: [], terminate: [] };
  const t = now.getTime();
  const runDone = isCompleted(state.phase);
  const terminating = runDone || isTerminating(spec, state);
  let next: number | undefined;
  const consider = (at: number): void => {
    if (Number.isFinite(at) && (next === undefined || at < next)) next = at;
  };

  for (const metric of spec.metrics) {
    const result = state.metrics.find((r) => r.name === metric.name);
    if (isCompleted(result?.phase)) continue;
    const last = result?.measurements[result.measurements.length - 1];
    if (last !== undefined && last.finishedAt === undefined) {
      if (terminating) {
        out.terminate.push(metric.name);
        continue;
      }
      const resumeAt = last.resumeAt === undefined ? undefined : Date.parse(last.resumeAt);
      if (resumeAt !== undefined && resumeAt > t) consider(resumeAt);
      else out.resume.push(metric.name);
      continue;
    }
    if (terminating) continue;
    if (result === undefined || last === undefined) {
      const startAt = Date.parse(state.startedAt) + (metric.initialDelaySeconds ?? 0) * 1000;
      if (metric.initialDelaySeconds !== undefined && startAt > t) consider(startAt);
      else out.due.push(metric.name);
      continue;
    }
    const count = effectiveCount(metric);
    if (count !== undefined && result.count >= count) continue;
    const intervalSeconds =
      last.phase === 'Error'
        ? ERROR_RETRY_INTERVAL_SECONDS
        : (metric.intervalSeconds ?? ERROR_RETRY_INTERVAL_SECONDS);
    const dueAfter = Date.parse(last.finishedAt ?? '') + intervalSeconds * 1000;
    if (t > dueAfter) out.due.push(metric.name);
    else consider(dueAfter + 1);
  }
  if (next !== undefined) out.nextAt = new Date(next).toISOString();
  return out;
}
