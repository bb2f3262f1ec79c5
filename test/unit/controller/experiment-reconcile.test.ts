/**
 * The experiment reconciler through the real engine and analysis runner, tick by tick on an
 * in-memory ExperimentClusterPort: seed 2's shape (two templates, one analysis that passes, one
 * that fails) ends Failed with both ReplicaSets scaled to 0 after they had their pods; a duration
 * with passing analyses ends Successful; a failed create reaches the engine as the template's Error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricProvider } from '../../../src/analysis/providers/index.ts';
import type { AnalysisRecord, StoredTemplate } from '../../../src/analysis/templates.ts';
import { AnalysisRunner } from '../../../src/controller/analysis.ts';
import {
  initialExperimentStatus,
  reconcileExperiment,
  type ExperimentTickResult,
} from '../../../src/controller/experiment-reconcile.ts';
import type { ExperimentOwner } from '../../../src/controller/experiment-ports.ts';
import type { ExperimentStatus } from '../../../src/engine/experiment-types.ts';
import { toExperimentObject, type Experiment } from '../../../src/manifests/experiment.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeWorld, type FakeClock } from '../../support/fake-cluster.ts';
import { FakeClusterWithExperiments } from '../../support/fake-experiment-cluster.ts';

const OWNER: ExperimentOwner = { kind: 'experiment', namespace: 'lab', name: 'seed2' };

function experiment(extra: Record<string, unknown> = {}): Experiment {
  const template = (name: string) => ({
    name,
    selector: { matchLabels: { app: 'demo' } },
    template: {
      metadata: { labels: { app: 'demo', v: name } },
      spec: { containers: [{ name: 'demo', image: `demo:${name}` }] },
    },
  });
  return toExperimentObject(
    {
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
        ...extra,
      },
    },
    { file: 'test', line: 1, column: 1 },
  );
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

function runner(clock: FakeClock, values: (url: string) => number): AnalysisRunner {
  const provider: MetricProvider = {
    kind: 'web',
    measure: (block) => {
      const v = values(String(block.url));
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

interface Run {
  results: ExperimentTickResult[];
  status: ExperimentStatus;
  records: AnalysisRecord[];
  port: FakeClusterWithExperiments;
  /** The most available pods each template's ReplicaSet was seen with. */
  maxAvailable: Map<string, number>;
}

function fakePort(): { clock: FakeClock; port: FakeClusterWithExperiments } {
  const world = new FakeWorld();
  return { clock: world.clock, port: new FakeClusterWithExperiments(world, 'driver') };
}

/** Ticks once a second until done (or `maxTicks`), measurements finishing between ticks. */
async function runToEnd(exp: Experiment, values: (url: string) => number, maxTicks = 120): Promise<Run> {
  const { clock, port } = fakePort();
  const analysis = runner(clock, values);
  const maxAvailable = new Map<string, number>();
  let status = initialExperimentStatus();
  let records: AnalysisRecord[] = [];
  let failures: Record<string, string> = {};
  const results: ExperimentTickResult[] = [];
  for (let i = 0; i < maxTicks; i++) {
    records = analysis.collect(records);
    const result = await reconcileExperiment(port, analysis, {
      owner: OWNER,
      experiment: exp,
      status,
      records,
      templates: TEMPLATES,
      failures,
      now: clock.now(),
    });
    results.push(result);
    ({ status, records, failures } = result);
    for (const [t, rs] of Object.entries(result.replicaSets))
      maxAvailable.set(t, Math.max(maxAvailable.get(t) ?? 0, rs?.availableReplicas ?? 0));
    if (result.done) break;
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1000);
  }
  return { results, status, records, port, maxAvailable };
}

test('seed 2: a failing analysis ends the experiment Failed and both ReplicaSets go to 0 after running', async () => {
  const run = await runToEnd(experiment(), (url) => (url.endsWith('random-fail') ? 0 : 1));
  assert.equal(run.status.phase, 'Failed');
  assert.equal(run.results.at(-1)?.done, true);
  for (const template of ['purple', 'orange']) {
    assert.ok((run.maxAvailable.get(template) ?? 0) >= 1, `${template} had its pod`);
    const rs = run.port.experiments.replicaSets.get(`lab/seed2-${template}`);
    assert.equal(rs?.name, `seed2-${template}`);
    assert.equal(rs?.specReplicas, 0);
  }
  const failed = run.records.find((r) => r.analysisName === 'random');
  assert.equal(failed?.kind, 'Experiment');
  assert.equal(failed?.experiment, 'seed2');
  assert.equal(failed?.state.phase, 'Failed');
  assert.equal(run.status.analysisRuns.find((r) => r.name === 'random')?.phase, 'Failed');
  // The passing run was still measuring: the end terminated it.
  assert.equal(run.records.find((r) => r.analysisName === 'pass')?.state.terminate, true);
});

test('a duration with passing analyses ends Successful, then scales down', async () => {
  const run = await runToEnd(experiment({ duration: '12s' }), () => 1);
  assert.equal(run.status.phase, 'Successful');
  assert.ok(run.status.availableAt !== undefined);
  for (const template of ['purple', 'orange'])
    assert.equal(run.port.experiments.replicaSets.get(`lab/seed2-${template}`)?.specReplicas, 0);
  const metrics = run.records.flatMap((r) => r.state.metrics);
  assert.ok(metrics.every((m) => m.measurements.length >= 2 && m.failed === 0));
});

test('a create the cluster refuses makes the template Error, and the experiment Error', async () => {
  const { clock, port } = fakePort();
  // purple is created first: its create is refused.
  port.experiments.failNext('createExperimentReplicaSet', 'create ReplicaSet seed2-purple: refused');
  let status = initialExperimentStatus();
  let failures: Record<string, string> = {};
  for (let i = 0; i < 3; i++) {
    const r = await reconcileExperiment(
      port,
      runner(clock, () => 1),
      {
        owner: OWNER,
        experiment: experiment(),
        status,
        records: [],
        templates: TEMPLATES,
        failures,
        now: clock.now(),
      },
    );
    ({ status, failures } = r);
    clock.advance(1000);
  }
  assert.equal(status.templateStatuses.find((t) => t.name === 'purple')?.status, 'Error');
  assert.match(status.templateStatuses.find((t) => t.name === 'purple')?.message ?? '', /refused/);
  assert.equal(status.phase, 'Error');
});

test('a missing AnalysisTemplate is Error before the templates are up', async () => {
  const { clock, port } = fakePort();
  const r = await reconcileExperiment(
    port,
    runner(clock, () => 1),
    {
      owner: OWNER,
      experiment: experiment(),
      status: initialExperimentStatus(),
      records: [],
      templates: TEMPLATES.slice(0, 1),
      now: clock.now(),
    },
  );
  assert.match(
    r.status.analysisRuns.find((a) => a.name === 'random')?.message ?? '',
    /AnalysisTemplate verification failed for analysis 'random': analysistemplate.argoproj.io "random-fail" not found/,
  );
});
