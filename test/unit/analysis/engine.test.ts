/**
 * The analysis run engine end to end: judging values, counters, scheduling with a fake clock,
 * measurement retention, the checks before a run starts, termination and messages. Expected values are
 * re-derived from Argo Rollouts v1.9.1 `analysis/analysis.go`, `utils/evaluate/evaluate.go`,
 * `utils/analysis/helpers.go`, `utils/analysis/factory.go` and the tables in `analysis/analysis_test.go`
 * (named in the rows that come from them).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dueMeasurements,
  durationSeconds,
  evaluateResult,
  goRegexpMatches,
  intValue,
  metricSpecFromArgo,
  newRun,
  recordMeasurement,
  terminateRun,
  type AnalysisPhase,
  type ConditionEvaluator,
  type MeasurementOutcome,
  type MetricResult,
  type MetricSpec,
  type RunSpec,
  type RunState,
} from '../../../src/analysis/engine/index.ts';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
/** The fake clock: `at(s)` is s seconds after T0. */
const at = (s: number): Date => new Date(T0 + s * 1000);
const iso = (s: number): string => at(s).toISOString();

/** Conditions as plain JS functions, standing in for the expression evaluator. */
const CONDITIONS: Record<string, (r: unknown) => boolean> = {
  'result > 10': (r) => Number(r) > 10,
  'result < 5': (r) => Number(r) < 5,
  'result > 0': (r) => Number(r) > 0,
  'result > 500': (r) => Number(r) > 500,
  'result[0] < 0.05': (r) => Array.isArray(r) && Number(r[0]) < 0.05,
};
const evaluate: ConditionEvaluator = (condition, r) => {
  const f = CONDITIONS[condition];
  if (f === undefined) throw new Error(`cannot evaluate ${condition}`);
  return f(r);
};

function metric(name: string, fields: Partial<MetricSpec> = {}): MetricSpec {
  return { name, provider: { prometheus: { query: 'q' } }, ...fields };
}

const OK: MeasurementOutcome = { value: 20 };
const FAIL: MeasurementOutcome = { value: 1 };
const INCONCLUSIVE: MeasurementOutcome = { value: 7 };
const ERR: MeasurementOutcome = { error: 'connection refused' };
/** With both conditions: 20 Successful, 1 Failed, 7 Inconclusive. */
const judged = { successCondition: 'result > 10', failureCondition: 'result < 5' };

type Step = [seconds: number, name: string, outcome: MeasurementOutcome];

/** A run started at T0 with the given measurements recorded at their times. */
function play(spec: RunSpec, steps: Step[], start = newRun(spec, at(0))): RunState {
  let run = start;
  for (const [s, name, outcome] of steps) run = recordMeasurement(spec, run, name, outcome, evaluate, at(s));
  return run;
}

function resultOf(run: RunState, name: string): MetricResult {
  const r = run.metrics.find((x) => x.name === name);
  assert.ok(r, `no result for ${name}`);
  return r;
}

describe('evaluateResult(): Argo’s EvaluateResult', () => {
  const both = { success: 'result > 10', failure: 'result < 5' };
  const rows: {
    rule: string;
    success?: string;
    failure?: string;
    value: unknown;
    phase: AnalysisPhase;
    evaluator?: ConditionEvaluator;
  }[] = [
    { rule: 'no conditions ⇒ Successful', value: 1, phase: 'Successful' },
    {
      rule: 'only successCondition, true ⇒ Successful',
      success: 'result > 10',
      value: 20,
      phase: 'Successful',
    },
    { rule: 'only successCondition, false ⇒ Failed', success: 'result > 10', value: 5, phase: 'Failed' },
    { rule: 'only failureCondition, true ⇒ Failed', failure: 'result < 5', value: 1, phase: 'Failed' },
    {
      rule: 'only failureCondition, false ⇒ Successful',
      failure: 'result < 5',
      value: 7,
      phase: 'Successful',
    },
    {
      rule: 'both, failure true ⇒ Failed even when success is true too',
      success: 'result > 0',
      failure: 'result < 5',
      value: 1,
      phase: 'Failed',
    },
    { rule: 'both, only success true ⇒ Successful', ...both, value: 20, phase: 'Successful' },
    { rule: 'both, neither true ⇒ Inconclusive', ...both, value: 7, phase: 'Inconclusive' },
    {
      rule: 'a successCondition that cannot be evaluated ⇒ Error',
      success: 'result.x ==',
      value: 1,
      phase: 'Error',
    },
    {
      rule: 'a failureCondition that cannot be evaluated ⇒ Error',
      failure: 'nope',
      value: 1,
      phase: 'Error',
    },
    {
      rule: 'a condition that does not give a bool ⇒ Error',
      success: 'result',
      value: 1,
      phase: 'Error',
      evaluator: ((): unknown => 'yes') as ConditionEvaluator,
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const m = metric('m', {
        ...(row.success === undefined ? {} : { successCondition: row.success }),
        ...(row.failure === undefined ? {} : { failureCondition: row.failure }),
      });
      assert.equal(evaluateResult(m, row.value, row.evaluator ?? evaluate).phase, row.phase);
    });
  }

  test('an error in successCondition stops before failureCondition is evaluated', () => {
    const seen: string[] = [];
    const spy: ConditionEvaluator = (c, r) => {
      seen.push(c);
      return evaluate(c, r);
    };
    const e = evaluateResult(
      metric('m', { successCondition: 'broken', failureCondition: 'result < 5' }),
      1,
      spy,
    );
    assert.equal(e.phase, 'Error');
    assert.deepEqual(seen, ['broken']);
    assert.equal(e.error, 'successCondition "broken" could not be evaluated: cannot evaluate broken');
  });
});

