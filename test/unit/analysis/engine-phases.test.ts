/**
 * Metric and run phases, case by case. Expected values are re-derived from Argo Rollouts v1.9.1
 * `analysis/analysis.go` (`assessMetricStatus`, `assessMetricFailureInconclusiveOrError`,
 * `assessRunStatus`), `utils/analysis/helpers.go` (`IsWorse`, `IsTerminating`) and the tables in
 * `analysis/analysis_test.go` (named in the rows that come from them).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assessMetric,
  assessRun,
  isTerminating,
  isWorse,
  type AnalysisPhase,
  type Measurement,
  type MetricResult,
  type MetricSpec,
  type RunSpec,
  type RunState,
} from '../../../src/analysis/engine/index.ts';

const T0 = '2026-01-01T00:00:00.000Z';

function measurement(phase: AnalysisPhase): Measurement {
  return phase === 'Running'
    ? { phase, startedAt: T0 }
    : { phase, startedAt: T0, finishedAt: T0, ...(phase === 'Error' ? {} : { value: '99' }) };
}

type Counters = Partial<
  Pick<
    MetricResult,
    'count' | 'successful' | 'failed' | 'inconclusive' | 'error' | 'consecutiveError' | 'consecutiveSuccess'
  >
>;

/** A metric result with the given counters and one last measurement (or none). */
function result(
  name: string,
  counters: Counters,
  last: AnalysisPhase | 'none',
  phase: AnalysisPhase = 'Running',
  dryRun = false,
): MetricResult {
  return {
    name,
    phase,
    measurements: last === 'none' ? [] : [measurement(last)],
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0,
    dryRun,
    ...counters,
  };
}

function metric(name: string, fields: Partial<MetricSpec> = {}): MetricSpec {
  return { name, provider: { web: {} }, ...fields };
}

