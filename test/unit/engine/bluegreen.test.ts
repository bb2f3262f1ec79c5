import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlueGreenEngineRollout, BlueGreenPart, RolloutBasics } from '../../../src/engine/spec.ts';
import { drive, SimCluster } from './sim.ts';

function rollout(
  overrides: Partial<BlueGreenPart> = {},
  top: Partial<RolloutBasics> = {},
): BlueGreenEngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas: 3,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    ...top,
    strategy: 'blueGreen',
    blueGreen: {
      activeService: 'web-active',
      previewService: 'web-preview',
      autoPromotionEnabled: false,
      autoPromotionSeconds: 0,
      scaleDownDelaySeconds: 30,
      scaleDownDelayWritten: false,
      abortScaleDownDelaySeconds: 30,
      ...overrides,
    },
  };
}

const promoted = <S extends { pauseConditions: unknown[] }>(s: S): S => ({ ...s, pauseConditions: [] });

test('first deploy: full scale at once, both Services on it, stable, Healthy', async () => {
  const sim = new SimCluster(rollout());
  const r = await drive(sim, 'v1');
  assert.equal(r.done?.exitCode, 0);
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.counts(), { v1: 3 });
  assert.deepEqual(sim.services, { 'web-active': 'v1', 'web-preview': 'v1' });
  assert.equal(sim.labelOf(r.status.stableRS), 'v1');
  assert.equal(sim.labelOf(r.status.blueGreen?.activeSelector), 'v1');
});

test('update: preview up beside active, paused for a person; promote switches, then the old stack goes after the delay', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.done?.exitCode, 0, 'a pause for a person ends the run');
  assert.equal(r.status.phase, 'Paused');
  assert.equal(r.status.message, 'BlueGreenPause');
  assert.deepEqual(sim.counts(), { v1: 3, v2: 3 });
  assert.deepEqual(sim.services, { 'web-active': 'v1', 'web-preview': 'v2' });
  assert.equal(sim.labelOf(r.status.stableRS), 'v1');

  const before = sim.now;
  let switchedAt = 0;
  r = await drive(sim, 'v2', promoted(r.status), {
    until: (_, s) => {
      if (switchedAt === 0 && s.services['web-active'] === 'v2') switchedAt = s.now;
      return false;
    },
  });
  assert.equal(r.done?.exitCode, 0);
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.services, { 'web-active': 'v2', 'web-preview': 'v2' });
  assert.deepEqual(sim.counts(), { v1: 0, v2: 3 }, 'the run stays until the old stack is scaled down');
  assert.ok(switchedAt - before < 2_000, `switched ${switchedAt - before} ms after the promote`);
  assert.ok(sim.now - switchedAt >= 30_000, 'the previous revision keeps its pods for scaleDownDelaySeconds');
  assert.ok(sim.minStableEndpoints > 0, 'the active Service never selected a ReplicaSet without ready pods');
  assert.equal(sim.labelOf(r.status.stableRS), 'v2');
});

test('autoPromotionSeconds: pauses, then switches by itself once the time has passed', async () => {
  const sim = new SimCluster(rollout({ autoPromotionEnabled: true, autoPromotionSeconds: 10 }));
  let r = await drive(sim, 'v1');
  let pausedAt = 0;
  let switchedAt = 0;
  r = await drive(sim, 'v2', r.status, {
    until: (d, s) => {
      if (pausedAt === 0 && d.status.pauseConditions.some((c) => c.reason === 'BlueGreenPause'))
        pausedAt = s.now;
      if (switchedAt === 0 && s.services['web-active'] === 'v2') switchedAt = s.now;
      return false;
    },
  });
  assert.equal(r.status.phase, 'Healthy');
  assert.ok(pausedAt > 0, 'it paused');
  const waited = switchedAt - pausedAt;
  assert.ok(waited >= 10_000 && waited < 12_000, `switched ${waited} ms after the pause began`);
});

test('autoPromotionEnabled (default) without seconds: no pause, the switch follows the preview', async () => {
  const sim = new SimCluster(rollout({ autoPromotionEnabled: true }));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.phase, 'Healthy');
  assert.ok(!r.log.some((l) => l.includes('paused before the switch')));
  assert.deepEqual(sim.counts(), { v1: 0, v2: 3 });
});

test('previewReplicaCount: a small preview until promoted, full size before the switch', async () => {
  const sim = new SimCluster(rollout({ previewReplicaCount: 1 }, { replicas: 4 }));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.phase, 'Paused');
  assert.deepEqual(sim.counts(), { v1: 4, v2: 1 });
  let fullBeforeSwitch = false;
  r = await drive(sim, 'v2', promoted(r.status), {
    until: (_, s) => {
      if (s.services['web-active'] === 'v2' && !fullBeforeSwitch) fullBeforeSwitch = s.counts().v2 === 4;
      return false;
    },
  });
  assert.ok(fullBeforeSwitch, 'the preview ran 4 pods when the active Service moved to it');
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.counts(), { v1: 0, v2: 4 });
  assert.equal(r.status.blueGreen?.scaleUpPreviewCheckPoint, false, 'the checkpoint resets at promotion');
});

