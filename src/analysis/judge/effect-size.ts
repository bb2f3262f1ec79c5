/** Kayenta's effect sizes (`stats/EffectSizes.scala`), canary against baseline. Pure. */

import { averageRanks } from './ranks.ts';

export type EffectSizeMeasure = 'meanRatio' | 'cles';

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** mean(canary) / mean(baseline); NaN when either mean is 0 (the ratio says nothing then). */
export function meanRatio(baseline: readonly number[], canary: readonly number[]): number {
  const b = mean(baseline);
  const c = mean(canary);
  return b === 0 || c === 0 || Number.isNaN(b) || Number.isNaN(c) ? NaN : c / b;
}

/**
 * The common-language effect size (Vargha and Delaney's A): the share of (canary, baseline) pairs
 * in which the canary is higher, ties counting one half. 0.5 means no effect.
 */
export function cles(baseline: readonly number[], canary: readonly number[]): number {
  const m = canary.length;
  const n = baseline.length;
  const { ranks } = averageRanks([...canary, ...baseline]);
  const r1 = ranks.slice(0, m).reduce((s, r) => s + r, 0);
  return (2 * r1 - m * (m + 1)) / (2 * n * m);
}

export function effectSize(
  measure: EffectSizeMeasure,
  baseline: readonly number[],
  canary: readonly number[],
): number {
  return measure === 'cles' ? cles(baseline, canary) : meanRatio(baseline, canary);
}