describe('assessMetric(): one metric’s phase, in Argo’s order of checks', () => {
  interface Row {
    rule: string;
    metric: Partial<MetricSpec>;
    counters: Counters;
    last: AnalysisPhase | 'none';
    phase?: AnalysisPhase;
    strictErrors?: boolean;
    /** [not terminating, terminating] */
    expect: [AnalysisPhase, AnalysisPhase];
  }
  const csl = { failureLimit: -1, consecutiveSuccessLimit: 3, intervalSeconds: 60 };
  const both = { failureLimit: 4, consecutiveSuccessLimit: 4, intervalSeconds: 60 };
  const rows: Row[] = [
    {
      rule: 'no measurement yet: Pending, or Successful once terminating (TestAssessMetricStatusNoMeasurements)',
      metric: {},
      counters: {},
      last: 'none',
      expect: ['Pending', 'Successful'],
    },
    {
      rule: 'in-flight measurement: Running even when terminating (TestAssessMetricStatusInFlightMeasurement)',
      metric: {},
      counters: { count: 1, successful: 1 },
      last: 'Running',
      expect: ['Running', 'Running'],
    },
    {
      rule: 'a completed phase never changes',
      metric: { failureLimit: 5 },
      counters: { count: 1, failed: 1 },
      last: 'Failed',
      phase: 'Failed',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'failureLimit 0 (default): first failure fails the metric',
      metric: { intervalSeconds: 60 },
      counters: { count: 1, failed: 1 },
      last: 'Failed',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'failureLimit 2: 3 failures > 2 ⇒ Failed (TestAssessMetricStatusFailureLimit)',
      metric: { failureLimit: 2, intervalSeconds: 60 },
      counters: { count: 3, failed: 3 },
      last: 'Failed',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'failureLimit 3: 3 failures are not > 3, indefinite metric keeps Running (TestAssessMetricStatusFailureLimit)',
      metric: { failureLimit: 3, intervalSeconds: 60 },
      counters: { count: 3, failed: 3 },
      last: 'Failed',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'failureLimit -1 disables failure counting',
      metric: { ...csl, consecutiveSuccessLimit: 5 },
      counters: { count: 100, failed: 100 },
      last: 'Failed',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'inconclusiveLimit 2: 3 inconclusive > 2 ⇒ Inconclusive (TestAssessMetricStatusInconclusiveLimit)',
      metric: { inconclusiveLimit: 2, intervalSeconds: 60 },
      counters: { count: 3, inconclusive: 3 },
      last: 'Inconclusive',
      expect: ['Inconclusive', 'Inconclusive'],
    },
    {
      rule: 'inconclusiveLimit 3: 3 inconclusive are within it (TestAssessMetricStatusInconclusiveLimit)',
      metric: { inconclusiveLimit: 3, intervalSeconds: 60 },
      counters: { count: 3, inconclusive: 3 },
      last: 'Inconclusive',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'consecutiveErrorLimit 4 (default): fifth consecutive error ⇒ Error (TestAssessMetricStatusConsecutiveErrors)',
      metric: { intervalSeconds: 60 },
      counters: { consecutiveError: 5, error: 5 },
      last: 'Error',
      expect: ['Error', 'Error'],
    },
    {
      rule: 'consecutiveErrorLimit 4: four consecutive errors are within it (TestAssessMetricStatusConsecutiveErrors)',
      metric: { consecutiveErrorLimit: 4, intervalSeconds: 60 },
      counters: { consecutiveError: 4, error: 4 },
      last: 'Error',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'consecutiveErrorLimit 0: first error ⇒ Error',
      metric: { consecutiveErrorLimit: 0 },
      counters: { consecutiveError: 1, error: 1 },
      last: 'Error',
      expect: ['Error', 'Error'],
    },
    {
      rule: 'errors do not count toward count: a single-measurement metric that errored is still Running',
      metric: {},
      counters: { consecutiveError: 1, error: 1 },
      last: 'Error',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'count reached ⇒ Successful (TestAssessMetricStatusCountReached)',
      metric: { count: 10, intervalSeconds: 60 },
      counters: { count: 10, successful: 10 },
      last: 'Successful',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'count reached but inconclusive 5 > inconclusiveLimit 0 ⇒ Inconclusive (TestAssessMetricStatusCountReached)',
      metric: { count: 10, intervalSeconds: 60 },
      counters: { count: 10, successful: 5, inconclusive: 5 },
      last: 'Successful',
      expect: ['Inconclusive', 'Inconclusive'],
    },
    {
      rule: 'count reached with failures within failureLimit ⇒ Successful',
      metric: { count: 5, failureLimit: 2, intervalSeconds: 60 },
      counters: { count: 5, successful: 3, failed: 2 },
      last: 'Failed',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'no interval and no count: one measurement, then Successful',
      metric: {},
      counters: { count: 1, successful: 1 },
      last: 'Successful',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'count 0 with an interval is indefinite: Running until terminated',
      metric: { count: 0, intervalSeconds: 30 },
      counters: { count: 50, successful: 50 },
      last: 'Successful',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'limits are checked failure, inconclusive, error: the last one crossed wins (Error over Failed)',
      metric: { intervalSeconds: 60 },
      counters: { count: 2, failed: 2, consecutiveError: 5, error: 5 },
      last: 'Error',
      expect: ['Error', 'Error'],
    },
    {
      rule: 'limits are checked failure, inconclusive, error: Inconclusive over Failed',
      metric: { intervalSeconds: 60 },
      counters: { count: 2, failed: 1, inconclusive: 1 },
      last: 'Inconclusive',
      expect: ['Inconclusive', 'Inconclusive'],
    },
    // TestAssessMetricStatusConsecutiveSuccessLimit (failureLimit -1, counters f3 s4 c7 cs3)
    {
      rule: 'consecutiveSuccessLimit 3 reached on an indefinite metric ⇒ Successful',
      metric: csl,
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'consecutiveSuccessLimit 5 not reached on an indefinite metric ⇒ Running',
      metric: { ...csl, consecutiveSuccessLimit: 5 },
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'count 7 reached, consecutiveSuccessLimit 5 not reached, failureLimit -1 ⇒ Failed',
      metric: { ...csl, consecutiveSuccessLimit: 5, count: 7 },
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'count 7 reached, consecutiveSuccessLimit 3 reached ⇒ Successful',
      metric: { ...csl, count: 7 },
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'count 9 not reached, consecutiveSuccessLimit 3 reached ⇒ Successful early',
      metric: { ...csl, count: 9 },
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'count 9 not reached, consecutiveSuccessLimit 5 not reached ⇒ Running',
      metric: { ...csl, consecutiveSuccessLimit: 5, count: 9 },
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Running', 'Successful'],
    },
    // TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (failureLimit 4, consecutiveSuccessLimit 4)
    {
      rule: 'both limits, indefinite: failureLimit kept, consecutive successes short ⇒ Running',
      metric: both,
      counters: { failed: 3, successful: 4, consecutiveSuccess: 3, count: 7 },
      last: 'Failed',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'both limits, indefinite: failureLimit crossed ⇒ Failed',
      metric: both,
      counters: { failed: 5, successful: 9, consecutiveSuccess: 0, count: 9 },
      last: 'Failed',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'both limits, indefinite: consecutive successes reached ⇒ Successful',
      metric: both,
      counters: { failed: 3, successful: 5, consecutiveSuccess: 4, count: 8 },
      last: 'Successful',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'both limits, indefinite: failureLimit crossed beats consecutive successes reached ⇒ Failed',
      metric: both,
      counters: { failed: 5, successful: 5, consecutiveSuccess: 4, count: 10 },
      last: 'Successful',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'both limits, count 10 reached: failureLimit kept, consecutive successes short ⇒ Inconclusive',
      metric: { ...both, count: 10 },
      counters: { failed: 4, successful: 6, consecutiveSuccess: 3, count: 10 },
      last: 'Successful',
      expect: ['Inconclusive', 'Inconclusive'],
    },
    {
      rule: 'both limits, count 10 reached: failureLimit crossed ⇒ Failed',
      metric: { ...both, count: 10 },
      counters: { failed: 5, successful: 5, consecutiveSuccess: 3, count: 10 },
      last: 'Successful',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'both limits, count 10 reached: consecutive successes reached ⇒ Successful',
      metric: { ...both, count: 10 },
      counters: { failed: 4, successful: 6, consecutiveSuccess: 4, count: 10 },
      last: 'Successful',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'both limits, count 10 reached: failureLimit crossed and successes reached ⇒ Failed',
      metric: { ...both, count: 10 },
      counters: { failed: 5, successful: 5, consecutiveSuccess: 4, count: 10 },
      last: 'Successful',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'both limits, count 10 not reached: nothing decided ⇒ Running',
      metric: { ...both, count: 10 },
      counters: { failed: 3, successful: 5, consecutiveSuccess: 3, count: 8 },
      last: 'Successful',
      expect: ['Running', 'Successful'],
    },
    {
      rule: 'both limits, count 10 not reached: failureLimit crossed ⇒ Failed',
      metric: { ...both, count: 10 },
      counters: { failed: 5, successful: 3, consecutiveSuccess: 3, count: 8 },
      last: 'Successful',
      expect: ['Failed', 'Failed'],
    },
    {
      rule: 'both limits, count 10 not reached: consecutive successes reached ⇒ Successful',
      metric: { ...both, count: 10 },
      counters: { failed: 3, successful: 5, consecutiveSuccess: 4, count: 8 },
      last: 'Successful',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'both limits, count 10 not reached: failureLimit crossed and successes reached ⇒ Failed',
      metric: { ...both, count: 10 },
      counters: { failed: 5, successful: 4, consecutiveSuccess: 4, count: 9 },
      last: 'Successful',
      expect: ['Failed', 'Failed'],
    },
    // argoproj/argo-rollouts#4479 and our strictErrors option
    {
      rule: '#4479: count reached with no success, failures within the limit and errors ⇒ Successful (Argo)',
      metric: { count: 3, failureLimit: 3, intervalSeconds: 30 },
      counters: { count: 3, failed: 3, error: 2, consecutiveError: 0 },
      last: 'Failed',
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'strictErrors: count reached with no success and errors ⇒ Error',
      metric: { count: 3, failureLimit: 3, intervalSeconds: 30 },
      counters: { count: 3, failed: 3, error: 2 },
      last: 'Failed',
      strictErrors: true,
      expect: ['Error', 'Error'],
    },
    {
      rule: 'strictErrors: an indefinite metric with only errors ends Error when terminated',
      metric: { intervalSeconds: 30 },
      counters: { error: 3, consecutiveError: 3 },
      last: 'Error',
      strictErrors: true,
      expect: ['Running', 'Error'],
    },
    {
      rule: 'strictErrors: one successful measurement keeps Successful',
      metric: { count: 3, failureLimit: 3, intervalSeconds: 30 },
      counters: { count: 3, failed: 2, successful: 1, error: 2 },
      last: 'Failed',
      strictErrors: true,
      expect: ['Successful', 'Successful'],
    },
    {
      rule: 'strictErrors: no error, no success (all failures within the limit) stays Successful',
      metric: { count: 2, failureLimit: 2, intervalSeconds: 30 },
      counters: { count: 2, failed: 2 },
      last: 'Failed',
      strictErrors: true,
      expect: ['Successful', 'Successful'],
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const m = metric('m', row.metric);
      const r = result('m', row.counters, row.last, row.phase);
      const options = { strictErrors: row.strictErrors === true };
      assert.equal(assessMetric(m, r, false, options), row.expect[0], 'not terminating');
      assert.equal(assessMetric(m, r, true, options), row.expect[1], 'terminating');
    });
  }
});

