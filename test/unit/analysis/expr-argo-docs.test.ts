/**
 * Every condition that appears in Argo Rollouts' analysis documentation (docs/features/analysis.md,
 * docs/analysis/{prometheus,datadog,newrelic,web,job,cloudwatch,graphite,influxdb,kayenta,wavefront,
 * skywalking}.md and docs/FAQ.md), evaluated against a result shaped as that provider shapes it, or
 * shown to be rejected with the reason. job.md, kayenta.md and the FAQ contain no conditions (a Job
 * and Kayenta decide the phase themselves). docs/expressions.md lists the rejected ones.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCondition, evaluateCondition, ExprEvalError } from '../../../src/analysis/expr/index.ts';

interface Accepted {
  /** Where the condition appears. */
  doc: string;
  condition: string;
  /** What the provider returned, and in which shape. */
  given: string;
  result: unknown;
  /** The condition's value, or the error evaluating it raises (a measurement in phase Error). */
  want: boolean | RegExp;
}

// CloudWatch returns GetMetricData results; the values are the two measurements shown in cloudwatch.md.
const cloudWatchFailing = [
  {
    Id: 'rate',
    Label: 'rate',
    StatusCode: 'Complete',
    Timestamps: ['2021-09-08T17:29:00Z'],
    Values: [
      0.0029476787030213707, 0.006100422336931018, 0.01020408163265306, 0.007932573128408527,
      0.00589622641509434, 0.006339144215530904,
    ],
  },
];
const cloudWatchPassing = [
  {
    Id: 'rate',
    Label: 'rate',
    StatusCode: 'Complete',
    Timestamps: ['2021-09-08T17:30:00Z'],
    Values: [
      0.004484304932735426, 0.0058374494836102376, 0.006736068585425597, 0.008444444444444444,
      0.006859756097560976, 0.0045385779122541605,
    ],
  },
];

// SkyWalking returns the GraphQL `data` object of the query in skywalking.md.
const skyWalking = (...values: unknown[]): unknown => ({
  service_apdex: { label: null, values: { values: values.map((value) => ({ value })) } },
});

