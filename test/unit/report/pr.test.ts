import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement, MetricResult, MetricSpec } from '../../../src/analysis/engine/types.ts';
import type { AnalysisRecord } from '../../../src/controller/analysis.ts';
import { chartNumber, metricChart, numericValue } from '../../../src/report/metric-chart.ts';
import { analysisAnnotations } from '../../../src/report/annotations.ts';
import {
  COMMENT_LIMIT,
  CHECK_RUN_LIMIT,
  commentMarker,
  JOB_SUMMARY_LIMIT,
  renderCheckRun,
  renderComment,
  renderJobSummary,
} from '../../../src/report/pr.ts';
import type { RolloutReport } from '../../../src/report/report-model.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures
/** Six steps: setWeight 20, pause, setWeight 40, analysis, setWeight 60, pause. */
const PLAN: RolloutReport['plannedSteps'] = [
  { step: 1, action: 'setWeight 20', weight: 20, canary: 1, stable: 4 },
  { step: 2, action: 'pause (until promoted)', weight: 20, canary: 1, stable: 4 },
  { step: 3, action: 'setWeight 40', weight: 40, canary: 2, stable: 3 },
  { step: 4, action: 'analysis error-rate', weight: 40, canary: 2, stable: 3 },
  { step: 5, action: 'setWeight 60', weight: 60, canary: 3, stable: 2 },
  { step: 6, action: 'pause 60s', weight: 60, canary: 3, stable: 2 },
];

function steps(through: number, open = false): RolloutReport['steps'] {
  const out: RolloutReport['steps'] = [];
  for (let n = 1; n <= through; n++) {
    const p = PLAN[n - 1];
    if (p === undefined) break;
    const started = `2026-11-22T10:0${n - 1}:00Z`;
    const last = n === through && open;
    out.push({ ...p, startedAt: started, ...(last ? {} : { completedAt: `2026-11-22T10:0${n - 1}:45Z` }) });
  }
  return out;
}

function base(over: Partial<RolloutReport> = {}): RolloutReport {
  return {
    rollout: 'shop',
    namespace: 'shop',
    repository: 'acme/shop',
    sha: '0123456789abcdef0123456789abcdef01234567',
    runUrl: 'https://github.com/acme/shop/actions/runs/42',
    phase: 'Progressing',
    message: 'more replicas need to be updated',
    aborted: false,
    images: [{ container: 'app', from: 'example/shop:1', to: 'example/shop:2' }],
    stepCount: 6,
    currentStepIndex: 2,
    weight: 40,
    steps: steps(3, true),
    plannedSteps: PLAN,
    analysis: [],
    controlWorkflow: 'rollout-control.yml',
    updatedAt: '2026-11-22T10:02:30Z',
    ...over,
  };
}

const ERROR_RATE: MetricSpec = {
  name: 'error-rate',
  intervalSeconds: 60,
  count: 3,
  failureLimit: 0,
  successCondition: 'result[0] < 0.05',
  failureCondition: 'result[0] >= 0.05',
  provider: {
    prometheus: { address: 'http://prom:9090', query: 'sum(rate(errors{key="{{args.api-key}}"}[1m]))' },
  },
};

function measurement(i: number, value: string, phase: Measurement['phase']): Measurement {
  const t = (s: number): string => new Date(Date.parse('2026-11-22T10:03:00Z') + s * 1000).toISOString();
  return {
    phase,
    value,
    startedAt: t(i * 60),
    finishedAt: t(i * 60 + 1),
    query: 'sum(rate(errors{key="***"}[1m]))',
  };
}

function metric(name: string, measurements: Measurement[], phase: MetricResult['phase']): MetricResult {
  const count = (p: string): number => measurements.filter((m) => m.phase === p).length;
  return {
    name,
    phase,
    measurements,
    count: measurements.filter((m) => m.phase !== 'Error' && m.phase !== 'Running').length,
    successful: count('Successful'),
    failed: count('Failed'),
    inconclusive: count('Inconclusive'),
    error: count('Error'),
    consecutiveError: 0,
    consecutiveSuccess: 0,
    dryRun: false,
  };
}

