import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drive } from '../../../src/controller/driver.ts';
import { LEASE_SECONDS } from '../../../src/controller/lease-keeper.ts';
import { toEngineRollout } from '../../../src/controller/engine-rollout.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { podTemplateHash } from '../../../src/engine/hash.ts';
import { initialStatus } from '../../../src/engine/state.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeCluster, FakeWorld } from '../../support/fake-cluster.ts';

function rollout(image: string, steps: unknown[]): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      strategy: { canary: { stableService: 'web-stable', canaryService: 'web-canary', steps } },
    },
  };
}

const hashOf = (r: KubeObject): string => podTemplateHash((r.spec as { template: unknown }).template);
const STEPS = [{ setWeight: 50 }, { pause: { duration: 10 } }];

function options(world: FakeWorld, identity: string, deadlineMs = 3_600_000) {
  return {
    namespace: 'shop',
    name: 'web',
    identity,
    deadline: new Date(world.clock.ms + deadlineMs),
    toEngine: toEngineRollout,
  };
}

/** A world whose revision 1 is Healthy (driven there by a first run), with revision 2 recorded. */
async function worldAtRevision2(
  steps: unknown[] = STEPS,
): Promise<{ world: FakeWorld; v1: string; v2: string }> {
  const world = new FakeWorld();
  world.services.set('web-stable', undefined);
  world.services.set('web-canary', undefined);
  const r1 = rollout('example/web:1', steps);
  world.state = { rollout: r1, status: initialStatus(), requests: [], templates: [], analysis: [] };
  const first = await drive(
    new FakeCluster(world, 'run0/deploy#1'),
    world.clock,
    new MemoryLogger(),
    options(world, 'run0/deploy#1'),
  );
  assert.equal(first.status.phase, 'Healthy');
  world.writeAsOther((s) => {
    s.rollout = rollout('example/web:2', steps);
  });
  world.actions.length = 0;
  world.writes.length = 0;
  world.wakeUps.length = 0;
  world.consumeChange();
  return { world, v1: hashOf(r1), v2: hashOf(rollout('example/web:2', steps)) };
}

/** The stored state is the finished rollout of `hash`, not of a previous revision. */
function assertHealthyAt(world: FakeWorld, hash: string): void {
  const s = world.state;
  assert.ok(s);
  assert.equal(hashOf(s.rollout), hash);
  assert.equal(s.status.currentPodHash, hash);
  assert.equal(s.status.stableRS, hash);
  assert.equal(s.status.phase, 'Healthy');
  assert.equal(world.services.get('web-stable'), hash);
}

const creates = (world: FakeWorld, hash: string): number =>
  world.actions.filter((a) => a.action.kind === 'createReplicaSet' && a.action.hash === hash).length;

/** No action was applied twice in a row with the same content (a step repeated after a retry). */
function assertNoRepeats(world: FakeWorld): void {
  const seen = world.actions.map((a) => JSON.stringify(a.action));
  const scaled = new Set<string>();
  for (const key of seen) {
    assert.ok(!scaled.has(key), `applied twice: ${key}`);
    scaled.add(key);
  }
}

test('a state write that loses the compare-and-swap is decided again and the rollout still finishes', async () => {
  const { world, v2 } = await worldAtRevision2();
  const a = new FakeCluster(world, 'run1/deploy#1');
  // The second write of the run meets a write by someone else (a GitHub link update).
  let writes = 0;
  const inner = a.writeState.bind(a);
  a.writeState = (ns, name, state) => {
    if (++writes === 2) world.injectConflict((s) => (s.github = { comment: 1 } as never));
    return inner(ns, name, state);
  };
  const result = await drive(a, world.clock, new MemoryLogger(), options(world, 'run1/deploy#1'));
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.exitCode, 0);
  assert.ok(writes > world.writes.length, 'one write was refused and retried');
  assertHealthyAt(world, v2);
  // The other writer's change survived the retry (the driver re-read it).
  assert.deepEqual(world.state?.github, { comment: 1 });
  assert.equal(creates(world, v2), 1);
  assertNoRepeats(world);
});

test('a command recorded by another run is applied by the driver: a promote ends an indefinite pause', async () => {
  const { world, v1, v2 } = await worldAtRevision2([{ setWeight: 25 }, { pause: {} }]);
  const a = new FakeCluster(world, 'run1/deploy#1');
  const paused = await drive(a, world.clock, new MemoryLogger(), options(world, 'run1/deploy#1'));
  assert.equal(paused.status.phase, 'Paused');
  assert.equal(world.state?.status.currentStepIndex, 1);
  assert.equal(world.state?.status.currentPodHash, v2);
  assert.equal(world.state?.status.stableRS, v1);
  world.writeAsOther((s) => {
    s.requests.push({
      command: 'promote',
      requestedBy: 'alice',
      requestedAt: world.clock.now().toISOString(),
    });
  });
  const log = new MemoryLogger();
  const done = await drive(a, world.clock, log, options(world, 'run1/deploy#1'));
  assert.equal(done.stoppedBecause, 'done');
  assertHealthyAt(world, v2);
  assert.deepEqual(world.state?.requests, []);
  assert.ok(log.lines.some((l) => l.startsWith('promote requested by alice')));
  assert.equal(creates(world, v2), 1);
});

