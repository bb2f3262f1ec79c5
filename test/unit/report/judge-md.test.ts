/** The judge's Markdown (src/report/judge-md.ts) and the stored summary it reads (summary.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Measurement } from '../../../src/analysis/engine/types.ts';
import { judge } from '../../../src/analysis/judge/index.ts';
import type { AnalysisRecord } from '../../../src/analysis/templates.ts';
import { DETAIL_LEVELS, renderRun } from '../../../src/report/analysis-md.ts';
import { judgeRule } from '../analysis/judge-fixtures.ts';
import { parseJudgeSummary, summarize, type JudgeSummary } from '../../../src/analysis/judge/summary.ts';
import {
  distributionChart,
  judgeSection,
  num,
  renderJudgement,
  sparkline,
} from '../../../src/report/judge-md.ts';

const SUMMARY: JudgeSummary = {
  score: 50,
  verdict: 'Fail',
  thresholds: [90, 75],
  groups: [
    { name: 'errors', score: 0, weight: 50 },
    { name: 'latency', score: 100, weight: 50 },
  ],
  metrics: [
    {
      name: 'errors',
      group: 'errors',
      class: 'High',
      reason: 'canary higher: 98% interval [7, 12] lies above +2.75, mean ratio 6.857',
      critical: false,
      muted: false,
      direction: 'increase',
      n: [12, 12],
      raw: [12, 12],
      test: {
        u: 144,
        p: 0.00002626,
        method: 'normal',
        estimate: 11,
        ci: [7, 12],
        band: 2.75,
        effect: 6.857,
        ratio: 6.857,
      },
      quantiles: [
        [1, 1, 2, 2, 3, 1.75],
        [9, 9, 13, 13, 17, 12],
      ],
      histogram: {
        range: [1, 17],
        counts: [
          [10, 2, 0, 0, 0, 0, 0, 0],
          [0, 0, 0, 0, 5, 0, 5, 2],
        ],
      },
    },
    {
      name: 'latency|p99',
      group: 'latency',
      class: 'Nodata',
      reason: 'no data for the canary',
      critical: true,
      muted: false,
      direction: 'either',
      n: [6, 0],
      raw: [6, 0],
    },
  ],
};

describe('judge markdown', () => {
  test('numbers: 4 significant digits, signed on request, a dash for none', () => {
    assert.equal(num(0.000026261), '0.00002626');
    assert.equal(num(11, true), '+11');
    assert.equal(num(-0.5, true), '-0.5');
    assert.equal(num(null), '—');
    assert.equal(num(NaN), '—');
  });

  test('sparkline: one scale, a dot for an empty bin', () => {
    assert.equal(sparkline([0, 1, 4, 8], 8), '·▁▄█');
    assert.equal(sparkline([2, 2], 4), '▄▄');
    assert.equal(sparkline([0, 0], 0), '··');
  });

  test('the verdict, the groups and one row per metric', () => {
    const md = renderJudgement(SUMMARY).join('\n');
    assert.match(md, /^❌ \*\*Judge: Fail\*\*, score 50 of 100 \(Pass from 90, Marginal from 75\)\./);
    assert.match(md, /Groups: errors 0 \(weight 50\) · latency 100 \(weight 50\)\./);
    assert.ok(
      md.includes(
        '| `errors` | increase | 🔺 High | +11 [+7, +12] ±2.75 | U 144 of 144, p 0.00002626 (normal) | canary higher: 98% interval [7, 12] lies above +2.75, mean ratio 6.857 |',
      ),
      md,
    );
    assert.ok(
      md.includes('| `latency\\|p99` | either | ∅ Nodata (critical) | — | — | no data for the canary |'),
      md,
    );
  });

  test('both distributions on one axis, with their medians', () => {
    const metric = SUMMARY.metrics[0];
    assert.ok(metric);
    assert.deepEqual(distributionChart(metric), [
      'baseline █▂······  median 2, middle half 1–2, mean 1.75, n 12',
      'canary   ····▄·▄▂  median 13, middle half 9–13, mean 12, n 12',
      '         1 … 17',
    ]);
    const second = SUMMARY.metrics[1];
    assert.ok(second);
    assert.deepEqual(distributionChart(second), []);
  });

  test('a forced score says why', () => {
    const md = renderJudgement({
      ...SUMMARY,
      score: 0,
      reason: 'critical metric latency|p99 is Nodata',
    }).join('\n');
    assert.match(md, /Score set to 0: critical metric latency\|p99 is Nodata\./);
  });
});

describe('judgeSection', () => {
  const m = (value: string): Measurement => ({ phase: 'Failed', value, startedAt: '2026-12-06T10:00:00Z' });
  test('renders the newest judge value, skipping others', () => {
    const md = judgeSection([
      m(JSON.stringify(SUMMARY)),
      m('[0.2]'),
      m(JSON.stringify({ ...SUMMARY, verdict: 'Pass', score: 100 })),
    ]);
    assert.equal(md[0], "**The judge's comparison** (measurement 3):");
    assert.match(md.join('\n'), /Judge: Pass\*\*, score 100/);
  });
  test('nothing for other values, or a value cut at the size cap', () => {
    assert.deepEqual(
      judgeSection([m('[0.2]'), m(`${JSON.stringify(SUMMARY).slice(0, 100)} …[truncated]`)]),
      [],
    );
    assert.equal(parseJudgeSummary('{"score":"x"}'), undefined);
  });
});

describe('summarize', () => {
  const rule = judgeRule({ name: 'errors', group: 'errors', direction: 'increase' });
  test('quantiles, a shared histogram, and a round trip through the stored text', () => {
    const baseline = [1, 2, 3, 4, 5, 6, 7, 8];
    const canary = [9, 10, 11, 12, 13, 14, 15, 16];
    const s = summarize(judge([{ rule, baseline, canary }], { pass: 90, marginal: 75 }));
    const metric = s.metrics[0];
    // R: quantile(1:8, c(.25, .5, .75), type = 7) → 2.75 4.5 6.25
    assert.deepEqual(metric?.quantiles?.[0], [1, 2.75, 4.5, 6.25, 8, 4.5]);
    // 8 bins of width 15 / 8 = 1.875 from 1: two values in each.
    assert.deepEqual(metric?.histogram, {
      range: [1, 16],
      counts: [
        [2, 2, 2, 2, 0, 0, 0, 0],
        [0, 0, 0, 0, 2, 2, 2, 2],
      ],
    });
    assert.equal(metric?.test?.u, 64);
    assert.deepEqual(parseJudgeSummary(JSON.stringify(s)), s);
  });
  test('six metrics with long reasons stay within the 4 KiB a value may take', () => {
    const noisy = Array.from({ length: 60 }, (_, i) => Math.sin(i) * 100 + 1000.123456);
    const many = Array.from({ length: 6 }, (_, i) => ({
      rule: {
        ...rule,
        name: `metric-with-a-long-name-${i}`,
        group: `group-${i}`,
        direction: 'either' as const,
      },
      baseline: noisy,
      canary: noisy.map((v) => v * 1.5 + 0.001),
    }));
    const text = JSON.stringify(summarize(judge(many, { pass: 90, marginal: 75 })));
    assert.ok(Buffer.byteLength(text) <= 4096, `${Buffer.byteLength(text)} bytes`);
  });
});

describe('in the analysis section', () => {
  const record: AnalysisRecord = {
    id: 'h1-2-judge',
    kind: 'Step',
    podHash: 'h1',
    args: {},
    secretArgs: [],
    spec: { metrics: [{ name: 'compare', count: 1, provider: { judge: {} } }] },
    state: {
      phase: 'Failed',
      startedAt: '2026-12-06T10:00:00Z',
      metrics: [
        {
          name: 'compare',
          phase: 'Failed',
          measurements: [
            { phase: 'Failed', value: JSON.stringify(SUMMARY), startedAt: '2026-12-06T10:00:00Z' },
          ],
          count: 1,
          successful: 0,
          failed: 1,
          inconclusive: 0,
          error: 0,
          consecutiveError: 0,
          consecutiveSuccess: 0,
          dryRun: false,
        },
      ],
    },
  };
  test('a judge measurement shows the comparison while charts fit', () => {
    const [fullest] = DETAIL_LEVELS;
    const tightest = DETAIL_LEVELS[DETAIL_LEVELS.length - 1];
    assert.ok(fullest && tightest);
    const full = renderRun(record, 'Step 3 analysis', fullest).join('\n');
    assert.match(full, /\*\*The judge's comparison\*\* \(measurement 1\):/);
    assert.match(full, /canary {3}····▄·▄▂/);
    assert.match(full, /\| 1 \| [^|]+ \| judge: Fail, score 50 \| ❌ Failed \|/);
    assert.doesNotMatch(full, /"score":50/);
    assert.doesNotMatch(renderRun(record, 'Step 3 analysis', tightest).join('\n'), /judge's comparison/);
  });
});
