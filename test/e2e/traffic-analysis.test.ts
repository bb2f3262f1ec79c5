// Analysis from real requests: steady load goes through Traefik to an NGINX-routed canary, Prometheus
// scrapes the backend's per-pod request counters, and an AnalysisTemplate over the 5xx rate of each
// revision's pods decides. The canary's pods fail 30 % of their requests (errors come from the
// version), the stable's none: rollout-pilot aborts on the canary's measured rate, and the canary
// gets no traffic afterwards. Needs scripts/traffic/up.sh (scripts/test.sh starts it).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { eventually } from '../support/cluster.ts';
import { startPrometheus } from '../support/prometheus.ts';
import { storedStatus } from '../support/rollout.ts';
import {
  BACKEND_CONTROL,
  backendRevisions,
  binomialBounds,
  ingressFor,
  setFailureRate,
  steadyLoad,
  trafficSkip,
  type Answer,
} from '../support/traffic.ts';
import {
  ALPHA,
  assertNoShareWhilePodsRun,
  deployForTraffic,
  livePods,
  rolloutManifest,
  serviceManifest,
} from '../support/traffic-rollout.ts';

const FAILURE_RATE = 0.3;

/** The share of 5xx among the requests the pods of revision `hash` answered over the last 6 s. */
function errorRate(namespace: string, hashArg: string): string {
  const pods = `namespace="${namespace}",pod=~"web-{{args.${hashArg}}}-.*"`;
  return `(sum(rate(backend_requests_total{${pods},code=~"5.."}[6s])) or vector(0)) / sum(rate(backend_requests_total{${pods}}[6s]))`;
}

function manifests(namespace: string, host: string, prometheus: string, image: string): unknown[] {
  const metric = (name: string, hashArg: string) => ({
    name,
    interval: '2s',
    failureLimit: 0,
    // Until a revision has answered for two scrapes its rate is empty: an Error, not a failure.
    consecutiveErrorLimit: 10,
    successCondition: 'result[0] < 0.1',
    provider: { prometheus: { address: prometheus, query: errorRate(namespace, hashArg) } },
  });
  return [
    rolloutManifest(
      2,
      {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: { nginx: { stableIngress: 'web' } },
        analysis: {
          templates: [{ templateName: 'error-rate' }],
          startingStep: 1,
          args: [
            { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
            { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
          ],
        },
        steps: [{ setWeight: 30 }, { pause: { duration: '90s' } }],
      },
      image,
    ),
    serviceManifest('web-stable'),
    serviceManifest('web-canary'),
    ingressFor('web', host, 'web-stable'),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'error-rate' },
      spec: {
        args: [{ name: 'canary-hash' }, { name: 'stable-hash' }],
        metrics: [metric('canary-5xx', 'canary-hash'), metric('stable-5xx', 'stable-hash')],
      },
    },
  ];
}

interface Measurement {
  phase: string;
  value: string;
}
interface AnalysisRunView {
  phase: string;
  metrics: { name: string; phase: string; measurements: Measurement[] }[];
}

function byRevision(answers: readonly Answer[], hash: string): { total: number; errors: number } {
  const mine = answers.filter((a) => a.pod.startsWith(`web-${hash}-`));
  return { total: mine.length, errors: mine.filter((a) => a.status === 500).length };
}

