// The judge provider on a real Prometheus (Debian's /usr/bin/prometheus) scraping the demo app,
// whose error rates the test sets: a canary whose error ratio is clearly worse than the baseline's
// fails (High), one that matches it passes, and the message and stored value say why.
// Needs /usr/bin/prometheus: scripts/services/install-prometheus.sh.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseJudgeSummary } from '../../src/analysis/judge/summary.ts';
import { createMetricProviders } from '../../src/analysis/providers/index.ts';
import type { MeasureContext, MetricProvider } from '../../src/analysis/providers/types.ts';
import { startDemoApp, type DemoApp } from '../support/demo-app/server.ts';
import { startPrometheus, type PrometheusHandle } from '../support/prometheus.ts';

function ctx(): MeasureContext {
  return { signal: new AbortController().signal, now: new Date(), secrets: new Set() };
}

const ERROR_RATIO =
  'sum(rate(http_requests_total{version="{{scope}}",code=~"5.."}[5s])) / sum(rate(http_requests_total{version="{{scope}}"}[5s]))';

function block(baseline: string, canary: string): Record<string, unknown> {
  return {
    baseline,
    canary,
    prometheus: { rangeQuery: { start: 'now() - duration("10s")', end: 'now()', step: '1s' } },
    metrics: [{ name: 'error-ratio', query: ERROR_RATIO, direction: 'increase' }],
  };
}

describe('judge provider against a real Prometheus', { timeout: 90_000 }, () => {
  let app: DemoApp;
  let prom: PrometheusHandle;
  let judge: MetricProvider;

  before(async () => {
    app = await startDemoApp({
      versions: {
        stable: { rps: 40, errorRate: 0 },
        twin: { rps: 40, errorRate: 0 },
        canary: { rps: 40, errorRate: 0.2 },
      },
    });
    prom = await startPrometheus({ targets: [app.target], scrapeIntervalSeconds: 1 });
    const provider = createMetricProviders({ prometheusAddress: prom.url }).get('judge');
    assert.ok(provider);
    judge = provider;
    await prom.waitForTargetsUp({ timeoutMs: 20_000 });
    await prom.waitForValue(
      'min(count_over_time(http_requests_total{version="canary"}[20s]))',
      (n) => n >= 17,
      {
        timeoutMs: 30_000,
      },
    );
  });
  after(async () => {
    await prom.close();
    await app.close();
  });

  it('a canary with a clearly higher error ratio fails, and says why', async () => {
    const r = await judge.measure(block('stable', 'canary'), ctx());
    assert.equal(r.forcedPhase, 'Failed', r.message);
    assert.match(r.message ?? '', /^judge: Fail, score 0 .*error-ratio High: canary higher: 98% interval/);
    const s = parseJudgeSummary(r.display);
    const m = s?.metrics[0];
    assert.equal(m?.class, 'High');
    assert.ok((m?.n[0] ?? 0) >= 10 && (m?.n[1] ?? 0) >= 10, JSON.stringify(m?.n));
    assert.ok(m?.test && m.test.ci[0] > 0.1, JSON.stringify(m?.test));
    assert.match(r.query, /version="stable".*\n.*version="canary"/);
  });

  it('a canary with the same error ratio passes', async () => {
    const r = await judge.measure(block('stable', 'twin'), ctx());
    assert.equal(r.forcedPhase, 'Successful', r.message);
    assert.equal(parseJudgeSummary(r.display)?.metrics[0]?.class, 'Pass');
  });

  it('a version with no traffic is no data, which fails', async () => {
    const r = await judge.measure(block('stable', 'absent'), ctx());
    assert.equal(r.forcedPhase, 'Failed');
    assert.match(r.message ?? '', /no data/);
  });
});
