import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanaryEngineRollout, RolloutBasics } from '../../../src/engine/spec.ts';
import { drive, SimCluster } from './sim.ts';

function rollout(
  overrides: Partial<CanaryEngineRollout['canary']> = {},
  top: Partial<RolloutBasics> = {},
): CanaryEngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas: 5,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    ...top,
    strategy: 'canary',
    canary: {
      steps: [
        { setWeight: 20 },
        { pause: { duration: 5 } },
        { setWeight: 40 },
        { pause: {} },
        { setWeight: 70 },
        { pause: { duration: 5 } },
      ],
      maxSurge: '25%',
      maxUnavailable: '25%',
      stableService: 'web-stable',
      canaryService: 'web-canary',
      ...overrides,
    },
  };
}

test('first deploy goes straight to full scale, skipping steps', async () => {
  const sim = new SimCluster(rollout());
  const r = await drive(sim, 'v1');
  assert.equal(r.done?.exitCode, 0);
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.counts(), { v1: 5 });
  assert.equal(sim.labelOf(r.status.stableRS), 'v1');
  assert.equal(r.status.currentStepIndex, 6);
  assert.equal(sim.services['web-stable'], 'v1');
  assert.equal(sim.services['web-canary'], 'v1');
  assert.ok(r.log.some((l) => l.includes('initial deploy')));
});

test('v1 → v2 holds Argo’s counts at each step, stops at the indefinite pause, and a promote finishes', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  // Each step's completion line says the pods it saw ready (the next step's moves may follow in the
  // same write: the driver carries a step's completion into the tick that acts on the next step).
  const seen: [number, Record<string, number>][] = [];
  r = await drive(sim, 'v2', r.status, {
    until: (d) => {
      for (const line of d.log) {
        const m = /step (\d+)\/\d+ .* completed: canary (\d+)\/\d+ ready, stable (\d+)\/\d+ ready/.exec(line);
        if (m !== null) seen.push([Number(m[1]), { v1: Number(m[3]), v2: Number(m[2]) }]);
      }
      return false;
    },
  });
  // At the end of setWeight 20 (step 1), 40 (step 3): Argo's 1/4 and 2/3 for 5 replicas.
  assert.deepEqual(seen[0], [1, { v1: 4, v2: 1 }]);
  assert.deepEqual(seen[1], [2, { v1: 4, v2: 1 }], 'the 5s pause completes with the counts unchanged');
  assert.deepEqual(seen[2], [3, { v1: 3, v2: 2 }]);
  assert.equal(r.status.phase, 'Paused');
  assert.equal(r.done?.exitCode, 0, 'an indefinite pause ends the run');
  assert.equal(r.status.currentStepIndex, 3);
  assert.equal(sim.services['web-stable'], 'v1');
  assert.equal(sim.services['web-canary'], 'v2');

  // promote: the pause condition goes, controllerPause stays, so the step completes.
  const promoted = { ...r.status, pauseConditions: [] };
  const seen2: Record<string, number>[] = [];
  r = await drive(sim, 'v2', promoted, {
    until: (d) => {
      if (d.log.some((l) => l.includes('setWeight 70 completed'))) seen2.push(sim.counts());
      return false;
    },
  });
  assert.deepEqual(seen2[0], { v1: 2, v2: 4 }, 'setWeight 70 uses the surge: 4 canary, 2 stable');
  assert.equal(r.status.phase, 'Healthy');
  assert.equal(sim.labelOf(r.status.stableRS), 'v2');
  assert.deepEqual(sim.counts(), { v1: 0, v2: 5 });
  assert.equal(sim.services['web-stable'], 'v2');
  assert.ok(sim.minStableEndpoints >= 1, 'the stable service never lost its endpoints');
});

test('abort returns every pod to stable and ends Degraded with exit 1', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.currentStepIndex === 3 });
  r = await drive(sim, 'v2', { ...r.status, abort: true, abortedAt: new Date(sim.now).toISOString() });
  assert.equal(r.done?.exitCode, 1);
  assert.equal(r.status.phase, 'Degraded');
  assert.match(r.status.message, /RolloutAborted: Rollout aborted update to revision 2/);
  assert.deepEqual(sim.counts(), { v1: 5, v2: 0 });
  assert.equal(sim.services['web-canary'], 'v1', 'canary traffic goes back to stable');
  assert.equal(r.status.currentStepIndex, 0);
  // retry: clear abort; the steps run again from 0.
  r = await drive(sim, 'v2', { ...r.status, abort: false, abortedAt: undefined });
  assert.equal(r.status.phase, 'Paused');
  assert.equal(r.status.currentStepIndex, 3);
});