const accepted: Accepted[] = [
  // docs/features/analysis.md
  {
    doc: 'analysis.md background analysis',
    condition: 'result[0] >= 0.95',
    given: 'Prometheus vector [0.97]',
    result: [0.97],
    want: true,
  },
  {
    doc: 'analysis.md background analysis',
    condition: 'result[0] >= 0.95',
    given: 'Prometheus vector [0.9]',
    result: [0.9],
    want: false,
  },
  {
    doc: 'analysis.md multiple templates (error-rate)',
    condition: 'result[0] <= 0.95',
    given: 'Prometheus vector [0.02]',
    result: [0.02],
    want: true,
  },
  {
    doc: 'analysis.md failure conditions',
    condition: 'result[0] >= 10',
    given: 'Prometheus vector [12]',
    result: [12],
    want: true,
  },
  {
    doc: 'analysis.md failure conditions',
    condition: 'result[0] >= 10',
    given: 'Prometheus vector [3]',
    result: [3],
    want: false,
  },
  {
    doc: 'analysis.md inconclusive (success)',
    condition: 'result[0] >= 0.90',
    given: 'Prometheus vector [0.7]',
    result: [0.7],
    want: false,
  },
  {
    doc: 'analysis.md inconclusive (failure)',
    condition: 'result[0] < 0.50',
    given: 'Prometheus vector [0.7]',
    result: [0.7],
    want: false,
  },
  {
    doc: 'analysis.md delay analysis runs',
    condition: 'result[0] >= 0.90',
    given: 'Prometheus vector [0.93]',
    result: [0.93],
    want: true,
  },
  {
    doc: 'analysis.md template arguments (web)',
    condition: "result == 'true'",
    given: 'web jsonPath {$.results.ok} = "true"',
    result: 'true',
    want: true,
  },
  {
    doc: 'analysis.md template arguments (web)',
    condition: "result == 'true'",
    given: 'web jsonPath {$.results.ok} = JSON true',
    result: true,
    want: false,
  },
  {
    doc: 'analysis.md NaN: successful',
    condition: 'isNaN(result) || result >= 0.95',
    given: 'Prometheus scalar NaN',
    result: NaN,
    want: true,
  },
  {
    doc: 'analysis.md NaN: inconclusive (success)',
    condition: 'result >= 0.95',
    given: 'Prometheus scalar NaN',
    result: NaN,
    want: false,
  },
  {
    doc: 'analysis.md NaN: inconclusive (failure)',
    condition: 'result < 0.95',
    given: 'Prometheus scalar NaN',
    result: NaN,
    want: false,
  },
  {
    doc: 'analysis.md NaN: failed',
    condition: 'result >= 0.95',
    given: 'Prometheus scalar NaN',
    result: NaN,
    want: false,
  },
  {
    doc: 'analysis.md infinity: successful',
    condition: 'result >= 0.95',
    given: 'Prometheus scalar +Inf',
    result: Infinity,
    want: true,
  },
  {
    doc: 'analysis.md infinity: failed',
    condition: 'isInf(result)',
    given: 'Prometheus scalar +Inf',
    result: Infinity,
    want: true,
  },
  {
    doc: 'analysis.md empty array: successful',
    condition: 'len(result) == 0 || result[0] >= 0.95',
    given: 'Prometheus empty vector []',
    result: [],
    want: true,
  },
  {
    doc: 'analysis.md empty array: failed',
    condition: 'len(result) > 0 && result[0] >= 0.95',
    given: 'Prometheus empty vector []',
    result: [],
    want: false,
  },
  {
    doc: 'analysis.md Datadog empty results',
    condition: 'default(result, 0) < 0.05',
    given: 'Datadog without data (nil)',
    result: null,
    want: true,
  },
  // older revisions of analysis.md, written when a one-element vector was a scalar
  {
    doc: 'analysis.md (older) background analysis',
    condition: 'result >= 0.95',
    given: 'Prometheus scalar 0.97',
    result: 0.97,
    want: true,
  },
  {
    doc: 'analysis.md (older) background analysis',
    condition: 'result >= 0.95',
    given: 'Prometheus vector [0.97]',
    result: [0.97],
    want: /^invalid operation: >= \(mismatched types \[\]interface \{\} and float64\)$/,
  },
  {
    doc: 'analysis.md (older) error-rate',
    condition: 'result <= 0.95',
    given: 'Prometheus scalar 0.01',
    result: 0.01,
    want: true,
  },
  {
    doc: 'analysis.md (older) failure conditions',
    condition: 'result >= 10',
    given: 'Prometheus scalar 4',
    result: 4,
    want: false,
  },
  // docs/analysis/prometheus.md
  {
    doc: 'prometheus.md',
    condition: 'result[0] >= 0.95',
    given: 'Prometheus vector [0.99]',
    result: [0.99],
    want: true,
  },
  {
    doc: 'prometheus.md range queries',
    condition: 'all(result, # < 1000)',
    given: 'range query [120, 340, 980]',
    result: [120, 340, 980],
    want: true,
  },
  {
    doc: 'prometheus.md range queries',
    condition: 'all(result, # < 1000)',
    given: 'range query [120, 1200]',
    result: [120, 1200],
    want: false,
  },
  {
    doc: 'prometheus.md range queries (the ❌ example: checks only the first value)',
    condition: 'result[0] < 1000',
    given: 'range query [120, 1200]',
    result: [120, 1200],
    want: true,
  },
  // docs/analysis/datadog.md
  {
    doc: 'datadog.md',
    condition: 'result <= 0.01',
    given: 'Datadog scalar 0.004',
    result: 0.004,
    want: true,
  },
  { doc: 'datadog.md', condition: 'result <= 0.01', given: 'Datadog scalar 0.02', result: 0.02, want: false },
  {
    doc: 'datadog.md moving to v2',
    condition: 'default(result, 0) < 10',
    given: 'Datadog without data (nil)',
    result: null,
    want: true,
  },
  {
    doc: 'datadog.md moving to v2',
    condition: 'default(result, 0) < 10',
    given: 'Datadog scalar 12',
    result: 12,
    want: false,
  },
  {
    doc: 'datadog.md container restarts, args substituted (max-restarts 4)',
    condition: 'default(result, 0) > 4',
    given: 'Datadog scalar 5',
    result: 5,
    want: true,
  },
  {
    doc: 'datadog.md container restarts, args substituted (max-restarts 4)',
    condition: 'default(result, 0) > 4',
    given: 'Datadog without data (nil)',
    result: null,
    want: false,
  },
  {
    doc: 'datadog.md tips',
    condition: 'default(result, 0) < 0.05',
    given: 'Datadog scalar 0.01',
    result: 0.01,
    want: true,
  },
  {
    doc: 'datadog.md tips: without default()',
    condition: 'result < 0.05',
    given: 'Datadog without data (nil)',
    result: null,
    want: /^invalid operation: < \(mismatched types <nil> and float64\)$/,
  },
  {
    doc: 'datadog.md metric aggregation',
    condition: 'default(result, 0) < 5',
    given: 'Datadog v2 sum 3.2',
    result: 3.2,
    want: true,
  },
  {
    doc: 'datadog.md request timeout',
    condition: 'default(result, 0) < 5',
    given: 'Datadog v2 sum 7',
    result: 7,
    want: false,
  },
  {
    doc: 'datadog.md grouped queries',
    condition: 'max(result) < 0.05',
    given: 'Datadog grouped [0.01, 0.07]',
    result: [0.01, 0.07],
    want: false,
  },
  {
    doc: 'datadog.md grouped queries',
    condition: 'max(result) < 0.05',
    given: 'Datadog grouped [0.01, 0.02]',
    result: [0.01, 0.02],
    want: true,
  },
  {
    doc: 'datadog.md grouped queries (prose: mean)',
    condition: 'mean(result) < 0.05',
    given: 'Datadog grouped [0.01, 0.07]',
    result: [0.01, 0.07],
    want: true,
  },
  {
    doc: 'datadog.md grouped queries (prose: sum)',
    condition: 'sum(result) < 0.05',
    given: 'Datadog grouped [0.01, 0.07]',
    result: [0.01, 0.07],
    want: false,
  },
  {
    doc: 'datadog.md grouped queries (prose: all, X = 0.05)',
    condition: 'all(result, # < 0.05)',
    given: 'Datadog grouped [0.01, 0.02]',
    result: [0.01, 0.02],
    want: true,
  },
  {
    doc: 'datadog.md grouped queries (prose: any, X = 0.05)',
    condition: 'any(result, # >= 0.05)',
    given: 'Datadog grouped [0.01, 0.07]',
    result: [0.01, 0.07],
    want: true,
  },
  // docs/analysis/newrelic.md
  {
    doc: 'newrelic.md',
    condition: 'result.successRate >= 0.95',
    given: 'New Relic map {successRate: 0.98}',
    result: { successRate: 0.98 },
    want: true,
  },
  {
    doc: 'newrelic.md',
    condition: 'result.successRate >= 0.95',
    given: 'New Relic map {successRate: 0.9}',
    result: { successRate: 0.9 },
    want: false,
  },
  {
    doc: "newrelic.md (prose: result['average.duration'])",
    condition: "result['average.duration'] < 0.5",
    given: "New Relic map {'average.duration': 0.2}",
    result: { 'average.duration': 0.2 },
    want: true,
  },
  {
    doc: 'newrelic.md (prose: dot notation cannot reach average.duration)',
    condition: 'result.average.duration < 0.5',
    given: "New Relic map {'average.duration': 0.2}",
    result: { 'average.duration': 0.2 },
    want: /^cannot fetch "duration" from <nil>$/,
  },
  // docs/analysis/web.md
  {
    doc: 'web.md',
    condition: 'result == true',
    given: 'web jsonPath {$.data.ok} = true',
    result: true,
    want: true,
  },
  {
    doc: 'web.md',
    condition: 'result == true',
    given: 'web jsonPath {$.data.ok} = false',
    result: false,
    want: false,
  },
  {
    doc: 'web.md',
    condition: 'result.ok && result.successPercent >= 0.90',
    given: 'web jsonPath {$.data} = {ok: true, successPercent: 0.95}',
    result: { ok: true, successPercent: 0.95 },
    want: true,
  },
  {
    doc: 'web.md',
    condition: 'result.ok && result.successPercent >= 0.90',
    given: 'web jsonPath {$.data} = {ok: false, successPercent: 0.95}',
    result: { ok: false, successPercent: 0.95 },
    want: false,
  },
  {
    doc: 'web.md (prose: asFloat for a string result)',
    condition: 'asFloat(result) >= 0.90',
    given: 'web string "0.95"',
    result: '0.95',
    want: true,
  },
  {
    doc: 'web.md (prose: asInt for a string result)',
    condition: 'asInt(result) > 1',
    given: 'web string "3"',
    result: '3',
    want: true,
  },
  // docs/analysis/cloudwatch.md
  {
    doc: 'cloudwatch.md',
    condition: 'len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})',
    given: 'CloudWatch, first measurement in the docs',
    result: cloudWatchFailing,
    want: false,
  },
  {
    doc: 'cloudwatch.md',
    condition: 'len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})',
    given: 'CloudWatch, second measurement in the docs',
    result: cloudWatchPassing,
    want: true,
  },
  {
    doc: 'cloudwatch.md (older)',
    condition: 'all(result[0].Values, {# <= 0.01})',
    given: 'CloudWatch, second measurement in the docs',
    result: cloudWatchPassing,
    want: true,
  },
  // docs/analysis/graphite.md (corrected spelling; the original is rejected below)
  {
    doc: 'graphite.md, with result instead of results',
    condition: 'result[0] >= 90.000000',
    given: 'Graphite [95.5]',
    result: [95.5],
    want: true,
  },
  // docs/analysis/influxdb.md
  {
    doc: 'influxdb.md',
    condition: 'result[0] <= 0.01',
    given: 'InfluxDB [0.004]',
    result: [0.004],
    want: true,
  },
  // docs/analysis/wavefront.md
  { doc: 'wavefront.md', condition: 'result >= 0.95', given: 'Wavefront 0.97', result: 0.97, want: true },
  // docs/analysis/skywalking.md
  {
    doc: 'skywalking.md',
    condition: 'all(result.service_apdex.values.values, {asFloat(.value) >= 9900})',
    given: 'SkyWalking apdex values 9950, 10000',
    result: skyWalking(9950, 10000),
    want: true,
  },
  {
    doc: 'skywalking.md',
    condition: 'all(result.service_apdex.values.values, {asFloat(.value) >= 9900})',
    given: 'SkyWalking apdex values as strings "9950", "9800"',
    result: skyWalking('9950', '9800'),
    want: false,
  },
  // the issue that asked for this evaluator
  {
    doc: 'issue',
    condition: 'result[0] >= 0.95',
    given: 'Prometheus vector [0.96]',
    result: [0.96],
    want: true,
  },
  {
    doc: 'issue',
    condition: 'default(result, 0) < 5',
    given: 'Datadog without data (nil)',
    result: null,
    want: true,
  },
  {
    doc: 'issue',
    condition: 'len(result) > 0 && all(result, {# < 0.5})',
    given: 'vector [0.1, 0.4]',
    result: [0.1, 0.4],
    want: true,
  },
  {
    doc: 'issue',
    condition: 'len(result) > 0 && all(result, {# < 0.5})',
    given: 'empty vector',
    result: [],
    want: false,
  },
  { doc: 'issue', condition: 'isNaN(result)', given: 'scalar NaN', result: NaN, want: true },
  { doc: 'issue', condition: 'asFloat(result) > 1', given: 'string "1.5"', result: '1.5', want: true },
  {
    doc: 'issue',
    condition: 'result.successRate > 0.99',
    given: 'map {successRate: 0.995}',
    result: { successRate: 0.995 },
    want: true,
  },
  { doc: 'issue (and)', condition: 'result > 0.5 and result < 2', given: 'scalar 1', result: 1, want: true },
  { doc: 'issue (or)', condition: 'result < 0.5 or result > 2', given: 'scalar 1', result: 1, want: false },
  {
    doc: 'issue (not)',
    condition: 'not isNaN(result) && not (result > 1)',
    given: 'scalar 0.5',
    result: 0.5,
    want: true,
  },
];

