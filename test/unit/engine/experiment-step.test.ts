import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completedCurrentStep } from '../../../src/engine/pause.ts';
import { describeStep, type CanaryEngineRollout, type EngineStep } from '../../../src/engine/spec.ts';
import { initialStatus } from '../../../src/engine/state.ts';

const noMeta = { labels: {}, annotations: {} };
const step = (duration?: number): EngineStep => ({
  experiment: {
    templates: [
      { name: 'baseline', specRef: 'stable', metadata: noMeta },
      { name: 'canary', specRef: 'canary', metadata: noMeta },
    ],
    ...(duration === undefined ? {} : { duration }),
    analyses: [],
    dryRun: [],
    analysisRunMetadata: noMeta,
  },
});

test('describeStep names an experiment step’s templates, their sources and its duration', () => {
  assert.equal(describeStep(step(300)), 'experiment baseline (stable), canary (canary) 300s');
  assert.equal(describeStep(step()), 'experiment baseline (stable), canary (canary)');
});

test('an experiment step never completes on pod counts alone: Argo waits for a Successful experiment', () => {
  const rollout: CanaryEngineRollout = {
    name: 'web',
    namespace: 'ns',
    replicas: 2,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    strategy: 'canary',
    canary: { steps: [step()], maxSurge: '25%', maxUnavailable: '25%' },
  };
  const s = { ...initialStatus(), currentStepIndex: 0 };
  assert.equal(completedCurrentStep(rollout, s, true, new Date(), true), false);
  const setWeight = { ...rollout, canary: { ...rollout.canary, steps: [{ setWeight: 50 }] } };
  assert.equal(completedCurrentStep(setWeight, s, true, new Date(), true), true);
});
