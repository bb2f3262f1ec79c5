/** The judge's configuration and results (Kayenta's NetflixACAJudge, in rollout-pilot's terms). */

import type { EffectSizeMeasure } from './effect-size.ts';
import type { NanStrategy } from './transforms.ts';

/** Which change is bad: a rise (`increase`), a fall (`decrease`), or any (`either`, the default). */
export type Direction = 'increase' | 'decrease' | 'either';

/** Kayenta's metric classes. NodataFail is Kayenta's NodataFailMetric: no data where data was required. */
export type Classification = 'Pass' | 'High' | 'Low' | 'Nodata' | 'NodataFail' | 'Error';

export type Verdict = 'Pass' | 'Marginal' | 'Fail';

export interface EffectSizeRule {
  measure: EffectSizeMeasure;
  /** High needs an effect of at least this (mean ratio 1.0, CLES 0.5 by default). */
  allowedIncrease: number;
  /** Low needs an effect of at most this. */
  allowedDecrease: number;
  /** A critical metric fails the whole judgement only past these. */
  criticalIncrease: number;
  criticalDecrease: number;
}

export interface MetricRule {
  name: string;
  /** Scoring group (default: the metric's name, so each metric weighs the same). */
  group: string;
  direction: Direction;
  nanStrategy: NanStrategy;
  /** IQR outlier removal factor; undefined keeps outliers. */
  outlierFactor?: number | undefined;
  critical: boolean;
  mustHaveData: boolean;
  /** Muted metrics are shown but not scored. */
  muted: boolean;
  effectSize: EffectSizeRule;
  /** Kayenta's classifier settings; the judge fixes them at 0.25 and 0.98 (set only by tests). */
  tolerance?: number;
  confidence?: number;
}

export interface Thresholds {
  pass: number;
  marginal: number;
}

/** The Mann-Whitney figures behind a classification. */
export interface MetricTest {
  u: number;
  p: number;
  method: 'exact' | 'normal';
  estimate: number;
  lower: number;
  upper: number;
  /** The tolerance band ±0.25·|estimate| the interval must clear. */
  band: number;
  effectSize: number;
  /** mean(canary) / mean(baseline), NaN when a mean is 0 (Kayenta's "deviation"). */
  ratio: number;
}

export interface MetricResult {
  name: string;
  group: string;
  classification: Classification;
  /** Why, in a sentence a reviewer can check against the numbers. */
  reason: string;
  /** A High/Low (or Nodata) that fails the whole judgement. */
  critical: boolean;
  muted: boolean;
  direction: Direction;
  /** The samples after the NaN strategy and outlier removal. */
  baseline: number[];
  canary: number[];
  /** How many samples each side had before the transforms. */
  rawCounts: { baseline: number; canary: number };
  test?: MetricTest;
}

export interface GroupScore {
  name: string;
  /** pass / (pass + high + low + nodataFail) · 100; undefined when the group scored nothing. */
  score: number | undefined;
  weight: number;
}

export interface Judgement {
  score: number;
  verdict: Verdict;
  thresholds: Thresholds;
  groups: GroupScore[];
  metrics: MetricResult[];
  /** Set when a rule forced the score to 0 (a critical metric, too many Nodata). */
  reason?: string;
}

/** Kayenta's fixed test settings. */
export const CONFIDENCE = 0.98;
export const TOLERANCE = 0.25;
export const DEFAULT_THRESHOLDS: Thresholds = { pass: 90, marginal: 75 };
export const DEFAULT_OUTLIER_FACTOR = 3;
/** Nodata in at least this share (percent) of the scored metrics fails the judgement. */
export const NODATA_THRESHOLD = 50;