describe('recordMeasurement(): Argo’s counters', () => {
  const spec: RunSpec = {
    metrics: [metric('m', { ...judged, intervalSeconds: 1, failureLimit: 50, inconclusiveLimit: 50 })],
  };
  const rows: { rule: string; outcomes: MeasurementOutcome[]; expect: Partial<MetricResult> }[] = [
    {
      rule: 'errors do not count toward count',
      outcomes: [ERR],
      expect: { count: 0, error: 1, consecutiveError: 1, successful: 0 },
    },
    {
      rule: 'a success counts, and resets consecutiveError',
      outcomes: [ERR, ERR, OK],
      expect: { count: 1, successful: 1, error: 2, consecutiveError: 0, consecutiveSuccess: 1 },
    },
    {
      rule: 'a failure counts, and resets consecutiveSuccess',
      outcomes: [OK, OK, FAIL],
      expect: { count: 3, successful: 2, failed: 1, consecutiveSuccess: 0 },
    },
    {
      rule: 'an inconclusive counts, and resets consecutiveSuccess',
      outcomes: [OK, INCONCLUSIVE],
      expect: { count: 2, inconclusive: 1, consecutiveSuccess: 0 },
    },
    {
      rule: 'an error resets consecutiveSuccess',
      outcomes: [OK, OK, ERR],
      expect: { count: 2, consecutiveSuccess: 0, consecutiveError: 1 },
    },
    {
      rule: 'consecutive successes add up',
      outcomes: [FAIL, OK, OK, OK],
      expect: { count: 4, consecutiveSuccess: 3, failed: 1 },
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const run = play(
        spec,
        row.outcomes.map((o, i): Step => [i * 2, 'm', o]),
      );
      const r = resultOf(run, 'm');
      for (const [k, v] of Object.entries(row.expect)) assert.equal(r[k as keyof MetricResult], v, k);
      assert.equal(r.measurements.length, row.outcomes.length);
    });
  }
});