function failedRun(): AnalysisRecord {
  const ms = [measurement(0, '[0.01]', 'Successful'), measurement(1, '[0.2]', 'Failed')];
  return {
    id: 'abc123-0-step4',
    kind: 'Step',
    stepIndex: 3,
    podHash: 'abc123',
    args: { service: 'shop' },
    secretArgs: [{ name: 'api-key', secretName: 'prom-token', key: 'token' }],
    spec: { metrics: [ERROR_RATE] },
    state: {
      phase: 'Failed',
      message: 'metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
      startedAt: '2026-11-22T10:03:00Z',
      completedAt: '2026-11-22T10:04:01Z',
      metrics: [
        {
          ...metric('error-rate', ms, 'Failed'),
          message: 'metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
        },
      ],
      runSummary: { count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 },
    },
  };
}

function inconclusiveRun(): AnalysisRecord {
  const run = failedRun();
  const ms = [measurement(0, '[0.04]', 'Inconclusive')];
  return {
    ...run,
    state: {
      ...run.state,
      phase: 'Inconclusive',
      message: 'metric "error-rate" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)',
      metrics: [metric('error-rate', ms, 'Inconclusive')],
    },
  };
}

function backgroundRun(phase: MetricResult['phase'], value = '[12]'): AnalysisRecord {
  const spec: MetricSpec = {
    name: 'latency-p99',
    intervalSeconds: 30,
    successCondition: 'result[0] < 250',
    provider: { web: { url: 'https://metrics.example/p99' } },
  };
  return {
    id: 'abc123-0-background',
    kind: 'Background',
    podHash: 'abc123',
    args: {},
    secretArgs: [],
    spec: { metrics: [spec] },
    state: {
      phase: phase === 'Successful' ? 'Running' : phase,
      startedAt: '2026-11-22T10:01:00Z',
      metrics: [metric('latency-p99', [measurement(0, value, phase === 'Error' ? 'Error' : phase)], phase)],
    },
  };
}

const lines = (s: string): string[] => s.split('\n');
const headline = (s: string): string => lines(s).find((l) => l.startsWith('## ')) ?? '';

/** The fenced block that follows the line `open`, fences included. */
function block(s: string, open: string): string[] {
  const all = lines(s);
  const start = all.indexOf(open);
  assert.notEqual(start, -1, `no ${open} block`);
  const end = all.indexOf(`${/^\s*/.exec(open)?.[0] ?? ''}\`\`\``, start + 1);
  return all.slice(start, end + 1);
}

const DEADLINE =
  'ProgressDeadlineExceeded: ReplicaSet "shop-abc123" has timed out progressing: pod shop-abc123-x: ImagePullBackOff';
const ANALYSIS_ABORT =
  'RolloutAborted: Rollout aborted update to revision 2: analysis abc123-0-step4 Failed: metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)';

