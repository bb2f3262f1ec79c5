import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  experimentFromStep,
  experimentNameFor,
  StepExperimentError,
  type StepExperimentInput,
  type StepSource,
} from '../../../src/engine/experiment-from-step.ts';
import type { ExperimentStep, RolloutAnalysisArg } from '../../../src/manifests/rollout-model.ts';

const noMeta = { labels: {}, annotations: {} };

function source(hash: string, image: string): StepSource {
  return {
    hash,
    template: {
      metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash }, annotations: { a: '1' } },
      spec: { containers: [{ name: 'web', image }] },
    },
    selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash }, matchExpressions: [] },
    minReadySeconds: hash === 'canaryhash' ? 7 : 3,
  };
}

function step(changes: Partial<ExperimentStep> = {}): ExperimentStep {
  return {
    templates: [
      { name: 'baseline', specRef: 'stable', metadata: noMeta },
      { name: 'canary', specRef: 'canary', replicas: 2, metadata: noMeta },
    ],
    analyses: [],
    dryRun: [],
    analysisRunMetadata: noMeta,
    ...changes,
  };
}

/** A step with one analysis passing `args`. */
function analysisStep(args: RolloutAnalysisArg[]): ExperimentStep {
  return step({
    analyses: [
      { name: 'compare', templateName: 'judge', clusterScope: true, requiredForCompletion: true, args },
    ],
  });
}

function input(s: ExperimentStep = step(), revision = '3'): StepExperimentInput {
  return {
    rollout: {
      name: 'web',
      namespace: 'shop',
      labels: { team: 'a' },
      revision,
      progressDeadlineSeconds: 120,
      object: { metadata: { name: 'web', labels: { team: 'a' } }, spec: { replicas: 4 } },
      source: { file: 'rollout.yaml', line: 1, column: 1 },
    },
    podHash: 'canaryhash',
    stepIndex: 2,
    step: s,
    stable: source('stablehash', 'web:1'),
    canary: source('canaryhash', 'web:2'),
  };
}

test('GetExperimentFromTemplate: named <rollout>-<podHash>-<revision>-<stepIndex>, with the Rollout’s labels plus the pod hash and the revision annotation', () => {
  const e = experimentFromStep(input());
  assert.equal(e.metadata.name, 'web-canaryhash-3-2');
  assert.equal(e.metadata.namespace, 'shop');
  assert.deepEqual(e.metadata.labels, { team: 'a', 'rollouts-pod-template-hash': 'canaryhash' });
  assert.deepEqual(e.metadata.annotations, { 'rollout.argoproj.io/revision': '3' });
  assert.equal(experimentFromStep(input(step(), '')).metadata.name, 'web-canaryhash--2');
});

test('specRef stable and canary copy that ReplicaSet’s pod template and minReadySeconds; replicas default to 1', () => {
  const [baseline, canary] = experimentFromStep(input()).spec.templates;
  assert.deepEqual(baseline?.template.spec, { containers: [{ name: 'web', image: 'web:1' }] });
  assert.equal(baseline?.minReadySeconds, 3);
  assert.equal(baseline?.replicas, 1);
  assert.deepEqual(canary?.template.spec, { containers: [{ name: 'web', image: 'web:2' }] });
  assert.equal(canary?.minReadySeconds, 7);
  assert.equal(canary?.replicas, 2);
});

test('the selector is the step’s, or else the source ReplicaSet’s; metadata.labels join the selector and the pod labels, annotations the pod', () => {
  const s = step({
    templates: [
      {
        name: 'baseline',
        specRef: 'stable',
        metadata: { labels: { role: 'baseline' }, annotations: { note: 'x' } },
        selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
      },
      { name: 'canary', specRef: 'canary', metadata: { labels: { role: 'canary' }, annotations: {} } },
    ],
  });
  const src = input(s);
  const [baseline, canary] = experimentFromStep(src).spec.templates;
  assert.deepEqual(baseline?.selector.matchLabels, { app: 'web', role: 'baseline' });
  assert.deepEqual(baseline?.template.metadata.labels, {
    app: 'web',
    'rollouts-pod-template-hash': 'stablehash',
    role: 'baseline',
  });
  assert.deepEqual(baseline?.template.metadata.annotations, { a: '1', note: 'x' });
  assert.deepEqual(canary?.selector.matchLabels, {
    app: 'web',
    'rollouts-pod-template-hash': 'canaryhash',
    role: 'canary',
  });
  // The live ReplicaSets' templates are copies, never changed.
  assert.deepEqual(src.stable.template.metadata.labels, {
    app: 'web',
    'rollouts-pod-template-hash': 'stablehash',
  });
  assert.deepEqual(src.canary.selector.matchLabels, {
    app: 'web',
    'rollouts-pod-template-hash': 'canaryhash',
  });
});

