/**
 * The analysis runner under size pressure (docs/state-model.md, "Size limits"): a provider's huge
 * value is stored capped and logged as a bounded excerpt; a state that cannot be written turns what
 * the tick measured into an Error measurement; the runs are fitted to the budget before a write.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_VALUE_BYTES, newRun, utf8Length, type RunSpec } from '../../../src/analysis/engine/index.ts';
import type { MetricProvider } from '../../../src/analysis/providers/index.ts';
import { AnalysisRunner, type AnalysisRecord } from '../../../src/controller/analysis.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

function setup(value: () => unknown, options: { budgetBytes?: number } = {}) {
  const provider: MetricProvider = {
    kind: 'web',
    measure: () => Promise.resolve({ value: value(), display: JSON.stringify(value()), query: 'GET /m' }),
  };
  const log = new MemoryLogger();
  const runner = new AnalysisRunner(
    new Map([['web', provider]]),
    () => Promise.reject(new Error('no secrets')),
    log,
    'web',
    () => NOW,
    options,
  );
  const spec: RunSpec = {
    metrics: [{ name: 'm', intervalSeconds: 1, successCondition: 'true', provider: { web: { url: 'x' } } }],
  };
  const record: AnalysisRecord = {
    id: 'r1',
    kind: 'Background',
    podHash: 'h',
    args: {},
    secretArgs: [],
    spec,
    state: newRun(spec, NOW),
  };
  return { runner, log, record };
}

async function measureOnce(runner: AnalysisRunner, record: AnalysisRecord): Promise<AnalysisRecord[]> {
  const launched = runner.launch([record], NOW).records;
  await runner.waitForOutcome(AbortSignal.timeout(2000));
  return launched;
}

test('a huge value is stored capped and logged as a short excerpt', async () => {
  const { runner, log, record } = setup(() => 'v'.repeat(2_700_000));
  const launched = await measureOnce(runner, record);
  const [collected] = runner.collect(launched);
  const m = collected?.state.metrics[0]?.measurements.at(-1);
  assert.equal(m?.phase, 'Successful');
  assert.ok(utf8Length(m?.value ?? '') <= MAX_VALUE_BYTES);
  assert.ok(Math.max(...log.lines.map((l) => l.length)) < 500, 'log lines are short');
});

test('a state too large to write makes the measurement an Error, recorded at the next collect', async () => {
  const { runner, record } = setup(() => 1);
  const launched = await measureOnce(runner, record);
  const first = runner.collect(launched);
  assert.equal(first[0]?.state.metrics[0]?.measurements.at(-1)?.phase, 'Successful');
  runner.unwritable('the state of web is too large to write');
  // The driver decides again from the stored state, where the measurement is still in flight.
  const again = runner.collect(launched);
  const result = again[0]?.state.metrics[0];
  const m = result?.measurements.at(-1);
  assert.equal(m?.phase, 'Error');
  assert.match(
    m?.message ?? '',
    /^metric "m": the measurement could not be stored: the state of web is too large/,
  );
  assert.equal(result?.error, 1);
  assert.equal(result?.consecutiveError, 1);
  assert.equal(result?.successful, 0);
});

test('fit trims the oldest measurements to the budget and logs how many', () => {
  const { runner, log, record } = setup(() => 1, { budgetBytes: 3000 });
  const measurements = Array.from({ length: 10 }, (_, i) => ({
    phase: 'Successful' as const,
    value: 'x'.repeat(500),
    startedAt: new Date(NOW.getTime() + i * 1000).toISOString(),
    finishedAt: new Date(NOW.getTime() + i * 1000).toISOString(),
  }));
  const full: AnalysisRecord = {
    ...record,
    state: {
      ...record.state,
      phase: 'Running',
      metrics: [
        {
          name: 'm',
          phase: 'Running',
          measurements,
          count: 10,
          successful: 10,
          failed: 0,
          inconclusive: 0,
          error: 0,
          consecutiveError: 0,
          consecutiveSuccess: 10,
          dryRun: false,
        },
      ],
    },
  };
  const [fitted] = runner.fit([full]);
  assert.ok(utf8Length(JSON.stringify([fitted])) <= 3000);
  assert.equal(fitted?.state.metrics[0]?.count, 10);
  assert.match(fitted?.state.note ?? '', /older measurements were trimmed/);
  assert.match(log.lines.join('\n'), /analysis: trimmed the \d+ oldest measurements/);
});
