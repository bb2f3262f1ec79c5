/**
 * The judge's statistics (src/analysis/judge): normal tails and quantiles, ranks, the Mann-Whitney U
 * test, the Hodges-Lehmann shift and its interval, effect sizes, NaN and outlier handling.
 *
 * Every expected number comes from outside this code:
 * - R 4.2.2 (Debian r-base-core 4.2.2.20221110-2), calls written beside each value;
 * - scipy 1.10.1 (Debian python3-scipy 1.10.1-2), `scipy.stats.mannwhitneyu`, calls beside each value;
 *   the males/females example is the one in scipy's mannwhitneyu documentation (U = 17, p = 0.1111
 *   exact, 0.11134688653314041 asymptotic), the x/y example is R's `?wilcox.test` (W = 35);
 * - Kayenta's own test suites (spinnaker/kayenta, DetectorSuite.scala) for the IQR detector;
 * - the null distribution of U for small samples as textbooks tabulate it (Gaussian binomials).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cles, meanRatio } from '../../../src/analysis/judge/effect-size.ts';
import {
  locationShift,
  pairwiseDifferences,
  wilcoxonDiff,
} from '../../../src/analysis/judge/location-shift.ts';
import { exactCounts, mannWhitneyU } from '../../../src/analysis/judge/mann-whitney.ts';
import { erfc, normalCdf, normalQuantile, normalSf } from '../../../src/analysis/judge/normal.ts';
import { averageRanks } from '../../../src/analysis/judge/ranks.ts';
import {
  applyNanStrategy,
  iqrFences,
  percentile,
  removeOutliers,
} from '../../../src/analysis/judge/transforms.ts';

const close = (actual: number, expected: number, tol: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
};

// R: x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46); y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
const R_X = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const R_Y = [1.15, 0.88, 0.9, 0.74, 1.21];
const MALES = [19, 22, 16, 29, 24];
const FEMALES = [20, 11, 17, 12];
const TIES_X = [1, 2, 2, 3, 3, 3, 4];
const TIES_Y = [2, 3, 4, 4, 5, 5, 6];
// R: x60 <- (1:60) * 1.5 + 0.25; y55 <- (1:55) * 1.4 (over R's exact limit of 50: normal approximation)
const X60 = Array.from({ length: 60 }, (_, i) => (i + 1) * 1.5 + 0.25);
const Y55 = Array.from({ length: 55 }, (_, i) => (i + 1) * 1.4);
const SHIFT_X = [10.1, 10.4, 9.8, 10.9, 11.2, 10.6, 10.0, 10.7, 11.5, 10.3];
const SHIFT_Y = [9.1, 9.4, 8.8, 9.9, 9.2, 9.6, 9.0, 9.7, 9.5, 9.3];

describe('normal distribution', () => {
  // R: pnorm(...), qnorm(...), erfc(x) = 2 * pnorm(-x * sqrt(2))
  const table: [string, () => number, number, number][] = [
    ['qnorm(0.01)', () => normalQuantile(0.01), -2.3263478740408408, 1e-12],
    ['qnorm(0.975)', () => normalQuantile(0.975), 1.9599639845400536, 1e-12],
    ['pnorm(1.96, lower.tail = FALSE)', () => normalSf(1.96), 0.024997895148220428, 1e-15],
    ['pnorm(-3)', () => normalCdf(-3), 0.0013498980316300946, 1e-16],
    ['pnorm(0.5)', () => normalCdf(0.5), 0.69146246127401301, 1e-14],
    ['pnorm(8, lower.tail = FALSE)', () => normalSf(8), 6.2209605742717849e-16, 1e-28],
    ['erfc(2.5)', () => erfc(2.5), 0.00040695201744495865, 1e-17],
    ['erfc(1)', () => erfc(1), 0.15729920705028513, 1e-15],
  ];
  for (const [what, f, want, tol] of table)
    test(what, () => {
      close(f(), want, tol, what);
    });
  test('a probability outside (0, 1) has no quantile', () => {
    assert.throws(() => normalQuantile(1), /must be in \(0, 1\)/);
  });
});

describe('averageRanks', () => {
  test('ties share their mean rank (R: rank(c(3,1,4,1,5,9,2,6,5,3,5)))', () => {
    const { ranks, ties } = averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);
    assert.deepEqual(ranks, [4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8]);
    assert.deepEqual([...ties].sort(), [2, 2, 3]);
  });
  test('infinities rank at the ends', () => {
    assert.deepEqual(averageRanks([Infinity, 0, -Infinity]).ranks, [3, 2, 1]);
  });
});

describe('exact null distribution of U', () => {
  // Number of arrangements for each U = 0..m·n: the coefficients of the Gaussian binomial [m+n choose m].
  test('m = n = 2', () => {
    assert.deepEqual(exactCounts(2, 2), [1, 1, 2, 1, 1]);
  });
  test('m = n = 3', () => {
    assert.deepEqual(exactCounts(3, 3), [1, 1, 2, 3, 3, 3, 3, 2, 1, 1]);
  });
  test('m = 1, n = 3', () => {
    assert.deepEqual(exactCounts(1, 3), [1, 1, 1, 1]);
  });
  test('the counts add up to (m+n choose m) (10 choose 4 = 210)', () => {
    assert.equal(
      exactCounts(4, 6).reduce((s, c) => s + c, 0),
      210,
    );
  });
});

describe('mannWhitneyU', () => {
  const table: [string, number[], number[], 'auto' | 'normal', number, number, 'exact' | 'normal'][] = [
    // scipy: mannwhitneyu(males, females, method="exact") → statistic=17.0, pvalue=0.1111111111111111
    ['scipy docs, exact', MALES, FEMALES, 'auto', 17, 0.1111111111111111, 'exact'],
    // scipy: mannwhitneyu(males, females, method="asymptotic") → pvalue=0.11134688653314041
    ['scipy docs, asymptotic', MALES, FEMALES, 'normal', 17, 0.11134688653314041, 'normal'],
    // R: wilcox.test(x, y) → W = 35, p-value = 0.254412254412254
    ['R docs, exact', R_X, R_Y, 'auto', 35, 0.254412254412254, 'exact'],
    // R: wilcox.test(x, y, exact = FALSE) → p-value = 0.244623605126983
    ['R docs, normal', R_X, R_Y, 'normal', 35, 0.244623605126983, 'normal'],
    // R: wilcox.test(c(1,2,2,3,3,3,4), c(2,3,4,4,5,5,6)) → W = 8.5, p = 0.0430514327289452 (ties: normal)
    ['ties', TIES_X, TIES_Y, 'auto', 8.5, 0.0430514327289452, 'normal'],
    // R: wilcox.test(x60, y55) → W = 1899, p-value = 0.164124504756974 (n ≥ 50: normal)
    ['over the exact limit', X60, Y55, 'auto', 1899, 0.164124504756974, 'normal'],
    // R: wilcox.test(shift x, shift y) → W = 99, p-value = 2.16501764489381e-05
    ['clear shift', SHIFT_X, SHIFT_Y, 'auto', 99, 2.16501764489381e-5, 'exact'],
    // scipy: mannwhitneyu([2], [1], method="exact") → statistic=1.0, pvalue=1.0
    ['1 vs 1', [2], [1], 'auto', 1, 1, 'exact'],
    // scipy: mannwhitneyu([5], [1, 2, 3], method="exact") → statistic=3.0, pvalue=0.5
    ['1 vs 3', [5], [1, 2, 3], 'auto', 3, 0.5, 'exact'],
    // R: wilcox.test(5, c(1, 2, 3), exact = FALSE) → p-value = 0.371093369522698
    ['1 vs 3, normal', [5], [1, 2, 3], 'normal', 3, 0.371093369522698, 'normal'],
    // identical samples: U = m·n/2 and the statistic is centred: p = 1 (R: wilcox.test(1:5, 5:1))
    ['identical samples', [1, 2, 3, 4, 5], [5, 4, 3, 2, 1], 'auto', 12.5, 1, 'normal'],
  ];
  for (const [what, x, y, method, u, p, used] of table) {
    test(what, () => {
      const r = mannWhitneyU(x, y, method);
      assert.equal(r.u, u);
      assert.equal(r.uOther, x.length * y.length - u);
      assert.equal(r.method, used);
      close(r.p, p, Math.max(1e-12, p * 1e-9), `p of ${what}`);
    });
  }
  test('an empty sample is refused', () => {
    assert.throws(() => mannWhitneyU([], [1]), /needs values in both samples/);
  });
});

/** d is where R's statistic wdiff(·, 0) crosses zero: non-negative 1e-3 left of it (R stops within 1e-4), non-positive 1e-3 right. */
function assertRoot(d: number, x: number[], y: number[]): void {
  assert.ok(wilcoxonDiff(d - 1e-3, 0, x, y) >= 0, `statistic left of ${d}`);
  assert.ok(wilcoxonDiff(d + 1e-3, 0, x, y) <= 0, `statistic right of ${d}`);
}

