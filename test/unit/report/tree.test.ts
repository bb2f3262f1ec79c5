import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialStatus } from '../../../src/engine/state.ts';
import { renderTree } from '../../../src/report/tree.ts';

test('the tree shows the step, weights, images by role, revisions, ReplicaSets and pods', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  const pod = (name: string, ready: boolean, reason?: string) => ({
    name,
    phase: 'Running',
    ready,
    restarts: reason ? 4 : 0,
    reason,
    createdAt: '2026-11-22T09:59:00Z',
  });
  const out = renderTree({
    rollout: {
      name: 'web',
      namespace: 'shop',
      replicas: 5,
      paused: false,
      progressDeadlineSeconds: 600,
      progressDeadlineAbort: false,
      revisionHistoryLimit: 10,
      strategy: 'canary',
      canary: { steps: [{ setWeight: 20 }, { pause: {} }], maxSurge: 1, maxUnavailable: 0 },
    },
    status: {
      ...initialStatus(),
      phase: 'Paused',
      message: 'CanaryPauseStep',
      stableRS: 'aaa',
      currentPodHash: 'bbb',
      currentStepIndex: 1,
      canaryWeight: 20,
    },
    replicaSets: [
      {
        name: 'web-aaa',
        hash: 'aaa',
        revision: 1,
        specReplicas: 4,
        availableReplicas: 4,
        images: ['img:1'],
        createdAt: '2026-11-22T09:00:00Z',
        pods: [pod('web-aaa-1', true)],
      },
      {
        name: 'web-bbb',
        hash: 'bbb',
        revision: 2,
        specReplicas: 1,
        availableReplicas: 0,
        images: ['img:2'],
        createdAt: '2026-11-22T09:59:00Z',
        pods: [pod('web-bbb-1', false, 'CrashLoopBackOff')],
      },
    ],
    now,
  });
  assert.match(out, /Status:\s+॥ Paused/);
  assert.match(out, /Step:\s+1\/2 \(pause \(until promoted\)\)/);
  assert.match(out, /SetWeight:\s+20/);
  assert.match(out, /Images:\s+img:2 \(canary\)\n\s+img:1 \(stable\)/);
  assert.match(out, /├──# revision:2\n│ {2}└──⧉ web-bbb\s+ReplicaSet\s+◌ Progressing\s+60s\s+canary/);
  assert.match(out, /□ web-bbb-1\s+Pod\s+✖ CrashLoopBackOff\s+60s\s+ready:0\/1,restarts:4/);
  assert.match(out, /└──# revision:1\n {3}└──⧉ web-aaa\s+ReplicaSet\s+✔ Healthy\s+60m\s+stable/);
});

test('with a router, SetWeight is the step’s weight and ActualWeight the router’s; routes in force are listed', () => {
  const out = renderTree({
    rollout: {
      name: 'web',
      namespace: 'shop',
      replicas: 5,
      paused: false,
      progressDeadlineSeconds: 600,
      progressDeadlineAbort: false,
      revisionHistoryLimit: 10,
      strategy: 'canary',
      canary: {
        steps: [{ setWeight: 30 }, { pause: {} }],
        maxSurge: 1,
        maxUnavailable: 0,
        trafficRouting: {
          config: { istio: { virtualService: { name: 'web' } }, managedRoutes: [{ name: 'testers' }] },
          maxTrafficWeight: 100,
          dynamicStableScale: false,
          scaleDownDelaySeconds: 30,
        },
      },
    },
    status: {
      ...initialStatus(),
      phase: 'Progressing',
      stableRS: 'aaa',
      currentPodHash: 'bbb',
      currentStepIndex: 0,
      canaryWeight: 0,
      trafficWeights: {
        canary: { weight: 0, podTemplateHash: 'bbb' },
        stable: { weight: 100, podTemplateHash: 'aaa' },
      },
      managedRoutes: ['testers'],
    },
    replicaSets: [],
    now: new Date('2026-11-22T10:00:00Z'),
  });
  assert.match(out, /SetWeight: +30\n/);
  assert.match(out, /ActualWeight: +0\n/);
  assert.match(out, /Routes: +testers\n/);
});
