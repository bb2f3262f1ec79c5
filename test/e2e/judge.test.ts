// The judge (provider `judge`, Kayenta's NetflixACAJudge rules) deciding a canary end to end: a
// Rollout's `experiment` step runs a baseline (the stable's pod template) and a canary (the new one)
// side by side, two pods each; real requests go straight to those four pods' IPs over the pod network
// (scripts/traffic/up.sh), the backend fails a set share of each revision's requests and exports
// per-pod counters, a real Prometheus scrapes them, and the step's analysis runs the judge over each
// side's error ratio and request rate, queried by the two templates' pod-template hashes. A canary
// that fails 30 % against a baseline that fails none is judged High and the rollout aborts; one that
// fails as often as its baseline passes and the rollout goes on to Healthy. The pull request comment
// (the local GitHub API server) says which, with both distributions and why.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parseJudgeSummary, type JudgeSummary } from '../../src/analysis/judge/summary.ts';
import type { ActionRun } from '../support/action.ts';
import { eventually, namespaceWithRole } from '../support/cluster.ts';
import { startGitHubApi } from '../support/github-api/index.ts';
import { githubEnv } from '../support/github-env.ts';
import { boundPods, steadyPodLoad, type BoundPod } from '../support/pod-load.ts';
import { startPrometheus } from '../support/prometheus.ts';
import { actionIn, replicaSets, storedStatus, writeManifests } from '../support/rollout.ts';
import {
  BACKEND_CONTROL,
  binomialBounds,
  setFailureRate,
  trafficSkip,
  type Answer,
} from '../support/traffic.ts';
import { rolloutManifest } from '../support/traffic-rollout.ts';

const TOKEN = 'ghs_test_token_0123456789';
const REPO = 'acme/shop';
/** Requests a second to each of the experiment's four pods. */
const PER_POD = 20;
/** A share of failures off by this much at ALPHA is a broken backend, not chance. */
const ALPHA = 1e-6;

/**
 * The judge over the backend's counters of one revision (`{{scope}}`, its pod-template hash): the
 * share of 5xx, and the request rate, each over 3 s windows, 10 of them (step = window: no window
 * overlaps the next, so the samples are as independent as the requests). A ratio over the canary's
 * mean must pass 1.5 to count, so equal error rates never fail on noise; a baseline mean of 0 leaves
 * the ratio undefined, and the interval alone decides.
 */
function judgeTemplate(namespace: string, prometheus: string): unknown {
  const counters = `backend_requests_total{namespace="${namespace}",revision="{{scope}}"`;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'canary-judge' },
    spec: {
      args: [{ name: 'baseline-hash' }, { name: 'canary-hash' }],
      metrics: [
        {
          name: 'judge',
          // The range below filled with samples of both sides' load.
          initialDelay: '36s',
          provider: {
            judge: {
              baseline: '{{args.baseline-hash}}',
              canary: '{{args.canary-hash}}',
              prometheus: {
                address: prometheus,
                rangeQuery: { start: 'now() - duration("30s")', end: 'now()', step: '3s' },
              },
              thresholds: { pass: 90, marginal: 75 },
              metrics: [
                {
                  name: 'error-ratio',
                  query: `(sum(rate(${counters},code=~"5.."}[3s])) or vector(0)) / sum(rate(${counters}}[3s]))`,
                  direction: 'increase',
                  effectSize: { allowedIncrease: 1.5 },
                },
                {
                  name: 'request-rate',
                  query: `sum(rate(${counters}}[3s]))`,
                  direction: 'either',
                  effectSize: { allowedIncrease: 1.5, allowedDecrease: 0.67 },
                },
              ],
            },
          },
        },
      ],
    },
  };
}

function manifests(namespace: string, prometheus: string): unknown[] {
  return [
    rolloutManifest(2, {
      steps: [
        { setWeight: 50 },
        {
          experiment: {
            templates: [
              { name: 'baseline', specRef: 'stable', replicas: 2 },
              { name: 'canary', specRef: 'canary', replicas: 2 },
            ],
            analyses: [
              {
                name: 'judge',
                templateName: 'canary-judge',
                requiredForCompletion: true,
                args: [
                  { name: 'baseline-hash', value: '{{templates.baseline.podTemplateHash}}' },
                  { name: 'canary-hash', value: '{{templates.canary.podTemplateHash}}' },
                ],
              },
            ],
          },
        },
      ],
    }),
    judgeTemplate(namespace, prometheus),
  ];
}

