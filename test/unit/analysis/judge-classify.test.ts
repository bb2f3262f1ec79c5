/**
 * The judge's metric classes and score (src/analysis/judge/classify.ts, score.ts). The expected
 * classes are the outcomes Kayenta's own suites publish for the same inputs and settings
 * (spinnaker/kayenta: kayenta-judge/src/test/scala/.../ClassifierSuite.scala and ScorerSuite.scala,
 * test names quoted); the rest are Kayenta's documented rules applied by hand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyMetric, judge, scoreMetrics, verdictOf } from '../../../src/analysis/judge/index.ts';
import type { Classification, MetricResult, MetricRule } from '../../../src/analysis/judge/index.ts';
import { judgeRule } from './judge-fixtures.ts';

const rule = judgeRule;

/** Kayenta's ClassifierSuite runs these with tolerance 0.10 and confidence 0.95. */
const SUITE = { tolerance: 0.1, confidence: 0.95 };
const HIGH_EXP = [20, 22, 21, 25, 30];
const HIGH_CTL = [1, 2.2, 1.1, 2.5, 3];

describe('classifyMetric: Kayenta ClassifierSuite outcomes', () => {
  const table: [string, MetricRule, number[], number[], Classification, boolean][] = [
    [
      'Mean Ratio Effect Size: High',
      rule(SUITE, { allowedDecrease: 0.8, allowedIncrease: 1.2 }),
      HIGH_CTL,
      HIGH_EXP,
      'High',
      false,
    ],
    [
      'Mean Ratio Effect Size: Pass',
      rule(SUITE, { allowedDecrease: 0.5, allowedIncrease: 1 }),
      [20, 22, 21, 25, 30],
      [10, 12.2, 10.1, 12.5, 23],
      'Pass',
      false,
    ],
    [
      'Critical Effect Size: Critical High',
      rule({ ...SUITE, critical: true }, { criticalDecrease: 1, criticalIncrease: 1.2 }),
      HIGH_CTL,
      HIGH_EXP,
      'High',
      true,
    ],
    [
      'Critical Effect Size: Critical Low',
      rule({ ...SUITE, critical: true }, { criticalDecrease: 1.2, criticalIncrease: 1 }),
      [10, 20.2, 10.1, 20.5, 30],
      [2, 2, 2, 2, 3],
      'Low',
      true,
    ],
    [
      'Critical Effect Size: High (not past the critical limit)',
      rule({ ...SUITE, critical: true }, { allowedDecrease: 1, allowedIncrease: 5, criticalIncrease: 13 }),
      HIGH_CTL,
      HIGH_EXP,
      'High',
      false,
    ],
    [
      'Critical Effect Size: Pass',
      rule({ ...SUITE, critical: true }, { allowedDecrease: 1, allowedIncrease: 13, criticalIncrease: 15 }),
      HIGH_CTL,
      HIGH_EXP,
      'Pass',
      false,
    ],
    [
      'Critical High (Default Thresholds)',
      rule({ ...SUITE, critical: true }),
      HIGH_CTL,
      HIGH_EXP,
      'High',
      true,
    ],
    ['Tied Observations', rule({ ...SUITE, direction: 'decrease' }), [1, 1], [1, 1, 1], 'Pass', false],
    [
      'Identical Populations',
      rule({ ...SUITE, direction: 'decrease' }),
      [5, 4, 3, 2, 1],
      [1, 2, 3, 4, 5],
      'Pass',
      false,
    ],
    [
      'Leading Zero Identical Population',
      rule({ ...SUITE, direction: 'decrease' }),
      [1, 1, 1, 1, 1],
      [0, 1, 1, 1, 1],
      'Pass',
      false,
    ],
    [
      'Missing Experiment Data',
      rule({ ...SUITE, direction: 'decrease' }),
      [1, 2, 3, 4, 5],
      [],
      'Nodata',
      false,
    ],
    [
      'Missing Experiment Data: Critical Metric',
      rule({ ...SUITE, direction: 'decrease', critical: true }),
      [1, 2, 3, 4, 5],
      [],
      'Nodata',
      true,
    ],
    [
      'Missing Experiment Data with NaN Replacement',
      rule({ ...SUITE, direction: 'decrease', nanStrategy: 'replace' }),
      [1, 2, 3, 4, 5],
      [],
      'Pass',
      false,
    ],
  ];
  for (const [what, r, baseline, canary, cls, critical] of table) {
    test(what, () => {
      const got = classifyMetric(r, baseline, canary);
      assert.equal(got.classification, cls, got.reason);
      assert.equal(got.critical, critical);
      assert.ok(got.reason.length > 0);
    });
  }
});

