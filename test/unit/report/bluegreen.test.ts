import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement, MetricSpec, RunState } from '../../../src/analysis/engine/types.ts';
import type { AnalysisRecord } from '../../../src/controller/analysis.ts';
import { renderCheckRun, renderComment, renderJobSummary } from '../../../src/report/pr.ts';
import type { RolloutReport } from '../../../src/report/report-model.ts';
import { report, V1, V2 } from './bluegreen-fixtures.ts';

const ABORTED =
  'RolloutAborted: Rollout aborted update to revision 2: analysis bbb222-0-post-promotion Failed';

const SUCCESS_RATE: MetricSpec = {
  name: 'success-rate',
  intervalSeconds: 2,
  count: 3,
  failureLimit: 1,
  successCondition: 'result[0] >= 0.95',
  provider: { prometheus: { address: 'http://prom:9090', query: 'sum(rate(ok[1m]))' } },
};

/** A promotion run of revision 2 with one measurement per value, judged against 0.95. */
function run(
  kind: 'PrePromotion' | 'PostPromotion',
  phase: RunState['phase'],
  attempt = 0,
  values: number[] = [0.99, 0.41],
): AnalysisRecord {
  const at = (s: number): string => new Date(Date.parse('2026-11-22T09:59:00Z') + s * 1000).toISOString();
  const measurements: Measurement[] = values.map((v, i) => ({
    phase: v >= 0.95 ? 'Successful' : 'Failed',
    value: `[${v}]`,
    startedAt: at(i * 2),
    finishedAt: at(i * 2 + 1),
  }));
  const failed = measurements.filter((m) => m.phase === 'Failed').length;
  return {
    id: `${V2.hash}-${attempt}-${kind === 'PrePromotion' ? 'pre' : 'post'}-promotion`,
    kind,
    podHash: V2.hash,
    args: {},
    secretArgs: [],
    spec: { metrics: [SUCCESS_RATE] },
    state: {
      phase,
      startedAt: at(0),
      metrics: [
        {
          name: 'success-rate',
          phase,
          measurements,
          count: measurements.length,
          successful: measurements.length - failed,
          failed,
          inconclusive: 0,
          error: 0,
          consecutiveError: 0,
          consecutiveSuccess: 0,
          dryRun: false,
        },
      ],
    },
  };
}

interface Case {
  name: string;
  r: RolloutReport;
  title: RegExp;
  status: 'in_progress' | 'completed';
  conclusion?: string;
  /** Each must be in the comment. */
  shows: RegExp[];
  /** None may be in the comment. */
  hides?: RegExp[];
}

