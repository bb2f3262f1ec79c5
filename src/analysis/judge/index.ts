/**
 * The canary-versus-baseline judge (Kayenta's NetflixACAJudge rules, our own code): each metric's
 * samples classified by a Mann-Whitney test, then scored into Pass, Marginal or Fail. Pure.
 */

import { classifyMetric } from './classify.ts';
import { scoreMetrics } from './score.ts';
import type { Judgement, MetricRule, Thresholds } from './types.ts';

export interface MetricSamples {
  rule: MetricRule;
  baseline: readonly number[];
  canary: readonly number[];
}

export function judge(
  metrics: readonly MetricSamples[],
  thresholds: Thresholds,
  groupWeights: Readonly<Record<string, number>> = {},
): Judgement {
  const results = metrics.map((m) => classifyMetric(m.rule, m.baseline, m.canary));
  return scoreMetrics(results, groupWeights, thresholds);
}

export { classifyMetric } from './classify.ts';
export { scoreMetrics, verdictOf } from './score.ts';
export { mannWhitneyU } from './mann-whitney.ts';
export { locationShift } from './location-shift.ts';
export * from './types.ts';
