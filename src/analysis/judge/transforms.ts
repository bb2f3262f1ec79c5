/**
 * What Kayenta does to each side's samples before comparing them (`NetflixACAJudge.transformMetric`):
 * the NaN strategy, then optional IQR outlier removal. Pure.
 */

import { compareNumbers } from './ranks.ts';

export type NanStrategy = 'remove' | 'replace';

/**
 * `remove` drops NaN; `replace` makes it 0 (Kayenta's two strategies). ±Infinity (a Prometheus
 * division by zero) is treated as NaN too: no shift can be estimated across an infinite value.
 */
export function applyNanStrategy(values: readonly number[], strategy: NanStrategy): number[] {
  if (strategy === 'replace') return values.map((v) => (Number.isFinite(v) ? v : 0));
  return values.filter((v) => Number.isFinite(v));
}

/** The p-th percentile (0–100) by linear interpolation between order statistics (R type 7, numpy's default). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? NaN;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? a;
  return a + (h - lo) * (b - a);
}

export interface Fences {
  lower: number;
  upper: number;
}

/**
 * Kayenta's IQR detector: Q1 − f·IQR and Q3 + f·IQR; with reduced sensitivity (what the judge uses)
 * widened to the 1st and 99th percentiles when those lie further out.
 */
export function iqrFences(values: readonly number[], factor: number, reduceSensitivity = true): Fences {
  const sorted = [...values].sort(compareNumbers);
  const q1 = percentile(sorted, 25);
  const q3 = percentile(sorted, 75);
  const iqr = q3 - q1;
  if (!reduceSensitivity) return { lower: q1 - factor * iqr, upper: q3 + factor * iqr };
  return {
    lower: Math.min(percentile(sorted, 1), q1 - factor * iqr),
    upper: Math.max(percentile(sorted, 99), q3 + factor * iqr),
  };
}

/** The values inside the fences, in their order. */
export function removeOutliers(values: readonly number[], factor: number): number[] {
  if (values.length === 0) return [];
  const { lower, upper } = iqrFences(values, factor);
  return values.filter((v) => v >= lower && v <= upper);
}