const PHASES: {
  name: string;
  report: RolloutReport;
  headline: string;
  check: Pick<ReturnType<typeof renderCheckRun>, 'title' | 'status' | 'conclusion'>;
}[] = [
  {
    name: 'Healthy',
    report: base({
      phase: 'Healthy',
      message: '',
      currentStepIndex: 6,
      weight: 100,
      steps: steps(6),
      updatedAt: '2026-11-22T10:06:50Z',
    }),
    headline: '## ✅ Healthy: `shop` rolled out `example/shop:2`',
    check: { title: 'Healthy: shop rolled out example/shop:2', status: 'completed', conclusion: 'success' },
  },
  {
    name: 'Progressing',
    report: base(),
    headline: '## 🔄 Progressing: step 3/6 `setWeight 40`, canary at 40%',
    check: {
      title: 'Progressing: step 3/6 (setWeight 40), canary at 40%',
      status: 'in_progress',
      conclusion: undefined,
    },
  },
  {
    name: 'Paused until promoted',
    report: base({
      phase: 'Paused',
      message: 'CanaryPauseStep',
      currentStepIndex: 1,
      weight: 20,
      steps: steps(2, true),
    }),
    headline: '## ⏸️ Paused at step 2/6: waiting for promote',
    check: { title: 'Waiting for promote at step 2/6', status: 'in_progress', conclusion: undefined },
  },
  {
    name: 'Paused for a duration',
    report: base({
      phase: 'Paused',
      message: 'CanaryPauseStep',
      currentStepIndex: 5,
      weight: 60,
      steps: steps(6, true),
    }),
    headline: '## ⏸️ Paused at step 6/6: `pause 60s`, resumes by itself',
    check: {
      title: 'Paused at step 6/6: pause 60s, resumes by itself',
      status: 'in_progress',
      conclusion: undefined,
    },
  },
  {
    name: 'Paused by an inconclusive analysis',
    report: base({
      phase: 'Paused',
      message: 'InconclusiveAnalysisRun',
      currentStepIndex: 3,
      steps: steps(4, true),
      analysis: [inconclusiveRun()],
    }),
    headline: '## ⏸️ Paused at step 4/6: analysis inconclusive, waiting for promote or abort',
    check: {
      title: 'Waiting for a decision at step 4/6: analysis inconclusive',
      status: 'in_progress',
      conclusion: undefined,
    },
  },
  {
    name: 'Paused by the pause command',
    report: base({ phase: 'Paused', message: 'manually paused' }),
    headline: '## ⏸️ Paused at step 3/6 by the pause command: waiting for promote',
    check: {
      title: 'Paused at step 3/6 by the pause command: waiting for promote',
      status: 'in_progress',
      conclusion: undefined,
    },
  },
  {
    name: 'aborted by analysis',
    report: base({
      phase: 'Degraded',
      aborted: true,
      message: ANALYSIS_ABORT,
      currentStepIndex: 0,
      weight: 0,
      steps: steps(4, true),
      analysis: [failedRun()],
    }),
    headline:
      '## ❌ Aborted and rolled back: analysis abc123-0-step4 Failed: metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
    check: {
      title:
        'Aborted and rolled back: analysis abc123-0-step4 Failed: metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
      status: 'completed',
      conclusion: 'failure',
    },
  },
  {
    name: 'aborted by a person',
    report: base({
      phase: 'Degraded',
      aborted: true,
      message: 'RolloutAborted: Rollout aborted update to revision 2',
      currentStepIndex: 0,
      weight: 0,
    }),
    headline: '## ❌ Aborted and rolled back: aborted with the abort command',
    check: {
      title: 'Aborted and rolled back: aborted with the abort command',
      status: 'completed',
      conclusion: 'failure',
    },
  },
  {
    name: 'Degraded by the progress deadline',
    report: base({ phase: 'Degraded', message: DEADLINE }),
    headline:
      '## ❌ Degraded: progress deadline exceeded: ReplicaSet "shop-abc123" has timed out progressing: pod shop-abc123-x: ImagePullBackOff',
    check: {
      title:
        'Degraded: progress deadline exceeded: ReplicaSet "shop-abc123" has timed out progressing: pod shop-abc123-x: ImagePullBackOff',
      status: 'completed',
      conclusion: 'failure',
    },
  },
];

// ---------------------------------------------------------------------------------------------
// The comment

test('the comment starts with the marker; the job summary has none', () => {
  assert.equal(commentMarker('shop', 'web'), '<!-- rollout-pilot:shop/web -->');
  const r = base();
  assert.equal(lines(renderComment(r))[0], '<!-- rollout-pilot:shop/shop -->');
  assert.ok(!renderJobSummary(r).includes('<!-- rollout-pilot:'));
  assert.equal(headline(renderJobSummary(r)), headline(renderComment(r)));
});

for (const c of PHASES) {
  test(`${c.name}: headline and check run`, () => {
    const comment = renderComment(c.report);
    assert.equal(headline(comment), c.headline);
    const check = renderCheckRun(c.report);
    assert.deepEqual({ title: check.title, status: check.status, conclusion: check.conclusion }, c.check);
    // GitHub requires a conclusion exactly when the run is completed.
    assert.equal(check.status === 'completed', check.conclusion !== undefined);
    assert.ok(check.summary.startsWith(c.headline));
    assert.equal(check.text === undefined, c.report.analysis.length === 0);
  });
}

test('the revision table lists each container, from and to', () => {
  const out = renderComment(
    base({
      images: [
        { container: 'app', from: 'example/shop:1', to: 'example/shop:2' },
        { container: 'sidecar', to: 'envoy:1.30' },
      ],
    }),
  );
  const i = lines(out).indexOf('| container | from | to |');
  assert.deepEqual(lines(out).slice(i, i + 4), [
    '| container | from | to |',
    '|---|---|---|',
    '| app | `example/shop:1` | `example/shop:2` |',
    '| sidecar | (new) | `envoy:1.30` |',
  ]);
});

