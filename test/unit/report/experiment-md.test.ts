/** The Experiment's comment, check run and job summary (src/report/experiment-md.ts) and its verdict. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REQUIRED_RUNS_COMPLETED } from '../../../src/engine/experiment-phase.ts';
import type { ExperimentReport } from '../../../src/report/experiment-model.ts';
import {
  experimentMarker,
  renderExperimentCheckRun,
  renderExperimentComment,
  renderExperimentJobSummary,
} from '../../../src/report/experiment-md.ts';
import { decider, durationText, experimentVerdict } from '../../../src/report/experiment-verdict.ts';
import { COMMENT_LIMIT, commentMarker } from '../../../src/report/pr.ts';
import { iso } from '../engine/experiment-fixtures.ts';
import { jobRun, seed2 } from './experiment-fixtures.ts';

describe('experiment comment', () => {
  test('seed 2 failed: the verdict names the failing analysis and why, templates scaled down, every measurement', () => {
    const out = renderExperimentComment(seed2('Failed'));
    assert.ok(
      out.startsWith(
        `${experimentMarker('demo', 'seed2')}\n## ❌ Experiment \`seed2\` failed: analysis \`random-fail\` Failed\n`,
      ),
    );
    assert.match(
      out,
      /\*\*Why:\*\* The analysis `random-fail` ended Failed: metric "random-fail" assessed Failed due to failed \(1\) > failureLimit \(0\)\. An analysis that fails/,
    );
    assert.match(
      out,
      /\| `baseline` \| `exp-baseline` \(`h-baseline`\) \| 0\/0, scaled down from 1 \| ✅ Successful \| `seed2-baseline` \| — \|/,
    );
    assert.match(
      out,
      /\| `canary` \| `exp-canary` \(`h-canary`\) \| 0\/0, scaled down from 2 \| ✅ Successful \| — \| — \|/,
    );
    assert.match(
      out,
      /\| `random-fail` \| — \| no \| ❌ Failed \| 2: 1 ✅ 1 ❌ \| random-fail: `1` \| metric "random-fail"/,
    );
    assert.match(out, /\| `always-pass` \| — \| no \| ✅ Successful \| 1: 1 ✅ \| always-pass: `0` \| — \|/);
    assert.match(out, /- Finished at 2026-01-01 00:01:36 UTC \(36s after it was available\)/);
    assert.match(out, /- Duration 5m 00s, cut short: the experiment ended before it ran out/);
    assert.match(out, /### Measurements\n/);
    assert.match(
      out,
      /<details open>\n<summary>❌ <b>Analysis random-fail<\/b>: Failed · <code>seed2-random-fail<\/code>/,
    );
    assert.match(out, /\| 2 \| 00:01:30 \| `1` \| ❌ Failed \|/);
    assert.ok(out.trimEnd().endsWith('<sub>Updated 2026-01-01 00:02:00 UTC · rollout-pilot</sub>'));
  });

  test('the marker differs from a rollout’s of the same name, and the job summary has none', () => {
    assert.notEqual(experimentMarker('demo', 'seed2'), commentMarker('demo', 'seed2'));
    const summary = renderExperimentJobSummary(seed2('Failed'));
    assert.ok(!summary.includes('<!--'));
    assert.match(summary, /^## ❌ Experiment `seed2` failed/);
  });

  test('running: what it measures, the time left of the duration, pods ready of desired', () => {
    const r = seed2('Running');
    const out = renderExperimentComment(r);
    assert.match(out, /## 🔄 Experiment `seed2` running\n/);
    assert.match(
      out,
      /Measuring: `always-pass`, `random-fail`\. It ends when its duration \(5m 00s\) runs out, in 4m 00s\./,
    );
    assert.match(out, /- Duration 5m 00s: 4m 00s left, ends at 00:06:00 UTC/);
    assert.match(out, /\| `canary` \| `exp-canary` \(`h-canary`\) \| 2\/2 \| 🔄 Running \|/);
    assert.ok(!out.includes('Finished at'));
  });

  test('a long run is shortened to fit the comment, saying where the rest is', () => {
    const r = seed2('Failed');
    const run = jobRun('random-fail', 'Failed');
    const metric = run.state.metrics[0];
    assert.ok(metric !== undefined);
    metric.measurements = Array.from({ length: 3000 }, (_, i) => ({
      phase: 'Successful' as const,
      value: `${'x'.repeat(40)}${i}`,
      startedAt: iso(i),
    }));
    const big: ExperimentReport = {
      ...r,
      runUrl: 'https://example.test/run/1',
      analyses: r.analyses.map((a) => ({ ...a, run })),
    };
    const out = renderExperimentComment(big);
    assert.ok(out.length <= COMMENT_LIMIT, `${out.length}`);
    assert.match(
      out,
      /Shortened to fit GitHub's size limit; the job summary of the \[workflow run\]\(https:\/\/example\.test\/run\/1\) has every measurement/,
    );
    assert.ok(renderExperimentJobSummary(big).length > out.length);
  });
});

test('a judge measurement shows as its verdict and score in the table, and the comparison below', () => {
  const r = seed2('Failed');
  const run = jobRun('random-fail', 'Failed');
  const judged = { score: 40, verdict: 'Fail', thresholds: [90, 75], groups: [], metrics: [] };
  const metric = run.state.metrics[0];
  assert.ok(metric !== undefined);
  metric.measurements = [{ phase: 'Failed', value: JSON.stringify(judged), startedAt: iso(90) }];
  const out = renderExperimentComment({
    ...r,
    analyses: r.analyses.map((a) => (a.name === 'random-fail' ? { ...a, run } : a)),
  });
  assert.match(out, /\| random-fail: judge: Fail, score 40 \|/);
  assert.match(
    out,
    /\*\*The judge's comparison\*\* \(measurement 1\):\n\n❌ \*\*Judge: Fail\*\*, score 40 of 100/,
  );
});

describe('experiment check run', () => {
  test('in progress while running; failure for Failed and Error; neutral for Inconclusive; success', () => {
    const running = renderExperimentCheckRun(seed2('Running'));
    assert.equal(running.status, 'in_progress');
    assert.equal(running.conclusion, undefined);
    assert.equal(running.title, 'Experiment seed2 running');
    const failed = renderExperimentCheckRun(seed2('Failed'));
    assert.deepEqual([failed.status, failed.conclusion], ['completed', 'failure']);
    assert.equal(failed.title, 'Experiment seed2 failed: analysis random-fail Failed');
    assert.match(failed.summary, /### Templates/);
    assert.ok(!failed.summary.includes('### Measurements'));
    assert.match(failed.text ?? '', /^### Measurements\n/);
    const phase = (p: ExperimentReport['phase']) =>
      renderExperimentCheckRun({ ...seed2('Failed'), phase: p }).conclusion;
    assert.equal(phase('Error'), 'failure');
    assert.equal(phase('Inconclusive'), 'neutral');
    assert.equal(phase('Successful'), 'success');
  });
});

describe('experiment verdict', () => {
  const ended = (changes: Partial<ExperimentReport>): ExperimentReport => ({
    ...seed2('Failed'),
    ...changes,
  });

  test('a failed template decides before the analyses, with its message', () => {
    const base = seed2('Failed');
    const r = ended({
      templates: base.templates.map((t) =>
        t.name === 'canary'
          ? {
              ...t,
              status: 'Failed' as const,
              message: "Template 'canary' exceeded its progressDeadlineSeconds (600)",
            }
          : t,
      ),
    });
    const v = experimentVerdict(r);
    assert.equal(v.decider?.kind, 'template');
    assert.equal(v.plain, 'Experiment seed2 failed: template canary Failed');
    assert.match(
      v.why,
      /^Template `canary` ended Failed: Template 'canary' exceeded its progressDeadlineSeconds \(600\)\./,
    );
  });

  test('successful: the required analyses, an abort, the duration, or all of it', () => {
    const base = seed2('Failed');
    const ok = { ...base, phase: 'Successful' as const, message: undefined, finishedAt: iso(400) };
    const required = ended({
      ...ok,
      message: REQUIRED_RUNS_COMPLETED,
      analyses: base.analyses.map((a) => ({
        ...a,
        requiredForCompletion: a.name === 'always-pass',
        phase: 'Successful' as const,
      })),
    });
    assert.equal(decider(required)?.kind, 'required');
    assert.match(experimentVerdict(required).why, /requiredForCompletion \(`always-pass`\) ended Successful/);
    assert.equal(decider(ended({ ...ok, terminate: true }))?.kind, 'terminated');
    assert.match(experimentVerdict(ended(ok)).why, /ran for their duration \(5m 00s\)/);
    assert.equal(decider(ended({ ...ok, durationSeconds: undefined }))?.kind, 'all');
    assert.equal(durationText(ended(ok)), '5m 00s, ran out 2026-01-01 00:06:00 UTC');
    assert.equal(experimentVerdict(ended(ok)).markdown, '✅ Experiment `seed2` successful');
  });

  test('pending: which templates it waits for and the progress deadline; no decider', () => {
    const base = seed2('Running');
    const r: ExperimentReport = {
      ...base,
      phase: 'Pending',
      availableAt: undefined,
      templates: base.templates.map((t) =>
        t.name === 'canary' ? { ...t, status: 'Progressing' as const, ready: 1 } : t,
      ),
    };
    const v = experimentVerdict(r);
    assert.equal(v.decider, undefined);
    assert.match(
      v.why,
      /^Waiting for `canary` to have every pod available; .* after 600s \(progressDeadlineSeconds\)\./,
    );
    assert.equal(durationText(r), '5m 00s, counted from when every template is available');
  });

  test('running without a duration or a required analysis runs until terminated or a failure', () => {
    const r: ExperimentReport = { ...seed2('Running'), durationSeconds: undefined };
    assert.match(
      experimentVerdict(r).why,
      /no duration and no required analysis: it runs until terminated or an analysis fails\.$/,
    );
  });
});