describe('recordMeasurement(): phases through whole runs', () => {
  interface Row {
    rule: string;
    spec: RunSpec;
    steps: Step[];
    terminateAt?: number;
    phase: AnalysisPhase;
    message?: string | RegExp;
    metricPhases?: Record<string, AnalysisPhase>;
  }
  const errorRate = metric('error-rate', {
    successCondition: 'result[0] < 0.05',
    failureLimit: 1,
    intervalSeconds: 60,
  });
  const rows: Row[] = [
    {
      rule: 'failureLimit 1: second failure fails the metric and the run, and the message says why',
      spec: { metrics: [errorRate] },
      steps: [
        [0, 'error-rate', { value: [0.3], valueText: '0.3' }],
        [61, 'error-rate', { value: [0.01], valueText: '0.01' }],
        [122, 'error-rate', { value: [0.21], valueText: '0.21' }],
      ],
      phase: 'Failed',
      message:
        'metric "error-rate" failed: measured 0.21, successCondition "result[0] < 0.05" false; 2 failures > failureLimit 1',
    },
    {
      rule: 'failureLimit 0: first failure fails the metric',
      spec: { metrics: [metric('latency', { failureCondition: 'result > 500', intervalSeconds: 60 })] },
      steps: [[0, 'latency', { value: 900 }]],
      phase: 'Failed',
      message:
        'metric "latency" failed: measured 900, failureCondition "result > 500" true; 1 failure > failureLimit 0',
    },
    {
      rule: 'inconclusive beyond limit ⇒ run Inconclusive',
      spec: { metrics: [metric('m', { ...judged, count: 3, intervalSeconds: 1, inconclusiveLimit: 1 })] },
      steps: [
        [0, 'm', INCONCLUSIVE],
        [2, 'm', OK],
        [4, 'm', INCONCLUSIVE],
      ],
      phase: 'Inconclusive',
      message:
        'metric "m" inconclusive: measured 7, neither successCondition "result > 10" nor failureCondition "result < 5" true; 2 inconclusive measurements > inconclusiveLimit 1',
    },
    {
      rule: 'count reached without consecutiveSuccessLimit, failureLimit kept ⇒ Inconclusive, and the message says so',
      spec: {
        metrics: [
          metric('m', {
            successCondition: 'result > 10',
            count: 4,
            intervalSeconds: 1,
            failureLimit: 2,
            consecutiveSuccessLimit: 2,
          }),
        ],
      },
      steps: [
        [0, 'm', OK],
        [2, 'm', FAIL],
        [4, 'm', OK],
        [6, 'm', FAIL],
      ],
      phase: 'Inconclusive',
      message:
        'metric "m" inconclusive: measured 1, successCondition "result > 10" false; count 4 reached with 0 consecutive successes < consecutiveSuccessLimit 2 and 2 failures ≤ failureLimit 2',
    },
    {
      rule: 'count reached without consecutiveSuccessLimit, failureLimit -1 ⇒ Failed, and the message says so',
      spec: {
        metrics: [
          metric('m', {
            successCondition: 'result > 10',
            count: 3,
            intervalSeconds: 1,
            failureLimit: -1,
            consecutiveSuccessLimit: 2,
          }),
        ],
      },
      steps: [
        [0, 'm', OK],
        [2, 'm', FAIL],
        [4, 'm', OK],
      ],
      phase: 'Failed',
      message:
        'metric "m" failed: measured 20, successCondition "result > 10" true; count 3 reached with 1 consecutive success < consecutiveSuccessLimit 2',
    },
    {
      rule: 'a long measured value is cut in the message',
      spec: { metrics: [metric('m', { successCondition: 'result > 10' })] },
      steps: [[0, 'm', { value: 1, valueText: 'x'.repeat(200) }]],
      phase: 'Failed',
      message: `metric "m" failed: measured ${'x'.repeat(120)}…, successCondition "result > 10" false; 1 failure > failureLimit 0`,
    },
    {
      rule: 'consecutiveErrorLimit 4: four consecutive errors keep the run Running',
      spec: { metrics: [metric('m', { intervalSeconds: 30 })] },
      steps: [0, 11, 22, 33].map((s): Step => [s, 'm', ERR]),
      phase: 'Running',
    },
    {
      rule: 'consecutiveErrorLimit 4: fifth consecutive error ⇒ Error',
      spec: { metrics: [metric('m', { intervalSeconds: 30 })] },
      steps: [0, 11, 22, 33, 44].map((s): Step => [s, 'm', ERR]),
      phase: 'Error',
      message:
        'metric "m" errored: last error: connection refused; 5 consecutive errors > consecutiveErrorLimit 4',
    },
    {
      rule: 'an expression that cannot be evaluated is an Error measurement',
      spec: { metrics: [metric('m', { successCondition: 'result.len(', consecutiveErrorLimit: 0 })] },
      steps: [[0, 'm', { value: [] }]],
      phase: 'Error',
      message:
        'metric "m" errored: last error: successCondition "result.len(" could not be evaluated: cannot evaluate result.len(; 1 consecutive error > consecutiveErrorLimit 0',
    },
    {
      rule: 'count 3 with an interval: three successes ⇒ Successful',
      spec: { metrics: [metric('m', { successCondition: 'result > 10', count: 3, intervalSeconds: 10 })] },
      steps: [0, 11, 22].map((s): Step => [s, 'm', OK]),
      phase: 'Successful',
      metricPhases: { m: 'Successful' },
    },
    {
      rule: 'errors do not count toward count: count 2 needs two non-error measurements',
      spec: { metrics: [metric('m', { count: 2, intervalSeconds: 10 })] },
      steps: [
        [0, 'm', OK],
        [11, 'm', ERR],
      ],
      phase: 'Running',
    },
    {
      rule: '#4479: count reached with errors and failures within failureLimit ⇒ Successful (Argo)',
      spec: {
        metrics: [
          metric('m', { successCondition: 'result > 10', count: 3, failureLimit: 3, intervalSeconds: 10 }),
        ],
      },
      steps: [
        [0, 'm', FAIL],
        [11, 'm', ERR],
        [22, 'm', FAIL],
        [33, 'm', ERR],
        [44, 'm', FAIL],
      ],
      phase: 'Successful',
    },
    {
      rule: 'strictErrors: the same run ends Error',
      spec: {
        strictErrors: true,
        metrics: [
          metric('m', { successCondition: 'result > 10', count: 3, failureLimit: 3, intervalSeconds: 10 }),
        ],
      },
      steps: [
        [0, 'm', FAIL],
        [11, 'm', ERR],
        [22, 'm', FAIL],
        [33, 'm', ERR],
        [44, 'm', FAIL],
      ],
      phase: 'Error',
      message:
        'metric "m" errored: last error: connection refused; no successful measurement and 2 errors (strictErrors)',
    },
    {
      rule: '#4479: a background metric whose every measurement errored ends Successful when terminated (Argo)',
      spec: { metrics: [metric('bg', { intervalSeconds: 30 })] },
      steps: [0, 11, 22].map((s): Step => [s, 'bg', ERR]),
      terminateAt: 30,
      phase: 'Successful',
      message: 'Run Terminated',
    },
    {
      rule: 'strictErrors: a background metric whose every measurement errored ends Error when terminated',
      spec: { strictErrors: true, metrics: [metric('bg', { intervalSeconds: 30 })] },
      steps: [0, 11, 22].map((s): Step => [s, 'bg', ERR]),
      terminateAt: 30,
      phase: 'Error',
      message:
        'metric "bg" errored: last error: connection refused; no successful measurement and 3 errors (strictErrors)',
    },
    {
      rule: 'background analysis ends Successful when the rollout finishes (terminate)',
      spec: {
        metrics: [metric('bg', { successCondition: 'result > 10', intervalSeconds: 30, failureLimit: 2 })],
      },
      steps: [
        [0, 'bg', OK],
        [31, 'bg', FAIL],
        [62, 'bg', OK],
      ],
      terminateAt: 70,
      phase: 'Successful',
      message: 'Run Terminated',
      metricPhases: { bg: 'Successful' },
    },
    {
      rule: 'dryRun metric failure leaves run Successful',
      spec: {
        dryRun: ['canary-.*'],
        metrics: [
          metric('canary-latency', { successCondition: 'result > 10' }),
          metric('errors', { successCondition: 'result > 10' }),
        ],
      },
      steps: [
        [0, 'canary-latency', FAIL],
        [0, 'errors', OK],
      ],
      phase: 'Successful',
      metricPhases: { 'canary-latency': 'Failed', errors: 'Successful' },
    },
    {
      rule: 'a failing metric stops its indefinite sibling, which ends Successful (TestReconcileAnalysisRunTerminateSiblingAfterFail)',
      spec: {
        metrics: [
          metric('run-forever', { intervalSeconds: 60 }),
          metric('failed-metric', { successCondition: 'result > 10' }),
        ],
      },
      steps: [
        [0, 'run-forever', OK],
        [0, 'failed-metric', FAIL],
      ],
      phase: 'Failed',
      metricPhases: { 'run-forever': 'Successful', 'failed-metric': 'Failed' },
    },
    {
      rule: 'a provider-decided phase is taken as it is (a Job’s exit status), conditions are not evaluated',
      spec: { metrics: [metric('job', { successCondition: 'never evaluated' })] },
      steps: [[0, 'job', { phase: 'Failed', message: 'job exited 1' }]],
      phase: 'Failed',
      message:
        'metric "job" failed: no value, provider reported Failed: job exited 1; 1 failure > failureLimit 0',
    },
    {
      rule: 'resuming an in-flight measurement completes it (TestReconcileAnalysisRunResumeInProgress)',
      spec: { metrics: [metric('job')] },
      steps: [
        [0, 'job', { phase: 'Running' }],
        [45, 'job', { phase: 'Successful' }],
      ],
      phase: 'Successful',
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      let run = play(row.spec, row.steps);
      if (row.terminateAt !== undefined) run = terminateRun(row.spec, run, at(row.terminateAt));
      assert.equal(run.phase, row.phase, run.message);
      if (typeof row.message === 'string') assert.equal(run.message, row.message);
      else if (row.message !== undefined) assert.match(run.message ?? '', row.message);
      for (const [name, phase] of Object.entries(row.metricPhases ?? {})) {
        assert.equal(resultOf(run, name).phase, phase, `metric ${name}`);
      }
      if (run.phase === 'Running') assert.equal(run.completedAt, undefined);
      else assert.ok(run.completedAt !== undefined, 'completedAt is set when the run completes');
    });
  }

  test('dry-run metric: its own message says dry-run, the summaries keep it apart', () => {
    const spec: RunSpec = {
      dryRun: ['latency'],
      metrics: [metric('latency', { successCondition: 'result > 10' }), metric('errors')],
    };
    const run = play(spec, [
      [0, 'latency', FAIL],
      [0, 'errors', OK],
    ]);
    const latency = resultOf(run, 'latency');
    assert.equal(latency.dryRun, true);
    assert.equal(
      latency.message,
      'dry-run metric "latency" failed: measured 1, successCondition "result > 10" false; 1 failure > failureLimit 0',
    );
    assert.deepEqual(run.runSummary, { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 });
    assert.deepEqual(run.dryRunSummary, { count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 });
  });

  test('resuming keeps startedAt, sets finishedAt, replaces the in-flight measurement', () => {
    const spec: RunSpec = { metrics: [metric('job')] };
    const run = play(spec, [
      [0, 'job', { phase: 'Running', metadata: { 'job-name': 'j-1' } }],
      [45, 'job', { phase: 'Successful' }],
    ]);
    const r = resultOf(run, 'job');
    assert.equal(r.measurements.length, 1);
    assert.deepEqual(r.measurements[0], {
      phase: 'Successful',
      startedAt: iso(0),
      finishedAt: iso(45),
      metadata: { 'job-name': 'j-1' },
    });
  });

  test('a failing metric ends the run and its in-flight sibling is terminated: "Metric Terminated" (TestReconcileAnalysisRunTerminateSiblingAfterFail)', () => {
    const spec: RunSpec = {
      metrics: [metric('run-forever'), metric('failed-metric', { successCondition: 'result > 10' })],
    };
    let run = play(spec, [
      [0, 'run-forever', { phase: 'Running' }],
      [1, 'failed-metric', FAIL],
    ]);
    assert.equal(run.phase, 'Failed');
    assert.deepEqual(dueMeasurements(spec, run, at(2)), { due: [], resume: [], terminate: ['run-forever'] });
    run = recordMeasurement(spec, run, 'run-forever', { phase: 'Successful' }, evaluate, at(2));
    const r = resultOf(run, 'run-forever');
    assert.equal(run.phase, 'Failed');
    assert.equal(r.phase, 'Successful');
    assert.equal(r.message, 'Metric Terminated');
    assert.equal(r.measurements[0]?.message, 'Metric Terminated');
    assert.equal(r.measurements[0]?.finishedAt, iso(2));
    assert.deepEqual(dueMeasurements(spec, run, at(3)), { due: [], resume: [], terminate: [] });
  });

  test('an in-flight Inconclusive metric resumed with a failed dry-run sibling ⇒ Inconclusive (TestAssessRunStatusWithMixedMetrics)', () => {
    const spec: RunSpec = {
      dryRun: ['success-metric'],
      metrics: [metric('run-forever', judged), metric('success-metric', { successCondition: 'result > 10' })],
    };
    const run = play(spec, [
      [0, 'success-metric', FAIL],
      [0, 'run-forever', { phase: 'Running' }],
      [5, 'run-forever', { phase: 'Inconclusive', value: '7' }],
    ]);
    assert.equal(run.phase, 'Inconclusive');
    assert.equal(
      run.message,
      'metric "run-forever" inconclusive: measured 7, provider reported Inconclusive; 1 inconclusive measurement > inconclusiveLimit 0',
    );
  });

  test('no new measurement for a completed metric or a completed run', () => {
    const spec: RunSpec = { metrics: [metric('a'), metric('b', { intervalSeconds: 5 })] };
    const run = play(spec, [[0, 'a', OK]]);
    assert.throws(
      () => recordMeasurement(spec, run, 'a', OK, evaluate, at(1)),
      /metric "a" is already Successful/,
    );
    const done = terminateRun(spec, run, at(2));
    assert.throws(() => recordMeasurement(spec, done, 'b', OK, evaluate, at(3)), /no new measurements/);
    assert.throws(() => recordMeasurement(spec, run, 'c', OK, evaluate, at(3)), /no metric "c"/);
  });

  test('the state is plain JSON and arguments are never changed', () => {
    const spec: RunSpec = { metrics: [metric('m', { ...judged, intervalSeconds: 5, failureLimit: 3 })] };
    const before = play(spec, [[0, 'm', OK]]);
    const copy = structuredClone(before);
    const after = recordMeasurement(
      spec,
      before,
      'm',
      { value: { p99: 3 }, query: 'sum(x)' },
      evaluate,
      at(6),
    );
    assert.deepEqual(before, copy);
    assert.deepEqual(JSON.parse(JSON.stringify(after)), after);
    assert.deepEqual(resultOf(after, 'm').measurements[1], {
      phase: 'Inconclusive',
      startedAt: iso(6),
      finishedAt: iso(6),
      value: '{"p99":3}',
      query: 'sum(x)',
      conditions: { success: false, failure: false },
    });
  });
});

