/** Seed 2's experiment as the reports see it: two templates, a passing and a failing job analysis. */
import type { Measurement, MetricResult } from '../../../src/analysis/engine/types.ts';
import type { AnalysisRecord } from '../../../src/analysis/templates.ts';
import { experimentReportOf, type ExperimentReport } from '../../../src/report/experiment-model.ts';
import type { TreeReplicaSet } from '../../../src/report/tree.ts';
import { iso, rs, spec, templateStatus } from '../engine/experiment-fixtures.ts';

function measurement(second: number, value: string, phase: Measurement['phase']): Measurement {
  return { phase, value, startedAt: iso(second), finishedAt: iso(second + 5) };
}

export function jobRun(analysis: string, phase: 'Successful' | 'Failed' | 'Running'): AnalysisRecord {
  const ms =
    phase === 'Failed'
      ? [measurement(60, '0', 'Successful'), measurement(90, '1', 'Failed')]
      : [measurement(60, '0', 'Successful')];
  const message =
    phase === 'Failed'
      ? `metric "${analysis}" assessed Failed due to failed (1) > failureLimit (0)`
      : undefined;
  const metric: MetricResult = {
    name: analysis,
    phase: phase === 'Running' ? 'Running' : phase,
    measurements: ms,
    count: ms.length,
    successful: ms.filter((m) => m.phase === 'Successful').length,
    failed: ms.filter((m) => m.phase === 'Failed').length,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0,
    dryRun: false,
    ...(message === undefined ? {} : { message }),
  };
  return {
    id: `seed2-${analysis}`,
    kind: 'Step',
    podHash: 'h-canary',
    args: {},
    secretArgs: [],
    spec: { metrics: [{ name: analysis, intervalSeconds: 30, provider: { job: {} } }] },
    state: {
      phase,
      ...(message === undefined ? {} : { message }),
      startedAt: iso(60),
      ...(phase === 'Running' ? {} : { completedAt: iso(95) }),
      metrics: [metric],
    },
  };
}

/** Seed 2 at second `now`: `phase` Failed (random-fail failed) or Running (both measuring). */
export function seed2(phase: 'Failed' | 'Running', now = 120): ExperimentReport {
  const ended = phase === 'Failed';
  const message = ended ? jobRun('random-fail', 'Failed').state.message : undefined;
  return experimentReportOf({
    experiment: spec({
      name: 'seed2',
      durationSeconds: 300,
      analyses: [
        { name: 'always-pass', clusterScope: false, requiredForCompletion: false, args: [] },
        { name: 'random-fail', clusterScope: false, requiredForCompletion: false, args: [] },
      ],
    }),
    status: {
      phase,
      message,
      availableAt: iso(60),
      templateStatuses: [
        templateStatus('baseline', ended ? 'Successful' : 'Running', 1, { serviceName: 'seed2-baseline' }),
        templateStatus('canary', ended ? 'Successful' : 'Running', 2),
      ],
      analysisRuns: [
        { name: 'always-pass', analysisRun: 'seed2-always-pass', phase: ended ? 'Successful' : 'Running' },
        { name: 'random-fail', analysisRun: 'seed2-random-fail', phase, message },
      ],
    },
    namespace: 'demo',
    replicaSets: {
      baseline: rs('baseline', ended ? 0 : 1, ended ? 0 : 1),
      canary: rs('canary', ended ? 0 : 2, ended ? 0 : 2),
    },
    runs: {
      'always-pass': jobRun('always-pass', ended ? 'Successful' : 'Running'),
      'random-fail': jobRun('random-fail', ended ? 'Failed' : 'Running'),
    },
    updatedAt: iso(now),
    ...(ended ? { finishedAt: iso(96) } : {}),
  });
}

export function treeSet(template: string, pods: number, ready: number): TreeReplicaSet {
  return {
    name: `seed2-${template}`,
    hash: `h-${template}`,
    revision: 0,
    specReplicas: pods,
    availableReplicas: ready,
    images: [`demo:${template}`],
    createdAt: iso(0),
    pods: Array.from({ length: pods }, (_, i) => ({
      name: `seed2-${template}-${i}`,
      phase: 'Running',
      ready: i < ready,
      restarts: 0,
      reason: undefined,
      createdAt: iso(0),
    })),
  };
}
