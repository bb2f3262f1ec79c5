/**
 * The pull request report of a first deploy judged by rollout-pilot's first-deploy analysis: the
 * verdict, what to do when there is nothing to roll back to, the run's label and note, and the
 * annotation at the failing metric's line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalysisRecord } from '../../../src/analysis/templates.ts';
import { analysisAnnotations } from '../../../src/report/annotations.ts';
import { renderCheckRun, renderComment } from '../../../src/report/pr.ts';
import type { RolloutReport } from '../../../src/report/report-model.ts';

const NOTE =
  'First-deploy analysis (rollout-pilot.dev/first-deploy-analysis): Argo Rollouts runs no analysis on a first deploy; rollout-pilot ran the background analysis and the analysis steps once the revision was fully up.';

function run(phase: 'Running' | 'Failed'): AnalysisRecord {
  const failed = phase === 'Failed';
  return {
    id: 'h1-0-first-deploy',
    kind: 'FirstDeploy',
    podHash: 'h1',
    args: {},
    secretArgs: [],
    spec: {
      metrics: [
        {
          name: 'error-rate',
          intervalSeconds: 10,
          count: 1,
          successCondition: 'result < 0.05',
          provider: { web: { url: 'http://m' } },
        },
      ],
    },
    state: {
      phase,
      ...(failed
        ? { message: 'metric "error-rate" failed: measured 0.4', completedAt: '2026-11-22T10:01:10Z' }
        : {}),
      startedAt: '2026-11-22T10:01:00Z',
      metrics: [
        {
          name: 'error-rate',
          phase,
          measurements: [
            {
              phase: failed ? 'Failed' : 'Running',
              ...(failed ? { value: '0.4', finishedAt: '2026-11-22T10:01:01Z' } : {}),
              startedAt: '2026-11-22T10:01:00Z',
            },
          ],
          count: failed ? 1 : 0,
          successful: 0,
          failed: failed ? 1 : 0,
          inconclusive: 0,
          error: 0,
          consecutiveError: 0,
          consecutiveSuccess: 0,
          dryRun: false,
        },
      ],
    },
    note: NOTE,
  };
}

function report(over: Partial<RolloutReport>): RolloutReport {
  return {
    rollout: 'web',
    namespace: 'shop',
    repository: 'acme/shop',
    phase: 'Progressing',
    message: 'first-deploy analysis running',
    aborted: false,
    firstDeploy: true,
    images: [{ container: 'web', to: 'example/web:1' }],
    stepCount: 2,
    currentStepIndex: 2,
    weight: 100,
    steps: [],
    plannedSteps: [
      { step: 1, action: 'setWeight 50', weight: 50, canary: 2, stable: 2 },
      { step: 2, action: 'analysis smoke', weight: 50, canary: 2, stable: 2 },
    ],
    analysis: [run('Running')],
    backgroundTemplates: ['errors'],
    controlWorkflow: 'rollout-control.yml',
    updatedAt: '2026-11-22T10:01:30Z',
    ...over,
  };
}

const FAILED_MESSAGE =
  'FirstDeployAnalysisFailed: revision 1 failed its first-deploy analysis: analysis h1-0-first-deploy Failed: metric "error-rate" failed: measured 0.4; no earlier revision to roll back to: fix forward (deploy a fixed revision) or scale to 0 with spec.replicas: 0 in the Rollout and run again';

test('report: while the first-deploy analysis runs, it says so and offers no abort', () => {
  const comment = renderComment(report({}));
  assert.match(comment, /## 🔄 Progressing: first-deploy analysis of `example\/web:1` running/);
  assert.match(comment, /its first-deploy analysis \(below\) measures it/);
  assert.doesNotMatch(comment, /command: abort/);
  assert.match(comment, /<b>First-deploy analysis \(errors, smoke\)<\/b>: Running/);
  assert.match(
    comment,
    /_First-deploy analysis \(rollout-pilot\.dev\/first-deploy-analysis\): Argo Rollouts runs no analysis/,
  );
  assert.equal(renderCheckRun(report({})).status, 'in_progress');
});

test('report: a failed first-deploy analysis is a failure with nothing to roll back to', () => {
  const r = report({ phase: 'Degraded', message: FAILED_MESSAGE, analysis: [run('Failed')] });
  const comment = renderComment(r);
  assert.match(comment, /## ❌ Degraded: revision 1 failed its first-deploy analysis: .*measured 0\.4/);
  assert.match(comment, /There is no earlier revision to roll back to, so rollout-pilot scaled nothing down/);
  assert.match(comment, /\*\*Fix forward\*\*/);
  assert.match(comment, /\*\*Scale to 0\*\* to take it out of service: set `spec\.replicas: 0`/);
  assert.match(comment, /gh workflow run rollout-control\.yml -f command=retry -f rollout=web/);
  assert.doesNotMatch(comment, /command=(abort|undo)/);
  const check = renderCheckRun(r);
  assert.equal(check.conclusion, 'failure');
  assert.match(check.title, /^Degraded: revision 1 failed its first-deploy analysis/);

  const annotations = analysisAnnotations(r, (template, metric) =>
    template === 'errors' && metric === 'error-rate' ? { path: 'deploy/errors.yaml', line: 9 } : undefined,
  );
  assert.equal(annotations.length, 1);
  assert.equal(annotations[0]?.start_line, 9);
  assert.match(
    annotations[0]?.message ?? '',
    /^Metric error-rate of the first-deploy analysis \(run h1-0-first-deploy\) is Failed/,
  );
});
