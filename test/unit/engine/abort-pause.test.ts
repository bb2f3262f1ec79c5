import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyControlRequest } from '../../../src/engine/commands.ts';
import { canaryRollout, drive, SimCluster } from './sim.ts';

const rollout = canaryRollout([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }]);

// Argo v1.10.2 clears pauseConditions and controllerPause once a rollout is aborted (its
// CalculatePauseStatus returns before it copies any pause); test/conformance compares the two.
test('an abort at a pause step clears the pause conditions and controllerPause', async () => {
  const sim = new SimCluster(rollout);
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.phase, 'Paused');
  assert.deepEqual(
    r.status.pauseConditions.map((c) => c.reason),
    ['CanaryPauseStep'],
  );
  assert.equal(r.status.controllerPause, true);

  const aborted = applyControlRequest({ spec: {} }, r.status, { command: 'abort' }, new Date(sim.now));
  assert.equal(aborted.applied, true);
  r = await drive(sim, 'v2', aborted.status);
  assert.equal(r.status.phase, 'Degraded');
  assert.equal(r.status.abort, true);
  assert.deepEqual(r.status.pauseConditions, [], 'no pause survives the abort');
  assert.equal(r.status.controllerPause, false);
  assert.equal(r.status.currentStepIndex, 0);
  assert.deepEqual(sim.counts(), { v1: 5, v2: 0 });

  // retry starts the steps again and pauses afresh at the first pause step.
  const retried = applyControlRequest({ spec: {} }, r.status, { command: 'retry' }, new Date(sim.now));
  r = await drive(sim, 'v2', retried.status);
  assert.equal(r.status.phase, 'Paused');
  assert.equal(r.status.currentStepIndex, 1);
  assert.equal(r.status.controllerPause, true);
});

test('an abort later in the steps clears the pause too, and a new revision starts clean', async () => {
  const sim = new SimCluster(rollout);
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  r = await drive(sim, 'v2', { ...r.status, pauseConditions: [] });
  assert.equal(r.status.currentStepIndex, 3);
  r = await drive(sim, 'v2', { ...r.status, abort: true, abortedAt: new Date(sim.now).toISOString() });
  assert.deepEqual(r.status.pauseConditions, []);
  assert.equal(r.status.controllerPause, false);
  r = await drive(sim, 'v3', r.status);
  assert.equal(r.status.abort, false);
  assert.equal(r.status.currentStepIndex, 1);
  assert.deepEqual(
    r.status.pauseConditions.map((c) => c.reason),
    ['CanaryPauseStep'],
  );
});

// Argo v1.10.2 gives the ReplicaSet of the template being rolled out the newest revision, also when
// it is the stable one (an undo mid-rollout, or a revert); `undo` then picks the right previous one.
test('going back to the stable template makes its ReplicaSet the newest revision', async () => {
  const sim = new SimCluster(rollout);
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.phase, 'Paused');
  r = await drive(sim, 'v1', r.status);
  assert.equal(r.status.phase, 'Healthy');
  const revisions = sim.revisions();
  assert.deepEqual(revisions, { v1: 3, v2: 2 });
  assert.deepEqual(sim.counts(), { v1: 5, v2: 0 });
});
