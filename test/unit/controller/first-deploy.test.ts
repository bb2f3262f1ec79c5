/**
 * The first-deploy analysis through the real driver and analysis runner, on the in-memory cluster:
 * the run is recorded like any other (kind FirstDeploy, with its note), an indefinite background
 * metric is measured a bounded number of times, a failure fails the run without scaling anything
 * down, and a re-run of the job does not measure again.
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

const ROLLOUT: KubeObject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: {
    name: 'web',
    namespace: 'shop',
    annotations: { 'rollout-pilot.dev/first-deploy-analysis': 'true' },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'example/web:1' }] },
    },
    strategy: {
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        steps: [{ setWeight: 50 }, { pause: {} }],
        // Runs until promotion in Argo: bounded to failureLimit + 1 = 3 measurements here.
        analysis: { templates: [{ templateName: 'errors' }], startingStep: 1 },
      },
    },
  },
};

const TEMPLATE = {
  kind: 'AnalysisTemplate' as const,
  name: 'errors',
  spec: {
    metrics: [
      {
        name: 'error-rate',
        interval: '10s',
        failureLimit: 2,
        successCondition: 'result < 0.05',
        provider: { web: { url: 'http://metrics/errors', jsonPath: '{$.rate}' } },
      },
    ],
  },
};

function setup(value: (n: number) => number) {
  const world = new FakeWorld();
  world.wakeEveryMs = 1000;
  world.services.set('web-stable', undefined);
  world.services.set('web-canary', undefined);
  world.state = {
    rollout: ROLLOUT,
    status: initialStatus(),
    requests: [],
    templates: [TEMPLATE],
    analysis: [],
  };
  const log = new MemoryLogger();
  let n = 0;
  const provider: MetricProvider = {
    kind: 'web',
    measure: () => {
      const v = value(++n);
      return Promise.resolve({ value: v, display: String(v), query: 'GET /errors' });
    },
  };
  const run = (identity: string) =>
    drive(new FakeCluster(world, identity), world.clock, log, {
      namespace: 'shop',
      name: 'web',
      identity,
      deadline: new Date(world.clock.ms + 600_000),
      toEngine: toEngineRollout,
      analysis: new AnalysisRunner(
        new Map([['web', provider]]),
        () => Promise.reject(new Error('no secrets')),
        log,
        'web',
        () => world.clock.now(),
      ),
    });
  return { world, log, run, measurements: () => n };
}

test('a first deploy whose analysis fails: Degraded, exit 1, pods kept; a re-run decides the same without measuring', async () => {
  const { world, log, run, measurements } = setup(() => 0.4);
  const result = await run('run1/deploy#1');
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.exitCode, 1);
  const s = world.state?.status;
  assert.equal(s?.phase, 'Degraded');
  assert.equal(s?.abort, false);
  assert.equal(s?.firstDeploy?.verdict, 'Failed');
  assert.match(
    s?.message ?? '',
    /^FirstDeployAnalysisFailed: revision 1 failed its first-deploy analysis: analysis \w+-0-first-deploy Failed: metric "error-rate" failed: measured 0\.4/,
  );
  assert.match(s?.message ?? '', /no earlier revision to roll back to/);
  const records = world.state?.analysis ?? [];
  assert.deepEqual(
    records.map((r) => [r.kind, r.state.phase]),
    [['FirstDeploy', 'Failed']],
  );
  assert.match(records[0]?.note ?? '', /error-rate 3×/);
  assert.equal(measurements(), 3, 'failureLimit 2: failed at the third measurement');
  assert.deepEqual(
    [...world.replicaSets.values()].map((rs) => rs.specReplicas),
    [3],
  );
  assert.ok(log.lines.some((l) => l.includes('start first-deploy analysis')));

  const again = await run('run2/deploy#1');
  assert.equal(again.exitCode, 1);
  assert.equal(again.status.message, s?.message);
  assert.equal(measurements(), 3, 'nothing measured again');
});

test('a first deploy whose analysis passes: Progressing while it measures, then Healthy', async () => {
  const { world, log, run, measurements } = setup(() => 0.01);
  const result = await run('run1/deploy#1');
  assert.equal(result.exitCode, 0);
  assert.equal(world.state?.status.phase, 'Healthy');
  assert.equal(world.state?.status.firstDeploy?.verdict, 'Passed');
  assert.equal(measurements(), 3);
  const record = world.state?.analysis[0];
  assert.equal(record?.kind, 'FirstDeploy');
  assert.equal(record?.state.phase, 'Successful');
  assert.ok(log.lines.some((l) => l.includes('first-deploy analysis running')));
});

test('without the annotation the first deploy is Argo’s: Healthy, nothing measured', async () => {
  const { world, run, measurements } = setup(() => 0.4);
  if (world.state !== undefined) {
    world.state.rollout = { ...ROLLOUT, metadata: { name: 'web', namespace: 'shop' } };
  }
  const result = await run('run1/deploy#1');
  assert.equal(result.exitCode, 0);
  assert.equal(world.state?.status.phase, 'Healthy');
  assert.equal(measurements(), 0);
  assert.deepEqual(world.state?.analysis, []);
});