interface Side {
  readonly revision: string;
  readonly pods: readonly BoundPod[];
  readonly total: number;
  readonly errors: number;
}

interface Outcome {
  readonly namespace: string;
  readonly v1: string;
  readonly v2: string;
  readonly result: ActionRun;
  readonly comment: string;
  readonly judge: JudgeSummary;
  /** The judge's query as sent, baseline and canary of each metric. */
  readonly query: string;
  readonly baseline: Side;
  readonly canary: Side;
}

interface RunView {
  id: string;
  phase: string;
  metrics: { name: string; phase: string; measurements: { value?: string; query?: string }[] }[];
}

/** The experiment's pods of one template, once the backend answers for all of them. */
async function templatePods(namespace: string, v2: string, template: string): Promise<BoundPod[]> {
  // The step's Experiment is `web-<hash>-<revision>-<step index>`, its ReplicaSets `<experiment>-<template>`.
  const name = new RegExp(`^web-${v2}-\\d+-1-${template}-`);
  return eventually(
    `the backend answering for the experiment's two ${template} pods`,
    async () => {
      const pods = (await boundPods(namespace)).filter((p) => name.test(p.pod));
      return pods.length === 2 && pods.every((p) => p.revision === pods[0]?.revision) ? pods : undefined;
    },
    90_000,
    100,
  );
}

function counted(answers: readonly Answer[], pods: readonly BoundPod[]): { total: number; errors: number } {
  const names = new Set(pods.map((p) => p.pod));
  const mine = answers.filter((a) => names.has(a.pod));
  return { total: mine.length, errors: mine.filter((a) => a.status === 500).length };
}

/**
 * Deploys v1, then v2 with the experiment step; once the experiment's pods answer, sets each side's
 * failure share and loads all four pods until the run ends. Returns what the run, the analysis
 * output, the comment and the requests saw.
 */
async function judgeRollout(t: TestContext, rates: { baseline: number; canary: number }): Promise<Outcome> {
  const prom = await startPrometheus({
    targets: [BACKEND_CONTROL.replace('http://', '')],
    scrapeIntervalSeconds: 1,
  });
  t.after(() => prom.close());
  const api = await startGitHubApi({ repos: [REPO] });
  t.after(() => api.close());
  const first = api.addPullRequest({ number: 1, headSha: 'a'.repeat(40), merged: true, title: 'shop v1' });
  const pr = api.addPullRequest({ number: 2, headSha: 'b'.repeat(40), merged: true, title: 'shop v2' });
  const { namespace, kubeconfig } = await namespaceWithRole(t, 'judge-e2e');
  const repo = await writeManifests(manifests(namespace, prom.url));
  const act = async (sha: string, inputs: Record<string, string>) =>
    actionIn(
      repo,
      namespace,
      { manifests: 'rollout.yaml', 'github-token': TOKEN, ...inputs },
      { kubeconfig, env: await githubEnv(api, REPO, sha) },
    );
  await prom.waitForTargetsUp();

  const deployed = await act(first.headSha, {});
  assert.equal(deployed.outputs.phase, 'Healthy', deployed.stdout + deployed.stderr);
  const v1 = (await replicaSets(namespace))[0]?.hash ?? '';
  assert.notEqual(v1, '');

  const running = act(pr.headSha, { image: 'web=example/web:2' });
  running.catch(() => undefined); // awaited below
  const v2 = await eventually(
    'v2 at its experiment step',
    async () => {
      const s = await storedStatus(namespace);
      return s?.currentPodHash !== undefined && s.currentPodHash !== v1 && (s.currentStepIndex ?? 0) >= 1
        ? s.currentPodHash
        : undefined;
    },
    90_000,
  );
  const [baselinePods, canaryPods] = await Promise.all([
    templatePods(namespace, v2, 'baseline'),
    templatePods(namespace, v2, 'canary'),
  ]);
  const baselineRevision = baselinePods[0]?.revision ?? '';
  const canaryRevision = canaryPods[0]?.revision ?? '';
  assert.equal(new Set([v1, v2, baselineRevision, canaryRevision]).size, 4, 'four distinct revisions');
  for (const [revision, rate] of [
    [baselineRevision, rates.baseline],
    [canaryRevision, rates.canary],
  ] as const) {
    await setFailureRate(namespace, revision, rate);
    t.after(() => setFailureRate(namespace, revision, 0));
  }
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
  });
  const load = steadyPodLoad(
    [...baselinePods, ...canaryPods].map((p) => p.ip),
    { perSecondEach: PER_POD, maxMs: 240_000, stop: stop.signal },
  );
  const result = await running;
  stop.abort();
  const answers = await load;

  const runs = JSON.parse(result.outputs.analysis ?? '[]') as RunView[];
  const measured = runs
    .flatMap((r) => r.metrics)
    .find((m) => m.name === 'judge')
    ?.measurements.at(-1);
  const judge = parseJudgeSummary(measured?.value ?? '');
  assert.ok(judge, `a judge measurement in the analysis output: ${result.outputs.analysis}`);
  return {
    namespace,
    v1,
    v2,
    result,
    comment: api.commentsOn('acme', 'shop', pr.number)[0] ?? '',
    judge,
    query: measured?.query ?? '',
    baseline: { revision: baselineRevision, pods: baselinePods, ...counted(answers, baselinePods) },
    canary: { revision: canaryRevision, pods: canaryPods, ...counted(answers, canaryPods) },
  };
}

