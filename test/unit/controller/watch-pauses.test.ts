/**
 * The watch-pauses input: at a pause without a duration the run stays while this revision's
 * background analysis measures (a failing measurement aborts there, a recorded promote is taken up),
 * and ends at the pause as before without one or with watch-pauses false.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricProvider } from '../../../src/analysis/providers/index.ts';
import { AnalysisRunner } from '../../../src/controller/analysis.ts';
import { drive } from '../../../src/controller/driver.ts';
import { toEngineRollout } from '../../../src/controller/engine-rollout.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { initialStatus } from '../../../src/engine/state.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeCluster, FakeWorld } from '../../support/fake-cluster.ts';

const STEPS = [{ setWeight: 25 }, { pause: {} }];

function rollout(image: string, background: boolean): KubeObject {
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
          steps: STEPS,
          ...(background ? { analysis: { templates: [{ templateName: 'errors' }] } } : {}),
        },
      },
    },
  };
}

const TEMPLATE = {
  kind: 'AnalysisTemplate' as const,
  name: 'errors',
  spec: {
    metrics: [
      {
        name: 'error-rate',
        interval: '10s',
        successCondition: 'result < 0.05',
        provider: { web: { url: 'http://metrics/errors', jsonPath: '{$.rate}' } },
      },
    ],
  },
};

interface Setup {
  world: FakeWorld;
  cluster: FakeCluster;
  runner: AnalysisRunner;
  log: MemoryLogger;
  measurements: () => number;
}

/** Revision 1 Healthy, revision 2 recorded; `value(n)` is the error rate of the n-th measurement. */
async function setup(background: boolean, value: (n: number, world: FakeWorld) => number): Promise<Setup> {
  const world = new FakeWorld();
  world.wakeEveryMs = 1000;
  world.services.set('web-stable', undefined);
  world.services.set('web-canary', undefined);
  world.state = {
    rollout: rollout('example/web:1', background),
    status: initialStatus(),
    requests: [],
    templates: background ? [TEMPLATE] : [],
    analysis: [],
  };
  const log = new MemoryLogger();
  const first = await drive(new FakeCluster(world, 'run0/deploy#1'), world.clock, log, {
    ...options(world),
    identity: 'run0/deploy#1',
  });
  assert.equal(first.status.phase, 'Healthy');
  world.writeAsOther((s) => (s.rollout = rollout('example/web:2', background)));
  let n = 0;
  const provider: MetricProvider = {
    kind: 'web',
    measure: () => {
      const v = value(++n, world);
      return Promise.resolve({ value: v, display: String(v), query: 'GET /errors' });
    },
  };
  const runner = new AnalysisRunner(
    new Map([['web', provider]]),
    () => Promise.reject(new Error('no secrets')),
    log,
    'web',
    () => world.clock.now(),
  );
  return { world, cluster: new FakeCluster(world, 'run1/deploy#1'), runner, log, measurements: () => n };
}

function options(world: FakeWorld, deadlineMs = 600_000) {
  return {
    namespace: 'shop',
    name: 'web',
    identity: 'run1/deploy#1',
    deadline: new Date(world.clock.ms + deadlineMs),
    toEngine: toEngineRollout,
  };
}

test('at an indefinite pause with a running background analysis the run keeps measuring until max-runtime', async () => {
  const { world, cluster, runner, log, measurements } = await setup(true, () => 0.01);
  const result = await drive(cluster, world.clock, log, {
    ...options(world),
    analysis: runner,
    watchPauses: true,
  });
  assert.equal(result.stoppedBecause, 'max-runtime');
  assert.equal(result.exitCode, 0);
  assert.equal(world.state?.status.phase, 'Paused');
  assert.equal(world.state?.status.currentStepIndex, 1);
  // One measurement every 10s over (most of) the 10 minutes.
  assert.ok(measurements() >= 50, `measured ${measurements()} times`);
  const background = world.state?.analysis.find((r) => r.kind === 'Background');
  assert.equal(background?.state.phase, 'Running');
  assert.equal(
    log.lines.filter((l) => l.startsWith('watching: background analysis keeps measuring')).length,
    1,
  );
});

test('without background analysis the run ends at the indefinite pause and says nothing measures', async () => {
  const { world, cluster, runner, log } = await setup(false, () => 0.01);
  const result = await drive(cluster, world.clock, log, {
    ...options(world),
    analysis: runner,
    watchPauses: true,
  });
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.exitCode, 0);
  assert.equal(result.status.phase, 'Paused');
  assert.ok(
    log.lines.some((l) => l === 'nothing measures during this pause (no background analysis is running)'),
  );
});

test('with watch-pauses false the run ends at the indefinite pause although background analysis runs', async () => {
  const { world, cluster, runner, log, measurements } = await setup(true, () => 0.01);
  const started = world.clock.ms;
  const result = await drive(cluster, world.clock, log, {
    ...options(world),
    analysis: runner,
    watchPauses: false,
  });
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.status.phase, 'Paused');
  assert.ok(world.clock.ms - started < 60_000, 'it did not wait at the pause');
  assert.ok(measurements() <= 3);
  assert.ok(log.lines.some((l) => l === 'nothing measures during this pause (watch-pauses is false)'));
});

test('a failing measurement at the indefinite pause aborts the rollout there, with the value', async () => {
  const { world, cluster, runner, log } = await setup(true, (n) => (n >= 8 ? 0.4 : 0.01));
  const result = await drive(cluster, world.clock, log, {
    ...options(world),
    analysis: runner,
    watchPauses: true,
  });
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.exitCode, 1);
  const s = world.state?.status;
  assert.equal(s?.abort, true);
  assert.equal(s?.phase, 'Degraded');
  assert.match(s?.abortMessage ?? '', /background Failed/);
  assert.match(s?.abortMessage ?? '', /0\.4/);
  assert.equal(world.services.get('web-stable'), s?.stableRS);
});

test('a promote recorded by another run is taken up by the watching run, which finishes Healthy', async () => {
  const { world, cluster, runner, log } = await setup(true, (n, w) => {
    if (n === 5) {
      w.writeAsOther((s) =>
        s.requests.push({
          command: 'promote',
          requestedBy: 'alice',
          requestedAt: w.clock.now().toISOString(),
        }),
      );
    }
    return 0.01;
  });
  const result = await drive(cluster, world.clock, log, {
    ...options(world),
    analysis: runner,
    watchPauses: true,
  });
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.exitCode, 0);
  assert.equal(world.state?.status.phase, 'Healthy');
  assert.deepEqual(world.state?.requests, []);
  // The background run is stopped by the promotion, not left recorded as Running.
  const background = world.state?.analysis.find((r) => r.kind === 'Background');
  assert.equal(background?.state.phase, 'Successful');
  assert.ok(log.lines.some((l) => l.startsWith('promote requested by alice')));
  // Taken up at the next look (the pause is looked at every 5s), not at max-runtime.
  const promoted = log.lines.findIndex((l) => l.startsWith('promote requested by alice'));
  const measuredAfter = log.lines.slice(promoted).filter((l) => l.includes('→ Successful')).length;
  assert.ok(measuredAfter <= 1, `${measuredAfter} measurements between the request and the promote`);
});