describe('isWorse(): Argo’s order Successful < Running < Pending < Inconclusive < Error < Failed', () => {
  const rows: { rule: string; current: AnalysisPhase; next: AnalysisPhase; worse: boolean }[] = [
    { rule: 'Failed is worse than Error', current: 'Error', next: 'Failed', worse: true },
    { rule: 'Error is worse than Inconclusive', current: 'Inconclusive', next: 'Error', worse: true },
    {
      rule: 'Inconclusive is worse than Successful',
      current: 'Successful',
      next: 'Inconclusive',
      worse: true,
    },
    { rule: 'Pending is worse than Running', current: 'Running', next: 'Pending', worse: true },
    { rule: 'equal phases are not worse', current: 'Failed', next: 'Failed', worse: false },
    { rule: 'Successful is never worse', current: 'Running', next: 'Successful', worse: false },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      assert.equal(isWorse(row.current, row.next), row.worse);
    });
  }
});

describe('assessRun(): the run’s phase from its metrics', () => {
  interface Row {
    rule: string;
    spec: Partial<RunSpec> & { metrics: MetricSpec[] };
    results: MetricResult[];
    terminate?: boolean;
    phase: AnalysisPhase;
    /** null: no message; absent: not checked. */
    message?: string | RegExp | null;
    metricPhases?: Record<string, AnalysisPhase>;
    runSummary?: [number, number, number, number, number];
    dryRunSummary?: [number, number, number, number, number];
  }
  const two = [metric('latency'), metric('success-rate')];
  const rows: Row[] = [
    {
      rule: 'one metric still measuring keeps the run Running (TestAssessRunStatus)',
      spec: { metrics: two },
      results: [
        result('latency', {}, 'Successful', 'Successful'),
        result('success-rate', {}, 'none', 'Running'),
      ],
      phase: 'Running',
      message: null,
    },
    {
      rule: 'worst phase of completed metrics wins: Failed (TestAssessRunStatus)',
      spec: { metrics: two },
      results: [
        result('latency', {}, 'Successful', 'Successful'),
        result('success-rate', { failed: 1, count: 1 }, 'Failed', 'Failed'),
      ],
      phase: 'Failed',
    },
    {
      rule: 'worst phase wins: Failed over Error over Inconclusive',
      spec: { metrics: [metric('a'), metric('b'), metric('c')] },
      results: [
        result('a', { inconclusive: 1, count: 1 }, 'Inconclusive', 'Inconclusive'),
        result('b', { error: 5, consecutiveError: 5 }, 'Error', 'Error'),
        result('c', { failed: 1, count: 1 }, 'Failed', 'Failed'),
      ],
      phase: 'Failed',
      runSummary: [3, 0, 1, 1, 1],
    },
    {
      rule: 'worst phase wins: Error over Inconclusive',
      spec: { metrics: [metric('a'), metric('b')] },
      results: [
        result('a', { inconclusive: 1, count: 1 }, 'Inconclusive', 'Inconclusive'),
        result('b', { error: 5, consecutiveError: 5 }, 'Error', 'Error'),
      ],
      phase: 'Error',
    },
    {
      rule: 'inconclusive beyond limit ⇒ run Inconclusive',
      spec: { metrics: two },
      results: [
        result('latency', { count: 1, successful: 1 }, 'Successful'),
        result('success-rate', { count: 1, inconclusive: 1 }, 'Inconclusive'),
      ],
      phase: 'Inconclusive',
      message: /^metric "success-rate" inconclusive: .*1 inconclusive measurement > inconclusiveLimit 0$/,
    },
    {
      rule: 'a metric never measured keeps the run Running',
      spec: { metrics: two },
      results: [result('latency', { count: 1, successful: 1 }, 'Successful')],
      phase: 'Running',
      metricPhases: { latency: 'Successful' },
    },
    {
      rule: 'all metrics successful ⇒ run Successful, no message',
      spec: { metrics: two },
      results: [
        result('latency', { count: 1, successful: 1 }, 'Successful'),
        result('success-rate', { count: 1, successful: 1 }, 'Successful'),
      ],
      phase: 'Successful',
      message: null,
      runSummary: [2, 2, 0, 0, 0],
      dryRunSummary: [0, 0, 0, 0, 0],
    },
    {
      rule: 'dryRun metric failure leaves run Successful, summarised apart',
      spec: { metrics: two, dryRun: ['latency'] },
      results: [
        result('latency', { count: 1, failed: 1 }, 'Failed', 'Running', true),
        result('success-rate', { count: 1, successful: 1 }, 'Successful'),
      ],
      phase: 'Successful',
      message: null,
      metricPhases: { latency: 'Failed', 'success-rate': 'Successful' },
      runSummary: [1, 1, 0, 0, 0],
      dryRunSummary: [1, 0, 1, 0, 0],
    },
    {
      rule: 'only dry-run metrics, all failing ⇒ Successful (TestAssessRunStatusMultipleFailuresInDryRunMode)',
      spec: { metrics: two, dryRun: ['.*'] },
      results: [
        result('latency', { count: 1, failed: 1 }, 'Failed', 'Failed', true),
        result('success-rate', { count: 1, failed: 1 }, 'Failed', 'Failed', true),
      ],
      phase: 'Successful',
      runSummary: [0, 0, 0, 0, 0],
      dryRunSummary: [2, 0, 2, 0, 0],
    },
    {
      rule: 'a dry-run metric still measuring keeps the run Running',
      spec: { metrics: two, dryRun: ['latency'] },
      results: [
        result('latency', { count: 1, successful: 1 }, 'Successful', 'Running', true),
        result('success-rate', { count: 1, successful: 1 }, 'Successful'),
      ].map((r) => (r.name === 'latency' ? { ...r, measurements: [measurement('Running')] } : r)),
      phase: 'Running',
    },
    {
      rule: 'a failed dry-run metric does not make the run terminate',
      spec: { metrics: [metric('a', { intervalSeconds: 60 }), metric('b')], dryRun: ['^b$'] },
      results: [
        result('a', { count: 1, successful: 1 }, 'Successful'),
        result('b', { count: 1, failed: 1 }, 'Failed', 'Failed', true),
      ],
      phase: 'Running',
      metricPhases: { a: 'Running' },
    },
    {
      rule: 'a failed metric ends the run at once while a sibling is in flight (TestAssessRunStatusErrorMessageAnalysisPhaseFail)',
      spec: { metrics: [metric('run-forever'), metric('failed-metric')] },
      results: [
        result('run-forever', {}, 'Running'),
        result('failed-metric', { count: 1, failed: 1 }, 'Failed', 'Failed'),
      ],
      phase: 'Failed',
      message:
        /^metric "failed-metric" failed: measured 99, provider reported Failed; 1 failure > failureLimit 0$/,
      metricPhases: { 'run-forever': 'Running' },
    },
    {
      rule: 'a metric that fails in this pass ends the run only on the next pass (TestAssessRunStatusUpdateResult)',
      spec: { metrics: [metric('sleep-infinity'), metric('fail-after-30')] },
      results: [
        result('sleep-infinity', {}, 'Running'),
        result('fail-after-30', { count: 1, failed: 1 }, 'Failed', 'Running'),
      ],
      phase: 'Running',
      metricPhases: { 'fail-after-30': 'Failed', 'sleep-infinity': 'Running' },
    },
    {
      rule: 'terminate with nothing measured ⇒ Successful, "Run Terminated" (TestTerminateAnalysisRun)',
      spec: { metrics: [metric('success-rate', { initialDelaySeconds: 20, intervalSeconds: 20 })] },
      results: [],
      terminate: true,
      phase: 'Successful',
      message: 'Run Terminated',
      runSummary: [1, 0, 0, 0, 0],
    },
    {
      rule: 'terminate ends an indefinite metric Successful',
      spec: { metrics: [metric('bg', { intervalSeconds: 60 })] },
      results: [
        result('bg', { count: 3, successful: 2, failed: 0, inconclusive: 0, error: 1 }, 'Successful'),
      ],
      terminate: true,
      phase: 'Successful',
      message: 'Run Terminated',
      metricPhases: { bg: 'Successful' },
    },
    {
      rule: 'terminate does not hide a crossed limit: Failed',
      spec: { metrics: [metric('bg', { intervalSeconds: 60, failureLimit: 1 })] },
      results: [result('bg', { count: 3, successful: 1, failed: 2 }, 'Failed', 'Failed')],
      terminate: true,
      phase: 'Failed',
      message: /^metric "bg" failed: .*2 failures > failureLimit 1$/,
    },
    {
      rule: 'a metric that failed for want of consecutive successes is summarised as Successful, as in Argo',
      spec: {
        metrics: [
          metric('m', { count: 3, failureLimit: -1, consecutiveSuccessLimit: 2, intervalSeconds: 1 }),
        ],
      },
      results: [result('m', { count: 3, successful: 1, failed: 2, consecutiveSuccess: 1 }, 'Successful')],
      phase: 'Failed',
      message: /count 3 reached with 1 consecutive success < consecutiveSuccessLimit 2$/,
      runSummary: [1, 1, 0, 0, 0],
    },
    {
      rule: 'the run message leads with the worst metric and names the others',
      spec: { metrics: [metric('a'), metric('b')] },
      results: [
        result('a', { error: 5, consecutiveError: 5 }, 'Error', 'Error'),
        result('b', { failed: 1, count: 1 }, 'Failed', 'Failed'),
      ],
      phase: 'Failed',
      message:
        /^metric "b" failed: .*1 failure > failureLimit 0\. Also metric "a" errored: last error: unknown error; 5 consecutive errors > consecutiveErrorLimit 4$/,
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const spec: RunSpec = { ...row.spec };
      const state: RunState = {
        phase: 'Running',
        startedAt: T0,
        metrics: row.results,
        ...(row.terminate === true ? { terminate: true } : {}),
      };
      const before = structuredClone(state);
      const a = assessRun(spec, state);
      assert.deepEqual(state, before, 'assessRun does not change its argument');
      assert.equal(a.phase, row.phase);
      if (row.message === null) assert.equal(a.message, undefined);
      else if (typeof row.message === 'string') assert.equal(a.message, row.message);
      else if (row.message instanceof RegExp) assert.match(a.message ?? '', row.message);
      for (const [name, phase] of Object.entries(row.metricPhases ?? {})) {
        assert.equal(a.metrics.find((r) => r.name === name)?.phase, phase, `metric ${name}`);
      }
      const s = (x: {
        count: number;
        successful: number;
        failed: number;
        inconclusive: number;
        error: number;
      }) => [x.count, x.successful, x.failed, x.inconclusive, x.error];
      if (row.runSummary) assert.deepEqual(s(a.runSummary), row.runSummary, 'runSummary');
      if (row.dryRunSummary) assert.deepEqual(s(a.dryRunSummary), row.dryRunSummary, 'dryRunSummary');
    });
  }
});

