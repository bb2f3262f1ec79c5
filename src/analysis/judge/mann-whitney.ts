/**
 * The Mann-Whitney U test (Wilcoxon rank-sum test), two-sided, as R's `wilcox.test(x, y)` computes
 * it: the exact null distribution when there are no ties and both samples have fewer than 50 values,
 * otherwise the normal approximation with the tie correction of the variance and the continuity
 * correction. `x` is the canary, `y` the baseline, so U counts the pairs where the canary is higher
 * (ties count one half). Pure.
 */

import { normalCdf, normalSf } from './normal.ts';
import { averageRanks, tieSum } from './ranks.ts';

/** R's limit for its exact distribution (and the cost of ours: about m·n·m·n/2 additions). */
export const EXACT_LIMIT = 50;

export interface UTest {
  /** U of the first sample (R's W): Σ ranks of x − m(m+1)/2. */
  u: number;
  /** U of the second sample: m·n − u. */
  uOther: number;
  m: number;
  n: number;
  /** The two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
  /** The standardised statistic (normal method only). */
  z?: number;
  /** Whether any values are tied across or within the samples. */
  ties: boolean;
}

/**
 * The number of arrangements giving each value of U for sample sizes m and n: counts[u], u = 0..m·n.
 * Built with f(i, j, u) = f(i − 1, j, u − j) + f(i, j − 1, u), adding only positive terms.
 */
export function exactCounts(m: number, n: number): number[] {
  // row[i] = counts for sizes (i, j) at the current j; starts at j = 0, where U is always 0.
  let row: number[][] = Array.from({ length: m + 1 }, () => [1]);
  for (let j = 1; j <= n; j++) {
    const next: number[][] = [[1]];
    for (let i = 1; i <= m; i++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      const left = next[i - 1] ?? []; // (i − 1, j): the largest value is in x, adding j to U
      const up = row[i] ?? []; // (i, j − 1): the largest value is in y
      left.forEach((c, u) => (counts[u + j] = (counts[u + j] ?? 0) + c));
      up.forEach((c, u) => (counts[u] = (counts[u] ?? 0) + c));
      next.push(counts);
    }
    row = next;
  }
  return row[m] ?? [1];
}

/** Two-sided exact p: twice the smaller tail at u, at most 1 (R's pwilcox form). */
function exactP(u: number, m: number, n: number): number {
  const counts = exactCounts(m, n);
  const total = counts.reduce((s, c) => s + c, 0);
  let lower = 0;
  let upper = 0;
  counts.forEach((c, k) => {
    if (k <= u) lower += c;
    if (k >= u) upper += c;
  });
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

/**
 * The U statistic and its two-sided p-value. Both samples must be non-empty and free of NaN. `auto`
 * chooses as R does; `normal` forces the approximation (scipy's `method="asymptotic"`).
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  method: 'auto' | 'normal' = 'auto',
): UTest {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new RangeError('the Mann-Whitney test needs values in both samples');
  const { ranks, ties } = averageRanks([...x, ...y]);
  const rankSum = ranks.slice(0, m).reduce((s, r) => s + r, 0);
  const u = rankSum - (m * (m + 1)) / 2;
  const base = { u, uOther: m * n - u, m, n, ties: ties.length > 0 };
  if (method === 'auto' && ties.length === 0 && m < EXACT_LIMIT && n < EXACT_LIMIT) {
    return { ...base, p: exactP(u, m, n), method: 'exact' };
  }
  const big = m + n;
  const sigma = Math.sqrt(((m * n) / 12) * (big + 1 - tieSum(ties) / (big * (big - 1))));
  const centred = u - (m * n) / 2;
  if (sigma === 0) return { ...base, p: 1, method: 'normal', z: 0 };
  const z = (centred - Math.sign(centred) * 0.5) / sigma;
  const p = Math.min(1, 2 * Math.min(normalCdf(z), normalSf(z)));
  return { ...base, p, method: 'normal', z };
}