/** The requests each side answered failed about `rate` of the time (binomial bound at ALPHA). */
function assertFailed(side: Side, rate: number, which: string): void {
  assert.ok(side.total >= 500, `${which}: only ${side.total} requests answered`);
  const { lo, hi } = rate === 0 ? { lo: 0, hi: 0 } : binomialBounds(side.total, rate, ALPHA);
  assert.ok(
    side.errors >= lo && side.errors <= hi,
    `${which}: ${side.errors} of ${side.total} failed; want ${lo}..${hi}`,
  );
}

/** The judge queried each side by its template's pod-template hash: the pods the requests went to. */
function assertQueriedBy(o: Outcome): void {
  const sent = o.query.split('\n');
  assert.equal(sent.length, 4, o.query);
  assert.match(sent[0] ?? '', new RegExp(`revision="${o.baseline.revision}"`));
  assert.match(sent[1] ?? '', new RegExp(`revision="${o.canary.revision}"`));
}

function describeOutcome(o: Outcome): string {
  const metrics = o.judge.metrics.map(
    (m) =>
      `${m.name} ${m.class} (baseline mean ${m.quantiles?.[0][5]}, canary mean ${m.quantiles?.[1][5]}, n ${m.n.join('/')}, shift ${m.test?.estimate} [${m.test?.ci.join(', ')}])`,
  );
  return `judge ${o.judge.verdict} ${o.judge.score}: ${metrics.join('; ')}; requests: baseline ${o.baseline.errors}/${o.baseline.total} failed, canary ${o.canary.errors}/${o.canary.total}`;
}