describe('classifyMetric: the judge settings (0.25, 0.98)', () => {
  const worse = [10, 11, 12, 10, 11, 13, 12, 11, 10, 12];
  const base = [5, 6, 5, 7, 6, 5, 6, 7, 5, 6];
  test('direction decides which change fails', () => {
    assert.equal(classifyMetric(rule({ direction: 'increase' }), base, worse).classification, 'High');
    assert.equal(classifyMetric(rule({ direction: 'either' }), base, worse).classification, 'High');
    const dec = classifyMetric(rule({ direction: 'decrease' }), base, worse);
    assert.equal(dec.classification, 'Pass');
    assert.match(dec.reason, /only the way direction decrease allows/);
    assert.equal(classifyMetric(rule({ direction: 'decrease' }), worse, base).classification, 'Low');
  });
  test('a High carries the test figures and says why', () => {
    const r = classifyMetric(rule(), base, worse);
    assert.ok(r.test);
    assert.equal(r.test.u, 100); // every canary value is above every baseline value
    assert.ok(r.test.lower > r.test.band);
    assert.equal(r.test.band, 0.25 * Math.abs(r.test.estimate));
    assert.match(r.reason, /^canary higher: 98% interval \[.*\] lies above \+/);
  });
  test('an effect under allowedIncrease passes', () => {
    const r = classifyMetric(rule({}, { allowedIncrease: 3 }), base, worse);
    assert.equal(r.classification, 'Pass');
    assert.match(r.reason, /mean ratio 1\.\d+ is under 3/);
  });
  test('CLES: every canary value higher is 1', () => {
    const r = classifyMetric(rule({}, { measure: 'cles', allowedIncrease: 0.5 }), base, worse);
    assert.equal(r.test?.effectSize, 1);
    assert.equal(r.classification, 'High');
  });
  test('a small overlapping shift stays inside the band', () => {
    const r = classifyMetric(rule(), [5, 6, 7, 8, 9, 10], [5.5, 6.5, 7.5, 8.5, 9.5, 10.5]);
    assert.equal(r.classification, 'Pass');
    assert.match(r.reason, /does not clear the band/);
  });
  test('two constants: the exact shift decides', () => {
    assert.equal(classifyMetric(rule(), [1, 1, 1], [2, 2, 2]).classification, 'High');
  });
  test('all NaN: no data, or Pass under replace (0 against 0)', () => {
    assert.equal(classifyMetric(rule(), [NaN, NaN], [NaN]).classification, 'Nodata');
    const replaced = classifyMetric(rule({ nanStrategy: 'replace' }), [NaN, NaN], [NaN]);
    assert.equal(replaced.classification, 'Pass');
    assert.match(replaced.reason, /identical|same value/);
  });
  test('empty with mustHaveData is NodataFail, unless critical', () => {
    assert.equal(classifyMetric(rule({ mustHaveData: true }), [], [1]).classification, 'NodataFail');
    const crit = classifyMetric(rule({ mustHaveData: true, critical: true }), [], []);
    assert.equal(crit.classification, 'Nodata');
    assert.equal(crit.critical, true);
  });
  test('outlier removal drops a spike before the test', () => {
    const spiky = [5, 6, 5, 7, 6, 5, 6, 7, 5, 600];
    const kept = classifyMetric(rule({ outlierFactor: 3 }), base, spiky);
    assert.equal(kept.canary.length, 9);
    assert.equal(kept.rawCounts.canary, 10);
  });
  test('too many samples is an Error, not a verdict', () => {
    const many = Array.from({ length: 2001 }, (_, i) => i);
    const r = classifyMetric(
      rule(),
      many,
      many.map((v) => v + 0.5),
    );
    assert.equal(r.classification, 'Error');
    assert.match(r.reason, /coarser step/);
  });
});

function result(
  classification: Classification,
  group: string,
  critical = false,
  muted = false,
): MetricResult {
  return {
    name: `${group}-${classification}`,
    group,
    classification,
    reason: 'r',
    critical,
    muted,
    direction: 'either',
    baseline: [],
    canary: [],
    rawCounts: { baseline: 0, canary: 0 },
  };
}