describe("conditions from Argo Rollouts' docs evaluate as in Argo", () => {
  for (const row of accepted) {
    test(`${row.doc}: ${row.condition} with ${row.given}`, () => {
      assert.equal(checkCondition(row.condition), undefined, 'lint accepts it');
      if (typeof row.want === 'boolean') {
        assert.equal(evaluateCondition(row.condition, row.result), row.want);
      } else {
        const re = row.want;
        assert.throws(
          () => evaluateCondition(row.condition, row.result),
          (e: unknown) => e instanceof ExprEvalError && re.test(e.message),
        );
      }
    });
  }
});

interface Rejected {
  doc: string;
  /** As written in the docs. */
  text: string;
  /** What lint says. */
  reason: RegExp;
}

const rejected: Rejected[] = [
  {
    doc: 'graphite.md: the variable is `result`, not `results` (Argo fails to compile it too)',
    text: 'results[0] >= 90.000000',
    reason: /^unknown name results \(did you mean result\?\)$/,
  },
  {
    doc: 'datadog.md: an argument placeholder, valid once the AnalysisRun substitutes it',
    text: 'default(result, 0) > {{ args.restarts.max-restarts }}',
    reason: /placeholder \{\{ args\.restarts\.max-restarts \}\}, which must be resolved/,
  },
  {
    doc: 'datadog.md: Helm-escaped, valid once Helm renders it',
    text: 'default(result, 0) > {{ `{{ args.restarts.max-restarts }}` }}',
    reason: /placeholder/,
  },
  {
    doc: 'datadog.md prose: X stands for a threshold',
    text: 'all(result, # < X)',
    reason: /^unknown name X$/,
  },
  {
    doc: 'datadog.md prose: X stands for a threshold',
    text: 'any(result, # >= X)',
    reason: /^unknown name X$/,
  },
  {
    doc: 'prometheus.md rangeQuery.start: a time expression, not a condition (the provider evaluates it)',
    text: 'now() - duration("5m")',
    reason: /now\(\) is not supported: it reads the clock/,
  },
  {
    doc: 'prometheus.md rangeQuery.end: a time expression, not a condition',
    text: 'now()',
    reason: /now\(\) is not supported/,
  },
];

describe("what is rejected from Argo Rollouts' docs, with the reason", () => {
  for (const row of rejected) {
    test(`${row.doc}: ${row.text}`, () => {
      assert.match(checkCondition(row.text) ?? '(accepted)', row.reason);
      assert.throws(() => evaluateCondition(row.text, 1));
    });
  }
});
