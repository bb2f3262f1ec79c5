/**
 * The metrics side of an analysis e2e file: the demo app serving a stable and a canary version at
 * 50 requests/s each, and a real Prometheus scraping it, started before the file's tests and
 * stopped after them.
 */
import { after, before } from 'node:test';
import { startDemoApp, type DemoApp } from './demo-app/server.ts';
import { startPrometheus, type PrometheusHandle } from './prometheus.ts';

export interface DemoMetrics {
  readonly app: DemoApp;
  readonly prom: PrometheusHandle;
}

/** Registers the file's before/after hooks; the handles are readable once `before` has run. */
export function useDemoMetrics(): DemoMetrics {
  let app: DemoApp | undefined;
  let prom: PrometheusHandle | undefined;
  before(async () => {
    app = await startDemoApp({ versions: { stable: { rps: 50 }, canary: { rps: 50 } } });
    prom = await startPrometheus({ targets: [app.target] });
    await prom.waitForTargetsUp();
  });
  after(async () => {
    await prom?.close();
    await app?.close();
  });
  const started = <T>(handle: T | undefined): T => {
    if (handle === undefined) throw new Error('useDemoMetrics: read before the before() hook ran');
    return handle;
  };
  return {
    get app() {
      return started(app);
    },
    get prom() {
      return started(prom);
    },
  };
}

/**
 * PromQL: the share of `version`'s requests answered 5xx over `window`. `or vector(0)`: before the
 * first error there is no 5xx series, and the ratio must read 0, not an empty result.
 */
export function errorRateQuery(version: string, window: string): string {
  return `(sum(rate(http_requests_total{version="${version}",code=~"5.."}[${window}])) or vector(0)) / sum(rate(http_requests_total{version="${version}"}[${window}]))`;
}
