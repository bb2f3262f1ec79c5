/**
 * The standalone Experiment's driver on the in-memory cluster: seed 2 to its end (Failed, exit 1,
 * ReplicaSets up then at 0), a passing one (Successful, exit 0), `abort` as a recorded request
 * (terminate), hand-over at max-runtime and re-attach, and a run killed mid-tick whose successor
 * takes over once the Lease lapses without creating or starting anything twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricProvider } from '../../../src/analysis/providers/index.ts';
import type { StoredTemplate } from '../../../src/analysis/templates.ts';
import { AnalysisRunner } from '../../../src/controller/analysis.ts';
import { driveExperiment, type ExperimentDriveResult } from '../../../src/controller/experiment-driver.ts';
import { initialExperimentStatus } from '../../../src/controller/experiment-reconcile.ts';
import type { ExperimentState } from '../../../src/controller/experiment-state.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeWorld, type FakeClock } from '../../support/fake-cluster.ts';
import {
  FakeExperimentDriverCluster,
  FakeExperimentStates,
  FakeExperimentWorld,
} from '../../support/fake-experiment-state.ts';

function experimentObject(spec: Record<string, unknown> = {}): KubeObject {
  const template = (name: string) => ({
    name,
    selector: { matchLabels: { app: 'demo' } },
    template: {
      metadata: { labels: { app: 'demo', v: name } },
      spec: { containers: [{ name: 'demo', image: `demo:${name}` }] },
    },
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'seed2', namespace: 'lab' },
    spec: {
      templates: [template('purple'), template('orange')],
      scaleDownDelaySeconds: 0,
      analyses: [
        { name: 'pass', templateName: 'pass' },
        { name: 'random', templateName: 'random-fail' },
      ],
      ...spec,
    },
  };
}

const metric = (name: string) => ({
  name,
  interval: '5s',
  failureLimit: 1,
  successCondition: 'result == 1',
  provider: { web: { url: `http://metrics/${name}` } },
});
const TEMPLATES: StoredTemplate[] = [
  { kind: 'AnalysisTemplate', name: 'pass', spec: { metrics: [metric('pass')] } },
  { kind: 'AnalysisTemplate', name: 'random-fail', spec: { metrics: [metric('random-fail')] } },
];

function runner(clock: FakeClock, failing: boolean): AnalysisRunner {
  const provider: MetricProvider = {
    kind: 'web',
    measure: (block) => {
      const v = failing && String(block.url).endsWith('random-fail') ? 0 : 1;
      return Promise.resolve({ value: v, display: String(v), query: `GET ${String(block.url)}` });
    },
  };
  return new AnalysisRunner(
    new Map([['web', provider]]),
    () => Promise.reject(new Error('no secrets')),
    new MemoryLogger(),
    'seed2',
    () => clock.now(),
  );
}

interface Lab {
  world: FakeWorld;
  experiments: FakeExperimentWorld;
  states: FakeExperimentStates;
  port: (me: string) => FakeExperimentDriverCluster;
}

function lab(experiment: KubeObject, requests: ExperimentState['requests'] = []): Lab {
  const world = new FakeWorld();
  world.wakeEveryMs = 1000;
  const experiments = new FakeExperimentWorld(world);
  const states = new FakeExperimentStates();
  states.states.set('lab/seed2', {
    state: { experiment, status: initialExperimentStatus(), requests, templates: TEMPLATES, analysis: [] },
    version: 1,
  });
  return {
    world,
    experiments,
    states,
    port: (me) => new FakeExperimentDriverCluster(world, me, experiments, states),
  };
}

function drive(l: Lab, me: string, failing: boolean, runtimeMs = 600_000): Promise<ExperimentDriveResult> {
  return driveExperiment(l.port(me), l.world.clock, new MemoryLogger(), {
    namespace: 'lab',
    name: 'seed2',
    identity: me,
    deadline: new Date(l.world.clock.ms + runtimeMs),
    analysis: runner(l.world.clock, failing),
  });
}

/** The most available pods each template was stored with, over every state write. */
function maxAvailable(l: Lab): Map<string, number> {
  const max = new Map<string, number>();
  for (const w of l.states.writes)
    for (const t of w.state.status.templateStatuses)
      max.set(t.name, Math.max(max.get(t.name) ?? 0, t.availableReplicas));
  return max;
}

