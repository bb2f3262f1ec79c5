/**
 * The shift between two samples: the Hodges-Lehmann estimate (the median of every difference canary −
 * baseline) and the confidence interval that R's asymptotic `wilcox.test(x, y, conf.int = TRUE,
 * exact = FALSE)` and Kayenta's MannWhitney compute: the shifts d at which the continuity- and
 * tie-corrected rank-sum statistic of (x − d, y) crosses ±z. That statistic is a step function of d
 * that only moves at the pairwise differences, so instead of a numeric root finder we search those
 * differences and return the one where it crosses: the same point a root finder converges to. Pure.
 */

import { normalQuantile } from './normal.ts';
import { averageRanks, tieSum } from './ranks.ts';

/** m·n above this is refused: the differences are held in memory (32 MB at the limit). */
export const MAX_PAIRS = 4_000_000;

export interface LocationShift {
  /** Hodges-Lehmann: the median of x_i − y_j. */
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
}

/** Every x_i − y_j, ascending. */
export function pairwiseDifferences(x: readonly number[], y: readonly number[]): Float64Array {
  if (x.length * y.length > MAX_PAIRS) {
    throw new RangeError(
      `${x.length} × ${y.length} samples are too many to compare (at most ${MAX_PAIRS} pairs): use a coarser step`,
    );
  }
  const out = new Float64Array(x.length * y.length);
  let k = 0;
  for (const a of x) for (const b of y) out[k++] = a - b;
  return out.sort();
}

/** The median of a sorted, non-empty list. */
export function sortedMedian(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const hi = sorted[Math.floor(n / 2)] ?? NaN;
  return n % 2 === 1 ? hi : ((sorted[n / 2 - 1] ?? NaN) + hi) / 2;
}

/**
 * R's `wdiff(d, zq)`: the corrected statistic of (x − d, y), standardised, minus zq. Positive for
 * small d, negative for large d. Throws when every value is tied (no spread to standardise by).
 */
export function wilcoxonDiff(d: number, zq: number, x: readonly number[], y: readonly number[]): number {
  const m = x.length;
  const n = y.length;
  const { ranks, ties } = averageRanks([...x.map((v) => v - d), ...y]);
  const dz = ranks.slice(0, m).reduce((s, r) => s + r, 0) - (m * (m + 1)) / 2 - (m * n) / 2;
  const big = m + n;
  const sigma = Math.sqrt(((m * n) / 12) * (big + 1 - tieSum(ties) / (big * (big - 1))));
  if (sigma === 0) throw new RangeError('cannot compute a confidence interval when every value is tied');
  return (dz - Math.sign(dz) * 0.5) / sigma - zq;
}

/**
 * The shift where wdiff(·, zq) changes sign, over the sorted distinct differences `steps`: R's
 * `root(zq)` (the ends when the sign does not change inside), found by bisection on the steps.
 */
function crossing(steps: readonly number[], zq: number, x: readonly number[], y: readonly number[]): number {
  const first = steps[0] ?? NaN;
  const last = steps[steps.length - 1] ?? NaN;
  if (wilcoxonDiff(first, zq, x, y) <= 0) return first;
  if (wilcoxonDiff(last, zq, x, y) >= 0) return last;
  // Between steps[k] and steps[k + 1] the statistic is constant; find the first such gap where it is
  // negative: the crossing is at its left step. A gap where it is exactly 0 holds every root: take its middle.
  let lo = 0;
  let hi = steps.length - 1; // the gap after the last step is negative (checked above)
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const a = steps[mid] ?? NaN;
    const gap = wilcoxonDiff((a + (steps[mid + 1] ?? a)) / 2, zq, x, y);
    if (gap < 0) hi = mid;
    else lo = mid + 1;
  }
  const at = steps[lo] ?? NaN;
  if (lo > 0) {
    const before = steps[lo - 1] ?? at;
    if (wilcoxonDiff((before + at) / 2, zq, x, y) === 0) return (before + at) / 2;
  }
  return at;
}

/** Distinct values of a sorted list. */
function distinct(sorted: Float64Array): number[] {
  const out: number[] = [];
  for (const v of sorted) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return out;
}

/**
 * The Hodges-Lehmann estimate of x − y and its two-sided asymptotic confidence interval at
 * `confidence` (Kayenta: 0.98). Both samples non-empty, finite, and not all one value.
 */
export function locationShift(x: readonly number[], y: readonly number[], confidence: number): LocationShift {
  if (x.length === 0 || y.length === 0) throw new RangeError('a location shift needs values in both samples');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} must be in (0, 1)`);
  const diffs = pairwiseDifferences(x, y);
  const estimate = sortedMedian(diffs);
  const steps = distinct(diffs);
  if (steps.length === 1) return { estimate, lower: estimate, upper: estimate, confidence };
  const z = -normalQuantile((1 - confidence) / 2);
  return { estimate, lower: crossing(steps, z, x, y), upper: crossing(steps, -z, x, y), confidence };
}