test('the step table: done steps with their time, the current one, the pending ones', () => {
  const out = renderComment(
    base({
      phase: 'Paused',
      message: 'CanaryPauseStep',
      currentStepIndex: 1,
      weight: 20,
      steps: steps(2, true),
    }),
  );
  const i = lines(out).indexOf('| step | action | weight | canary pods | stable pods | state | time |');
  assert.deepEqual(lines(out).slice(i + 2, i + 8), [
    '| 1 | `setWeight 20` | 20% | 1 | 4 | ✅ done | 45s |',
    '| 2 | `pause (until promoted)` | 20% | 1 | 4 | ⏸️ paused | 1m 30s so far |',
    '| 3 | `setWeight 40` | 40% | 2 | 3 | ⏳ pending | — |',
    '| 4 | `analysis error-rate` | 40% | 2 | 3 | ⏳ pending | — |',
    '| 5 | `setWeight 60` | 60% | 3 | 2 | ⏳ pending | — |',
    '| 6 | `pause 60s` | 60% | 3 | 2 | ⏳ pending | — |',
  ]);
  const running = renderComment(base());
  assert.ok(running.includes('| 3 | `setWeight 40` | 40% | 2 | 3 | ▶️ running | 30s so far |'));
});

test('an aborted rollout: where it stopped, steps not reached, retry, undo and the revert PR', () => {
  const out = renderComment(
    base({
      phase: 'Degraded',
      aborted: true,
      message: ANALYSIS_ABORT,
      currentStepIndex: 0,
      weight: 0,
      steps: steps(4, true),
      analysis: [failedRun()],
      revertPr: { number: 12, url: 'https://github.com/acme/shop/pull/12' },
    }),
  );
  assert.ok(out.includes('phase **Degraded** · stopped at step 4/6 · canary weight 0%'));
  assert.ok(out.includes('| 3 | `setWeight 40` | 40% | 2 | 3 | ✅ done | 45s |'));
  assert.ok(out.includes('| 4 | `analysis error-rate` | 40% | 2 | 3 | ✖ stopped | — |'));
  assert.ok(out.includes('| 5 | `setWeight 60` | 60% | 3 | 2 | – not reached | — |'));
  assert.ok(out.includes('- A revert pull request is open: [#12](https://github.com/acme/shop/pull/12).'));
  assert.ok(
    out.includes('  gh workflow run rollout-control.yml -f command=retry -f rollout=shop --repo acme/shop'),
  );
  assert.ok(
    out.includes('  gh workflow run rollout-control.yml -f command=undo -f rollout=shop --repo acme/shop'),
  );
  assert.ok(!out.includes('command=promote'));
});

test('Degraded by the deadline: the canary stays, abort or undo', () => {
  const out = renderComment(base({ phase: 'Degraded', message: DEADLINE }));
  assert.ok(out.includes('The rollout is stuck and was not aborted: the canary pods stay as they are.'));
  assert.ok(out.includes('| 3 | `setWeight 40` | 40% | 2 | 3 | ✖ stopped | — |'));
  assert.ok(out.includes('-f command=abort -f rollout=shop'));
  assert.ok(out.includes('-f command=undo -f rollout=shop'));
  assert.ok(!out.includes('command=retry'), 'retry only follows an abort');
});

test('Paused: exact instructions to promote, with the gh line', () => {
  const r = base({
    phase: 'Paused',
    message: 'CanaryPauseStep',
    currentStepIndex: 1,
    weight: 20,
    steps: steps(2, true),
  });
  const out = renderComment(r);
  assert.ok(
    out.includes(
      '- **Promote** to go on with step 3 (`setWeight 40`): run the [**rollout-control**](https://github.com/acme/shop/actions/workflows/rollout-control.yml) workflow with `command: promote`:',
    ),
  );
  assert.deepEqual(block(out, '  ```sh').slice(0, 3), [
    '  ```sh',
    '  gh workflow run rollout-control.yml -f command=promote -f rollout=shop --repo acme/shop',
    '  ```',
  ]);
  // Without a repository the gh line works from a checkout; without a control workflow, the inputs.
  const local = renderComment({ ...r, repository: undefined });
  assert.ok(local.includes('  gh workflow run rollout-control.yml -f command=promote -f rollout=shop\n'));
  assert.ok(local.includes('run the **rollout-control** workflow with `command: promote`'));
  const none = renderComment({ ...r, controlWorkflow: undefined });
  assert.ok(!none.includes('gh workflow run'));
  assert.ok(
    none.includes('run rollout-pilot with `command: promote` and `rollout: shop` (namespace `shop`)'),
  );
});