test(
  'a canary failing 30 % of its real requests against a baseline failing none: the judge finds its error ratio High, the rollout aborts, and the comment shows both distributions and why',
  { skip: trafficSkip(), timeout: 360_000 },
  async (t) => {
    const o = await judgeRollout(t, { baseline: 0, canary: 0.3 });
    t.diagnostic(describeOutcome(o));
    assertFailed(o.baseline, 0, 'baseline');
    assertFailed(o.canary, 0.3, 'canary');
    assertQueriedBy(o);

    // The judgement: error ratio High, request rate the same, so the score is the request rate's half.
    const [errors, requests] = o.judge.metrics;
    assert.equal(errors?.name, 'error-ratio');
    assert.equal(errors.class, 'High', errors.reason);
    assert.match(errors.reason, /^canary higher: 98% interval \[/);
    assert.ok((errors.test?.ci[0] ?? 0) > 0.1, JSON.stringify(errors.test));
    assert.equal(errors.quantiles?.[0][4], 0, 'the baseline never failed a request in any window');
    assert.ok(errors.n[0] >= 6 && errors.n[1] >= 6, `samples: ${errors.n.join('/')}`);
    assert.equal(requests?.class, 'Pass', requests?.reason);
    assert.equal(o.judge.verdict, 'Fail');
    assert.equal(o.judge.score, 50);

    // The run: aborted on the experiment's failed analysis, v2 stays the current revision, v1 stable.
    assert.equal(o.result.exitCode, 1, o.result.stdout + o.result.stderr);
    assert.equal(o.result.outputs.aborted, 'true');
    assert.match(o.result.outputs.message ?? '', /judge: Fail, score 50/);
    const status = await storedStatus(o.namespace);
    assert.equal(status?.currentPodHash, o.v2);
    assert.equal(status?.stableRS, o.v1);
    assert.equal(status?.abort, true);

    // The comment: the verdict, the score, each metric's class and why, and both distributions.
    assert.match(o.comment, /❌ \*\*Judge: Fail\*\*, score 50 of 100 \(Pass from 90, Marginal from 75\)/);
    assert.match(
      o.comment,
      /\| `error-ratio` \| increase \| 🔺 High \|[^\n]*\| canary higher: 98% interval \[/,
    );
    assert.match(o.comment, /\| `request-rate` \| either \| ✅ Pass \|/);
    assert.match(
      o.comment,
      /`error-ratio`:\n\n```\nbaseline [^\n]*median 0, [^\n]*\ncanary {3}[^\n]*median 0\.[1-5]/,
    );
    assert.match(o.comment, /`request-rate`:\n\n```\nbaseline [^\n]*\ncanary /);
    assert.match(o.comment, /abort|Abort/);
  },
);

test(
  'a canary failing as often as its baseline (10 % each, real requests): the judge passes both metrics, the rollout goes on to Healthy, and the comment explains the pass',
  { skip: trafficSkip(), timeout: 360_000 },
  async (t) => {
    const o = await judgeRollout(t, { baseline: 0.1, canary: 0.1 });
    t.diagnostic(describeOutcome(o));
    assertFailed(o.baseline, 0.1, 'baseline');
    assertFailed(o.canary, 0.1, 'canary');
    assertQueriedBy(o);

    assert.equal(o.judge.verdict, 'Pass');
    assert.equal(o.judge.score, 100);
    for (const m of o.judge.metrics) {
      assert.equal(m.class, 'Pass', `${m.name}: ${m.reason}`);
      assert.ok(m.n[0] >= 6 && m.n[1] >= 6, `${m.name} samples: ${m.n.join('/')}`);
    }
    const errors = o.judge.metrics[0];
    assert.ok(
      (errors?.quantiles?.[0][5] ?? 0) > 0.03 && (errors?.quantiles?.[1][5] ?? 0) > 0.03,
      'both sides measured their failures',
    );

    assert.equal(o.result.exitCode, 0, o.result.stdout + o.result.stderr);
    assert.equal(o.result.outputs.phase, 'Healthy');
    const status = await storedStatus(o.namespace);
    assert.equal(status?.currentPodHash, o.v2);
    assert.equal(status?.stableRS, o.v2);

    assert.match(o.comment, /✅ \*\*Judge: Pass\*\*, score 100 of 100 \(Pass from 90, Marginal from 75\)/);
    assert.match(
      o.comment,
      /\| `error-ratio` \| increase \| ✅ Pass \|[^\n]*\| (98% interval \[[^\n]*\] (does not clear the band|moves only the way direction increase allows)|higher, but mean ratio [0-9.]+ is under 1\.5)/,
    );
    assert.match(o.comment, /\| `request-rate` \| either \| ✅ Pass \|/);
    assert.match(
      o.comment,
      /`error-ratio`:\n\n```\nbaseline [^\n]*median 0\.[0-2][^\n]*\ncanary {3}[^\n]*median 0\.[0-2]/,
    );
    assert.match(o.comment, /Healthy/);
  },
);