describe('isTerminating(): when a run stops taking measurements', () => {
  const spec: RunSpec = { metrics: [metric('a'), metric('b')] };
  const rows: { rule: string; spec?: Partial<RunSpec>; state: Partial<RunState>; terminating: boolean }[] = [
    { rule: 'a fresh run is not terminating', state: {}, terminating: false },
    { rule: 'spec.terminate terminates', spec: { terminate: true }, state: {}, terminating: true },
    { rule: 'terminateRun’s flag terminates', state: { terminate: true }, terminating: true },
    ...(['Failed', 'Error', 'Inconclusive'] as const).map((p) => ({
      rule: `a ${p} metric terminates the run`,
      state: { metrics: [result('a', {}, p, p)] },
      terminating: true,
    })),
    {
      rule: 'a Failed dry-run metric does not terminate the run',
      state: { metrics: [result('a', {}, 'Failed', 'Failed', true)] },
      terminating: false,
    },
    {
      rule: 'a Successful metric does not terminate the run',
      state: { metrics: [result('a', {}, 'Successful', 'Successful')] },
      terminating: false,
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const state: RunState = { phase: 'Running', startedAt: T0, metrics: [], ...row.state };
      assert.equal(isTerminating({ ...spec, ...row.spec }, state), row.terminating);
    });
  }
});