const CASES: Case[] = [
  {
    name: 'paused for a person: the preview is up, the active Service stays',
    r: report(),
    title: /^Waiting for promote: preview example\/grpc:2 is up; the active Service service stays/,
    status: 'in_progress',
    shows: [
      /active Service `service` → revision 1 \(`aaa111`\)/,
      /preview Service `service-preview` → revision 2 \(`bbb222`\)/,
      /\| 2 \| preview \| `bbb222` \| `example\/grpc:2` \| 2\/2 \| `service-preview` \| — \|/,
      /\| 1 \| active, stable \| `aaa111` \| `example\/grpc:1` \| 2\/2 \| `service` \| — \|/,
      /\*\*Promote\*\* to switch the active Service `service` to revision 2; then the post-promotion analysis \(`success-rate`\) runs/,
      /gh workflow run rollout-control\.yml -f command=promote -f rollout=rollout --repo acme\/shop/,
      /\*\*Promote fully\*\* .*skipping the pause and the pre- and post-promotion analysis/,
      /gh workflow run rollout-control\.yml -f command=promote-full /,
      /\*\*Abort\*\* to keep `service` on revision 1 and scale the preview away after abortScaleDownDelaySeconds \(30s\)/,
    ],
    hides: [/canary/i, /step \d/],
  },
  {
    name: 'timed pause: switches by itself; promote-full switches now',
    r: report({}, { autoPromotionSeconds: 120 }),
    title: /^Paused: preview example\/grpc:2 is up; the active Service service switches by itself after 120s/,
    status: 'in_progress',
    shows: [/switches to revision 2 by itself after autoPromotionSeconds \(120s\)/, /command=promote-full/],
    hides: [/command=promote /, /canary/i],
  },
  {
    name: 'progressing: the preview comes up',
    r: report(
      { phase: 'Progressing', message: 'more replicas need to be updated' },
      { revisions: [{ ...V2, ready: 1 }, V1] },
    ),
    title: /^Progressing: preview example\/grpc:2 coming up \(1\/2 ready\)$/,
    status: 'in_progress',
    shows: [/the deploy job brings the preview up beside revision 1, which `service` keeps serving/, /1\/2/],
    hides: [/canary at/],
  },
  {
    name: 'progressing: switched, post-promotion analysis measuring',
    r: report(
      {
        phase: 'Progressing',
        message: 'waiting for analysis to complete',
        analysis: [run('PostPromotion', 'Running')],
      },
      { activeSelector: V2.hash },
    ),
    title: /^Progressing: switched service to example\/grpc:2; post-promotion analysis running$/,
    status: 'in_progress',
    shows: [
      /`service` already sends all traffic to revision 2, and the deploy job makes it stable once its post-promotion analysis passes/,
      /\*\*Promote fully\*\* to mark revision 2 stable now, skipping the post-promotion analysis/,
      /\*\*Abort\*\* to switch `service` back to revision 1/,
      /### Analysis/,
      /Post-promotion analysis \(success-rate\)/,
    ],
  },
  {
    name: 'healthy: the previous revision scales down in 4m 12s',
    r: report(
      { phase: 'Healthy', message: '' },
      {
        activeSelector: V2.hash,
        stableHash: V2.hash,
        revisions: [V2, { ...V1, scaleDownAt: '2026-11-22T10:04:12Z' }],
      },
    ),
    title: /^Healthy: rollout rolled out example\/grpc:2$/,
    status: 'completed',
    conclusion: 'success',
    shows: [
      /Revision 1 scales down in 4m 12s, at 10:04:12 UTC \(scaleDownDelaySeconds 300\)\./,
      /\| 1 \| previous \| `aaa111` .* \| in 4m 12s, at 10:04:12 UTC \|/,
      /\| 2 \| active, preview, stable \|/,
      /command=undo/,
    ],
  },
  {
    name: 'aborted: back on the stable revision, the preview goes after abortScaleDownDelaySeconds',
    r: report(
      { phase: 'Degraded', aborted: true, message: ABORTED, analysis: [run('PostPromotion', 'Failed')] },
      { revisions: [{ ...V2, scaleDownAt: '2026-11-22T10:00:25Z' }, V1] },
    ),
    title: /^Aborted and rolled back: analysis bbb222-0-post-promotion Failed$/,
    status: 'completed',
    conclusion: 'failure',
    shows: [
      /`service` is back on revision 1, which serves all traffic; the preview is scaled away after abortScaleDownDelaySeconds \(30s\)/,
      /The aborted preview, revision 2, scales down in 25s, at 10:00:25 UTC \(abortScaleDownDelaySeconds 30\)/,
      /\| 2 \| aborted preview \|/,
      /\*\*Retry\*\* revision 2: the preview comes up again and its analysis runs afresh/,
      /command=retry/,
      /Post-promotion analysis \(success-rate\)/,
      /0\.99/,
      /0\.41/,
    ],
  },
  {
    name: 'aborted with abortScaleDownDelaySeconds 0: the preview keeps its pods',
    r: report({ phase: 'Degraded', aborted: true, message: ABORTED }, { abortScaleDownDelaySeconds: 0 }),
    title: /^Aborted and rolled back/,
    status: 'completed',
    conclusion: 'failure',
    shows: [/the preview keeps its pods \(abortScaleDownDelaySeconds 0\)/],
  },
  {
    name: 'inconclusive pre-promotion analysis: a person decides',
    r: report(
      { message: 'InconclusiveAnalysisRun', analysis: [run('PrePromotion', 'Inconclusive', 1)] },
      { prePromotionTemplates: ['smoke'], postPromotionTemplates: undefined },
    ),
    title: /^Waiting for a decision: promotion analysis of example\/grpc:2 inconclusive$/,
    status: 'in_progress',
    shows: [
      /Pre-promotion analysis \(smoke\), retry 1/,
      /\*\*Promote\*\* to accept it and go on with revision 2/,
      /Before the switch: pre-promotion analysis `smoke`/,
      /After the switch: no post-promotion analysis/,
    ],
  },
];

for (const c of CASES) {
  test(`blue-green report: ${c.name}`, () => {
    const comment = renderComment(c.r);
    const check = renderCheckRun(c.r);
    assert.match(check.title, c.title);
    assert.equal(check.status, c.status);
    assert.equal(check.conclusion, c.conclusion);
    for (const re of c.shows) assert.match(comment, re);
    for (const re of c.hides ?? []) assert.doesNotMatch(comment, re);
    // The check run's summary and the job summary tell the same Services and revisions.
    assert.match(check.summary, /### Blue-green/);
    assert.match(renderJobSummary(c.r), /### Blue-green/);
    assert.doesNotMatch(comment, /### Steps/);
  });
}
