import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  experimentsToDelete,
  reconcileCanaryExperiments,
  type CanaryExperimentInput,
  type OwnedExperiment,
} from '../../../src/engine/canary-experiment.ts';
import { experimentFromStep } from '../../../src/engine/experiment-from-step.ts';
import type { Experiment } from '../../../src/manifests/experiment.ts';
import type { EngineStep } from '../../../src/engine/spec.ts';

const experimentStep = {
  experiment: {
    templates: [{ name: 'canary', specRef: 'canary', metadata: { labels: {}, annotations: {} } }],
    analyses: [],
    dryRun: [],
    analysisRunMetadata: { labels: {}, annotations: {} },
  },
} satisfies EngineStep;

const source = {
  hash: 'h1',
  template: { metadata: { labels: {}, annotations: {} }, spec: {} },
  selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
  minReadySeconds: 0,
};

/** What experimentFromStep makes for step 1 of revision 2 (pod hash h2). */
const proposed: Experiment = experimentFromStep({
  rollout: {
    name: 'web',
    namespace: 'ns',
    labels: {},
    revision: '2',
    progressDeadlineSeconds: 600,
    object: {},
    source: { file: 'r.yaml', line: 1, column: 1 },
  },
  podHash: 'h2',
  stepIndex: 1,
  step: experimentStep.experiment,
  stable: source,
  canary: { ...source, hash: 'h2' },
});

/** 2026-01-01T00:00:00Z plus s seconds. */
const t = (s: number): string => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000).toISOString();

function owned(name: string, changes: Partial<OwnedExperiment> = {}): OwnedExperiment {
  return { name, podHash: 'h2', createdAt: t(0), terminate: false, ...changes };
}

function input(changes: Partial<CanaryExperimentInput> = {}): CanaryExperimentInput {
  return {
    step: experimentStep,
    aborted: false,
    promoteFull: false,
    inconclusiveAnalysisPause: false,
    currentExperiment: undefined,
    experiments: [],
    proposed,
    taken: new Map(),
    replicaSets: new Map([
      ['h1', false],
      ['h2', false],
    ]),
    historyLimits: { successful: 5, unsuccessful: 5 },
    ...changes,
  };
}

/** The input at the step with one experiment, current and at `phase`. */
function withCurrent(phase: OwnedExperiment['phase'], message?: string): CanaryExperimentInput {
  const e = owned('web-h2-2-1', { phase, message });
  return input({ currentExperiment: e.name, experiments: [e], taken: new Map() });
}

const kinds = (d: { actions: { kind: string }[] }): string[] => d.actions.map((a) => a.kind);

test('at an experiment step with no current experiment, Argo creates it and names it current', () => {
  const d = reconcileCanaryExperiments(input());
  assert.deepEqual(d.actions, [{ kind: 'createExperiment', experiment: proposed }]);
  assert.equal(d.currentExperiment, 'web-h2-2-1');
  assert.equal(d.stepCompleted, false);
});

test('with no stable ReplicaSet yet, nothing is created', () => {
  const d = reconcileCanaryExperiments(input({ proposed: undefined }));
  assert.deepEqual(d.actions, []);
  assert.equal(d.currentExperiment, undefined);
});

test('a name taken by a completed experiment moves the new one to -1', () => {
  const old = owned('web-h2-2-1', { phase: 'Failed' });
  const d = reconcileCanaryExperiments(
    input({
      experiments: [old],
      taken: new Map([[old.name, { ours: true, completed: true, sameSpec: true }]]),
    }),
  );
  const created = d.actions.find((a) => a.kind === 'createExperiment');
  assert.equal(created?.kind === 'createExperiment' ? created.experiment.metadata.name : '', 'web-h2-2-1-1');
  assert.equal(d.currentExperiment, 'web-h2-2-1-1');
});

test('an unfinished equal experiment of ours under the name is taken as current, not terminated', () => {
  const running = owned('web-h2-2-1', { phase: 'Running' });
  const d = reconcileCanaryExperiments(
    input({
      experiments: [running],
      taken: new Map([[running.name, { ours: true, completed: false, sameSpec: true }]]),
    }),
  );
  assert.deepEqual(d.actions, []);
  assert.equal(d.currentExperiment, 'web-h2-2-1');
});

test('while the experiment is Pending or Running the step waits, and it stays current', () => {
  for (const phase of [undefined, 'Pending', 'Running'] as const) {
    const d = reconcileCanaryExperiments(withCurrent(phase));
    assert.deepEqual(d.actions, []);
    assert.equal(d.currentExperiment, 'web-h2-2-1');
    assert.equal(d.stepCompleted, false);
    assert.equal(d.abortMessage, undefined);
  }
});

test('the step completes when the current experiment is Successful, which is no longer named current', () => {
  const d = reconcileCanaryExperiments(withCurrent('Successful'));
  assert.equal(d.stepCompleted, true);
  assert.equal(d.currentExperiment, undefined);
  assert.deepEqual(d.actions, []);
});

test('a Failed or Error experiment aborts the rollout with Argo’s message', () => {
  const failed = reconcileCanaryExperiments(withCurrent('Failed', 'Metric "errors" assessed Failed'));
  assert.equal(
    failed.abortMessage,
    'Experiment analysis phase is error/failed: Metric "errors" assessed Failed',
  );
  assert.equal(failed.stepCompleted, false);
  const error = reconcileCanaryExperiments(withCurrent('Error'));
  assert.equal(error.abortMessage, 'Experiment analysis phase is error/failed');
});