test('abort at the pause: active stays on stable, the preview goes after abortScaleDownDelaySeconds, exit 1', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  const abortedAt = sim.now;
  r = await drive(sim, 'v2', { ...r.status, abort: true, abortedAt: new Date(sim.now).toISOString() });
  assert.equal(r.done?.exitCode, 1);
  assert.equal(r.status.phase, 'Degraded');
  assert.match(r.status.message, /RolloutAborted: Rollout aborted update to revision 2/);
  assert.deepEqual(sim.services, { 'web-active': 'v1', 'web-preview': 'v2' });
  assert.deepEqual(sim.counts(), { v1: 3, v2: 0 });
  assert.ok(sim.now - abortedAt >= 30_000, 'the preview kept its pods for the abort delay');
  // retry: clear the abort; the preview comes back and pauses again.
  r = await drive(sim, 'v2', { ...r.status, abort: false, abortedAt: undefined });
  assert.equal(r.status.phase, 'Paused');
  assert.deepEqual(sim.counts(), { v1: 3, v2: 3 });
});

test('abortScaleDownDelaySeconds 0 keeps the aborted preview up', async () => {
  const sim = new SimCluster(rollout({ abortScaleDownDelaySeconds: 0 }));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  r = await drive(sim, 'v2', { ...r.status, abort: true, abortedAt: new Date(sim.now).toISOString() });
  assert.equal(r.done?.exitCode, 1);
  assert.deepEqual(sim.counts(), { v1: 3, v2: 3 });
  assert.equal(sim.services['web-active'], 'v1');
});

test('a new revision during the pause: the new preview replaces the old one, which goes after its delay', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  const before = sim.now;
  r = await drive(sim, 'v3', r.status);
  assert.equal(r.done?.exitCode, 0);
  assert.equal(r.status.phase, 'Paused');
  assert.deepEqual(sim.services, { 'web-active': 'v1', 'web-preview': 'v3' });
  assert.deepEqual(
    sim.counts(),
    { v1: 3, v2: 0, v3: 3 },
    'the paused run stays until the superseded preview is scaled down',
  );
  assert.ok(sim.now - before >= 30_000, 'the superseded preview keeps its pods for scaleDownDelaySeconds');
  r = await drive(sim, 'v3', promoted(r.status));
  assert.equal(r.status.phase, 'Healthy');
  assert.deepEqual(sim.counts(), { v1: 0, v2: 0, v3: 3 });
});

test('promote-full at the pause switches at once', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  r = await drive(sim, 'v2', { ...promoted(r.status), promoteFull: true });
  assert.equal(r.status.phase, 'Healthy');
  assert.equal(sim.services['web-active'], 'v2');
  assert.equal(r.status.promoteFull, false);
});

test('promote-full clears the pause at once (as Argo): the run goes on while a small preview scales up', async () => {
  const sim = new SimCluster(rollout({ previewReplicaCount: 1 }));
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.status.phase, 'Paused');
  assert.deepEqual(sim.counts(), { v1: 3, v2: 1 });
  // The command keeps the pause condition; the next reconcile drops it, before the preview is ready.
  const phases: string[] = [];
  r = await drive(
    sim,
    'v2',
    { ...r.status, promoteFull: true },
    {
      until: ({ status }) => {
        phases.push(status.phase);
        return false;
      },
    },
  );
  assert.equal(phases[0], 'Progressing', phases.join(' '));
  assert.equal(r.status.phase, 'Healthy', r.log.join('\n'));
  assert.deepEqual(r.status.pauseConditions, []);
  assert.equal(sim.services['web-active'], 'v2');
});

test('fast rollback: back to the previous revision while it still has its pods, without a pause', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  r = await drive(sim, 'v2', r.status);
  // Promoted; stop right after the switch, while v1 waits for its scale-down delay.
  r = await drive(sim, 'v2', promoted(r.status), {
    untilCluster: (s) => [...s.world.replicaSets.values()].some((rs) => rs.scaleDownDeadline !== undefined),
  });
  assert.equal(sim.counts().v1, 3);
  r = await drive(sim, 'v1', r.status);
  assert.equal(r.status.phase, 'Healthy', r.log.join('\n'));
  assert.ok(!r.log.some((l) => l.includes('paused before the switch')), r.log.join('\n'));
  assert.equal(sim.services['web-active'], 'v1');
  assert.ok(sim.minStableEndpoints > 0);
});

test('a missing active Service is an invalid spec: Degraded, exit 1', async () => {
  const sim = new SimCluster(rollout());
  let r = await drive(sim, 'v1');
  sim.deleteService('web-active');
  r = await drive(sim, 'v2', r.status);
  assert.equal(r.done?.exitCode, 1);
  assert.match(
    r.status.message,
    /InvalidSpec: spec\.strategy\.blueGreen\.activeService: Service "web-active" not found/,
  );
});
