import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isExperimentClusterAction, type ExperimentOwner } from '../../../src/controller/experiment-ports.ts';
import { decideExperiment } from '../../../src/engine/experiment.ts';
import { experimentServicePorts, templateHasPorts } from '../../../src/engine/experiment-service.ts';
import type { EngineExperiment, ExperimentStatus } from '../../../src/engine/experiment-types.ts';
import type { Experiment } from '../../../src/manifests/experiment.ts';
import { FakeWorld } from '../../support/fake-cluster.ts';
import { FakeClusterWithExperiments } from '../../support/fake-experiment-cluster.ts';
import { twoTemplateExperiment } from '../../support/experiment-manifest.ts';

const standalone: ExperimentOwner = { kind: 'experiment', namespace: 'team', name: 'exp' };
const step: ExperimentOwner = { kind: 'rollout', namespace: 'team', rollout: 'demo' };

function engineExperiment(e: Experiment): EngineExperiment {
  return {
    name: e.metadata.name,
    templates: e.spec.templates.map((t) => ({
      name: t.name,
      replicas: t.replicas,
      ...(t.service === undefined
        ? {}
        : { service: { name: t.service.name, hasPorts: templateHasPorts(t.template) } }),
    })),
    durationSeconds: e.spec.duration,
    progressDeadlineSeconds: e.spec.progressDeadlineSeconds,
    scaleDownDelaySeconds: e.spec.scaleDownDelaySeconds,
    terminate: e.spec.terminate,
    analyses: [],
    dryRun: [],
    measurementRetention: [],
  };
}

/** One tick: observe, decide, apply, with failures fed back as the port promises. */
async function tick(
  port: FakeClusterWithExperiments,
  owner: ExperimentOwner,
  e: Experiment,
  status: ExperimentStatus,
  failures: Record<string, string>,
): Promise<{ status: ExperimentStatus; failures: Record<string, string>; done: boolean }> {
  const seen = await port.observeExperiment(owner, e);
  const decision = decideExperiment({
    experiment: engineExperiment(e),
    status,
    replicaSets: seen.replicaSets,
    services: seen.services,
    runs: {},
    missingTemplates: {},
    failures: { ...seen.failures, ...failures },
    now: port.world.clock.ms,
  });
  const next: Record<string, string> = {};
  for (const action of decision.actions.filter(isExperimentClusterAction)) {
    try {
      await port.applyExperimentAction(owner, e, action);
    } catch (err) {
      next[action.template] = err instanceof Error ? err.message : String(err);
    }
  }
  return { status: decision.status, failures: next, done: decision.done };
}

describe('the in-memory experiment cluster', () => {
  test('a whole experiment: pods ready on the tick the test chooses, Successful, scaled to 0, Service gone', async () => {
    const world = new FakeWorld();
    const port = new FakeClusterWithExperiments(world, 'a');
    port.experiments.manualReady = true;
    const e = twoTemplateExperiment('exp', 'demo', {
      canary: { replicas: 2, service: {}, ports: [{ containerPort: 8080, name: 'http' }] },
      spec: { duration: '20s', scaleDownDelaySeconds: 0 },
    });
    let state = { status: { templateStatuses: [], analysisRuns: [] } as ExperimentStatus, failures: {} };
    state = await tick(port, standalone, e, state.status, state.failures);
    assert.equal(state.status.phase, 'Pending');
    const canary = port.experiments.replicaSets.get('team/exp-canary');
    assert.equal(canary?.specReplicas, 2);
    assert.equal(canary.label.join('='), 'rollout-pilot.dev/experiment=exp');
    assert.equal(canary.owner, 'rollout-pilot-experiment.exp');
    world.clock.advance(10_000);
    state = await tick(port, standalone, e, state.status, state.failures);
    assert.equal(state.status.phase, 'Pending', 'no pod is ready until the test says so');
    port.experiments.makeReady('team', 'exp-baseline');
    port.experiments.makeReady('team', 'exp-canary');
    state = await tick(port, standalone, e, state.status, state.failures);
    assert.equal(state.status.phase, 'Running');
    const svc = port.experiments.services.get('team/exp-canary');
    assert.deepEqual(svc?.ports, [{ name: 'http', port: 8080, targetPort: 8080 }]);
    assert.equal(svc.selector['rollouts-pod-template-hash'], canary.hash);
    let done = false;
    for (let i = 0; i < 10 && !done; i++) {
      world.clock.advance(15_000);
      const r = await tick(port, standalone, e, state.status, state.failures);
      state = r;
      done = r.done;
    }
    assert.equal(state.status.phase, 'Successful');
    assert.equal(port.experiments.replicaSets.get('team/exp-canary')?.specReplicas, 0);
    assert.equal(port.experiments.services.size, 0);
    assert.ok(done);
  });

  test("a rollout's Service of the template Service's name makes the template Error", async () => {
    const world = new FakeWorld();
    world.services.set('taken', 'abc');
    const port = new FakeClusterWithExperiments(world, 'a');
    const e = twoTemplateExperiment('exp', 'demo', {
      canary: { service: { name: 'taken' }, ports: [{ containerPort: 80 }] },
    });
    let state = { status: { templateStatuses: [], analysisRuns: [] } as ExperimentStatus, failures: {} };
    for (let i = 0; i < 4; i++) {
      world.clock.advance(5000);
      state = await tick(port, step, e, state.status, state.failures);
    }
    const canary = state.status.templateStatuses.find((t) => t.name === 'canary');
    assert.equal(canary?.status, 'Error');
    assert.match(
      canary.message ?? '',
      /Service taken already exists and does not belong to template 'canary' of experiment exp/,
    );
  });

  test("a step experiment's ReplicaSets show in the rollout's observation, marked", async () => {
    const world = new FakeWorld();
    const port = new FakeClusterWithExperiments(world, 'a');
    const e = twoTemplateExperiment('demo-abc-2-1', 'demo');
    await tick(port, step, e, { templateStatuses: [], analysisRuns: [] }, {});
    const seen = await port.observe({ apiVersion: 'v1', kind: 'Rollout', metadata: { name: 'demo' } }, []);
    assert.deepEqual(
      seen.replicaSets.map((r) => [r.name, r.experiment, r.experimentTemplate]),
      [
        ['demo-abc-2-1-baseline', 'demo-abc-2-1', 'baseline'],
        ['demo-abc-2-1-canary', 'demo-abc-2-1', 'canary'],
      ],
    );
    const other = await port.observe({ apiVersion: 'v1', kind: 'Rollout', metadata: { name: 'x' } }, []);
    assert.equal(other.replicaSets.length, 0);
    await port.deleteExperiment(step, 'demo-abc-2-1');
    assert.equal(port.experiments.replicaSets.size, 0);
  });
});

describe('experimentServicePorts(): one Service port per container port', () => {
  test('name and protocol copied when set, the number as port and targetPort', () => {
    const ports = experimentServicePorts({
      spec: {
        containers: [
          {
            name: 'a',
            ports: [
              { containerPort: 80, name: 'http' },
              { containerPort: 53, protocol: 'UDP' },
            ],
          },
          { name: 'b' },
          { name: 'c', ports: [{ containerPort: 9090 }] },
        ],
      },
    });
    assert.deepEqual(ports, [
      { name: 'http', port: 80, targetPort: 80 },
      { protocol: 'UDP', port: 53, targetPort: 53 },
      { port: 9090, targetPort: 9090 },
    ]);
    assert.equal(templateHasPorts({ spec: { containers: [{ name: 'a' }] } }), false);
  });
});
