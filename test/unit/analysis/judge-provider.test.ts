/**
 * The judge provider (src/analysis/providers/judge.ts) over a stand-in Prometheus provider: it sends
 * each metric's query once per side with the hash in place, and the verdict decides the phase.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJudgeSummary } from '../../../src/analysis/judge/summary.ts';
import { createMetricProviders } from '../../../src/analysis/providers/index.ts';
import { JudgeProvider } from '../../../src/analysis/providers/judge.ts';
import {
  ProviderError,
  type MeasureContext,
  type MetricProvider,
} from '../../../src/analysis/providers/types.ts';

const BASE = [1, 2, 1, 3, 2, 1, 2, 2, 1, 3, 2, 1];

/** Answers a query by the hash it holds; records every block it was sent. */
class FakePrometheus implements MetricProvider {
  readonly kind = 'prometheus';
  readonly sent: Record<string, unknown>[] = [];
  private readonly series: Record<string, number[] | Error>;
  constructor(series: Record<string, number[] | Error>) {
    this.series = series;
  }
  measure(block: Record<string, unknown>): Promise<{ value: number[]; display: string; query: string }> {
    this.sent.push(block);
    const query = String(block.query);
    const hash = Object.keys(this.series).find((h) => query.includes(`"${h}"`)) ?? '';
    const answer = this.series[hash];
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ value: answer ?? [], display: '', query: `${query} [range]` });
  }
}

const ctx = (): MeasureContext => ({
  signal: new AbortController().signal,
  now: new Date(0),
  secrets: new Set(),
});

const block = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  baseline: 'base1',
  canary: 'cana1',
  prometheus: { address: 'http://127.0.0.1:9', rangeQuery: { start: 'now()', end: 'now()', step: '30s' } },
  metrics: [{ name: 'errors', query: 'errors{h="{{scope}}"}', direction: 'increase' }],
  ...over,
});

describe('JudgeProvider', () => {
  test('is registered under "judge"', () => {
    assert.equal(createMetricProviders().get('judge')?.kind, 'judge');
  });

  test('queries both sides through Prometheus with the range kept', async () => {
    const prom = new FakePrometheus({ base1: BASE, cana1: [...BASE].reverse() });
    const r = await new JudgeProvider(prom).measure(block(), ctx());
    assert.deepEqual(
      prom.sent.map((b) => b.query),
      ['errors{h="base1"}', 'errors{h="cana1"}'],
    );
    assert.deepEqual(prom.sent[0]?.rangeQuery, { start: 'now()', end: 'now()', step: '30s' });
    assert.equal(r.forcedPhase, 'Successful');
    assert.equal(r.query, 'errors{h="base1"} [range]\nerrors{h="cana1"} [range]');
    const summary = parseJudgeSummary(r.display);
    assert.equal(summary?.verdict, 'Pass');
    assert.equal(summary?.metrics[0]?.class, 'Pass');
    assert.deepEqual(summary?.metrics[0]?.n, [12, 12]);
  });

  test('a clearly worse canary fails, and the message says why', async () => {
    const prom = new FakePrometheus({ base1: BASE, cana1: BASE.map((v) => v * 4 + 5) });
    const r = await new JudgeProvider(prom).measure(block(), ctx());
    assert.equal(r.forcedPhase, 'Failed');
    assert.match(
      r.message ?? '',
      /^judge: Fail, score 0 \(pass 90, marginal 75\): errors High: canary higher: 98% interval/,
    );
  });

  test('marginal is Inconclusive', async () => {
    const prom = new FakePrometheus({ base1: BASE, cana1: BASE.map((v) => v * 4 + 5) });
    const r = await new JudgeProvider(prom).measure(
      block({
        thresholds: { pass: 60, marginal: 50 },
        metrics: [
          { name: 'a', query: 'a{h="{{scope}}"}', direction: 'increase' },
          { name: 'b', query: 'b{h="{{scope}}"}', direction: 'decrease' },
        ],
      }),
      ctx(),
    );
    assert.equal(r.forcedPhase, 'Inconclusive');
    assert.match(r.message ?? '', /score 50/);
  });

  test('a failing query is an Error naming the metric and side', async () => {
    const prom = new FakePrometheus({ base1: BASE, cana1: new ProviderError('server_error: 503', 'q') });
    await assert.rejects(new JudgeProvider(prom).measure(block(), ctx()), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.message, 'judge metric "errors", canary query: server_error: 503');
      return true;
    });
  });

  test('a bad block is an Error listing its problems', async () => {
    await assert.rejects(
      new JudgeProvider(new FakePrometheus({})).measure(block({ metrics: [] }), ctx()),
      /judge: metrics: metrics needs at least one metric/,
    );
  });

  test('no data on one side is Nodata and fails the judgement', async () => {
    const prom = new FakePrometheus({ base1: BASE, cana1: [] });
    const r = await new JudgeProvider(prom).measure(block(), ctx());
    assert.equal(r.forcedPhase, 'Failed');
    assert.match(r.message ?? '', /1 of 1 metrics had no data/);
  });
});
