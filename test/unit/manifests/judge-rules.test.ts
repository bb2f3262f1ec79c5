/**
 * `provider: {judge: …}` at lint (src/manifests/judge-rules.ts, src/analysis/judge/spec.ts): a valid
 * block passes; each bad field is reported at its own path and line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readJudgeSpec } from '../../../src/analysis/judge/spec.ts';
import { stringify } from 'yaml';
import { SAFE_DEFAULTS } from '../../../src/manifests/policy.ts';
import { validateManifests } from '../../../src/manifests/validate.ts';
import { judgeRule } from '../analysis/judge-fixtures.ts';
import { lintObjects, lintText } from './helpers.ts';

function template(judge: Record<string, unknown>, metric: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'judge' },
    spec: {
      args: [{ name: 'baseline-hash' }, { name: 'canary-hash' }],
      metrics: [{ name: 'compare', provider: { judge }, ...metric }],
    },
  };
}

function judgeBlock(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    baseline: '{{args.baseline-hash}}',
    canary: '{{args.canary-hash}}',
    prometheus: {
      address: 'http://prometheus:9090',
      rangeQuery: { start: 'now() - duration("10m")', end: 'now()', step: '30s' },
    },
    metrics: [
      {
        name: 'errors',
        query: 'sum(rate(errors_total{rollouts_pod_template_hash="{{scope}}"}[1m]))',
        direction: 'increase',
      },
    ],
    ...over,
  };
}

const J = 'spec.metrics[0].provider.judge';

describe('judge provider at lint', () => {
  test('a full block is valid', () => {
    const full = judgeBlock({
      thresholds: { pass: 95, marginal: 80 },
      groupWeights: { errors: 70, latency: 30 },
      metrics: [
        {
          name: 'errors',
          query: 'x{h="{{ scope }}"}',
          direction: 'increase',
          nanStrategy: 'replace',
          outliers: { strategy: 'remove', factor: 2.5 },
          critical: true,
          mustHaveData: true,
          effectSize: { measure: 'cles', allowedIncrease: 0.6, criticalIncrease: '{{args.limit}}' },
        },
        { name: 'latency', group: 'latency', baselineQuery: 'a', canaryQuery: 'b', muted: false },
      ],
    });
    const t = template(full) as { spec: { args: unknown[] } };
    t.spec.args.push({ name: 'limit', value: '0.9' });
    assert.deepEqual(lintObjects(t), []);
  });

  const rows: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'baseline is required',
      judgeBlock({ baseline: undefined }),
      J,
      /required field "baseline"|baseline is required/,
    ],
    [
      'rangeQuery is required',
      judgeBlock({ prometheus: { address: 'http://p' } }),
      `${J}.prometheus`,
      /rangeQuery/,
    ],
    ['an unknown field', judgeBlock({ treshold: 1 }), `${J}.treshold`, /unknown field/],
    [
      'a query without {{scope}}',
      judgeBlock({ metrics: [{ name: 'e', query: 'up' }] }),
      `${J}.metrics[0].query`,
      /must hold \{\{scope\}\}/,
    ],
    ['no query at all', judgeBlock({ metrics: [{ name: 'e' }] }), `${J}.metrics[0]`, /needs query/],
    [
      'a bad direction',
      judgeBlock({ metrics: [{ name: 'e', query: '{{scope}}', direction: 'up' }] }),
      `${J}.metrics[0].direction`,
      /must be one of either, increase, decrease, not "up"/,
    ],
    [
      'a negative effect size',
      judgeBlock({ metrics: [{ name: 'e', query: '{{scope}}', effectSize: { allowedIncrease: -1 } }] }),
      `${J}.metrics[0].effectSize.allowedIncrease`,
      /must be above 0/,
    ],
    [
      'a CLES limit over 1',
      judgeBlock({
        metrics: [{ name: 'e', query: '{{scope}}', effectSize: { measure: 'cles', allowedIncrease: 2 } }],
      }),
      `${J}.metrics[0].effectSize.allowedIncrease`,
      /from 0 to 1 for cles/,
    ],
    [
      'marginal above pass',
      judgeBlock({ thresholds: { pass: 70, marginal: 80 } }),
      `${J}.thresholds.marginal`,
      /must not be above pass/,
    ],
    [
      'a threshold over 100',
      judgeBlock({ thresholds: { pass: 120 } }),
      `${J}.thresholds.pass`,
      /from 0 to 100/,
    ],
    [
      'a weight for no group',
      judgeBlock({ groupWeights: { latency: 10 } }),
      `${J}.groupWeights.latency`,
      /no metric is in group/,
    ],
    [
      'weights that do not add up',
      judgeBlock({ groupWeights: { errors: 60 } }),
      `${J}.groupWeights`,
      /add up to 100, not 60/,
    ],
    [
      'duplicate metric names',
      judgeBlock({
        metrics: [
          { name: 'e', query: '{{scope}}' },
          { name: 'e', query: '{{scope}}' },
        ],
      }),
      `${J}.metrics[1].name`,
      /duplicate metric name "e"/,
    ],
    [
      'too many metrics',
      judgeBlock({ metrics: Array.from({ length: 7 }, (_, i) => ({ name: `m${i}`, query: '{{scope}}' })) }),
      `${J}.metrics`,
      /at most 6 metrics/,
    ],
    [
      'a bad boolean',
      judgeBlock({ metrics: [{ name: 'e', query: '{{scope}}', critical: 'yes' }] }),
      `${J}.metrics[0].critical`,
      /true or false/,
    ],
  ];
  for (const [what, block, path, message] of rows) {
    test(what, () => {
      const found = lintObjects(template(block));
      assert.ok(
        found.some((d) => d.path === path && message.test(d.message)),
        `no ${path} ~ ${message} in ${JSON.stringify(found.map((d) => [d.path, d.message]))}`,
      );
    });
  }

  test('a success condition is refused: the judge decides the phase', () => {
    const found = lintObjects(template(judgeBlock(), { successCondition: 'result.score > 50' }));
    assert.deepEqual(
      found.map((d) => d.path),
      ['spec.metrics[0].successCondition'],
    );
    assert.match(found[0]?.message ?? '', /decides its phase itself/);
  });

  test('the diagnostic names the line of the bad field', () => {
    const text = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: AnalysisTemplate',
      'metadata: {name: judge}',
      'spec:',
      '  metrics:',
      '  - name: compare',
      '    provider:',
      '      judge:',
      '        baseline: a',
      '        canary: b',
      '        prometheus: {rangeQuery: {start: "now()", end: "now()", step: 30s}}',
      '        metrics:',
      '        - name: errors',
      '          query: x{h="{{scope}}"}',
      '          nanStrategy: drop',
      '',
    ].join('\n');
    const found = lintText(text, 'judge.yaml');
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.file, 'judge.yaml');
    assert.equal(found[0]?.line, 15);
    assert.match(found[0]?.message ?? '', /nanStrategy must be one of remove, replace/);
  });

  test('a prometheus address at a metadata address is refused', () => {
    const block = judgeBlock({
      prometheus: {
        address: 'http://169.254.169.254/',
        rangeQuery: { start: 'now()', end: 'now()', step: '1m' },
      },
    });
    const { diagnostics } = validateManifests([{ display: 't.yaml', text: stringify(template(block)) }], {
      policy: { namespace: 'shop', safety: SAFE_DEFAULTS },
    });
    assert.ok(
      diagnostics.some((d) => d.path === `${J}.prometheus.address` && /metadata address/.test(d.message)),
      JSON.stringify(diagnostics),
    );
  });
});

describe('readJudgeSpec at measurement time', () => {
  test('puts each hash into the query and fills the defaults', () => {
    const { spec, problems } = readJudgeSpec(judgeBlock({ baseline: 'aaa', canary: 'bbb' }));
    assert.deepEqual(problems, []);
    const m = spec.metrics[0];
    assert.equal(m?.baselineQuery, 'sum(rate(errors_total{rollouts_pod_template_hash="aaa"}[1m]))');
    assert.equal(m?.canaryQuery, 'sum(rate(errors_total{rollouts_pod_template_hash="bbb"}[1m]))');
    assert.deepEqual(spec.thresholds, { pass: 90, marginal: 75 });
    assert.deepEqual(m?.rule, {
      ...judgeRule({ name: 'errors', group: 'errors', direction: 'increase' }),
      outlierFactor: undefined,
    });
  });
  test('args arrive as strings: numbers and booleans are read from them', () => {
    const { spec, problems } = readJudgeSpec(
      judgeBlock({
        baseline: 'a',
        canary: 'b',
        thresholds: { pass: '80', marginal: '60' },
        metrics: [{ name: 'e', query: '{{scope}}', critical: 'true', outliers: { strategy: 'remove' } }],
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(spec.thresholds, { pass: 80, marginal: 60 });
    assert.equal(spec.metrics[0]?.rule.critical, true);
    assert.equal(spec.metrics[0]?.rule.outlierFactor, 3);
  });
  test('the same hash on both sides is refused', () => {
    const { problems } = readJudgeSpec(judgeBlock({ baseline: 'same', canary: 'same' }));
    assert.match(problems.map((p) => p.message).join(), /compare a version with itself/);
  });
});
