/**
 * A canary with an `experiment` step, driven by the real driver on the in-memory cluster (the
 * rollout's fake and the experiments' fake share one clock): the step's Experiment is recorded,
 * reconciled tick by tick (its ReplicaSets, its analysis through the AnalysisRunner), and its
 * phase decides the step: Successful goes on to Healthy with the experiment's ReplicaSets gone,
 * Failed aborts the rollout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricProvider } from '../../../src/analysis/providers/index.ts';
import type { StoredTemplate } from '../../../src/analysis/templates.ts';
import { AnalysisRunner } from '../../../src/controller/analysis.ts';
import { drive } from '../../../src/controller/driver.ts';
import { toEngineRollout } from '../../../src/controller/engine-rollout.ts';
import type { KubeObject, StoredState } from '../../../src/controller/ports.ts';
import { podTemplateHash } from '../../../src/engine/hash.ts';
import { initialStatus } from '../../../src/engine/state.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeClusterWithExperiments } from '../../support/fake-experiment-cluster.ts';
import { FakeWorld } from '../../support/fake-cluster.ts';

const STEPS = [
  { setWeight: 20 },
  {
    experiment: {
      duration: '20s',
      scaleDownDelaySeconds: 5,
      templates: [
        { name: 'baseline', specRef: 'stable' },
        { name: 'canary', specRef: 'canary' },
      ],
      analyses: [
        {
          name: 'compare',
          templateName: 'compare',
          args: [
            { name: 'baseline-hash', value: '{{templates.baseline.podTemplateHash}}' },
            { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
          ],
        },
      ],
    },
  },
  { setWeight: 60 },
];

function rollout(image: string): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', labels: { team: 'shop' } },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      strategy: { canary: { stableService: 'web-stable', canaryService: 'web-canary', steps: STEPS } },
    },
  };
}

const TEMPLATES: StoredTemplate[] = [
  {
    kind: 'AnalysisTemplate',
    name: 'compare',
    spec: {
      args: [{ name: 'baseline-hash' }, { name: 'stable-hash' }],
      metrics: [
        {
          name: 'ok',
          interval: '5s',
          count: 2,
          successCondition: 'result == 1',
          provider: { web: { url: 'http://metrics/{{args.baseline-hash}}/{{args.stable-hash}}' } },
        },
      ],
    },
  },
];

interface Outcome {
  world: FakeWorld;
  port: FakeClusterWithExperiments;
  state: StoredState | undefined;
  exitCode: 0 | 1;
  log: string[];
  urls: string[];
  v1: string;
  v2: string;
  /** Most pods any experiment ReplicaSet had. */
  peakExperimentPods: number;
}

async function run(result: number): Promise<Outcome> {
  const world = new FakeWorld();
  world.services.set('web-stable', undefined);
  world.services.set('web-canary', undefined);
  const port = new FakeClusterWithExperiments(world, 'run/1');
  const urls: string[] = [];
  const provider: MetricProvider = {
    kind: 'web',
    measure: (block) => {
      urls.push(String(block.url));
      return Promise.resolve({ value: result, display: String(result), query: String(block.url) });
    },
  };
  const runner = (): AnalysisRunner =>
    new AnalysisRunner(
      new Map([['web', provider]]),
      () => Promise.reject(new Error('no secrets')),
      new MemoryLogger(),
      'web',
      () => world.clock.now(),
    );
  const opts = (identity: string) => ({
    namespace: 'shop',
    name: 'web',
    identity,
    deadline: new Date(world.clock.ms + 3_600_000),
    toEngine: toEngineRollout,
    analysis: runner(),
  });
  world.state = {
    rollout: rollout('web:1'),
    status: initialStatus(),
    requests: [],
    templates: TEMPLATES,
    analysis: [],
  };
  const first = await drive(port, world.clock, new MemoryLogger(), opts('run/1'));
  assert.equal(first.status.phase, 'Healthy');
  world.writeAsOther((s) => {
    s.rollout = rollout('web:2');
  });
  let peak = 0;
  const sample = port.apply.bind(port);
  port.apply = async (...args) => {
    await sample(...args);
    for (const rs of port.experiments.replicaSets.values()) peak = Math.max(peak, port.experiments.ready(rs));
  };
  const log = new MemoryLogger();
  const second = await drive(port, world.clock, log, opts('run/2'));
  return {
    world,
    port,
    state: world.state === undefined ? undefined : { ...world.state, version: undefined },
    exitCode: second.exitCode,
    log: log.lines,
    urls,
    v1: podTemplateHash((rollout('web:1').spec as { template: unknown }).template),
    v2: podTemplateHash((rollout('web:2').spec as { template: unknown }).template),
    peakExperimentPods: peak,
  };
}

test('a passing experiment step: the rollout goes on to Healthy, and the experiment’s ReplicaSets are gone', async () => {
  const o = await run(1);
  assert.equal(o.exitCode, 0);
  assert.equal(o.state?.status.phase, 'Healthy');
  assert.equal(o.state?.status.stableRS, o.v2, 'the state is revision 2’s');
  assert.equal(o.state?.status.currentStepIndex, 3);
  const records = o.state?.experiments ?? [];
  assert.equal(records.length, 1);
  const [record] = records;
  assert.equal(record?.name, `web-${o.v2}-2-1`);
  assert.equal(record?.podHash, o.v2);
  assert.equal(record?.status.phase, 'Successful');
  assert.deepEqual(
    record?.status.analysisRuns.map((r) => [r.name, r.phase]),
    [['compare', 'Successful']],
  );
  assert.ok(o.peakExperimentPods >= 1, 'the experiment’s ReplicaSets had their pods');
  assert.deepEqual([...o.port.experiments.replicaSets.keys()], [], 'the experiment’s ReplicaSets are gone');
  // The args: the baseline's hash from the Experiment, the stable's from the Rollout.
  assert.ok(o.urls.length >= 2);
  assert.ok(o.urls.every((u) => u.endsWith(`/${o.v1}`)));
  assert.ok(!o.urls.some((u) => u.includes('{{')));
  assert.ok(o.log.some((l) => l.includes(`Created Experiment 'web-${o.v2}-2-1'`)));
  // The step was completed by the experiment, after its 20 s duration.
  const step = o.state?.status.stepHistory?.find((h) => h.step === 2);
  assert.ok(step?.startedAt !== undefined && step.completedAt !== undefined);
  assert.ok(Date.parse(step.completedAt) - Date.parse(step.startedAt) >= 20_000);
});

test('a failing experiment step aborts the rollout: the stable is back at full size, the message says why', async () => {
  const o = await run(0);
  assert.equal(o.exitCode, 1);
  assert.equal(o.state?.status.abort, true);
  assert.equal(o.state?.status.currentPodHash, o.v2, 'the state is revision 2’s');
  assert.match(o.state?.status.abortMessage ?? '', /^Experiment analysis phase is error\/failed/);
  assert.match(o.state?.status.message ?? '', /RolloutAborted/);
  assert.equal(o.state?.experiments?.[0]?.status.phase, 'Failed');
  const stable = [...o.world.replicaSets.values()].find((rs) => rs.hash === o.v1);
  assert.equal(stable?.specReplicas, 5);
  const canary = [...o.world.replicaSets.values()].find((rs) => rs.hash === o.v2);
  assert.equal(canary?.specReplicas, 0);
  assert.ok(o.peakExperimentPods >= 1);
  assert.deepEqual([...o.port.experiments.replicaSets.keys()], [], 'the experiment’s ReplicaSets are gone');
});
