// A real Prometheus (Debian's 2.42) scraping the demo app, whose error rates the test sets at run time.
// Needs /usr/bin/prometheus: scripts/services/install-prometheus.sh.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoAppControl, startDemoApp } from '../support/demo-app/server.ts';
import { startPrometheus } from '../support/prometheus.ts';

const RPS = 40;

function errorRatio(version: string, window: string): string {
  return (
    `sum(rate(http_requests_total{version="${version}",code=~"5.."}[${window}]))` +
    ` / sum(rate(http_requests_total{version="${version}"}[${window}]))`
  );
}

/** Argo Rollouts' docs (docs/analysis/prometheus.md), `{{args.service-name}}` substituted. */
function argoDocsSuccessRate(serviceName: string): string {
  return `sum(irate(
  istio_requests_total{reporter="source",destination_service=~"${serviceName}",response_code!~"5.*"}[5m]
)) /
sum(irate(
  istio_requests_total{reporter="source",destination_service=~"${serviceName}"}[5m]
))`;
}

/** Setup 4 of shared/reference/seed-examples.md (blue-green post-promotion analysis), substituted. */
function seedSetup4SuccessRate(serviceName: string): string {
  return `(
  sum(irate(istio_requests_total{reporter="destination",destination_service="${serviceName}",response_code!~"5.."}[2m]))
  /
  sum(irate(istio_requests_total{reporter="destination",destination_service="${serviceName}"}[2m]))
  > 0
)
or vector(1)`;
}