describe('dueMeasurements(): Argo’s scheduling with a fake clock', () => {
  interface Row {
    rule: string;
    spec: RunSpec;
    steps?: Step[];
    terminateAt?: number;
    now: number;
    due?: string[];
    resume?: string[];
    terminate?: string[];
    /** Seconds after T0; null: nothing scheduled. */
    nextAt: number | null;
  }
  const one = (fields: Partial<MetricSpec>): RunSpec => ({ metrics: [metric('m', fields)] });
  const rows: Row[] = [
    {
      rule: 'no initialDelay: first measurement due at once',
      spec: one({}),
      now: 0,
      due: ['m'],
      nextAt: null,
    },
    {
      rule: 'initialDelay 30s: not due before it has passed (TestGenerateMetricTasksHonorInitialDelay)',
      spec: one({ initialDelaySeconds: 30 }),
      now: 29,
      due: [],
      nextAt: 30,
    },
    {
      rule: 'initialDelay 30s: due once it has passed (TestGenerateMetricTasksHonorInitialDelay)',
      spec: one({ initialDelaySeconds: 30 }),
      now: 30,
      due: ['m'],
      nextAt: null,
    },
    {
      rule: 'interval 60s: not due within the interval (TestGenerateMetricTasksInterval)',
      spec: one({ intervalSeconds: 60 }),
      steps: [[10, 'm', OK]],
      now: 60,
      due: [],
      nextAt: 70.001,
    },
    {
      rule: 'interval 60s: not due at exactly finishedAt + interval (Argo compares strictly)',
      spec: one({ intervalSeconds: 60 }),
      steps: [[10, 'm', OK]],
      now: 70,
      due: [],
      nextAt: 70.001,
    },
    {
      rule: 'interval 60s: due once the interval has passed since the last finish (TestGenerateMetricTasksInterval)',
      spec: one({ intervalSeconds: 60 }),
      steps: [[10, 'm', OK]],
      now: 70.001,
      due: ['m'],
      nextAt: null,
    },
    {
      rule: 'no interval: a single measurement, nothing after it (TestGenerateMetricTasksNoIntervalOrCount)',
      spec: one({}),
      steps: [[0, 'm', OK]],
      now: 500,
      due: [],
      nextAt: null,
    },
    {
      rule: 'count reached: no more measurements (TestCalculateNextReconcileTimeNoInterval)',
      spec: one({ count: 2, intervalSeconds: 10 }),
      steps: [
        [0, 'm', OK],
        [11, 'm', OK],
      ],
      now: 500,
      due: [],
      nextAt: null,
    },
    {
      rule: 'errored measurement retried after the 10 s error retry interval (TestCalculateNextReconcileUponError)',
      spec: one({}),
      steps: [[0, 'm', ERR]],
      now: 10,
      due: [],
      nextAt: 10.001,
    },
    {
      rule: 'errored measurement is due after 10 s (TestGenerateMetricTasksError)',
      spec: one({}),
      steps: [[0, 'm', ERR]],
      now: 11,
      due: ['m'],
      nextAt: null,
    },
    {
      rule: 'errored measurement retried after 10 s even with a 5m interval (TestGenerateMetricTasksError)',
      spec: one({ intervalSeconds: 300 }),
      steps: [[0, 'm', ERR]],
      now: 5,
      due: [],
      nextAt: 10.001,
    },
    {
      rule: 'after a success the interval applies again, not the error retry',
      spec: one({ intervalSeconds: 300 }),
      steps: [
        [0, 'm', ERR],
        [11, 'm', OK],
      ],
      now: 30,
      due: [],
      nextAt: 311.001,
    },
    {
      rule: 'the earliest metric sets nextAt (TestCalculateNextReconcileEarliestMetric)',
      spec: {
        metrics: [
          metric('success-rate', { intervalSeconds: 60 }),
          metric('latency', { intervalSeconds: 60 }),
        ],
      },
      steps: [
        [0, 'latency', OK],
        [20, 'success-rate', OK],
      ],
      now: 50,
      due: [],
      nextAt: 60.001,
    },
    {
      rule: 'an initialDelay ending first sets nextAt (TestCalculateNextReconcileTimeInitialDelay)',
      spec: {
        metrics: [
          metric('success-rate', { intervalSeconds: 60 }),
          metric('start-delay', { intervalSeconds: 60, initialDelaySeconds: 40 }),
        ],
      },
      steps: [[0, 'success-rate', OK]],
      now: 30,
      due: [],
      nextAt: 40,
    },
    {
      rule: 'nothing new once a sibling failed: the run is terminating (TestGenerateMetricTasksFailing)',
      spec: {
        metrics: [
          metric('success-rate', { intervalSeconds: 10 }),
          metric('latency', { successCondition: 'result > 10' }),
        ],
      },
      steps: [
        [0, 'success-rate', OK],
        [0, 'latency', FAIL],
      ],
      now: 100,
      due: [],
      nextAt: null,
    },
    {
      rule: 'nothing new once the run is terminated',
      spec: one({ intervalSeconds: 10 }),
      steps: [[0, 'm', OK]],
      terminateAt: 5,
      now: 100,
      due: [],
      nextAt: null,
    },
    {
      rule: 'a failed dry-run metric does not stop the others',
      spec: {
        dryRun: ['^shadow$'],
        metrics: [
          metric('shadow', { successCondition: 'result > 10' }),
          metric('m', { intervalSeconds: 10 }),
        ],
      },
      steps: [
        [0, 'shadow', FAIL],
        [0, 'm', OK],
      ],
      now: 11,
      due: ['m'],
      nextAt: null,
    },
    {
      rule: 'an in-flight measurement without resumeAt is resumed at once (TestGenerateMetricTasksIncomplete)',
      spec: one({}),
      steps: [[0, 'm', { phase: 'Running' }]],
      now: 1,
      due: [],
      resume: ['m'],
      nextAt: null,
    },
    {
      rule: 'an in-flight measurement waits for its resumeAt (TestGenerateMetricTasksHonorResumeAt)',
      spec: one({}),
      steps: [[0, 'm', { phase: 'Running', resumeAt: iso(30) }]],
      now: 20,
      due: [],
      resume: [],
      nextAt: 30,
    },
    {
      rule: 'an in-flight measurement is resumed once its resumeAt has come (TestCalculateNextReconcileHonorResumeAt)',
      spec: one({}),
      steps: [[0, 'm', { phase: 'Running', resumeAt: iso(30) }]],
      now: 30,
      due: [],
      resume: ['m'],
      nextAt: null,
    },
    {
      rule: 'terminating a run with an in-flight measurement asks for it to be terminated',
      spec: one({ intervalSeconds: 10 }),
      steps: [[0, 'm', { phase: 'Running' }]],
      terminateAt: 5,
      now: 6,
      due: [],
      resume: [],
      terminate: ['m'],
      nextAt: null,
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      let run = play(row.spec, row.steps ?? []);
      if (row.terminateAt !== undefined) run = terminateRun(row.spec, run, at(row.terminateAt));
      const d = dueMeasurements(row.spec, run, at(row.now));
      if (row.due) assert.deepEqual(d.due, row.due, 'due');
      if (row.resume) assert.deepEqual(d.resume, row.resume, 'resume');
      assert.deepEqual(d.terminate, row.terminate ?? [], 'terminate');
      assert.equal(d.nextAt, row.nextAt === null ? undefined : iso(row.nextAt), 'nextAt');
    });
  }

  test('a fake-clock loop measures an interval metric exactly count times', () => {
    const spec: RunSpec = {
      metrics: [metric('m', { successCondition: 'result > 10', count: 4, intervalSeconds: 30 })],
    };
    let now = 0;
    let run = newRun(spec, at(now));
    const measuredAt: number[] = [];
    for (let guard = 0; guard < 20 && run.phase === 'Running'; guard++) {
      const d = dueMeasurements(spec, run, at(now));
      for (const name of d.due) {
        measuredAt.push(now);
        run = recordMeasurement(spec, run, name, OK, evaluate, at(now));
      }
      const next = dueMeasurements(spec, run, at(now)).nextAt;
      if (next === undefined) break;
      now = (Date.parse(next) - T0) / 1000;
    }
    assert.equal(run.phase, 'Successful');
    assert.deepEqual(measuredAt, [0, 30.001, 60.002, 90.003]);
  });
});

