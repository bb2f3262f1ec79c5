import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRollout } from '../../../src/engine/plan.ts';
import type { EngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus } from '../../../src/engine/state.ts';
import { renderPlan } from '../../../src/report/plan.ts';

const rollout: EngineRollout = {
  name: 'web',
  namespace: 'ns',
  replicas: 5,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  revisionHistoryLimit: 10,
  strategy: 'canary',
  canary: {
    steps: [
      { setWeight: 20 },
      { pause: { duration: 5 } },
      { setWeight: 40 },
      { pause: {} },
      { setWeight: 70 },
    ],
    maxSurge: '25%',
    maxUnavailable: '25%',
  },
};
const stable = { ...initialStatus(), stableRS: 'v1', currentPodHash: 'v1' };

test('an update lists every step with Argo’s settled counts and the promotion', () => {
  const plan = planRollout(rollout, 'v2', stable);
  assert.equal(plan.kind, 'update');
  assert.deepEqual(
    plan.rows.map((r) => [r.step, r.action, r.weight, r.canary, r.stable]),
    [
      [1, 'setWeight 20', 20, 1, 4],
      [2, 'pause 5s', 20, 1, 4],
      [3, 'setWeight 40', 40, 2, 3],
      [4, 'pause (until promoted)', 40, 2, 3],
      [5, 'setWeight 70', 70, 4, 2],
      [undefined, 'promote: new revision becomes stable', 100, 5, 0],
    ],
  );
  const md = renderPlan('web', 'ns', plan, [{ container: 'web', from: 'img:1', to: 'img:2' }]);
  assert.match(md, /\| 3 \| setWeight 40 \| 40% \| 2 \| 3 \|/);
  assert.match(md, /\| web \| img:1 \| img:2 \|/);
  assert.match(md, /maxSurge 2 above and maxUnavailable 1 below/);
});

const kinds: [string, Parameters<typeof planRollout>[2], string, string][] = [
  ['no stable yet: first deploy at full scale', undefined, 'v1', 'first-deploy'],
  ['same as stable: nothing to do', stable, 'v1', 'no-change'],
  [
    'back to stable mid-update: steps skipped',
    { ...stable, currentPodHash: 'v2' },
    'v1',
    'rollback-to-stable',
  ],
  ['a third revision during an update supersedes it', { ...stable, currentPodHash: 'v2' }, 'v3', 'supersede'],
];
for (const [name, status, hash, kind] of kinds) {
  test(`plan kind: ${name}`, () => {
    assert.equal(planRollout(rollout, hash, status).kind, kind);
  });
}

test('with a router the plan shows the router, its objects, the router weights and Argo’s routed counts', () => {
  const routed: EngineRollout = {
    ...rollout,
    canary: {
      ...rollout.canary,
      steps: [
        { setCanaryScale: { replicas: 2 } },
        { pause: {} },
        { setWeight: 10 },
        { pause: {} },
        { setWeight: 70 },
      ],
      trafficRouting: {
        config: {
          nginx: { stableIngress: 'shop' },
          istio: { virtualService: { name: 'web-vs', routes: ['primary'] } },
          managedRoutes: [],
        },
        maxTrafficWeight: 100,
        dynamicStableScale: false,
        scaleDownDelaySeconds: 30,
      },
    },
  };
  const plan = planRollout(routed, 'v2', stable);
  assert.deepEqual(plan.router, {
    routers: ['nginx', 'istio'],
    objects: [
      'Ingress web-shop-canary (generated from Ingress shop; canary-weight)',
      'VirtualService web-vs (routes primary)',
    ],
    maxWeight: 100,
  });
  // The stable keeps its 5 pods; setCanaryScale stays in force until a matchTrafficWeight step.
  assert.deepEqual(
    plan.rows.map((r) => [r.step, r.weight, r.canary, r.stable]),
    [
      [1, 0, 2, 5],
      [2, 0, 2, 5],
      [3, 10, 2, 5],
      [4, 10, 2, 5],
      [5, 70, 2, 5],
      [undefined, 100, 5, 0],
    ],
  );
  const md = renderPlan('web', 'ns', plan, []);
  assert.match(md, /Traffic router: nginx \+ istio; it changes:/);
  assert.match(md, /- Ingress web-shop-canary/);
  assert.match(md, /\| step \| action \| router weight \| canary pods \| stable pods \|/);
  assert.match(md, /\| 5 \| setWeight 70 \| 70% \| 2 \| 5 \|/);
  assert.match(md, /the stable keeps its pods until promotion/);
});
