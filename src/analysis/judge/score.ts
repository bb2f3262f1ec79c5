/**
 * The overall score, as Kayenta's WeightedSumScorer and ThresholdScoreClassifier compute it: per group
 * pass / (pass + high + low + nodataFail) · 100, a weighted sum over the groups (groups without a
 * weight share what the weights leave of 100; a group with nothing scored counts 100), rounded to 2
 * places; 0 when a critical metric failed or at least half the metrics had no data. Pure.
 */

import {
  NODATA_THRESHOLD,
  type GroupScore,
  type Judgement,
  type MetricResult,
  type Thresholds,
  type Verdict,
} from './types.ts';

function groupScore(results: readonly MetricResult[]): number | undefined {
  const count = (c: string): number => results.filter((r) => r.classification === c).length;
  const pass = count('Pass');
  const total = pass + count('High') + count('Low') + count('NodataFail');
  return total === 0 ? undefined : (pass / total) * 100;
}

export function groupScores(
  results: readonly MetricResult[],
  weights: Readonly<Record<string, number>>,
): GroupScore[] {
  const names = [...new Set(results.map((r) => r.group))];
  const unweighted = names.filter((g) => weights[g] === undefined);
  const given = Object.values(weights).reduce((s, w) => s + w, 0);
  const share = unweighted.length > 0 ? (100 - given) / unweighted.length : 0;
  return names.map((name) => ({
    name,
    score: groupScore(results.filter((r) => r.group === name)),
    weight: weights[name] ?? share,
  }));
}

export function verdictOf(score: number, t: Thresholds): Verdict {
  return score >= t.pass ? 'Pass' : score >= t.marginal ? 'Marginal' : 'Fail';
}

/** The judgement over classified metrics (muted ones are shown but not scored). */
export function scoreMetrics(
  metrics: readonly MetricResult[],
  weights: Readonly<Record<string, number>>,
  thresholds: Thresholds,
): Judgement {
  const scored = metrics.filter((m) => !m.muted);
  const groups = groupScores(scored, weights);
  const result = (score: number, reason?: string): Judgement => ({
    score,
    verdict: verdictOf(score, thresholds),
    thresholds,
    groups,
    metrics: [...metrics],
    ...(reason === undefined ? {} : { reason }),
  });
  const critical = scored.find((m) => m.critical && m.classification !== 'Pass');
  if (critical)
    return result(0, `critical metric ${critical.name} is ${critical.classification}: ${critical.reason}`);
  const nodata = scored.filter((m) => m.classification === 'Nodata').length;
  if (scored.length > 0 && (nodata / scored.length) * 100 >= NODATA_THRESHOLD) {
    return result(
      0,
      `${nodata} of ${scored.length} metrics had no data (${NODATA_THRESHOLD}% or more fails)`,
    );
  }
  const sum = groups.reduce((s, g) => s + (g.score ?? 100) * (g.weight / 100), 0);
  return result(Math.round(sum * 100) / 100);
}
