/**
 * What a run that drives several Rollouts does next: which Rollouts start, which never will (a
 * Rollout they wait for failed or stopped short of Healthy), and which running ones to abort when
 * one failed and `when-one-fails` is `abort-others`. Pure: the caller drives and reports.
 */
import type { RolloutOrder } from '../manifests/rollout-order.ts';

/** How a driven Rollout ended for this run. */
export type Ending =
  /** Healthy: whoever waits for it may start. */
  | 'healthy'
  /** Degraded, aborted, or the run failed driving it: the job fails. */
  | 'failed'
  /** Not failed, not Healthy either: at a pause for a person, handed over, driven by another run. */
  | 'stopped';

export type WhenOneFails = 'continue' | 'abort-others';

export interface ScheduleState {
  order: RolloutOrder;
  running: ReadonlySet<string>;
  ended: ReadonlyMap<string, { ending: Ending; phase: string }>;
  /** Rollouts already given up on (skipped): they are never started. */
  skipped: ReadonlySet<string>;
  /** Running Rollouts already asked to abort. */
  aborting: ReadonlySet<string>;
  whenOneFails: WhenOneFails;
}

export interface Moves {
  start: string[];
  skip: { rollout: string; reason: string }[];
  abort: { rollout: string; reason: string }[];
}

/** The next moves, every Rollout in the order's key order (the manifests' order). */
export function nextMoves(s: ScheduleState): Moves {
  const failed = [...s.ended].filter(([, e]) => e.ending === 'failed').map(([name]) => name);
  const abortAll = s.whenOneFails === 'abort-others' && failed.length > 0;
  const because = `${failed.join(', ')} failed (when-one-fails: abort-others)`;
  const moves: Moves = { start: [], skip: [], abort: [] };
  for (const [name, after] of s.order) {
    if (s.running.has(name)) {
      if (abortAll && !s.aborting.has(name)) moves.abort.push({ rollout: name, reason: because });
      continue;
    }
    if (s.ended.has(name) || s.skipped.has(name)) continue;
    if (abortAll) {
      moves.skip.push({ rollout: name, reason: `not started: ${because}` });
      continue;
    }
    const blocked = after.filter((dep) => {
      const e = s.ended.get(dep);
      return (e !== undefined && e.ending !== 'healthy') || s.skipped.has(dep);
    });
    if (blocked.length > 0) {
      const why = blocked.map((dep) => {
        const e = s.ended.get(dep);
        return e === undefined ? `${dep} did not start` : `${dep} is ${e.phase}`;
      });
      moves.skip.push({ rollout: name, reason: `not started: it waits for ${why.join(', ')}` });
      continue;
    }
    if (after.every((dep) => s.ended.get(dep)?.ending === 'healthy')) moves.start.push(name);
  }
  return moves;
}

/** The order for the Rollouts driven, from the annotations and the `order` input (merged). */
export function mergeOrders(
  names: readonly string[],
  ...orders: ReadonlyMap<string, readonly string[]>[]
): Map<string, string[]> {
  const merged = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const order of orders) {
    for (const [name, after] of order) {
      const list = merged.get(name);
      if (list === undefined) continue;
      for (const dep of after) if (!list.includes(dep)) list.push(dep);
    }
  }
  return merged;
}

/**
 * The `order` input: one line per Rollout that waits, `c after a, b`. Returns the order or a
 * problem to report (an unknown name, a line that does not read so).
 */
export function parseOrderInput(
  text: string,
  names: readonly string[],
): { order: Map<string, string[]> } | { problem: string } {
  const order = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+after\s+(.+)$/.exec(line);
    const name = m?.[1];
    const rest = m?.[2];
    if (name === undefined || rest === undefined) {
      return { problem: `input order: "${line}" does not read "ROLLOUT after A, B"` };
    }
    const after = rest
      .split(/[\s,]+/)
      .map((n) => n.trim())
      .filter((n) => n !== '');
    for (const n of [name, ...after]) {
      if (!names.includes(n)) {
        return {
          problem: `input order: no Rollout named "${n}" in the manifests (found ${names.join(', ')})`,
        };
      }
    }
    if (after.includes(name)) return { problem: `input order: ${name} cannot wait for itself` };
    order.set(name, [...new Set([...(order.get(name) ?? []), ...after])]);
  }
  return { order };
}