test('an Inconclusive experiment pauses the rollout with InconclusiveExperiment', () => {
  const d = reconcileCanaryExperiments(withCurrent('Inconclusive'));
  assert.equal(d.pause, 'InconclusiveExperiment');
  assert.equal(d.abortMessage, undefined);
  assert.equal(d.stepCompleted, false);
  assert.equal(d.currentExperiment, undefined);
});

test('on abort or full promotion every unfinished experiment is terminated, and none is current', () => {
  const running = owned('web-h2-2-1', { phase: 'Running' });
  const older = owned('web-h1-1-1', { podHash: 'h1', phase: 'Running' });
  const done = owned('web-h1-1-0', { podHash: 'h1', phase: 'Successful' });
  const asked = owned('web-h1-1-2', { podHash: 'h1', phase: 'Running', terminate: true });
  for (const flag of [{ aborted: true }, { promoteFull: true }]) {
    const d = reconcileCanaryExperiments(
      input({ ...flag, currentExperiment: running.name, experiments: [running, older, done, asked] }),
    );
    assert.deepEqual(d.actions, [
      { kind: 'terminateExperiment', name: 'web-h2-2-1' },
      { kind: 'terminateExperiment', name: 'web-h1-1-1' },
    ]);
    assert.equal(d.currentExperiment, undefined);
    assert.equal(d.stepCompleted, false);
  }
});

test('while an InconclusiveAnalysisRun pause holds nothing happens', () => {
  const d = reconcileCanaryExperiments({ ...withCurrent('Running'), inconclusiveAnalysisPause: true });
  assert.deepEqual(d.actions, []);
  assert.equal(d.currentExperiment, undefined);
});

test('past the experiment step (a promote moved on) the current experiment is terminated', () => {
  const d = reconcileCanaryExperiments({ ...withCurrent('Running'), step: { setWeight: 50 } });
  assert.deepEqual(kinds(d), ['terminateExperiment']);
  assert.equal(d.currentExperiment, undefined);
  assert.equal(d.stepCompleted, false);
});

test('every experiment that is not the step’s is terminated; finished ones are left alone', () => {
  const current = owned('web-h2-2-1', { phase: 'Running' });
  const stale = owned('web-h1-1-1', { podHash: 'h1', phase: 'Running' });
  const over = owned('web-h1-1-0', { podHash: 'h1', phase: 'Failed' });
  const d = reconcileCanaryExperiments(
    input({ currentExperiment: current.name, experiments: [current, stale, over] }),
  );
  assert.deepEqual(d.actions, [{ kind: 'terminateExperiment', name: 'web-h1-1-1' }]);
  assert.equal(d.currentExperiment, 'web-h2-2-1');
});

test('FilterExperimentsToDelete: no ReplicaSet for the pod hash, or one being deleted, deletes the experiment', () => {
  const exs = [
    owned('gone', { podHash: 'h0', phase: 'Successful' }),
    owned('deleting', { podHash: 'h1', phase: 'Successful' }),
    owned('kept', { podHash: 'h2', phase: 'Successful' }),
    owned('running-gone', { podHash: 'h0', phase: 'Running' }),
  ];
  const rss = new Map([
    ['h1', true],
    ['h2', false],
  ]);
  assert.deepEqual(experimentsToDelete(exs, rss, { successful: 5, unsuccessful: 5 }), [
    'gone',
    'deleting',
    'running-gone',
  ]);
});

test('FilterExperimentsToDelete: the newest are kept up to each history limit; unfinished ones never count', () => {
  const exs = [
    owned('s1', { phase: 'Successful', createdAt: t(1) }),
    owned('s3', { phase: 'Successful', createdAt: t(3) }),
    owned('s2', { phase: 'Successful', createdAt: t(2) }),
    owned('f1', { phase: 'Failed', createdAt: t(1) }),
    owned('i2', { phase: 'Inconclusive', createdAt: t(2) }),
    owned('e3', { phase: 'Error', createdAt: t(3) }),
    owned('r0', { phase: 'Running', createdAt: t(0) }),
  ];
  const rss = new Map([['h2', false]]);
  assert.deepEqual(experimentsToDelete(exs, rss, { successful: 2, unsuccessful: 1 }).sort(), [
    'f1',
    'i2',
    's1',
  ]);
});

test('past the step, finished experiments beyond the history limits are deleted', () => {
  const exs = [
    owned('a', { phase: 'Successful', createdAt: t(1) }),
    owned('b', { phase: 'Successful', createdAt: t(2) }),
  ];
  const d = reconcileCanaryExperiments(
    input({ step: undefined, experiments: exs, historyLimits: { successful: 1, unsuccessful: 1 } }),
  );
  assert.deepEqual(d.actions, [{ kind: 'deleteExperiment', name: 'a' }]);
});

test('(R, to measure) after an Inconclusive experiment, the next reconcile, with no current experiment, makes a fresh -1', () => {
  const inconclusive = owned('web-h2-2-1', { phase: 'Inconclusive' });
  const d = reconcileCanaryExperiments(
    input({
      experiments: [inconclusive],
      taken: new Map([[inconclusive.name, { ours: true, completed: true, sameSpec: true }]]),
    }),
  );
  assert.deepEqual(kinds(d), ['createExperiment']);
  assert.equal(d.currentExperiment, 'web-h2-2-1-1');
});
