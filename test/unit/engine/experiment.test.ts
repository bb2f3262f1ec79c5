import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineExperimentAnalysis, ExperimentPhase } from '../../../src/engine/experiment-types.ts';
import { spec } from './experiment-fixtures.ts';
import { phases, simulate, sizes } from './experiment-sim.ts';

const analysis = (name: string, requiredForCompletion = false): EngineExperimentAnalysis => ({
  name,
  clusterScope: false,
  requiredForCompletion,
  args: [],
});

/** Each analysis reaches `phase` `after` seconds after it started. */
const script =
  (verdicts: Record<string, [ExperimentPhase, number]>) =>
  (name: string, seconds: number): ExperimentPhase => {
    const [phase, after] = verdicts[name] ?? ['Running', Infinity];
    return seconds >= after ? phase : 'Running';
  };

describe('decideExperiment: whole experiments, as Argo runs them', () => {
  test('duration 20 s: Pending, Running, Successful; the ReplicaSets go to 0 after the 30 s delay', () => {
    const ticks = simulate(spec({ durationSeconds: 20 }), 200);
    assert.deepEqual(phases(ticks), ['Pending', 'Running', 'Successful']);
    const last = ticks[ticks.length - 1];
    assert.equal(last?.decision.done, true);
    assert.equal(last?.decision.status.availableAt, '2026-01-01T00:00:05Z');
    assert.deepEqual(sizes(ticks), ['baseline=1@0', 'canary=2@0', 'baseline=0@65', 'canary=0@65']);
  });

  test('seed 2: one analysis passes, one fails: Failed early, runs terminated, ReplicaSets scaled away', () => {
    const ticks = simulate(spec({ analyses: [analysis('pass'), analysis('fail')] }), 200, {
      run: script({ pass: ['Successful', 5], fail: ['Failed', 10] }),
    });
    assert.deepEqual(phases(ticks), ['Pending', 'Running', 'Failed']);
    const failedAt = ticks.find((t) => t.decision.status.phase === 'Failed');
    assert.equal(failedAt?.second, 20);
    assert.deepEqual(sizes(ticks), ['baseline=1@0', 'canary=2@0', 'baseline=0@55', 'canary=0@55']);
    assert.equal(ticks[ticks.length - 1]?.decision.done, true);
  });

  test('analyses start one tick after availableAt, never at the tick that sets it', () => {
    const ticks = simulate(spec({ analyses: [analysis('a')] }), 20);
    const available = ticks.find((t) => t.decision.status.availableAt !== undefined);
    const start = ticks.find((t) => t.decision.actions.some((a) => a.kind === 'startExperimentAnalysis'));
    assert.equal(available?.second, 5);
    assert.equal(start?.second, 10);
  });

  test('one required run, no duration: Successful with "Required AnalysisRuns completed"', () => {
    const ticks = simulate(spec({ analyses: [analysis('req', true)] }), 200, {
      run: script({ req: ['Successful', 10] }),
    });
    const end = ticks.find((t) => t.decision.status.phase === 'Successful');
    assert.equal(end?.decision.status.message, 'Required AnalysisRuns completed');
    assert.deepEqual(phases(ticks), ['Pending', 'Running', 'Successful']);
    assert.equal(ticks[ticks.length - 1]?.decision.done, true);
  });

  test('no duration and no required run: runs until terminate, then Successful and scaled down', () => {
    const ticks = simulate(spec({ analyses: [analysis('a')] }), 300, {}, (second, s) =>
      second === 60 ? { ...s, terminate: true } : s,
    );
    assert.deepEqual(phases(ticks), ['Pending', 'Running', 'Successful']);
    assert.ok(ticks.some((t) => t.decision.actions.some((a) => a.kind === 'terminateExperimentAnalysis')));
    assert.equal(ticks[ticks.length - 1]?.decision.done, true);
  });

  test('terminate with a required run still open: the ReplicaSets go, the phase stays Running (R)', () => {
    const ticks = simulate(spec({ analyses: [analysis('req', true)] }), 300, {}, (second, s) =>
      second === 60 ? { ...s, terminate: true } : s,
    );
    assert.deepEqual(phases(ticks), ['Pending', 'Running']);
    assert.deepEqual(sizes(ticks), ['baseline=1@0', 'canary=2@0', 'baseline=0@90', 'canary=0@90']);
    assert.equal(ticks[ticks.length - 1]?.decision.done, false);
  });

  test('a duration shorter than a required run: templates end and scale down while Running, then Successful (R)', () => {
    const ticks = simulate(spec({ durationSeconds: 20, analyses: [analysis('req', true)] }), 300, {
      run: script({ req: ['Successful', 120] }),
    });
    assert.deepEqual(phases(ticks), ['Pending', 'Running', 'Successful']);
    const scaledDown = sizes(ticks)
      .filter((s) => s.includes('=0@'))
      .map((s) => Number(s.split('@')[1]));
    const successAt = ticks.find((t) => t.decision.status.phase === 'Successful')?.second ?? 0;
    assert.ok(
      scaledDown.every((s) => s < successAt),
      `${String(scaledDown)} before ${successAt}`,
    );
  });

  test("never ready past progressDeadlineSeconds 15 from the last change of its counts: Failed with Argo's message", () => {
    const ticks = simulate(spec({ progressDeadlineSeconds: 15 }), 200, { neverReady: ['canary'] });
    assert.deepEqual(phases(ticks), ['Pending', 'Failed']);
    const failed = ticks.find((t) => t.decision.status.phase === 'Failed');
    assert.equal(failed?.second, 25);
    assert.equal(
      failed?.decision.status.message,
      "Template 'canary' exceeded its progressDeadlineSeconds (15)",
    );
  });

  test('an Inconclusive run ends it Inconclusive', () => {
    const ticks = simulate(spec({ analyses: [analysis('a')] }), 200, {
      run: script({ a: ['Inconclusive', 5] }),
    });
    assert.deepEqual(phases(ticks), ['Pending', 'Running', 'Inconclusive']);
  });

  test('an Error run ends it Error; a dry-run analysis that the run reports Successful does not fail it', () => {
    const error = simulate(spec({ analyses: [analysis('a')] }), 200, { run: script({ a: ['Error', 5] }) });
    assert.deepEqual(phases(error), ['Pending', 'Running', 'Error']);
    const dry = simulate(
      spec({ durationSeconds: 30, analyses: [analysis('a')], dryRun: [{ metricName: '.*' }] }),
      200,
      {
        run: script({ a: ['Successful', 5] }),
      },
    );
    assert.deepEqual(phases(dry), ['Pending', 'Running', 'Successful']);
  });

  test('requeue points at the end of the duration while Running', () => {
    const ticks = simulate(spec({ durationSeconds: 20 }), 10);
    assert.equal(ticks[1]?.decision.requeueAfterMs, 20_000);
  });
});