test('a driver whose lease another identity took stops acting and says who drives now', async () => {
  const { world, v2 } = await worldAtRevision2();
  const a = new FakeCluster(world, 'run1/deploy#1');
  let lostAt: number | undefined;
  a.onWait = (ms) => {
    // The first real wait: the canary is created and scaled, its pods are not available yet.
    if (ms === 0 || lostAt !== undefined) return;
    // A newer run takes the lease and claims the state (the state fence).
    const epoch = world.takeLease('run2/deploy#1');
    world.writeAsOther((s) => (s.driver = epoch));
    lostAt = world.actions.length;
  };
  const log = new MemoryLogger();
  const result = await drive(a, world.clock, log, options(world, 'run1/deploy#1'));
  assert.equal(result.stoppedBecause, 'other-driver');
  assert.equal(result.driver, 'run2/deploy#1');
  assert.ok(lostAt !== undefined && lostAt > 0);
  assert.equal(world.actions.length, lostAt, 'no cluster action after the loss');
  assert.ok(world.writes.every((w) => w.by === 'run1/deploy#1' && w.at <= world.clock.ms));
  assert.equal(world.state?.driver, 'run2/deploy#1/3');
  assert.equal(world.state?.status.currentPodHash, v2);
  assert.notEqual(world.state?.status.phase, 'Healthy');
  assert.ok(log.lines.some((l) => l.includes('lost the lease to run2/deploy#1')));
});

test('a holder that stopped renewing is taken over once its lease has expired', async () => {
  const { world, v2 } = await worldAtRevision2();
  world.takeLease('run1/deploy#1', LEASE_SECONDS);
  const b = new FakeCluster(world, 'run2/deploy#1');
  world.clock.advance((LEASE_SECONDS - 1) * 1000);
  const early = await drive(b, world.clock, new MemoryLogger(), options(world, 'run2/deploy#1'));
  assert.equal(early.stoppedBecause, 'other-driver');
  assert.equal(early.driver, 'run1/deploy#1');
  assert.equal(world.actions.length, 0);
  world.clock.advance(2000);
  const late = await drive(b, world.clock, new MemoryLogger(), options(world, 'run2/deploy#1'));
  assert.equal(late.stoppedBecause, 'done');
  assertHealthyAt(world, v2);
  assert.ok(world.actions.every((a) => a.by === 'run2/deploy#1'));
  assert.equal(world.writes[0]?.state.driver, 'run2/deploy#1/3');
});

test('max-runtime hands over with the rollout left where it stands', async () => {
  const { world, v1, v2 } = await worldAtRevision2([{ setWeight: 50 }, { pause: { duration: 600 } }]);
  const a = new FakeCluster(world, 'run1/deploy#1');
  const start = world.clock.ms;
  const result = await drive(a, world.clock, new MemoryLogger(), options(world, 'run1/deploy#1', 60_000));
  assert.equal(result.stoppedBecause, 'max-runtime');
  assert.equal(result.exitCode, 0);
  assert.ok(world.clock.ms - start <= 60_000);
  const s = world.state;
  assert.equal(s?.status.phase, 'Paused');
  assert.equal(s?.status.currentStepIndex, 1);
  assert.equal(s?.status.currentPodHash, v2);
  assert.equal(s?.status.stableRS, v1);
  assert.equal(world.lease?.holder, '', 'the lease is released for the next run');
  assert.equal(world.services.get('web-stable'), v1);
});

test('a driver killed mid-tick is resumed by the next run exactly where the state stands', async () => {
  const { world, v1, v2 } = await worldAtRevision2();
  const a = new FakeCluster(world, 'run1/deploy#1');
  a.failAfterActions = 2;
  await assert.rejects(
    drive(a, world.clock, new MemoryLogger(), options(world, 'run1/deploy#1')),
    /died after 2/,
  );
  assert.equal(world.actions.length, 2);
  world.clock.advance(LEASE_SECONDS * 1000 + 1);
  const b = new FakeCluster(world, 'run1/deploy#2');
  const result = await drive(b, world.clock, new MemoryLogger(), options(world, 'run1/deploy#2'));
  assert.equal(result.stoppedBecause, 'done');
  assertHealthyAt(world, v2);
  assert.equal(creates(world, v2), 1);
  assert.equal(creates(world, v1), 0);
  assertNoRepeats(world);
});

test('a change signalled through the watch wakes a waiting driver before its timer', async () => {
  const { world, v2 } = await worldAtRevision2();
  world.readyDelayMs = 2000;
  const a = new FakeCluster(world, 'run1/deploy#1');
  let signalled = false;
  a.onWait = (ms) => {
    // During the timed pause, something (a watch event) changes: the wait must return at once.
    if (!signalled && ms > 0 && world.state?.status.phase === 'Paused') {
      signalled = true;
      world.signalChange();
    }
  };
  const result = await drive(a, world.clock, new MemoryLogger(), options(world, 'run1/deploy#1'));
  assert.equal(result.stoppedBecause, 'done');
  assertHealthyAt(world, v2);
  const mine = world.wakeUps.filter((w) => w.by === 'run1/deploy#1');
  assert.ok(signalled);
  assert.ok(mine.some((w) => w.askedMs > 0 && w.waitedMs === 0 && w.reason === 'change'));
  // Pods becoming available woke the driver early (the ReplicaSet watch), not the timer.
  const podWake = mine.find((w) => w.reason === 'change' && w.waitedMs > 0);
  assert.ok(podWake !== undefined && podWake.waitedMs <= 2000 && podWake.waitedMs < podWake.askedMs);
});
