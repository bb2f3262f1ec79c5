/**
 * Metrics measured at the same moment are recorded together, as Argo assesses a run only after every
 * measurement of its reconcile: a quick metric that decides the run does not cut off its sibling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRun, type RunSpec } from '../../../src/analysis/engine/index.ts';
import type { MetricProvider } from '../../../src/analysis/providers/index.ts';
import { AnalysisRunner, type AnalysisRecord } from '../../../src/controller/analysis.ts';
import { isHeld, readyOutcomes, type InFlight } from '../../../src/controller/measurement-batch.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

/** A provider whose measurements finish when the test says, each with its own value. */
function manualProvider(kind: string) {
  const waiting = new Map<string, (v: number) => void>();
  const provider: MetricProvider = {
    kind,
    measure: (block) =>
      new Promise((resolve) => {
        waiting.set(String(block.name), (v) => {
          resolve({ value: [v], display: `[${v}]`, query: String(block.name) });
        });
      }),
  };
  return { provider, finish: (name: string, v: number) => waiting.get(name)?.(v) };
}

function twoMetricRun(): AnalysisRecord {
  const spec: RunSpec = {
    dryRun: ['strict'],
    metrics: [
      {
        name: 'error-rate',
        successCondition: 'result[0] < 0.1',
        failureCondition: 'result[0] > 0.4',
        provider: { web: { name: 'error-rate' } },
      },
      { name: 'strict', successCondition: 'result[0] < 0.01', provider: { web: { name: 'strict' } } },
    ],
  };
  return { id: 'r1', kind: 'Step', podHash: 'h', args: {}, secretArgs: [], spec, state: newRun(spec, NOW) };
}

test('an Inconclusive metric waits for its dry-run sibling measured at the same time: both are recorded', async () => {
  const { provider, finish } = manualProvider('web');
  const runner = new AnalysisRunner(
    new Map([['web', provider]]),
    () => Promise.reject(new Error('no secrets')),
    new MemoryLogger(),
    'web',
    () => NOW,
  );
  let records = runner.launch([twoMetricRun()], NOW).records;
  finish('error-rate', 0.2);
  await new Promise((r) => setImmediate(r));
  records = runner.collect(records);
  assert.equal(records[0]?.state.phase, 'Running', 'nothing recorded while the sibling is in flight');
  assert.deepEqual(
    records[0]?.state.metrics.map((m) => m.measurements.at(-1)?.phase),
    ['Running', 'Running'],
  );
  const woke = runner.waitForOutcome(AbortSignal.timeout(2000));
  finish('strict', 0.2);
  await woke;
  records = runner.collect(records);
  assert.equal(records[0]?.state.phase, 'Inconclusive');
  assert.deepEqual(
    records[0]?.state.metrics.map((m) => [m.name, m.phase]),
    [
      ['error-rate', 'Inconclusive'],
      ['strict', 'Failed'],
    ],
  );
});

test('only a quick measurement of the same run, started no later, holds an outcome back', () => {
  const outcome = { runId: 'r1', metric: 'a', outcome: { value: 1 }, at: NOW, startedAt: 100 };
  const flight = (f: Partial<InFlight>): InFlight => ({
    runId: 'r1',
    metric: 'b',
    kind: 'prometheus',
    startedAt: 100,
    controller: new AbortController(),
    ...f,
  });
  assert.equal(isHeld(outcome, [flight({})]), true);
  assert.equal(isHeld(outcome, [flight({ kind: 'job' })]), false, 'a Job stays Running in Argo too');
  assert.equal(isHeld(outcome, [flight({ runId: 'r2' })]), false, 'another run');
  assert.equal(isHeld(outcome, [flight({ metric: 'a' })]), false, 'its own entry');
  assert.equal(isHeld(outcome, [flight({ startedAt: 101 })]), false, 'started later');
  assert.deepEqual(readyOutcomes([outcome], []), { ready: [outcome], held: [] });
});

test('a measurement finished but not yet recorded is not started again by the next launch', async () => {
  let calls = 0;
  const provider: MetricProvider = {
    kind: 'job',
    measure: () => {
      calls++;
      return Promise.resolve({ value: 1, display: '1', query: 'job', forcedPhase: 'Failed' });
    },
  };
  const runner = new AnalysisRunner(
    new Map([['job', provider]]),
    () => Promise.reject(new Error('no secrets')),
    new MemoryLogger(),
    'web',
    () => NOW,
  );
  const spec: RunSpec = {
    metrics: [{ name: 'fail', intervalSeconds: 5, failureLimit: 1, provider: { job: {} } }],
  };
  const record: AnalysisRecord = {
    id: 'r1',
    kind: 'Step',
    podHash: 'h',
    args: {},
    secretArgs: [],
    spec,
    state: newRun(spec, NOW),
  };
  let records = runner.launch([record], NOW).records;
  await runner.waitForOutcome(AbortSignal.timeout(2000));
  // The tick that launches again has not collected yet: the stored measurement still looks in flight.
  records = runner.launch(records, NOW).records;
  await new Promise((r) => setImmediate(r));
  records = runner.collect(records);
  assert.equal(calls, 1, 'one Job measured once');
  const metric = records[0]?.state.metrics[0];
  assert.equal(metric?.failed, 1);
  assert.equal(metric?.phase, 'Running', 'one failure is within failureLimit 1');
});