test('Healthy and Progressing say there is nothing to do, and how to undo or abort', () => {
  const healthy = renderComment(PHASES[0]?.report ?? base());
  assert.ok(healthy.includes('Nothing to do: the new revision is stable and serves all traffic.'));
  assert.ok(healthy.includes('-f command=undo'));
  assert.ok(healthy.includes('| 6 | `pause 60s` | 60% | 3 | 2 | ✅ done | 45s |'));
  const progressing = renderComment(base());
  assert.ok(progressing.includes('Nothing to do: the deploy job drives the rollout'));
  assert.ok(progressing.includes('-f command=abort'));
});

test('the footer: update time, workflow run, commit', () => {
  const out = renderComment(base());
  assert.equal(
    lines(out).at(-1),
    '<sub>Updated 2026-11-22 10:02:30 UTC · [workflow run](https://github.com/acme/shop/actions/runs/42) · commit 0123456 · rollout-pilot</sub>',
  );
});

// ---------------------------------------------------------------------------------------------
// Analysis

test('every measurement in a table with its conditions and the query as sent', () => {
  const out = renderComment(
    base({ phase: 'Degraded', aborted: true, message: ANALYSIS_ABORT, analysis: [failedRun()] }),
  );
  const all = lines(out);
  assert.ok(all.includes('<details open>'));
  assert.ok(
    all.includes(
      '<summary>❌ <b>Step 4 analysis (error-rate)</b>: Failed · <code>abc123-0-step4</code></summary>',
    ),
  );
  assert.ok(all.includes('##### ❌ `error-rate`: Failed'));
  assert.ok(all.includes('prometheus · every 60s · count 3 · failureLimit 0'));
  assert.ok(all.includes('successCondition `result[0] < 0.05` · failureCondition `result[0] >= 0.05`'));
  assert.ok(all.includes('Measured 2 times: 1 successful, 1 failed, 0 inconclusive, 0 errors.'));
  const t = all.indexOf('| # | time (UTC) | value | phase |');
  assert.deepEqual(all.slice(t, t + 4), [
    '| # | time (UTC) | value | phase |',
    '|---:|---|---|---|',
    '| 1 | 10:03:00 | `[0.01]` | ✅ Successful |',
    '| 2 | 10:04:00 | `[0.2]` | ❌ Failed |',
  ]);
  const q = all.indexOf('<summary>Query as sent</summary>');
  assert.deepEqual(all.slice(q - 1, q + 6), [
    '<details>',
    '<summary>Query as sent</summary>',
    '',
    '```promql',
    'sum(rate(errors{key="***"}[1m]))',
    '```',
    '',
  ]);
});

test('the Mermaid chart of a small series, line by line', () => {
  const out = renderComment(base({ analysis: [failedRun()] }));
  assert.deepEqual(block(out, '```mermaid'), [
    '```mermaid',
    'xychart-beta',
    '  title "error-rate"',
    '  x-axis "time (UTC)" ["10:03:00", "10:04:00"]',
    '  y-axis "value"',
    '  line [0.01, 0.2]',
    '  line [0.05, 0.05]',
    '```',
  ]);
  assert.ok(out.includes('_The flat line is the threshold of failureCondition `result[0] >= 0.05`._'));
});

test('the chart skips values that are not numbers and charts a vector by its first value', () => {
  const ms: Measurement[] = [
    measurement(0, '[0.1 0.9]', 'Successful'),
    { ...measurement(1, '', 'Error'), value: undefined, message: 'connection refused' },
    measurement(2, 'n/a', 'Inconclusive'),
    measurement(3, '2', 'Successful'),
    { ...measurement(4, '', 'Running'), value: undefined },
  ];
  assert.deepEqual(metricChart('rps', ms, { name: 'rps', provider: {} }, 100), [
    '```mermaid',
    'xychart-beta',
    '  title "rps"',
    '  x-axis "time (UTC)" ["10:03:00", "10:06:00"]',
    '  y-axis "value"',
    '  line [0.1, 2]',
    '```',
  ]);
  assert.deepEqual(metricChart('rps', ms.slice(0, 2), undefined, 100), [], 'one point is no chart');
});