describe('locationShift (Hodges-Lehmann, asymptotic interval)', () => {
  // R: wilcox.test(x, y, conf.int = TRUE, conf.level = 0.98, exact = FALSE, correct = TRUE)$conf.int.
  // R's uniroot stops at tol = 1e-4 short of the step it converges to, so the bounds are compared
  // at 1e-3; the estimate is the median of the differences, R's exact-case estimate (conf.int = TRUE).
  const table: [string, number[], number[], number, number, number][] = [
    // R: conf.int -0.31999721322183 0.989946182062034; exact estimate 0.305
    ['R docs', R_X, R_Y, -0.32, 0.99, 0.305],
    // R: conf.int -4 18 (both ends: the statistic never crosses inside); exact estimate 7
    ['scipy docs', MALES, FEMALES, -4, 18, 7],
    // R: conf.int 0.600037421949598 1.79996495785736; exact estimate (conf.int = TRUE) 1.2
    ['clear shift', SHIFT_X, SHIFT_Y, 0.6, 1.8, 1.2],
    // R: conf.int 2 4, estimate 3
    ['1 vs 3', [5], [1, 2, 3], 2, 4, 3],
  ];
  for (const [what, x, y, lower, upper, estimate] of table) {
    test(what, () => {
      const s = locationShift(x, y, 0.98);
      close(s.lower, lower, 1e-3, 'lower');
      close(s.upper, upper, 1e-3, 'upper');
      close(s.estimate, estimate, 1e-9, 'estimate');
    });
  }
  test('with ties (R: conf.int -3.00008568790621 7.69272416241258e-06)', () => {
    const s = locationShift(TIES_X, TIES_Y, 0.98);
    close(s.lower, -3, 1e-3, 'lower');
    close(s.upper, 0, 1e-3, 'upper');
    // R's asymptotic estimate (-1.99990598885357) is a root of the same statistic; ours is the median.
    close(s.estimate, -2, 1e-9, 'estimate');
    assertRoot(s.estimate, TIES_X, TIES_Y);
    assertRoot(-1.99990598885357, TIES_X, TIES_Y);
  });
  test('over the exact limit (R: conf.int -4.74998312525286 18.3499448971473)', () => {
    const s = locationShift(X60, Y55, 0.98);
    close(s.lower, -4.75, 1e-3, 'lower');
    close(s.upper, 18.35, 1e-3, 'upper');
    // R's asymptotic estimate 6.81251840166554 lies in the same zero region of the statistic as ours.
    assertRoot(s.estimate, X60, Y55);
    assertRoot(6.81251840166554, X60, Y55);
  });
  test('1 vs 1: the one difference (R cannot compute this interval)', () => {
    assert.deepEqual(locationShift([2], [1], 0.98), { estimate: 1, lower: 1, upper: 1, confidence: 0.98 });
  });
  test('two constants: the exact shift (Kayenta adds noise here instead)', () => {
    assert.deepEqual(locationShift([5, 5, 5], [3, 3], 0.98), {
      estimate: 2,
      lower: 2,
      upper: 2,
      confidence: 0.98,
    });
  });
  test('the interval holds the estimate and widens with the confidence', () => {
    const narrow = locationShift(SHIFT_X, SHIFT_Y, 0.8);
    const wide = locationShift(SHIFT_X, SHIFT_Y, 0.98);
    assert.ok(wide.lower <= narrow.lower && narrow.upper <= wide.upper);
    assert.ok(narrow.lower <= narrow.estimate && narrow.estimate <= narrow.upper);
  });
  test('too many pairs are refused with advice', () => {
    assert.throws(
      () => pairwiseDifferences(new Array<number>(2001).fill(1), new Array<number>(2000).fill(1)),
      /coarser step/,
    );
  });
});

