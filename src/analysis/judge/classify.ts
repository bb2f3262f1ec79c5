/**
 * One metric's class, as Kayenta's MannWhitneyClassifier decides it: the samples transformed, missing
 * data handled, then High or Low only when the 98% interval of the shift clears a tolerance band of
 * ±0.25·|estimate| in a bad direction and the effect size is large enough. The p-value is reported,
 * never used to decide (as in Kayenta). Pure.
 */

import { effectSize, meanRatio } from './effect-size.ts';
import { locationShift } from './location-shift.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { compareNumbers } from './ranks.ts';
import { applyNanStrategy, removeOutliers } from './transforms.ts';
import { CONFIDENCE, TOLERANCE, type MetricResult, type MetricRule, type MetricTest } from './types.ts';

function transform(values: readonly number[], rule: MetricRule): number[] {
  const kept = applyNanStrategy(values, rule.nanStrategy);
  return rule.outlierFactor === undefined ? kept : removeOutliers(kept, rule.outlierFactor);
}

function sameSorted(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort(compareNumbers);
  const sb = [...b].sort(compareNumbers);
  return sa.every((v, i) => v === sb[i]);
}

/** The test's figures: U and p, the shift with its interval, the band and the effect size. */
export function runTest(rule: MetricRule, baseline: number[], canary: number[]): MetricTest {
  const u = mannWhitneyU(canary, baseline);
  const shift = locationShift(canary, baseline, rule.confidence ?? CONFIDENCE);
  return {
    u: u.u,
    p: u.p,
    method: u.method,
    estimate: shift.estimate,
    lower: shift.lower,
    upper: shift.upper,
    band: (rule.tolerance ?? TOLERANCE) * Math.abs(shift.estimate),
    effectSize: effectSize(rule.effectSize.measure, baseline, canary),
    ratio: meanRatio(baseline, canary),
  };
}

const fmt = (v: number): string => String(Number(v.toPrecision(4)));

/** High, Low or Pass from the figures, with the reason. */
function compare(rule: MetricRule, t: MetricTest): { cls: 'High' | 'Low' | 'Pass'; reason: string } {
  const e = rule.effectSize;
  const measure = e.measure === 'cles' ? 'CLES' : 'mean ratio';
  const effect = Number.isNaN(t.effectSize) ? `${measure} undefined` : `${measure} ${fmt(t.effectSize)}`;
  const interval = `${Math.round((rule.confidence ?? CONFIDENCE) * 100)}% interval [${fmt(t.lower)}, ${fmt(t.upper)}]`;
  const up = rule.direction !== 'decrease' && t.lower > t.band;
  const down = rule.direction !== 'increase' && t.upper < -t.band;
  const nan = Number.isNaN(t.effectSize);
  if (up && (nan || t.effectSize >= e.allowedIncrease)) {
    return { cls: 'High', reason: `canary higher: ${interval} lies above +${fmt(t.band)}, ${effect}` };
  }
  if (down && (nan || t.effectSize <= e.allowedDecrease)) {
    return { cls: 'Low', reason: `canary lower: ${interval} lies below −${fmt(t.band)}, ${effect}` };
  }
  if (up) return { cls: 'Pass', reason: `higher, but ${effect} is under ${fmt(e.allowedIncrease)}` };
  if (down) return { cls: 'Pass', reason: `lower, but ${effect} is over ${fmt(e.allowedDecrease)}` };
  const ignored =
    (rule.direction === 'increase' && t.upper < -t.band) ||
    (rule.direction === 'decrease' && t.lower > t.band);
  return {
    cls: 'Pass',
    reason: ignored
      ? `${interval} moves only the way direction ${rule.direction} allows`
      : `${interval} does not clear the band ±${fmt(t.band)}`,
  };
}

/** Whether a High/Low is past the critical effect-size limit (a NaN effect always is). */
function pastCritical(rule: MetricRule, cls: 'High' | 'Low', effect: number): boolean {
  if (Number.isNaN(effect)) return true;
  return cls === 'High'
    ? effect >= rule.effectSize.criticalIncrease
    : effect <= rule.effectSize.criticalDecrease;
}

/** Classifies one metric from the raw samples of each side. */
export function classifyMetric(
  rule: MetricRule,
  baselineRaw: readonly number[],
  canaryRaw: readonly number[],
): MetricResult {
  const baseline = transform(baselineRaw, rule);
  const canary = transform(canaryRaw, rule);
  const base = {
    name: rule.name,
    group: rule.group,
    muted: rule.muted,
    direction: rule.direction,
    baseline,
    canary,
    rawCounts: { baseline: baselineRaw.length, canary: canaryRaw.length },
  };
  if (baseline.length === 0 || canary.length === 0) {
    const side =
      baseline.length === 0 ? (canary.length === 0 ? 'either side' : 'the baseline') : 'the canary';
    if (rule.nanStrategy === 'replace') {
      return {
        ...base,
        classification: 'Pass',
        critical: false,
        reason: `no data for ${side}; nanStrategy replace passes it (as Kayenta does)`,
      };
    }
    const reason = `no data for ${side}`;
    if (rule.mustHaveData && !rule.critical) {
      return {
        ...base,
        classification: 'NodataFail',
        critical: false,
        reason: `${reason}, and mustHaveData is set`,
      };
    }
    return { ...base, classification: 'Nodata', critical: rule.critical, reason };
  }
  if (sameSorted(baseline, canary)) {
    return {
      ...base,
      classification: 'Pass',
      critical: false,
      reason: 'the canary and baseline samples are identical',
    };
  }
  if (new Set([...baseline, ...canary]).size === 1) {
    return { ...base, classification: 'Pass', critical: false, reason: 'every sample has the same value' };
  }
  let test: MetricTest;
  try {
    test = runTest(rule, baseline, canary);
  } catch (e) {
    return {
      ...base,
      classification: 'Error',
      critical: false,
      reason: e instanceof Error ? e.message : String(e),
    };
  }
  const { cls, reason } = compare(rule, test);
  const critical = rule.critical && cls !== 'Pass' && pastCritical(rule, cls, test.effectSize);
  return { ...base, classification: cls, critical, reason: critical ? `${reason} (critical)` : reason, test };
}