test(
  "the canary's real 5xx rate rises while the stable's does not: the analysis over Prometheus aborts the rollout, and the canary then gets 0 % of the traffic",
  { skip: trafficSkip() },
  async (t) => {
    const prom = await startPrometheus({
      targets: [BACKEND_CONTROL.replace('http://', '')],
      scrapeIntervalSeconds: 1,
    });
    t.after(() => prom.close());
    await prom.waitForTargetsUp();
    const web = await deployForTraffic(t, 'traffic-e2e-analysis', (host, namespace) =>
      manifests(namespace, host, prom.url, 'example/web:1'),
    );
    const { namespace, host, v1 } = web;
    // Failures are set per revision as the backend names it: a Rollout's pods by their
    // rollouts-pod-template-hash, which a backend started before it read that label does not know.
    const stableRevision = [...(await backendRevisions(namespace))].find(([pod]) =>
      pod.startsWith(`web-${v1}-`),
    )?.[1];
    assert.ok(stableRevision, `the backend names the revision of v1's pods; restart it if it is older`);

    // A commit changes the image; the run goes on through the timed pause, analysing.
    await writeFile(
      path.join(web.repo, 'rollout.yaml'),
      manifests(namespace, host, prom.url, 'example/web:2')
        .map((d) => stringify(d))
        .join('---\n'),
    );
    const stopHealthy = new AbortController();
    t.after(() => {
      stopHealthy.abort();
    });
    const healthyLoad = steadyLoad(host, { perSecond: 60, maxMs: 120_000, stop: stopHealthy.signal });
    const running = web.act({ manifests: 'rollout.yaml' });
    const v2 = await eventually(
      'the canary at its pause, analysing',
      async () => {
        const s = await storedStatus(namespace);
        return s && s.currentPodHash !== v1 && (s.currentStepIndex ?? 0) >= 1 ? s.currentPodHash : undefined;
      },
      60_000,
      100,
    );
    // Two windows of healthy measurements first, then the canary's pods start failing.
    await new Promise((r) => setTimeout(r, 8000));
    stopHealthy.abort();
    const before = await healthyLoad;
    const canaryPods = [...(await livePods(namespace))].filter(([, hash]) => hash === v2).map(([p]) => p);
    const canaryRevision = (await backendRevisions(namespace)).get(canaryPods[0] ?? '') ?? '';
    assert.ok(
      canaryRevision !== '' && canaryRevision !== stableRevision,
      `${canaryRevision} is the canary's own`,
    );
    await setFailureRate(namespace, canaryRevision, FAILURE_RATE);
    t.after(() => setFailureRate(namespace, canaryRevision, 0));
    const stopFailing = new AbortController();
    t.after(() => {
      stopFailing.abort();
    });
    const failingLoad = steadyLoad(host, { perSecond: 60, maxMs: 60_000, stop: stopFailing.signal });
    running.catch(() => undefined); // awaited below; measured meanwhile
    await eventually(
      'the abort',
      async () => ((await storedStatus(namespace))?.abort ? true : undefined),
      60_000,
      100,
    );
    await assertNoShareWhilePodsRun(namespace, host, v2);
    const result = await running;
    stopFailing.abort();
    const during = await failingLoad;

    assert.equal(result.exitCode, 1, result.stdout + result.stderr);
    assert.equal(result.outputs.aborted, 'true');
    const message = result.outputs.message ?? '';
    const measured = /metric "canary-5xx" failed: measured \[([0-9.]+)\]/.exec(message);
    assert.ok(measured, `the abort names the canary's measured 5xx rate: ${message}`);
    const rate = Number(measured[1]);
    assert.ok(rate >= 0.1 && rate <= 0.6, `measured canary 5xx rate ${rate}`);

    // What the requests saw: before, no errors at all; after, the canary's pods failed about 30 %
    // of theirs (binomial bound at ALPHA) and the stable's none.
    assert.equal(before.filter((a) => a.status !== 200).length, 0, 'no errors before the failures');
    const canary = byRevision(during, v2);
    const stable = byRevision(during, v1);
    const { lo, hi } = binomialBounds(canary.total, FAILURE_RATE, ALPHA);
    assert.ok(
      canary.errors >= lo && canary.errors <= hi,
      `canary: ${canary.errors} of ${canary.total} failed; want ${lo}..${hi}`,
    );
    assert.ok(stable.total > 0 && stable.errors === 0, `stable: ${stable.errors} of ${stable.total} failed`);

    // Prometheus saw the same: the stable metric never failed and read 0 throughout.
    const runs = JSON.parse(result.outputs.analysis ?? '[]') as AnalysisRunView[];
    const metrics = runs[0]?.metrics ?? [];
    const stableMetric = metrics.find((m) => m.name === 'stable-5xx');
    const stableValues = (stableMetric?.measurements ?? []).filter((m) => m.phase === 'Successful');
    assert.ok(stableValues.length >= 2, `stable measured: ${JSON.stringify(stableMetric)}`);
    assert.ok(
      stableValues.every((m) => Number((JSON.parse(m.value) as unknown[])[0]) === 0),
      `stable's 5xx rate stayed 0: ${JSON.stringify(stableValues)}`,
    );
    assert.equal(metrics.find((m) => m.name === 'canary-5xx')?.phase, 'Failed');

    t.diagnostic(
      `canary 5xx measured by the analysis: ${rate}; seen by the requests: ${canary.errors}/${canary.total}, stable ${stable.errors}/${stable.total}`,
    );
  },
);