const VALUES: [string | undefined, number | undefined][] = [
  ['[0.2]', 0.2],
  ['0.2', 0.2],
  ['2', 2],
  [' 2 ', 2],
  ['[0.2 0.3]', 0.2],
  ['[0.2, 0.3]', 0.2],
  ['[[7, 8]]', 7],
  ['["0.5"]', 0.5],
  ['-1.5e-3', -0.0015],
  ['[]', undefined],
  ['NaN', undefined],
  ['[NaN]', undefined],
  ['+Inf', undefined],
  ['2 pods', undefined],
  ['{"a":1}', undefined],
  ['', undefined],
  [undefined, undefined],
];
for (const [value, expected] of VALUES) {
  test(`numericValue(${JSON.stringify(value)}) is ${String(expected)}`, () => {
    assert.equal(numericValue(value), expected);
  });
}

test('chart numbers are decimals Mermaid parses', () => {
  assert.equal(chartNumber(1.5e-7), '0.00000015');
  assert.equal(chartNumber(0.30000000000000004), '0.3');
  assert.equal(chartNumber(123456789), '123457000');
  assert.equal(chartNumber(-2), '-2');
});

test('errors and messages show in their own column; pipes stay inside their cell', () => {
  const run = backgroundRun('Error');
  const m = run.state.metrics[0];
  assert.ok(m);
  m.measurements = [
    { ...measurement(0, '', 'Error'), value: undefined, message: 'HTTP 401 for token ***' },
    measurement(1, 'a|b', 'Successful'),
  ];
  const out = renderComment(base({ analysis: [run] }));
  assert.ok(out.includes('| # | time (UTC) | value | phase | message |'));
  assert.ok(out.includes('| 1 | 10:03:00 | — | ⚠️ Error | HTTP 401 for token *** |'));
  assert.ok(out.includes('| 2 | 10:04:00 | `a\\|b` | ✅ Successful |  |'));
});

test('a huge run is cut to fit the comment, saying so; the job summary keeps far more', () => {
  const run = failedRun();
  const many: Measurement[] = [];
  for (let i = 0; i < 5000; i++) {
    many.push({
      ...measurement(i, `[${(i % 100) / 1000}]`, 'Successful'),
      query: `${'x'.repeat(3000)} ${i}`,
    });
  }
  const m = run.state.metrics[0];
  assert.ok(m);
  run.state.metrics = [{ ...m, ...metric('error-rate', many, 'Failed') }];
  const r = base({ phase: 'Degraded', aborted: true, message: ANALYSIS_ABORT, analysis: [run] });
  const comment = renderComment(r);
  assert.ok(comment.length <= COMMENT_LIMIT, `comment is ${comment.length} characters`);
  assert.equal(lines(comment)[0], commentMarker('shop', 'shop'));
  assert.ok(comment.includes("_Shortened to fit GitHub's size limit; the job summary of the [workflow run]"));
  const note =
    /_The newest (\d+) of 5000 measurements; the (\d+) before are left out to fit GitHub's size limit\._/.exec(
      comment,
    );
  assert.ok(note, 'the comment says how many measurements it shows');
  assert.equal(Number(note[1]) + Number(note[2]), 5000);
  assert.ok(comment.includes(`| 5000 | `), 'the newest measurement is listed');
  assert.ok(!comment.includes('| 1 | 10:03:00 |'), 'the oldest is not');
  assert.ok(lines(comment).at(-1)?.startsWith('<sub>Updated '), 'the footer survives');

  const summary = renderJobSummary(r);
  assert.ok(Buffer.byteLength(summary, 'utf8') <= JOB_SUMMARY_LIMIT);
  const rows = (s: string): number => lines(s).filter((l) => /^\| \d+ \| \d\d:\d\d:\d\d/.test(l)).length;
  assert.ok(
    rows(summary) > rows(comment),
    `${rows(summary)} rows in the summary, ${rows(comment)} in the comment`,
  );

  const check = renderCheckRun(r);
  assert.ok(check.summary.length <= CHECK_RUN_LIMIT);
  assert.ok((check.text ?? '').length <= CHECK_RUN_LIMIT);
});