void test('the demo app answers per version, with a deterministic error pattern and a validated control API', async (t) => {
  const app = await startDemoApp({ versions: { stable: {}, canary: { errorRate: 0.1, appVersion: 'v2' } } });
  t.after(() => app.close());

  const plain = await fetch(`${app.url}/`);
  assert.equal(plain.status, 200);
  assert.deepEqual(await plain.json(), { name: 'stable', version: 'stable', ok: true });

  const codes: number[] = [];
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${app.url}/?version=canary`);
    assert.equal(((await res.json()) as { version: string }).version, 'v2');
    codes.push(res.status);
  }
  assert.equal(codes.filter((c) => c === 500).length, 10, 'exactly 10% of 100 requests fail at rate 0.1');
  assert.equal(codes.filter((c) => c === 200).length, 90);

  const control = demoAppControl(app.url);
  await assert.rejects(control.setVersion('canary', { errorRate: 1.5 }), /errorRate must be a number/);
  const put = await fetch(`${app.url}/control/versions/canary`, { method: 'PUT', body: '{"nope":1}' });
  assert.equal(put.status, 400);
  assert.match(await put.text(), /unknown field/);

  const created = await control.setVersion('preview', { latencyMs: 5 });
  assert.equal(created.service, 'demo-preview.demo.svc.cluster.local');
  assert.deepEqual(
    (await control.listVersions()).map((v) => v.name),
    ['stable', 'canary', 'preview'],
  );
  assert.equal((await fetch(`${app.url}/?version=nope`)).status, 404);

  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /^http_requests_total\{version="canary",status="5xx",code="500"\} 10$/m);
  assert.match(metrics, /^http_requests_total\{version="canary",status="2xx",code="200"\} 90$/m);
  assert.match(metrics, /^# TYPE http_request_duration_seconds histogram$/m);
  assert.match(
    metrics,
    /^istio_requests_total\{reporter="destination",[^}]*destination_service="demo-canary\.demo\.svc\.cluster\.local",[^}]*response_code="500"[^}]*\} 10$/m,
  );
  assert.match(metrics, /^istio_request_duration_milliseconds_bucket\{[^}]*le="\+Inf"\} \d+$/m);

  assert.equal(await control.removeVersion('preview'), true);
  assert.equal(await control.getVersion('preview'), undefined);
});

void test(
  'Prometheus scrapes the demo app and sees the error rates set at run time',
  { timeout: 60_000 },
  async (t) => {
    const wallStart = performance.now();
    const app = await startDemoApp({
      versions: {
        stable: { rps: RPS, errorRate: 0 },
        canary: { rps: RPS, errorRate: 0.2, latencyMs: 30 },
        idle: { rps: 0 },
      },
    });
    t.after(() => app.close());
    const prom = await startPrometheus({ targets: [app.target], scrapeIntervalSeconds: 1 });
    t.after(() => prom.close());
    const upMs = await prom.waitForTargetsUp({ timeoutMs: 15_000 });
    t.diagnostic(
      `prometheus at ${prom.url}: ready ${Math.round(prom.startupMs)} ms, first scrape ${Math.round(upMs)} ms after spawn`,
    );

    /** Waits (bounded) until the 15 s window holds at least n scrapes of the version's series. */
    const waitForScrapes = (version: string, n: number) =>
      prom.waitForValue(
        `min(count_over_time(http_requests_total{version="${version}"}[15s]))`,
        (count) => count >= n,
        { timeoutMs: 15_000 },
      );

    await t.test('canary fails 20%, stable 0%', async (st) => {
      await waitForScrapes('canary', 5);
      const canary = await prom.queryValue(errorRatio('canary', '15s'));
      const stable = await prom.queryValue(errorRatio('stable', '15s'));
      st.diagnostic(`error ratio: canary ${canary}, stable ${stable}`);
      assert.ok(canary !== undefined && Math.abs(canary - 0.2) <= 0.03, `canary ratio ${canary}`);
      assert.equal(stable, 0);
    });

    await t.test('raising the canary error rate at run time moves the ratio', async (st) => {
      const changedAt = Date.now() / 1000;
      await demoAppControl(app.url).setVersion('canary', { errorRate: 0.5 });
      // It moves within a few scrapes even though most of the window still holds the old rate...
      const moved = await prom.waitForValue(errorRatio('canary', '15s'), (v) => v > 0.25, {
        timeoutMs: 8_000,
      });
      st.diagnostic(`moved to ${moved} after ${(Date.now() / 1000 - changedAt).toFixed(1)} s`);
      // ...and once every sample in the window is from after the change, it reads the new rate.
      await prom.waitForValue('min_over_time(demo_app_error_rate{version="canary"}[15s])', (v) => v === 0.5, {
        timeoutMs: 20_000,
      });
      const settled = await prom.queryValue(errorRatio('canary', '15s'));
      assert.ok(settled !== undefined && Math.abs(settled - 0.5) <= 0.03, `settled ratio ${settled}`);
      assert.equal(await prom.queryValue(errorRatio('stable', '15s')), 0);

      // The same move seen through a range query over a short window.
      const [series, ...others] = await prom.queryRange(errorRatio('canary', '3s'), {
        start: changedAt - 4,
        end: Date.now() / 1000,
        stepSeconds: 1,
      });
      assert.equal(others.length, 0);
      assert.ok(series);
      const values = series.values.map(([, v]) => Number(v));
      const first = values[0];
      const last = values.at(-1);
      assert.ok(first !== undefined && Math.abs(first - 0.2) <= 0.05, `range starts at ${first}`);
      assert.ok(last !== undefined && Math.abs(last - 0.5) <= 0.05, `range ends at ${last}`);
    });

    await t.test("Argo Rollouts' Istio success-rate queries run unchanged", async (st) => {
      const canary = app.getVersion('canary');
      const stable = app.getVersion('stable');
      const idle = app.getVersion('idle');
      assert.ok(canary && stable && idle);

      const docsCanary = await prom.queryValue(argoDocsSuccessRate(canary.service));
      const docsStable = await prom.queryValue(argoDocsSuccessRate(stable.service));
      st.diagnostic(`argo docs success rate: canary ${docsCanary}, stable ${docsStable}`);
      assert.ok(docsCanary !== undefined && Math.abs(docsCanary - 0.5) <= 0.06, `canary ${docsCanary}`);
      assert.equal(docsStable, 1);
      // successCondition: result[0] >= 0.95
      assert.ok(docsStable >= 0.95 && docsCanary < 0.95);

      const seedCanary = await prom.queryValue(seedSetup4SuccessRate(canary.service));
      assert.ok(seedCanary !== undefined && Math.abs(seedCanary - 0.5) <= 0.06, `seed canary ${seedCanary}`);
      assert.equal(await prom.queryValue(seedSetup4SuccessRate(stable.service)), 1);
      // No requests: 0/0 is NaN, `> 0` drops it, `or vector(1)` answers 1.
      assert.equal(await prom.queryValue(seedSetup4SuccessRate(idle.service)), 1);
    });

    await t.test('latency histograms reflect the configured latency', async (st) => {
      const p90 = (version: string) =>
        prom.queryValue(
          `histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{version="${version}"}[15s])))`,
        );
      const canary = await p90('canary');
      const stable = await p90('stable');
      st.diagnostic(`p90: canary ${canary} s, stable ${stable} s`);
      assert.ok(canary !== undefined && canary >= 0.025 && canary <= 0.25, `canary p90 ${canary}`);
      assert.ok(stable !== undefined && stable < 0.025, `stable p90 ${stable}`);

      const istioP90 = await prom.queryValue(
        `histogram_quantile(0.9, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload="${app.getVersion('canary')?.workload ?? ''}"}[1m])) by (le))`,
      );
      assert.ok(istioP90 !== undefined && istioP90 >= 25 && istioP90 <= 250, `istio p90 ${istioP90} ms`);
    });

    assert.equal(app.trafficStoppedReason, undefined);
    t.diagnostic(`wall time ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
  },
);