describe('measurementRetention: trimming the history', () => {
  const many = (name: string, n: number): Step[] =>
    Array.from({ length: n }, (_, i): Step => [i * 2, name, { value: i + 1 }]);
  const rows: {
    rule: string;
    retention?: RunSpec['measurementRetention'];
    metric: string;
    n: number;
    kept: string[];
  }[] = [
    {
      rule: 'default keeps the last 10 (DefaultMeasurementHistoryLimit)',
      metric: 'latency',
      n: 12,
      kept: ['3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
    },
    {
      rule: 'measurementRetention keeps last N (TestTrimMeasurementHistory)',
      retention: [{ metricName: 'latency', limit: 2 }],
      metric: 'latency',
      n: 5,
      kept: ['4', '5'],
    },
    {
      rule: 'a rule applies only to the metrics its regexp matches',
      retention: [{ metricName: '^error', limit: 1 }],
      metric: 'latency',
      n: 12,
      kept: ['3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
    },
    {
      rule: 'a rule’s regexp matches anywhere in the name',
      retention: [{ metricName: 'tenc', limit: 3 }],
      metric: 'latency',
      n: 5,
      kept: ['3', '4', '5'],
    },
    {
      rule: 'limit 0 means the default',
      retention: [{ metricName: '.*', limit: 0 }],
      metric: 'latency',
      n: 11,
      kept: ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11'],
    },
    {
      rule: 'the last matching rule wins',
      retention: [
        { metricName: 'lat', limit: 1 },
        { metricName: '.*', limit: 3 },
      ],
      metric: 'latency',
      n: 5,
      kept: ['3', '4', '5'],
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const spec: RunSpec = {
        metrics: [metric('latency', { intervalSeconds: 1 }), metric('error-rate', { intervalSeconds: 1 })],
        ...(row.retention === undefined ? {} : { measurementRetention: row.retention }),
      };
      const r = resultOf(play(spec, many(row.metric, row.n)), row.metric);
      assert.deepEqual(
        r.measurements.map((m) => m.value),
        row.kept,
      );
      assert.equal(r.count, row.n, 'counters keep counting what was trimmed');
    });
  }
});

describe('newRun(): Argo’s checks before the first measurement', () => {
  const rows: { rule: string; spec: RunSpec; phase: AnalysisPhase; message?: string }[] = [
    { rule: 'a valid spec starts Running', spec: { metrics: [metric('m')] }, phase: 'Running' },
    {
      rule: 'no metrics ⇒ Error',
      spec: { metrics: [] },
      phase: 'Error',
      message: 'Analysis spec invalid: no metrics specified',
    },
    {
      rule: 'duplicate metric names ⇒ Error',
      spec: { metrics: [metric('a'), metric('a')] },
      phase: 'Error',
      message: "Analysis spec invalid: metrics[1]: duplicate name 'a'",
    },
    {
      rule: 'count > 1 needs an interval',
      spec: { metrics: [metric('a', { count: 3 })] },
      phase: 'Error',
      message: 'Analysis spec invalid: metrics[0]: interval must be specified when count > 1',
    },
    {
      rule: 'failureLimit -1 needs a consecutiveSuccessLimit',
      spec: { metrics: [metric('a', { failureLimit: -1 })] },
      phase: 'Error',
      message:
        'Analysis spec invalid: metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled',
    },
    {
      rule: 'count must cover failureLimit + consecutiveSuccessLimit',
      spec: {
        metrics: [metric('a', { count: 3, intervalSeconds: 5, failureLimit: 2, consecutiveSuccessLimit: 2 })],
      },
      phase: 'Error',
      message:
        'Analysis spec invalid: metrics[0]: count (3) must be >= failureLimit + consecutiveSuccessLimit (2 + 2) if both >= 0',
    },
    {
      rule: 'a metric needs exactly one provider',
      spec: { metrics: [{ name: 'a', provider: {} }] },
      phase: 'Error',
      message: 'Analysis spec invalid: metrics[0]: no provider specified',
    },
    {
      rule: 'dryRun rule that matches no metric ⇒ Error (TestInvalidDryRunConfigThrowsError)',
      spec: { metrics: [metric('success-rate')], dryRun: ['error-rate'] },
      phase: 'Error',
      message: "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)",
    },
    {
      rule: 'measurementRetention rule that matches no metric ⇒ Error (TestInvalidMeasurementsRetentionConfigThrowsError)',
      spec: {
        metrics: [metric('success-rate')],
        measurementRetention: [{ metricName: 'error-rate', limit: 0 }],
      },
      phase: 'Error',
      message: "Analysis spec invalid: measurementRetention[0]: Rule didn't match any metric name(s)",
    },
    {
      rule: 'a lone "*" is not a Go regexp, so it matches no metric ⇒ Error',
      spec: { metrics: [metric('success-rate')], dryRun: ['*'] },
      phase: 'Error',
      message: "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)",
    },
    {
      rule: '".*" matches every metric',
      spec: { metrics: [metric('a'), metric('b')], dryRun: ['.*'] },
      phase: 'Running',
    },
    {
      rule: 'terminate at creation ⇒ Successful, "Run Terminated" (TestTerminateAnalysisRun)',
      spec: { terminate: true, metrics: [metric('m', { initialDelaySeconds: 20, intervalSeconds: 20 })] },
      phase: 'Successful',
      message: 'Run Terminated',
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const run = newRun(row.spec, at(0));
      assert.equal(run.phase, row.phase);
      assert.equal(run.message, row.message);
      assert.equal(run.startedAt, iso(0));
      assert.equal(run.completedAt, row.phase === 'Running' ? undefined : iso(0));
    });
  }
});

