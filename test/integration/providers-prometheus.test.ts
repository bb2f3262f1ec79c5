// The Prometheus provider against a real Prometheus (Debian's /usr/bin/prometheus) scraping the demo
// app, whose error rates the test sets. Done when: the error rate a test sets comes back as a
// one-element vector (`result[0]`), scalar() as a number, an empty selection as [], a range query as
// the flattened values, PromQL errors as Prometheus words them, and an unreachable or hung
// Prometheus as a ProviderError within the timeout, never a value.
// Needs /usr/bin/prometheus: scripts/services/install-prometheus.sh.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PrometheusProvider } from '../../src/analysis/providers/prometheus.ts';
import {
  ProviderError,
  type MeasureContext,
  type MeasureResult,
} from '../../src/analysis/providers/types.ts';
import { startDemoApp, type DemoApp } from '../support/demo-app/server.ts';
import { freePort, startPrometheus, type PrometheusHandle } from '../support/prometheus.ts';

function ctx(): MeasureContext {
  return { signal: new AbortController().signal, now: new Date(), secrets: new Set() };
}

function errorRatio(version: string, window: string): string {
  return (
    `sum(rate(http_requests_total{version="${version}",code=~"5.."}[${window}]))` +
    ` / sum(rate(http_requests_total{version="${version}"}[${window}]))`
  );
}

function numbers(r: MeasureResult): number[] {
  assert.ok(Array.isArray(r.value), `expected a list, got ${r.display}`);
  return r.value as number[];
}

async function providerError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ProviderError, `expected a ProviderError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('Prometheus provider against a real Prometheus', { timeout: 90_000 }, () => {
  let app: DemoApp;
  let prom: PrometheusHandle;
  let provider: PrometheusProvider;

  before(async () => {
    app = await startDemoApp({
      versions: { stable: { rps: 40, errorRate: 0 }, canary: { rps: 40, errorRate: 0.2 } },
    });
    prom = await startPrometheus({ targets: [app.target], scrapeIntervalSeconds: 1 });
    provider = new PrometheusProvider({ defaultAddress: prom.url });
    await prom.waitForTargetsUp({ timeoutMs: 20_000 });
    await prom.waitForValue(
      'min(count_over_time(http_requests_total{version="canary"}[15s]))',
      (n) => n >= 5,
      { timeoutMs: 20_000 },
    );
  });
  after(async () => {
    await prom.close();
    await app.close();
  });

  it('the error rate the test set comes back as a one-element vector, [0.2]', async () => {
    const canary = await provider.measure({ query: errorRatio('canary', '15s') }, ctx());
    const [rate, ...rest] = numbers(canary);
    assert.equal(rest.length, 0);
    assert.ok(rate !== undefined && Math.abs(rate - 0.2) <= 0.03, `canary ${canary.display}`);
    assert.match(canary.display, /^\[0\.\d+\]$/);
    assert.equal(canary.query, errorRatio('canary', '15s'));
    // successCondition: result[0] <= 0.05 fails for the canary, passes for stable.
    const stable = await provider.measure({ query: errorRatio('stable', '15s') }, ctx());
    assert.deepEqual(stable.value, [0]);
    assert.equal(stable.display, '[0]');
  });

  it('the address from the metric wins over the prometheus-address input', async () => {
    const p = new PrometheusProvider({ defaultAddress: 'http://127.0.0.1:1' });
    const r = await p.measure({ address: prom.url, query: 'demo_app_error_rate{version="canary"}' }, ctx());
    assert.deepEqual(r.value, [0.2]);
    assert.equal(r.display, '[0.2]');
  });

  it('scalar() is a number; 0/0 is NaN', async () => {
    const r = await provider.measure({ query: `scalar(${errorRatio('canary', '15s')})` }, ctx());
    assert.equal(typeof r.value, 'number');
    assert.ok(Math.abs((r.value as number) - 0.2) <= 0.03, r.display);
    const nan = await provider.measure({ query: '0/0' }, ctx());
    assert.ok(Number.isNaN(nan.value));
    assert.equal(nan.display, 'NaN');
  });

  it('an empty selection is []', async () => {
    const r = await provider.measure({ query: 'http_requests_total{version="nope"}' }, ctx());
    assert.deepEqual(r.value, []);
    assert.equal(r.display, '[]');
  });

  it('a range query returns every series flattened (all(result, # == 0.2) style)', async () => {
    const r = await provider.measure(
      {
        query: 'demo_app_error_rate{version="canary"}',
        rangeQuery: { start: 'now() - duration("5s")', end: 'now()', step: '1s' },
      },
      ctx(),
    );
    const values = numbers(r);
    assert.ok(values.length >= 5 && values.length <= 6, r.display);
    assert.ok(values.every((v) => v === 0.2));
    assert.match(r.query, /\[range .* step 1s\]$/);

    const both = await provider.measure(
      {
        query: 'sort(demo_app_error_rate{version=~"stable|canary"})',
        rangeQuery: { start: new Date(Date.now() - 3000).toISOString(), end: 'now()', step: '1s' },
      },
      ctx(),
    );
    const all = numbers(both);
    assert.ok(all.length >= 6, both.display);
    assert.deepEqual([...new Set(all)].sort(), [0, 0.2]);
  });

  it("PromQL errors come back in Prometheus' words", async () => {
    await providerError(provider.measure({ query: 'sum(rate(x[5m]' }, ctx()), /^bad_data: .*parse error/);
    await providerError(
      provider.measure({ query: 'up', rangeQuery: { start: 'now()', end: 'now()', step: '??' } }, ctx()),
      /^failed to parse rangeQuery\.step as duration: time: invalid duration "\?\?"$/,
    );
  });

  it('an unreachable Prometheus (a closed loopback port) is an error at once, never a value', async () => {
    const port = await freePort();
    const started = performance.now();
    await providerError(
      provider.measure({ address: `http://127.0.0.1:${port}`, query: 'up', timeout: 5 }, ctx()),
      /ECONNREFUSED/,
    );
    assert.ok(performance.now() - started < 1_000);
  });

  it('a Prometheus that accepts but never answers is an error when the timeout runs out', async (t) => {
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      hung.close();
    });
    const port = (hung.address() as net.AddressInfo).port;
    const started = performance.now();
    await providerError(
      provider.measure({ address: `http://127.0.0.1:${port}`, query: 'up', timeout: 1 }, ctx()),
      /timed out after 1s/,
    );
    const took = performance.now() - started;
    assert.ok(took >= 900 && took < 2_000, `took ${took} ms`);
  });
});