const created = (l: Lab): number =>
  l.experiments.actions.filter((a) => a.action.kind === 'createExperimentReplicaSet').length;

test('seed 2: Failed, exit 1, both ReplicaSets had their pods and end at 0', async () => {
  const l = lab(experimentObject());
  const result = await drive(l, 'A', true);
  assert.equal(result.stoppedBecause, 'done');
  assert.equal(result.exitCode, 1);
  assert.equal(result.status.phase, 'Failed');
  assert.deepEqual([...maxAvailable(l).entries()].sort(), [
    ['orange', 1],
    ['purple', 1],
  ]);
  for (const t of ['purple', 'orange'])
    assert.equal(l.experiments.replicaSets.get(`lab/seed2-${t}`)?.specReplicas, 0);
  assert.equal(l.world.lease?.holder, '', 'the lease is released');
  assert.equal(result.analysis.find((r) => r.analysisName === 'random')?.state.phase, 'Failed');
});

test('a duration with passing analyses: Successful, exit 0', async () => {
  const l = lab(experimentObject({ duration: '20s' }));
  const result = await drive(l, 'A', false);
  assert.equal(result.exitCode, 0);
  assert.equal(result.status.phase, 'Successful');
  assert.ok(result.analysis.every((r) => r.state.metrics.every((m) => m.failed === 0 && m.successful >= 2)));
});

test('abort recorded for the driver terminates the experiment: Successful without required runs', async () => {
  const l = lab(experimentObject(), [
    { command: 'abort', requestedBy: 'someone', requestedAt: '2026-01-01T00:00:00Z' },
  ]);
  const result = await drive(l, 'A', false);
  assert.equal(result.status.phase, 'Successful');
  assert.equal((result.experiment.spec as { terminate?: boolean }).terminate, true);
  assert.equal(created(l), 0, 'a terminated experiment creates nothing');
});

test('max-runtime hands over; the next run re-attaches and ends it without redoing anything', async () => {
  const l = lab(experimentObject());
  const first = await drive(l, 'A', true, 4000);
  assert.equal(first.stoppedBecause, 'max-runtime');
  assert.equal(first.exitCode, 0);
  assert.equal(created(l), 2);
  const second = await drive(l, 'B', true);
  assert.equal(second.stoppedBecause, 'done');
  assert.equal(second.exitCode, 1);
  assert.equal(created(l), 2, 'the ReplicaSets were created once');
  assert.equal(new Set(second.analysis.map((r) => r.id)).size, 2);
});

test('a run killed between acting and storing: the next one waits for its Lease to lapse, then finishes it', async () => {
  const l = lab(experimentObject());
  const dying = l.port('A');
  // Killed after its first tick created the ReplicaSets, before that tick's state was stored.
  dying.writeExperimentState = () => Promise.reject(new Error('killed'));
  await assert.rejects(
    driveExperiment(dying, l.world.clock, new MemoryLogger(), {
      namespace: 'lab',
      name: 'seed2',
      identity: 'A',
      deadline: new Date(l.world.clock.ms + 600_000),
      analysis: runner(l.world.clock, true),
    }),
    /killed/,
  );
  assert.equal(l.experiments.replicaSets.size, 2);
  assert.equal(l.states.states.get('lab/seed2')?.state.status.phase, undefined, 'nothing was stored');
  const early = await drive(l, 'B', true);
  assert.equal(early.stoppedBecause, 'other-driver');
  assert.equal(early.driver, 'A');
  l.world.clock.advance(16_000);
  const late = await drive(l, 'B', true);
  assert.equal(late.stoppedBecause, 'done');
  assert.equal(late.status.phase, 'Failed');
  assert.equal(l.experiments.replicaSets.size, 2, 'the same two ReplicaSets, adopted');
  for (const t of ['purple', 'orange'])
    assert.equal(l.experiments.replicaSets.get(`lab/seed2-${t}`)?.specReplicas, 0);
});