describe('terminateRun()', () => {
  test('a completed run is returned unchanged', () => {
    const spec: RunSpec = { metrics: [metric('m', { successCondition: 'result > 10' })] };
    const run = play(spec, [[0, 'm', FAIL]]);
    assert.deepEqual(terminateRun(spec, run, at(5)), run);
  });
  test('a dry-run-only run is Successful when terminated, the dry-run summary counts its metric (TestTerminateAnalysisRunInDryRunMode)', () => {
    const spec: RunSpec = {
      dryRun: ['success-rate'],
      metrics: [metric('success-rate', { initialDelaySeconds: 20, intervalSeconds: 20 })],
    };
    const run = terminateRun(spec, newRun(spec, at(0)), at(1));
    assert.equal(run.phase, 'Successful');
    assert.equal(run.message, 'Run Terminated');
    assert.deepEqual(run.dryRunSummary, { count: 1, successful: 0, failed: 0, inconclusive: 0, error: 0 });
    assert.equal(run.completedAt, iso(1));
  });
});

describe('Go regexps for dryRun and measurementRetention', () => {
  const rows: { rule: string; pattern: string; name: string; match: boolean }[] = [
    { rule: '".*" matches everything', pattern: '.*', name: 'error-rate', match: true },
    { rule: 'a lone "*" does not compile in Go: no match', pattern: '*', name: 'error-rate', match: false },
    { rule: 'unanchored: matches anywhere', pattern: 'rate', name: 'error-rate', match: true },
    { rule: 'anchors are honoured', pattern: '^rate', name: 'error-rate', match: false },
    { rule: 'a leading (?i) flag is honoured', pattern: '(?i)ERROR', name: 'error-rate', match: true },
    { rule: 'lookahead is not RE2: no match', pattern: 'error(?=-)', name: 'error-rate', match: false },
    { rule: 'an invalid pattern matches nothing', pattern: '[a-', name: 'a', match: false },
  ];
  for (const row of rows)
    test(row.rule, () => {
      assert.equal(goRegexpMatches(row.pattern, row.name), row.match);
    });
});

