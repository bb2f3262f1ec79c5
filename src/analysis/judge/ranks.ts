/** Ranks with ties averaged (R's `rank`, ties.method "average"), and the tie sizes a test needs. Pure. */

export interface Ranking {
  /** 1-based ranks in the input's order; tied values share the mean of their positions. */
  ranks: number[];
  /** The size of every group of equal values with more than one member. */
  ties: number[];
}

/** Ascending order that also holds for ±Infinity (where a − b would be NaN). */
export function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function averageRanks(values: readonly number[]): Ranking {
  const order = values.map((_, i) => i).sort((a, b) => compareNumbers(values[a] ?? 0, values[b] ?? 0));
  const ranks = new Array<number>(values.length).fill(0);
  const ties: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    const v = values[order[start] ?? 0];
    while (end < order.length && values[order[end] ?? 0] === v) end++;
    const mean = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] ?? 0] = mean;
    if (end - start > 1) ties.push(end - start);
    start = end;
  }
  return { ranks, ties };
}

/** Σ (t³ − t) over the tie groups: the tie correction of the rank-sum variance. */
export function tieSum(ties: readonly number[]): number {
  return ties.reduce((s, t) => s + t * t * t - t, 0);
}