describe('scoreMetrics: Kayenta ScorerSuite outcomes', () => {
  const t = { pass: 90, marginal: 75 };
  const table: [string, MetricResult[], Record<string, number>, number][] = [
    ['Single Metric Pass', [result('Pass', 'g')], {}, 100],
    ['Single Metric Fail', [result('High', 'g')], {}, 0],
    ['Single group Nodata', [result('Nodata', 'g')], {}, 0],
    [
      'Two Groups, one Pass, one Nodata',
      [result('Pass', 'a'), result('Pass', 'a'), result('Nodata', 'b')],
      {},
      100,
    ],
    ['One Group, Two Metrics', [result('Pass', 'g'), result('High', 'g')], {}, 50],
    ['One Group, Three Metrics', [result('Pass', 'g'), result('High', 'g'), result('Low', 'g')], {}, 33.33],
    [
      'Two Groups, Three Metrics',
      [result('Pass', 'g1'), result('Pass', 'g1'), result('High', 'g2')],
      { g1: 75, g2: 25 },
      75,
    ],
    [
      'Two Groups (Equal Weight)',
      [result('Pass', 'g1'), result('High', 'g1'), result('High', 'g2')],
      { g1: 50, g2: 50 },
      25,
    ],
    [
      'Equal Weight, one NoData',
      [result('Pass', 'g1'), result('Nodata', 'g1'), result('High', 'g2')],
      { g1: 50, g2: 50 },
      50,
    ],
    ['one good (normal), one fail (critical)', [result('Pass', 'a'), result('High', 'b', true)], {}, 0],
    ['one low (normal), one good (critical)', [result('Low', 'a'), result('Pass', 'b', true)], {}, 50],
    ['one good (normal), one nodata (critical)', [result('Pass', 'a'), result('Nodata', 'b', true)], {}, 0],
    [
      'Two Groups (Unequal Weight), Four Metrics',
      [result('High', 'g1'), result('Low', 'g1'), result('Pass', 'g1'), result('High', 'g2')],
      { g1: 15, g2: 85 },
      5,
    ],
  ];
  for (const [what, metrics, weights, score] of table) {
    test(what, () => {
      assert.equal(scoreMetrics(metrics, weights, t).score, score);
    });
  }
  test('unweighted groups share what the weights leave', () => {
    const j = scoreMetrics([result('Pass', 'a'), result('High', 'b'), result('High', 'c')], { a: 60 }, t);
    assert.deepEqual(
      j.groups.map((g) => [g.name, g.weight, g.score]),
      [
        ['a', 60, 100],
        ['b', 20, 0],
        ['c', 20, 0],
      ],
    );
    assert.equal(j.score, 60);
    assert.equal(j.verdict, 'Fail');
  });
  test('muted metrics are kept but not scored', () => {
    const j = scoreMetrics([result('Pass', 'a'), result('High', 'a', true, true)], {}, t);
    assert.equal(j.score, 100);
    assert.equal(j.metrics.length, 2);
  });
  test('no metrics scores 0', () => {
    assert.equal(scoreMetrics([], {}, t).score, 0);
  });
  test('a critical failure and too much Nodata say why', () => {
    assert.match(
      scoreMetrics([result('High', 'a', true)], {}, t).reason ?? '',
      /critical metric a-High is High/,
    );
    assert.match(
      scoreMetrics([result('Nodata', 'a'), result('Pass', 'b')], {}, t).reason ?? '',
      /1 of 2 metrics had no data/,
    );
  });
});

describe('verdict thresholds (Kayenta ThresholdScoreClassifier; Argo passes 90 and 75)', () => {
  const t = { pass: 90, marginal: 75 };
  const table: [number, string][] = [
    [100, 'Pass'],
    [90, 'Pass'],
    [89.99, 'Marginal'],
    [75, 'Marginal'],
    [74.99, 'Fail'],
    [0, 'Fail'],
  ];
  for (const [score, verdict] of table)
    test(`${score} → ${verdict}`, () => {
      assert.equal(verdictOf(score, t), verdict);
    });
});

describe('judge', () => {
  test('a clearly worse canary fails; the same one passes', () => {
    const baseline = [1, 2, 1, 3, 2, 1, 2, 2, 1, 3, 2, 1];
    const worse = baseline.map((v) => v * 4 + 5);
    const r = rule({ direction: 'increase' });
    const t = { pass: 90, marginal: 75 };
    assert.equal(judge([{ rule: r, baseline, canary: worse }], t).verdict, 'Fail');
    assert.equal(judge([{ rule: r, baseline, canary: [...baseline].reverse() }], t).verdict, 'Pass');
  });
});
