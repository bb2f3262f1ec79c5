/**
 * Which finished measurements may be recorded now. Argo takes every measurement due in one reconcile
 * before it assesses the run, so a metric that decides the run (Failed, Inconclusive) never cuts off a
 * sibling measured at the same moment. Ours run concurrently; an outcome is held while a quick
 * measurement of the same run (any provider but a Job, which Argo too leaves Running), started no
 * later, is still in flight. Quick measurements end within their provider's timeout, so a hold is short.
 */
import type { MeasurementOutcome } from '../analysis/engine/index.ts';

export interface Outcome {
  runId: string;
  metric: string;
  outcome: MeasurementOutcome;
  /** When the measurement finished. */
  at: Date;
  /** When it was started (ms). */
  startedAt: number;
}

export interface InFlight {
  runId: string;
  metric: string;
  /** The provider's key: `job`, `prometheus`, `web`, ... */
  kind: string;
  startedAt: number;
  controller: AbortController;
}

/** Whether `o` waits for a sibling measured in the same batch. */
export function isHeld(o: Outcome, inflight: Iterable<InFlight>): boolean {
  for (const f of inflight) {
    if (f.runId === o.runId && f.metric !== o.metric && f.kind !== 'job' && f.startedAt <= o.startedAt)
      return true;
  }
  return false;
}

/** Splits the outcomes into those to record now and those held back. */
export function readyOutcomes(
  outcomes: readonly Outcome[],
  inflight: Iterable<InFlight>,
): { ready: Outcome[]; held: Outcome[] } {
  const running = [...inflight];
  const ready: Outcome[] = [];
  const held: Outcome[] = [];
  for (const o of outcomes) (isHeld(o, running) ? held : ready).push(o);
  return { ready, held };
}
