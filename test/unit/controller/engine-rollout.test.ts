import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerImages,
  podTemplateOf,
  readRollout,
  toEngineRollout,
  withImages,
} from '../../../src/controller/engine-rollout.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { engineRollout, type EngineRollout } from '../../../src/engine/spec.ts';
import { toRollout } from '../../../src/manifests/rollout.ts';
import { onlyDoc } from '../manifests/helpers.ts';

// setCanaryScale needs a traffic router, which validation refuses today: the model still reads it.
const manifest = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
  namespace: shop
spec:
  replicas: 6
  progressDeadlineAbort: true
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers: [{ name: app, image: "nginx:1.27" }]
  strategy:
    canary:
      stableService: web-stable
      canaryService: ""
      maxSurge: 1
      canaryMetadata:
        labels: { role: canary }
      replicaProgressThreshold: { type: Pods, value: 2 }
      analysis:
        startingStep: 1
        templates: [{ templateName: errors }]
      steps:
        - setWeight: 20
        - pause: { duration: 1m }
        - pause: {}
        - setCanaryScale: { replicas: 2 }
        - setCanaryScale: { weight: 30 }
        - setCanaryScale: { matchTrafficWeight: true }
        - analysis:
            templates: [{ templateName: errors }, { templateName: latency }]
`;

const analysis = (...names: string[]) => ({
  templates: names.map((templateName) => ({ templateName, clusterScope: false })),
  args: [],
  dryRun: [],
  measurementRetention: [],
  analysisRunMetadata: { labels: {}, annotations: {} },
});

const expected: EngineRollout = {
  name: 'web',
  namespace: 'shop',
  replicas: 6,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: true,
  revisionHistoryLimit: 10,
  workloadRef: undefined,
  strategy: 'canary',
  canary: {
    steps: [
      { setWeight: 20 },
      { pause: { duration: 60 } },
      { pause: { duration: undefined } },
      { setCanaryScale: { replicas: 2 } },
      { setCanaryScale: { weight: 30 } },
      { setCanaryScale: { matchTrafficWeight: true } },
      { analysis: analysis('errors', 'latency') },
    ],
    maxSurge: 1,
    maxUnavailable: '25%',
    stableService: 'web-stable',
    canaryService: undefined,
    stableMetadata: undefined,
    canaryMetadata: { labels: { role: 'canary' }, annotations: {} },
    replicaProgressThreshold: { type: 'Pod', value: 2 },
    analysis: { ...analysis('errors'), startingStep: 1 },
    trafficRouting: undefined,
  },
};

test('engineRollout: the typed model read into what the step engine drives, with Argo defaults', () => {
  const doc = onlyDoc(manifest);
  assert.deepEqual(engineRollout(toRollout(doc)), expected);
});

test('toEngineRollout: a stored Rollout object reads the same as its document', () => {
  const stored = structuredClone(onlyDoc(manifest).object) as unknown as KubeObject;
  assert.deepEqual(toEngineRollout(stored), expected);
  assert.equal(readRollout(stored).source.file, 'Rollout shop/web');
});

test('readRollout: a stored object that is not a Rollout says which one', () => {
  const broken: KubeObject = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'x' } };
  assert.throws(() => readRollout(broken), /Rollout default\/x:1: spec is missing/);
});

test('workloadRef: scaleDown defaults to never', () => {
  const stored: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'w', namespace: 'ns' },
    spec: {
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      strategy: { canary: { steps: [] } },
    },
  };
  assert.deepEqual(toEngineRollout(stored).workloadRef, { name: 'web', scaleDown: 'never' });
});

test('pod template and images: read and overridden as stored', () => {
  const stored = structuredClone(onlyDoc(manifest).object) as unknown as KubeObject;
  assert.deepEqual([...containerImages(podTemplateOf(stored))], [['app', 'nginx:1.27']]);
  const updated = withImages(stored, new Map([['app', 'nginx:1.28']]));
  assert.deepEqual([...containerImages(podTemplateOf(updated))], [['app', 'nginx:1.28']]);
  assert.deepEqual([...containerImages(podTemplateOf(stored))], [['app', 'nginx:1.27']]);
  assert.throws(() => withImages(stored, new Map([['nope', 'x']])), /no container named nope in Rollout web/);
});