describe('durations and int-or-strings as Argo reads them', () => {
  const durations: { rule: string; text: string; seconds: number | undefined }[] = [
    { rule: '5m is 300 s', text: '5m', seconds: 300 },
    { rule: '30s is 30 s', text: '30s', seconds: 30 },
    { rule: '1h is 3600 s', text: '1h', seconds: 3600 },
    { rule: 'units add up: 1m30s', text: '1m30s', seconds: 90 },
    { rule: 'milliseconds: 500ms', text: '500ms', seconds: 0.5 },
    { rule: 'a bare number is not a Go duration', text: '30', seconds: undefined },
    { rule: 'days are not a Go unit', text: '1d', seconds: undefined },
  ];
  for (const row of durations)
    test(`durationSeconds: ${row.rule}`, () => {
      assert.equal(durationSeconds(row.text), row.seconds);
    });

  const ints: { rule: string; v: number | string | undefined; n: number }[] = [
    { rule: 'a number is itself', v: 3, n: 3 },
    { rule: 'an integer string is parsed', v: '3', n: 3 },
    { rule: 'a negative string is parsed', v: '-1', n: -1 },
    { rule: 'a non-integer string is 0 (IntValue)', v: 'three', n: 0 },
    { rule: 'absent is 0', v: undefined, n: 0 },
  ];
  for (const row of ints)
    test(`intValue: ${row.rule}`, () => {
      assert.equal(intValue(row.v), row.n);
    });

  test('metricSpecFromArgo converts durations and int-or-strings', () => {
    assert.deepEqual(
      metricSpecFromArgo({
        name: 'm',
        interval: '5m',
        initialDelay: '30s',
        count: '3',
        failureLimit: '1',
        successCondition: 'result > 10',
        provider: { web: {} },
      }),
      {
        spec: {
          name: 'm',
          provider: { web: {} },
          intervalSeconds: 300,
          initialDelaySeconds: 30,
          count: 3,
          failureLimit: 1,
          successCondition: 'result > 10',
        },
      },
    );
  });
  test('metricSpecFromArgo refuses a bad duration with Argo’s words', () => {
    assert.deepEqual(metricSpecFromArgo({ name: 'm', interval: '5 minutes', provider: { web: {} } }), {
      error: 'invalid interval string: time: invalid duration "5 minutes"',
    });
  });
});