test('hundreds of runs: the newest that fit, and a note on the rest', () => {
  const runs: AnalysisRecord[] = [];
  for (let i = 0; i < 400; i++) {
    const run = failedRun();
    const m = run.state.metrics[0];
    assert.ok(m);
    const ms = Array.from({ length: 30 }, (_, j) => measurement(j, `[0.${j}]`, 'Successful'));
    run.id = `h${String(i).padStart(3, '0')}-${i}-step4`;
    run.state = {
      ...run.state,
      startedAt: new Date(Date.parse('2026-11-22T00:00:00Z') + i * 60_000).toISOString(),
      metrics: [{ ...m, ...metric('error-rate', ms, 'Failed') }],
    };
    runs.push(run);
  }
  const out = renderComment(base({ analysis: runs }));
  assert.ok(out.length <= COMMENT_LIMIT);
  const left = /_(\d+) earlier analysis runs not shown/.exec(out);
  assert.ok(left);
  assert.ok(out.includes('<code>h399-399-step4</code>'), 'the newest run is shown');
  assert.ok(!out.includes('<code>h000-0-step4</code>'), 'the oldest is not');
  assert.equal(out.split('<details open>').length - 1 + Number(left[1]), 400);
});

// ---------------------------------------------------------------------------------------------
// Secrets

test('secrets: redacted values pass through unchanged, placeholders never show', () => {
  const run = failedRun();
  run.spec = {
    metrics: [{ ...ERROR_RATE, successCondition: 'result[0] < {{args.api-key}}' }],
  };
  const m = run.state.metrics[0];
  assert.ok(m);
  m.measurements = [
    { ...measurement(0, '***', 'Successful'), message: 'token *** rejected' },
    measurement(1, '[0.2]', 'Failed'),
  ];
  m.message = 'failed with key {{ args.api-key }}';
  const r = base({ phase: 'Degraded', aborted: true, message: ANALYSIS_ABORT, analysis: [run] });
  const everything = [
    renderComment(r),
    renderJobSummary(r),
    JSON.stringify(renderCheckRun(r)),
    JSON.stringify(analysisAnnotations(r, () => ({ path: 'deploy/analysis.yaml', line: 9 }))),
  ];
  for (const out of everything) {
    assert.ok(!/\{\{\s*args\.api-key\s*\}\}/.test(out), 'no secret placeholder');
    assert.ok(!out.includes('prom-token'), 'no Secret reference');
    assert.ok(out.includes('***'), '*** passes through');
  }
  const comment = everything[0] ?? '';
  assert.ok(comment.includes('| 1 | 10:03:00 | `***` | ✅ Successful | token *** rejected |'));
  assert.ok(comment.includes('sum(rate(errors{key="***"}[1m]))'));
  assert.ok(comment.includes('successCondition `result[0] < ***`'));
});

// ---------------------------------------------------------------------------------------------
// Annotations

test('annotations: one per failed, errored or inconclusive metric of the latest runs, at its line', () => {
  const older = failedRun();
  older.id = 'abc123-0-step4';
  const newer = inconclusiveRun();
  newer.id = 'abc123-1-step4';
  newer.state = { ...newer.state, startedAt: '2026-11-22T11:00:00Z' };
  const r = base({
    analysis: [older, newer, backgroundRun('Error'), backgroundRun('Successful')].slice(0, 3),
    backgroundTemplates: ['latency'],
  });
  const asked: string[] = [];
  const where: Record<string, { path: string; line: number }> = {
    'error-rate/error-rate': { path: 'deploy/analysis.yaml', line: 14 },
    'latency/latency-p99': { path: 'deploy/latency.yaml', line: 8 },
  };
  const out = analysisAnnotations(r, (t, m) => {
    asked.push(`${t}/${m}`);
    return where[`${t}/${m}`];
  });
  assert.deepEqual(
    out.map((a) => [a.path, a.start_line, a.end_line, a.annotation_level, a.title]),
    [
      ['deploy/analysis.yaml', 14, 14, 'warning', 'Analysis metric error-rate Inconclusive'],
      ['deploy/latency.yaml', 8, 8, 'failure', 'Analysis metric latency-p99 Error'],
    ],
  );
  assert.deepEqual(asked, ['error-rate/error-rate', 'latency/latency-p99']);
  assert.deepEqual(lines(out[0]?.message ?? ''), [
    'Metric error-rate of the step 4 analysis (run abc123-1-step4) is Inconclusive.',
    'Measured 1 times: 0 successful, 0 failed, 1 inconclusive, 0 errors.',
    'Last values: [0.04]',
    'successCondition: result[0] < 0.05',
    'failureCondition: result[0] >= 0.05',
    'Query as sent: sum(rate(errors{key="***"}[1m]))',
  ]);
});

