/** A judge metric rule with Kayenta's defaults (mean ratio, limits 1.0), for the judge's tests. */
import type { MetricRule } from '../../../src/analysis/judge/index.ts';

export function judgeRule(
  over: Partial<MetricRule> = {},
  effect: Partial<MetricRule['effectSize']> = {},
): MetricRule {
  return {
    name: 'm',
    group: 'm',
    direction: 'either',
    nanStrategy: 'remove',
    critical: false,
    mustHaveData: false,
    muted: false,
    ...over,
    effectSize: {
      measure: 'meanRatio',
      allowedIncrease: 1,
      allowedDecrease: 1,
      criticalIncrease: 1,
      criticalDecrease: 1,
      ...effect,
    },
  };
}
