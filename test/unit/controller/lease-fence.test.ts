import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drive } from '../../../src/controller/driver.ts';
import {
  LeaseKeeper,
  matrixSibling,
  QUIET_LEASE_SECONDS,
  QUIET_RENEW_EVERY_MS,
  sameJob,
} from '../../../src/controller/lease-keeper.ts';
import { toEngineRollout } from '../../../src/controller/engine-rollout.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { initialStatus } from '../../../src/engine/state.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeCluster, FakeWorld } from '../../support/fake-cluster.ts';

const quiet = new MemoryLogger();

function rollout(image: string): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      strategy: {
        canary: {
          stableService: 'web-stable',
          canaryService: 'web-canary',
          steps: [{ setWeight: 50 }, { pause: {} }],
        },
      },
    },
  };
}

function world(image: string): FakeWorld {
  const w = new FakeWorld();
  // Pods are available as soon as they are scaled: these tests are about the lease, not the steps.
  w.readyDelayMs = 0;
  w.services.set('web-stable', undefined);
  w.services.set('web-canary', undefined);
  w.state = { rollout: rollout(image), status: initialStatus(), requests: [], templates: [], analysis: [] };
  return w;
}

const options = (identity: string) => ({
  namespace: 'shop',
  name: 'web',
  identity,
  deadline: new Date(10 ** 13),
  toEngine: toEngineRollout,
});

test('a driver whose state another driver claimed stops at once and writes nothing more', async () => {
  const w = world('example/web:1');
  const a = new FakeCluster(w, 'A');
  let takenOverAt = -1;
  a.onWait = () => {
    w.clock.advance(1000);
    if (takenOverAt >= 0) return;
    // B takes the lease over (A's lapsed, as with a slow API server) and claims the state.
    const epoch = w.takeLease('B');
    w.writeAsOther((s) => {
      s.driver = epoch;
    });
    takenOverAt = w.writes.length;
  };
  const result = await drive(a, w.clock, quiet, options('A'));
  assert.ok(takenOverAt > 0, 'A wrote before the takeover');
  assert.equal(result.stoppedBecause, 'other-driver');
  assert.equal(result.driver, 'B');
  assert.equal(result.exitCode, 0);
  const afterTakeover = w.writes.slice(takenOverAt).filter((x) => x.by === 'A');
  assert.deepEqual(afterTakeover, [], 'A made no write after B claimed the state');
  assert.equal(w.state?.driver, `B/${w.lease?.transitions ?? 0}`, "B's claim stands");
});

test('the first tick of a driver claims the state with its lease epoch', async () => {
  const w = world('example/web:1');
  w.state = { ...(w.state as NonNullable<FakeWorld['state']>), driver: 'old/1' };
  const a = new FakeCluster(w, 'A');
  a.onWait = () => {
    w.clock.advance(1000);
  };
  const result = await drive(a, w.clock, quiet, options('A'));
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(w.state?.driver, 'A/1', 'the state names the epoch of the lease A took');
});

test('the lease keeper renews on its own and aborts its signal the moment another holder appears', async () => {
  const w = world('example/web:1');
  const a = new FakeCluster(w, 'A');
  assert.equal(await a.acquireLease('shop', 'web', 'A', 15, () => false), undefined);
  const keeper = new LeaseKeeper(a, quiet, { namespace: 'shop', name: 'web', identity: 'A' }, w.clock);
  try {
    assert.equal(keeper.epoch, 'A/1');
    const start = w.clock.ms;
    w.clock.advance(4999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(w.lease?.renewedAt, start, 'not renewed before its timer is due');
    // The keeper's own timer renews when the clock reaches it, with no call from the driver.
    w.clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(keeper.signal.aborted, false);
    assert.equal(w.lease?.renewedAt, start + 5000, 'renewed on its own timer');
    w.takeLease('B');
    await keeper.renew();
    assert.equal(keeper.signal.aborted, true);
    assert.throws(() => {
      keeper.check();
    }, /lost the lease to B/);
  } finally {
    keeper.stop();
  }
});

test('earlier attempts of a job may take over; matrix legs (same run, job and attempt) may not', () => {
  const leg = (host: string, attempt = 1): string => `o/r/actions/runs/7/deploy#${attempt}@${host}/42`;
  assert.equal(sameJob(leg('a', 2), leg('a', 1)), true, 'a re-run takes over from its earlier attempt');
  assert.equal(matrixSibling(leg('a', 2), leg('a', 1)), false);
  assert.equal(sameJob(leg('a'), leg('b')), false, 'two legs are not the same job');
  assert.equal(matrixSibling(leg('a'), leg('b')), true);
  assert.equal(matrixSibling(leg('a'), leg('a')), false, 'the same process');
  assert.equal(matrixSibling('o/r/actions/runs/7/other#1@a/1', leg('a')), false, 'another job');
  assert.equal(sameJob('test-ns#1', 'test-ns#1'), true, 'an explicit driver id');
});

test('the quiet pace writes a 60 s Lease and renews it every 20 s; the normal pace comes back at 15 s every 5 s', async () => {
  const w = new FakeWorld();
  const a = new FakeCluster(w, 'A');
  assert.equal(await a.acquireLease('shop', 'web', 'A', 15, () => false), undefined);
  const keeper = new LeaseKeeper(a, quiet, { namespace: 'shop', name: 'web', identity: 'A' }, w.clock);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  try {
    await keeper.setQuiet(true);
    assert.equal(keeper.quiet, true);
    // The longer duration is written at once, before the slower timer is trusted.
    assert.equal(w.lease?.durationSeconds, QUIET_LEASE_SECONDS);
    const quietFrom = w.lease?.renewedAt ?? 0;
    w.clock.advance(QUIET_RENEW_EVERY_MS - 1);
    await settle();
    assert.equal(w.lease?.renewedAt, quietFrom, 'no renewal at the 5 s pace');
    w.clock.advance(1);
    await settle();
    assert.equal(w.lease?.renewedAt, quietFrom + QUIET_RENEW_EVERY_MS);
    // Renewed at a third of its duration: two renewals may fail before it lapses.
    assert.ok(QUIET_RENEW_EVERY_MS * 3 <= QUIET_LEASE_SECONDS * 1000);
    await keeper.setQuiet(false);
    const normalFrom = w.lease?.renewedAt ?? 0;
    w.clock.advance(5000);
    await settle();
    assert.equal(w.lease?.renewedAt, normalFrom + 5000);
    assert.equal(w.lease?.durationSeconds, 15);
  } finally {
    keeper.stop();
  }
});

test('the quiet pace does not start when its first renewal fails: the 5 s renewals go on', async () => {
  const w = new FakeWorld();
  const a = new FakeCluster(w, 'A');
  assert.equal(await a.acquireLease('shop', 'web', 'A', 15, () => false), undefined);
  const keeper = new LeaseKeeper(a, quiet, { namespace: 'shop', name: 'web', identity: 'A' }, w.clock);
  try {
    w.takeLease('B');
    await keeper.setQuiet(true);
    assert.equal(keeper.quiet, false);
    assert.equal(keeper.signal.aborted, true, 'and the loss is seen');
  } finally {
    keeper.stop();
  }
});