test('annotations: a metric no template holds is left out; successful runs give none', () => {
  const r = base({ analysis: [failedRun(), backgroundRun('Successful')] });
  assert.deepEqual(
    analysisAnnotations(r, () => undefined),
    [],
  );
  const found = analysisAnnotations(r, (t, m) =>
    t === 'error-rate' && m === 'error-rate' ? { path: 'a.yaml', line: 3 } : undefined,
  );
  assert.equal(found.length, 1);
  assert.equal(found[0]?.annotation_level, 'failure');
});

test('a first deploy: every step skipped, with no pod counts that never existed', () => {
  const out = renderComment(
    base({
      phase: 'Healthy',
      message: '',
      images: [{ container: 'app', to: 'example/shop:1' }],
      currentStepIndex: 6,
      weight: 100,
      steps: [],
    }),
  );
  const i = lines(out).indexOf('| step | action | weight | canary pods | stable pods | state | time |');
  assert.deepEqual(lines(out).slice(i + 2, i + 4), [
    '| 1 | `setWeight 20` | 20% | — | — | ⏭️ skipped | — |',
    '| 2 | `pause (until promoted)` | 20% | — | — | ⏭️ skipped | — |',
  ]);
  assert.ok(!out.includes('✅ done'));
  assert.ok(out.includes('steps skipped (went to full scale at once)'));
  assert.ok(!out.includes('all 6 steps done'));
});

test('promote-full: the steps that ran are done, the rest skipped without counts', () => {
  const out = renderComment(
    base({ phase: 'Healthy', message: '', currentStepIndex: 6, weight: 100, steps: steps(2) }),
  );
  const i = lines(out).indexOf('| step | action | weight | canary pods | stable pods | state | time |');
  assert.deepEqual(lines(out).slice(i + 2, i + 5), [
    '| 1 | `setWeight 20` | 20% | 1 | 4 | ✅ done | 45s |',
    '| 2 | `pause (until promoted)` | 20% | 1 | 4 | ✅ done | 45s |',
    '| 3 | `setWeight 40` | 40% | — | — | ⏭️ skipped | — |',
  ]);
});

test('with a router the comment shows its weight, the routes in force and the objects it changes', () => {
  const router = {
    routers: ['istio'],
    weight: 10,
    maxWeight: 100,
    routes: ['testers'],
    objects: ['VirtualService web (routes primary)'],
  };
  const report = base({ weight: 10, router });
  const md = renderComment(report);
  assert.match(md, /istio router: canary 10% · routes in force: testers/);
  const all = lines(md);
  const at = all.indexOf('### Traffic router');
  assert.deepEqual(all.slice(at, at + 3), [
    '### Traffic router',
    '',
    '- VirtualService web (routes primary)',
  ]);
  const weighted = renderComment(base({ router: { ...router, maxWeight: 1000, weight: 50 } }));
  assert.match(weighted, /istio router: canary 50\/1000/);
});

test('at a pause without a duration the comment and the job summary say whether anything measures', () => {
  const paused = { phase: 'Paused' as const, message: 'CanaryPauseStep', currentStepIndex: 1, weight: 20 };
  const watching =
    'watching: background analysis keeps measuring while paused (up to max-runtime, until 2026-11-22T15:00:00.000Z)';
  for (const render of [renderComment, renderJobSummary]) {
    assert.ok(
      render(base({ ...paused, steps: steps(2, true), pauseWatch: watching })).includes(`_${watching}._`),
    );
    const unwatched = render(
      base({ ...paused, steps: steps(2, true), pauseWatch: 'nothing measures during this pause' }),
    );
    assert.ok(unwatched.includes('_nothing measures during this pause._'));
  }
});
