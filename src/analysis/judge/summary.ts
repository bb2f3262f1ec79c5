/**
 * A judgement in the compact form a measurement stores (its `value`, within 4 KiB): per metric its
 * class and reason, the test's figures, each side's quantiles and a histogram over the shared range
 * (raw samples would not fit), rounded to 4 significant digits. The report reads it back. Pure.
 */

import { mean } from './effect-size.ts';
import { compareNumbers } from './ranks.ts';
import { percentile } from './transforms.ts';
import type { Classification, Direction, Judgement, MetricResult, Verdict } from './types.ts';

export const HISTOGRAM_BINS = 8;

export interface MetricSummary {
  name: string;
  group: string;
  class: Classification;
  reason: string;
  critical: boolean;
  muted: boolean;
  direction: Direction;
  /** Samples compared [baseline, canary], and before the NaN strategy and outlier removal. */
  n: [number, number];
  raw: [number, number];
  test?: {
    u: number;
    p: number;
    method: 'exact' | 'normal';
    estimate: number;
    ci: [number, number];
    band: number;
    effect: number | null;
    ratio: number | null;
  };
  /** [min, p25, median, p75, max, mean] of each side: [baseline, canary]. */
  quantiles?: [number[], number[]];
  /** Counts per bin over `range`, [baseline, canary]. */
  histogram?: { range: [number, number]; counts: [number[], number[]] };
}

export interface JudgeSummary {
  score: number;
  verdict: Verdict;
  thresholds: [number, number];
  reason?: string;
  groups: { name: string; score: number | null; weight: number }[];
  metrics: MetricSummary[];
}

const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : v);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : round(v));

function quantiles(values: readonly number[]): number[] {
  const s = [...values].sort(compareNumbers);
  return [
    s[0] ?? NaN,
    percentile(s, 25),
    percentile(s, 50),
    percentile(s, 75),
    s[s.length - 1] ?? NaN,
    mean(s),
  ].map(round);
}

function histogram(values: readonly number[], lo: number, hi: number): number[] {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  const width = (hi - lo) / HISTOGRAM_BINS;
  for (const v of values) {
    const bin = width === 0 ? 0 : Math.min(HISTOGRAM_BINS - 1, Math.floor((v - lo) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

function metricSummary(m: MetricResult): MetricSummary {
  const out: MetricSummary = {
    name: m.name,
    group: m.group,
    class: m.classification,
    reason: m.reason,
    critical: m.critical,
    muted: m.muted,
    direction: m.direction,
    n: [m.baseline.length, m.canary.length],
    raw: [m.rawCounts.baseline, m.rawCounts.canary],
  };
  const t = m.test;
  if (t) {
    out.test = {
      u: t.u,
      p: round(t.p),
      method: t.method,
      estimate: round(t.estimate),
      ci: [round(t.lower), round(t.upper)],
      band: round(t.band),
      effect: orNull(t.effectSize),
      ratio: orNull(t.ratio),
    };
  }
  if (m.baseline.length > 0 && m.canary.length > 0) {
    const all = [...m.baseline, ...m.canary];
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    out.quantiles = [quantiles(m.baseline), quantiles(m.canary)];
    out.histogram = {
      range: [round(lo), round(hi)],
      counts: [histogram(m.baseline, lo, hi), histogram(m.canary, lo, hi)],
    };
  }
  return out;
}

export function summarize(j: Judgement): JudgeSummary {
  return {
    score: j.score,
    verdict: j.verdict,
    thresholds: [j.thresholds.pass, j.thresholds.marginal],
    ...(j.reason === undefined ? {} : { reason: j.reason }),
    groups: j.groups.map((g) => ({
      name: g.name,
      score: g.score === undefined ? null : round(g.score),
      weight: round(g.weight),
    })),
    metrics: j.metrics.map(metricSummary),
  };
}

const VERDICTS: readonly string[] = ['Pass', 'Marginal', 'Fail'];

/** A stored judge value read back; undefined when it is not one (or was cut at the size cap). */
export function parseJudgeSummary(text: string): JudgeSummary | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Partial<JudgeSummary>;
  if (typeof o.score !== 'number' || !VERDICTS.includes(String(o.verdict)) || !Array.isArray(o.metrics))
    return undefined;
  return v as JudgeSummary;
}