describe('effect sizes', () => {
  test('mean ratio: canary mean over baseline mean; NaN when a mean is 0', () => {
    assert.equal(meanRatio([1, 3], [4, 8]), 3);
    assert.ok(Number.isNaN(meanRatio([0, 0], [1, 2])));
    assert.ok(Number.isNaN(meanRatio([1, 2], [-1, 1])));
  });
  test('CLES = U / (m·n) (scipy docs: U = 17 of 20 pairs)', () => {
    assert.equal(cles(FEMALES, MALES), 17 / 20);
    // R docs: W = 35 of 50 pairs
    close(cles(R_Y, R_X), 35 / 50, 1e-15, 'cles');
    assert.equal(cles([1, 2], [1, 2]), 0.5);
  });
});

describe('NaN strategy and outliers', () => {
  test('remove drops NaN and ±Inf; replace makes them 0', () => {
    assert.deepEqual(applyNanStrategy([1, NaN, 2, Infinity, -Infinity], 'remove'), [1, 2]);
    assert.deepEqual(applyNanStrategy([1, NaN, 2, Infinity], 'replace'), [1, 0, 2, 0]);
    assert.deepEqual(applyNanStrategy([NaN, NaN], 'remove'), []);
    assert.deepEqual(applyNanStrategy([], 'replace'), []);
  });
  test('percentile, R type 7 (R: quantile(x, c(.01,.25,.5,.75,.99), type = 7))', () => {
    const sorted = [21, 23, 24, 25, 50, 29, 23, 21].sort((a, b) => a - b);
    const got = [1, 25, 50, 75, 99].map((p) => percentile(sorted, p));
    [21, 22.5, 23.5, 26, 48.529999999999994].forEach((want, i) => {
      close(got[i] ?? NaN, want, 1e-12, `p${i}`);
    });
  });
  // Kayenta DetectorSuite "IQR Detection", "IQR Detect Two Sided", "IQR NIST Test" (factor 1.5, full sensitivity)
  const kayenta: [string, number[], boolean[]][] = [
    [
      'IQR Detection',
      [21, 23, 24, 25, 50, 29, 23, 21],
      [false, false, false, false, true, false, false, false],
    ],
    [
      'IQR Detect Two Sided',
      [1, 1, 1, 5, -1, -1, -1, -5],
      [false, false, false, true, false, false, false, true],
    ],
    [
      'IQR NIST Test',
      [
        30, 171, 184, 201, 212, 250, 265, 270, 272, 289, 305, 306, 322, 322, 336, 346, 351, 370, 390, 404,
        409, 411, 436, 437, 439, 441, 444, 448, 451, 453, 470, 480, 482, 487, 494, 495, 499, 503, 514, 521,
        522, 527, 548, 550, 559, 560, 570, 572, 574, 578, 585, 592, 592, 607, 616, 618, 621, 629, 637, 638,
        640, 656, 668, 707, 709, 719, 737, 739, 752, 758, 766, 792, 792, 794, 802, 818, 830, 832, 843, 858,
        860, 869, 918, 925, 953, 991, 1000, 1005, 1068, 1441,
      ],
      [...new Array<boolean>(89).fill(false), true],
    ],
  ];
  for (const [what, data, outliers] of kayenta) {
    test(`Kayenta ${what}`, () => {
      const { lower, upper } = iqrFences(data, 1.5, false);
      assert.deepEqual(
        data.map((v) => v < lower || v > upper),
        outliers,
      );
    });
  }
  test('reduced sensitivity keeps what lies within the 1st–99th percentiles', () => {
    // factor 0 makes the IQR fences Q1 and Q3; the percentile fences keep all but the extremes.
    const data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100];
    const kept = removeOutliers(data, 0);
    const { lower, upper } = iqrFences(data, 0);
    close(
      lower,
      percentile(
        [...data].sort((a, b) => a - b),
        1,
      ),
      1e-12,
      'lower fence',
    );
    assert.ok(upper < 100 && upper > 9);
    assert.deepEqual(kept, [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(removeOutliers([], 3), []);
  });
});