test('a weight or a service asks for a Service, named only when service.name is set', () => {
  const s = step({
    templates: [
      { name: 'a', specRef: 'stable', metadata: noMeta, weight: 10 },
      { name: 'b', specRef: 'canary', metadata: noMeta, service: {} },
      { name: 'c', specRef: 'canary', metadata: noMeta, weight: 5, service: { name: 'c-svc' } },
      { name: 'd', specRef: 'canary', metadata: noMeta },
    ],
  });
  const services = experimentFromStep(input(s)).spec.templates.map((t) => t.service);
  assert.deepEqual(services, [{}, {}, { name: 'c-svc' }, undefined]);
});

test('the spec takes duration, dryRun, analysisRunMetadata and scaleDownDelaySeconds from the step, progressDeadlineSeconds from the Rollout, no measurementRetention', () => {
  const s = step({
    duration: 300,
    dryRun: [{ metricName: 'm' }],
    analysisRunMetadata: { labels: { l: '1' }, annotations: {} },
    scaleDownDelaySeconds: 0,
  });
  const spec = experimentFromStep(input(s)).spec;
  assert.equal(spec.duration, 300);
  assert.deepEqual(spec.dryRun, [{ metricName: 'm' }]);
  assert.deepEqual(spec.analysisRunMetadata.labels, { l: '1' });
  assert.equal(spec.scaleDownDelaySeconds, 0);
  assert.equal(spec.progressDeadlineSeconds, 120);
  assert.deepEqual(spec.measurementRetention, []);
  assert.equal(spec.terminate, false);
  const defaults = experimentFromStep(input()).spec;
  assert.equal(defaults.duration, undefined);
  assert.equal(defaults.scaleDownDelaySeconds, 30);
});

test('BuildArgumentsForRolloutAnalysisRun: podTemplateHashValue and fieldRef resolved now, {{templates.*}} kept for the Experiment', () => {
  const s = analysisStep([
    { name: 'baseline-hash', value: '{{templates.baseline.podTemplateHash}}' },
    { name: 'stable', value: '', valueFrom: { podTemplateHashValue: 'Stable' } },
    { name: 'latest', value: '', valueFrom: { podTemplateHashValue: 'Latest' } },
    { name: 'team', value: '', valueFrom: { fieldRef: { fieldPath: 'metadata.labels.team' } } },
  ]);
  const [analysis] = experimentFromStep(input(s)).spec.analyses;
  assert.deepEqual(analysis, {
    name: 'compare',
    templateName: 'judge',
    clusterScope: true,
    requiredForCompletion: true,
    args: [
      { name: 'baseline-hash', value: '{{templates.baseline.podTemplateHash}}' },
      { name: 'stable', value: 'stablehash' },
      { name: 'latest', value: 'canaryhash' },
      { name: 'team', value: 'a' },
    ],
  });
});

test('an arg whose fieldRef the Rollout lacks fails the Experiment’s creation', () => {
  const s = analysisStep([
    { name: 'env', value: '', valueFrom: { fieldRef: { fieldPath: 'metadata.labels.env' } } },
  ]);
  assert.throws(() => experimentFromStep(input(s)), StepExperimentError);
});

test('createExperimentWithCollisionHandling: a free name is used; an unfinished equal one of ours is reused', () => {
  const none = new Map();
  assert.deepEqual(experimentNameFor('web-h-3-2', none), { name: 'web-h-3-2', reuse: false });
  const ours = new Map([['web-h-3-2', { ours: true, completed: false, sameSpec: true }]]);
  assert.deepEqual(experimentNameFor('web-h-3-2', ours), { name: 'web-h-3-2', reuse: true });
});

test('createExperimentWithCollisionHandling: a completed, different or foreign one moves the name to -1, -2, ...', () => {
  for (const taken of [
    { ours: true, completed: true, sameSpec: true },
    { ours: true, completed: false, sameSpec: false },
    { ours: false, completed: false, sameSpec: true },
  ]) {
    const m = new Map([['web-h-3-2', taken]]);
    assert.deepEqual(experimentNameFor('web-h-3-2', m), { name: 'web-h-3-2-1', reuse: false });
  }
  const two = new Map([
    ['web-h-3-2', { ours: true, completed: true, sameSpec: true }],
    ['web-h-3-2-1', { ours: true, completed: true, sameSpec: true }],
  ]);
  assert.deepEqual(experimentNameFor('web-h-3-2', two), { name: 'web-h-3-2-2', reuse: false });
});
