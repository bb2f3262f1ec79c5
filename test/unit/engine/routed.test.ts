import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanaryRouting, CanaryEngineRollout, EngineStep } from '../../../src/engine/spec.ts';
import { drive, SimCluster } from './sim.ts';

function routing(overrides: Partial<CanaryRouting> = {}): CanaryRouting {
  return {
    config: { nginx: { stableIngress: 'web' }, managedRoutes: [] },
    maxTrafficWeight: 100,
    dynamicStableScale: false,
    scaleDownDelaySeconds: 30,
    ...overrides,
  };
}

function rollout(
  steps: EngineStep[],
  trafficRouting: CanaryRouting = routing(),
  replicas = 5,
): CanaryEngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    strategy: 'canary',
    canary: {
      steps,
      maxSurge: '25%',
      maxUnavailable: '25%',
      stableService: 'web-stable',
      canaryService: 'web-canary',
      trafficRouting,
    },
  };
}

test('seed 3 shape: weight 10 once the canary pod is up, paused; promote → 100, stable Service moves, router 0, old stable kept 30 s', async () => {
  const sim = new SimCluster(rollout([{ setWeight: 10 }, { pause: {} }]));
  let r = await drive(sim, 'v1');
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.world.router.calls, ['hash ' + sim.hashOf('v1') + '/' + sim.hashOf('v1'), 'weight 0']);
  sim.world.router.calls.length = 0;

  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.phase, 'Paused');
  assert.equal(r.status.currentStepIndex, 1);
  // The stable stays at 5 with a router; the canary gets ⌈10·5/100⌉ = 1 pod.
  assert.deepEqual(sim.counts(), { v1: 5, v2: 1 });
  assert.equal(sim.world.router.weight, 10);
  assert.equal(r.status.canaryWeight, 10);
  assert.deepEqual(r.status.trafficWeights, {
    canary: { weight: 10, podTemplateHash: sim.hashOf('v2') },
    stable: { weight: 90, podTemplateHash: sim.hashOf('v1') },
  });
  // Weight 0 until the canary pod is available, then 10 (never a weight ahead of the pods).
  assert.deepEqual(sim.world.router.calls, [
    `hash ${sim.hashOf('v2')}/${sim.hashOf('v1')}`,
    'weight 0',
    `hash ${sim.hashOf('v2')}/${sim.hashOf('v1')}`,
    'weight 10',
  ]);
  assert.equal(sim.services['web-stable'], 'v1');
  assert.equal(sim.services['web-canary'], 'v2');

  const start = sim.now;
  r = await drive(sim, 'v2', { ...r.status, pauseConditions: [] });
  assert.equal(r.status.phase, 'Healthy');
  assert.equal(sim.labelOf(r.status.stableRS), 'v2');
  assert.equal(sim.services['web-stable'], 'v2');
  assert.equal(sim.world.router.weight, 0, 'promoted: all traffic through the stable Service again');
  assert.ok(sim.world.router.calls.includes('weight 100'), 'the canary carried all traffic before promotion');
  assert.deepEqual(sim.counts(), { v1: 0, v2: 5 });
  assert.ok(
    sim.now - start >= 30_000,
    `the old stable kept its pods 30 s (went after ${sim.now - start} ms)`,
  );
  assert.ok(r.log.some((l) => l.includes('keeps its pods until')));
});

test('abort: router to 0 at once, canary Service back to stable, the canary keeps its pods for abortScaleDownDelaySeconds', async () => {
  const sim = new SimCluster(
    rollout([{ setWeight: 40 }, { pause: {} }], routing({ abortScaleDownDelaySeconds: 10 })),
  );
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.deepEqual(sim.counts(), { v1: 5, v2: 2 });
  assert.equal(sim.world.router.weight, 40);
  const start = sim.now;
  r = await drive(sim, 'v2', { ...r.status, abort: true, abortedAt: new Date(sim.now).toISOString() });
  assert.equal(r.done?.exitCode, 1);
  assert.equal(sim.world.router.weight, 0);
  assert.equal(sim.services['web-canary'], 'v1');
  assert.deepEqual(sim.counts(), { v1: 5, v2: 0 });
  const waited = sim.now - start;
  assert.ok(waited >= 10_000 && waited < 20_000, `the canary went after ${waited} ms`);
});

test('abortScaleDownDelaySeconds 0 leaves an aborted canary at its setCanaryScale; traffic goes back to stable', async () => {
  const steps: EngineStep[] = [{ setCanaryScale: { replicas: 2 } }, { setWeight: 40 }, { pause: {} }];
  const sim = new SimCluster(rollout(steps, routing({ abortScaleDownDelaySeconds: 0 })));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  r = await drive(sim, 'v2', { ...r.status, abort: true, abortedAt: new Date(sim.now).toISOString() });
  assert.equal(sim.world.router.weight, 0);
  assert.deepEqual(sim.counts(), { v1: 5, v2: 2 });
  assert.equal(r.status.phase, 'Degraded');
  assert.equal(r.done?.exitCode, 1, 'the run ends: nothing is left to wait for');
});

test('setCanaryScale with a router: 2 canary pods at weight 0, then matchTrafficWeight follows setWeight', async () => {
  const steps: EngineStep[] = [
    { setCanaryScale: { replicas: 2 } },
    { pause: {} },
    { setWeight: 60 },
    { setCanaryScale: { matchTrafficWeight: true } },
    { pause: {} },
  ];
  const sim = new SimCluster(rollout(steps, routing(), 10));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.currentStepIndex, 1);
  assert.deepEqual(sim.counts(), { v1: 10, v2: 2 });
  assert.equal(sim.world.router.weight, 0);
  r = await drive(sim, 'v2', { ...r.status, pauseConditions: [] });
  assert.equal(r.status.currentStepIndex, 4);
  assert.deepEqual(sim.counts(), { v1: 10, v2: 6 });
  assert.equal(sim.world.router.weight, 60);
});

test('header and mirror routes: set by their steps, removed at promotion', async () => {
  const config = {
    istio: { virtualService: { name: 'web', routes: ['primary'] } },
    managedRoutes: [{ name: 'testers' }, { name: 'shadow' }],
  };
  const steps: EngineStep[] = [
    { setWeight: 20 },
    {
      setHeaderRoute: { name: 'testers', match: [{ headerName: 'x-tester', headerValue: { exact: 'yes' } }] },
    },
    {
      setMirrorRoute: { name: 'shadow', percentage: 50, match: [{ headers: {}, method: { exact: 'GET' } }] },
    },
    { pause: {} },
  ];
  const sim = new SimCluster(rollout(steps, routing({ config })));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.currentStepIndex, 3);
  assert.deepEqual([...sim.world.router.routes].sort(), ['shadow', 'testers']);
  assert.deepEqual(r.status.managedRoutes?.sort(), ['shadow', 'testers']);
  r = await drive(sim, 'v2', { ...r.status, pauseConditions: [] });
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual([...sim.world.router.routes], []);
  assert.equal(r.status.managedRoutes, undefined);
});

test('a waiting rollout makes no router calls: the router is called only when its target changes', async () => {
  const sim = new SimCluster(rollout([{ setWeight: 10 }, { pause: { duration: 60 } }]));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.currentStepIndex === 1 });
  const calls = sim.world.router.calls.length;
  const ticks = r.ticks;
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.currentStepIndex === 2 });
  assert.equal(sim.world.router.calls.length, calls, 'no router writes during the pause');
  assert.ok(r.ticks + ticks >= 3, 'the driver looked during the pause');
});
