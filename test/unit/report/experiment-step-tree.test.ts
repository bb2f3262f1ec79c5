/** `get` of a rollout at an experiment step: the experiment's branch under the rollout, its ReplicaSets out of the revisions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentRecord } from '../../../src/engine/experiment-record.ts';
import type { CanaryEngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus } from '../../../src/engine/state.ts';
import { stepExperimentTree } from '../../../src/report/experiment-step-report.ts';
import { renderTree, type TreeReplicaSet } from '../../../src/report/tree.ts';

const now = new Date('2026-01-01T00:01:00Z');
const set = (name: string, revision: number, image: string): TreeReplicaSet => ({
  name,
  hash: name.split('-').at(-1) ?? '',
  revision,
  specReplicas: 1,
  availableReplicas: 1,
  images: [image],
  createdAt: '2026-01-01T00:00:00Z',
  pods: [],
});
const template = (name: string, image: string) => ({
  name,
  replicas: 1,
  minReadySeconds: 0,
  selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
  template: {
    metadata: { labels: { app: 'web' }, annotations: {} },
    spec: { containers: [{ name: 'web', image }] },
  },
});
const record: ExperimentRecord = {
  name: 'web-b2-2-1',
  stepIndex: 1,
  podHash: 'b2',
  revision: '2',
  createdAt: '2026-01-01T00:00:10Z',
  terminate: false,
  spec: {
    templates: [template('baseline', 'web:1'), template('canary', 'web:2')],
    duration: 60,
    progressDeadlineSeconds: 600,
    terminate: false,
    analyses: [
      {
        name: 'compare',
        templateName: 'compare',
        clusterScope: false,
        args: [],
        requiredForCompletion: false,
      },
    ],
    scaleDownDelaySeconds: 30,
    dryRun: [],
    measurementRetention: [],
    analysisRunMetadata: { labels: {}, annotations: {} },
  },
  status: {
    phase: 'Running',
    templateStatuses: [],
    analysisRuns: [{ name: 'compare', phase: 'Running', analysisRun: 'web-b2-2-1-compare' }],
  },
};
const rollout: CanaryEngineRollout = {
  name: 'web',
  namespace: 'shop',
  replicas: 4,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  revisionHistoryLimit: 10,
  strategy: 'canary',
  canary: { steps: [{ setWeight: 20 }], maxSurge: '25%', maxUnavailable: '25%' },
};

test('the rollout’s tree shows its step experiment as a branch, and its ReplicaSets only there', () => {
  const sets = [
    set('web-a1', 1, 'web:1'),
    set('web-b2', 2, 'web:2'),
    { ...set('web-b2-2-1-baseline', 0, 'web:1'), hash: 'x1' },
    { ...set('web-b2-2-1-canary', 0, 'web:2'), hash: 'x2' },
  ];
  const tree = stepExperimentTree({
    rollout: 'web',
    namespace: 'shop',
    podHash: 'b2',
    steps: rollout.canary.steps,
    records: [record],
    analysis: [],
    now,
    sets,
  });
  assert.deepEqual(
    tree.sets.map((s) => s.name),
    ['web-a1', 'web-b2'],
  );
  const status = { ...initialStatus(), currentPodHash: 'b2', stableRS: 'a1', phase: 'Progressing' as const };
  const screen = renderTree({ rollout, status, replicaSets: tree.sets, now, branches: tree.branches });
  const lines = screen.split('\n');
  const at = (text: string): number => lines.findIndex((l) => l.includes(text));
  assert.ok(at('# revision:2') < at('Σ web-b2-2-1'), screen);
  assert.match(lines[at('Σ web-b2-2-1')] ?? '', /^└──Σ web-b2-2-1\s+Experiment\s+◌ Running/);
  assert.match(lines[at('web-b2-2-1-baseline')] ?? '', /^ {3}├──⧉ web-b2-2-1-baseline\s+ReplicaSet/);
  assert.match(lines[at('α web-b2-2-1-compare')] ?? '', /^ {3}└──α web-b2-2-1-compare/);
  assert.equal(lines.filter((l) => l.includes('# revision:')).length, 2);
});