test('going back to the stable template mid-rollout skips the steps', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.currentStepIndex === 3 });
  r = await drive(sim, 'v1', r.status);
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.counts(), { v1: 5, v2: 0 });
  assert.ok(r.log.some((l) => l.includes('rollback to stable')));
});

test('a new revision in the middle supersedes the one in flight', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.currentStepIndex === 3 });
  r = await drive(sim, 'v3', r.status);
  assert.equal(sim.labelOf(r.status.stableRS), 'v1');
  assert.deepEqual(sim.counts(), { v1: 3, v2: 0, v3: 2 });
  assert.equal(r.status.phase, 'Paused');
});

test('a canary that never becomes ready hits the progress deadline; with progressDeadlineAbort it aborts', async () => {
  const sim = new SimCluster(rollout({}, { progressDeadlineSeconds: 10, progressDeadlineAbort: true }));
  let r = await drive(sim, 'v1');
  sim.breakRevision('v3');
  const start = sim.now;
  r = await drive(sim, 'v3', r.status);
  assert.equal(r.done?.exitCode, 1);
  assert.equal(r.status.abort, true);
  assert.ok(sim.now - start >= 10_000 && sim.now - start < 12_000, `aborted after ${sim.now - start} ms`);
  assert.deepEqual(sim.counts(), { v1: 5, v3: 0 });
  assert.ok(r.log.some((l) => l.includes('timed out progressing') && l.includes('CrashLoopBackOff')));
});

test('without progressDeadlineAbort the deadline leaves it Degraded, not aborted', async () => {
  const sim = new SimCluster(rollout({}, { progressDeadlineSeconds: 10 }));
  let r = await drive(sim, 'v1');
  sim.breakRevision('v3');
  r = await drive(sim, 'v3', r.status);
  assert.equal(r.done?.exitCode, 1);
  assert.equal(r.status.abort, false);
  assert.equal(r.status.phase, 'Degraded');
  assert.match(r.status.message, /ProgressDeadlineExceeded/);
});

test('promote-full skips the remaining steps', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.currentStepIndex === 3 });
  r = await drive(sim, 'v2', { ...r.status, promoteFull: true });
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.counts(), { v1: 0, v2: 5 });
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted', async () => {
  const sim = new SimCluster(rollout({ steps: [] }, { revisionHistoryLimit: 1 }));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  r = await drive(sim, 'v3', r.status);
  r = await drive(sim, 'v4', r.status);
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(Object.keys(sim.counts()).sort(), ['v3', 'v4']);
});

test('a Service deleted mid-rollout ends the run Degraded (InvalidSpec), never a wait', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status, { until: (d) => d.status.phase === 'Paused' });
  assert.equal(r.status.phase, 'Paused');
  sim.deleteService('web-canary');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.done?.exitCode, 1);
  assert.equal(r.status.phase, 'Degraded');
  assert.equal(
    r.status.message,
    'InvalidSpec: spec.strategy.canary.canaryService: Service "web-canary" not found',
  );
  assert.ok(r.ticks <= 2, `${r.ticks} ticks`);
});

test('a driver killed after a carried step’s moves, before its write: the next brings the counts back to the recorded step, then on', async () => {
  const steps = [{ setWeight: 20 }, { setWeight: 40 }, { pause: {} }];
  const sim = new SimCluster(rollout({ steps }));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.currentStepIndex, 2);
  assert.deepEqual(sim.counts(), { v1: 3, v2: 2 });
  // The cluster is at setWeight 40's counts; the stored status still says step 1 (setWeight 20),
  // as when step 1's completion was carried into the tick that moved to 40 and that write was lost.
  const completed: string[] = [];
  r = await drive(
    sim,
    'v2',
    { ...r.status, currentStepIndex: 0, pauseConditions: [], controllerPause: false },
    {
      until: (d) => {
        completed.push(...d.log.filter((l) => l.includes('completed')));
        return false;
      },
    },
  );
  // Back at setWeight 20's sizes (the stable counted by its spec, as Argo's AtDesiredReplicaCountsForCanary).
  assert.match(completed[0] ?? '', /step 1\/3 setWeight 20 completed: canary 1\/1 ready, stable \d\/4 ready/);
  assert.match(completed[1] ?? '', /step 2\/3 setWeight 40 completed: canary 2\/2 ready, stable 3\/3 ready/);
  assert.equal(r.status.currentStepIndex, 2);
  assert.deepEqual(sim.counts(), { v1: 3, v2: 2 });
});
