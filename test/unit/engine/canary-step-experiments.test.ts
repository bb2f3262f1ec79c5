import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TickInput } from '../../../src/engine/actions.ts';
import { decideCanary } from '../../../src/engine/canary.ts';
import type { ExperimentRecord } from '../../../src/engine/experiment-record.ts';
import type { ExperimentPhase } from '../../../src/engine/experiment-types.ts';
import { podTemplateHash, stepsHash } from '../../../src/engine/hash.ts';
import type { CanaryEngineRollout, EngineStep } from '../../../src/engine/spec.ts';
import { initialStatus, type ObservedReplicaSet, type RolloutStatus } from '../../../src/engine/state.ts';
import { runningTemplateStatus } from '../../support/experiment-fixtures.ts';

const noMeta = { labels: {}, annotations: {} };
const experimentStep: EngineStep = {
  experiment: {
    templates: [
      { name: 'baseline', specRef: 'stable', metadata: noMeta },
      { name: 'canary', specRef: 'canary', metadata: { labels: { exp: 'yes' }, annotations: {} } },
    ],
    duration: 30,
    analyses: [
      {
        name: 'pass',
        templateName: 'always-pass',
        clusterScope: false,
        args: [{ name: 'stable-hash', value: '', valueFrom: { podTemplateHashValue: 'Stable' } }],
        requiredForCompletion: false,
      },
    ],
    dryRun: [],
    analysisRunMetadata: noMeta,
  },
};
const steps: EngineStep[] = [{ setWeight: 20 }, experimentStep, { setWeight: 60 }];
const rollout: CanaryEngineRollout = {
  name: 'web',
  namespace: 'ns',
  replicas: 5,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  revisionHistoryLimit: 10,
  strategy: 'canary',
  canary: { steps, maxSurge: '25%', maxUnavailable: '25%' },
};
const template = (image: string): { metadata: { labels: Record<string, string> }; spec: unknown } => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image }] },
});
const v1 = podTemplateHash(template('v1'));
const v2 = podTemplateHash(template('v2'));
const now = new Date('2026-01-01T00:10:00Z');

function rs(
  hash: string,
  revision: number,
  ready: number,
  extra: Partial<ObservedReplicaSet> = {},
): ObservedReplicaSet {
  return {
    name: `web-${hash}`,
    hash,
    revision,
    specReplicas: ready,
    replicas: ready,
    readyReplicas: ready,
    availableReplicas: ready,
    createdAt: '2026-01-01T00:00:00Z',
    podIssues: [],
    podTemplate: template(revision === 1 ? 'v1' : 'v2'),
    ...extra,
  };
}

function status(index: number, changes: Partial<RolloutStatus> = {}): RolloutStatus {
  return {
    ...initialStatus(),
    currentPodHash: v2,
    currentStepHash: stepsHash(steps),
    stableRS: v1,
    currentStepIndex: index,
    stepStartedAt: '2026-01-01T00:05:00Z',
    progressAt: '2026-01-01T00:05:00Z',
    ...changes,
  };
}

function input(
  s: RolloutStatus,
  experiments: ExperimentRecord[],
  replicaSets: ObservedReplicaSet[] = [rs(v1, 1, 4), rs(v2, 2, 1)],
): TickInput<CanaryEngineRollout> {
  return {
    rollout,
    templateHash: v2,
    podTemplate: template('v2'),
    stepsHash: stepsHash(steps),
    status: s,
    observed: { replicaSets, services: {} },
    now,
    experiments,
    rolloutObject: {
      metadata: { name: 'web', namespace: 'ns', labels: { team: 'a' } },
      spec: { selector: { matchLabels: { app: 'web' } }, minReadySeconds: 3, template: template('v2') },
    },
  };
}

/** The record the step made, with its phase set as the experiment reconciler would. */
function created(): ExperimentRecord {
  const d = decideCanary(input(status(1), []));
  const record = d.experiments?.[0];
  assert.ok(record !== undefined);
  return record;
}
const withPhase = (r: ExperimentRecord, phase: ExperimentPhase, message?: string): ExperimentRecord => ({
  ...r,
  status: { ...r.status, phase, ...(message === undefined ? {} : { message }) },
});

test('at an experiment step the canary records the Experiment Argo would create, copied from the stable and canary ReplicaSets', () => {
  const d = decideCanary(input(status(1), []));
  assert.equal(d.experiments?.length, 1);
  const r = d.experiments?.[0];
  assert.equal(r?.name, `web-${v2}-2-1`);
  assert.equal(r?.stepIndex, 1);
  assert.equal(r?.podHash, v2);
  assert.equal(r?.revision, '2');
  assert.equal(r?.createdAt, now.toISOString());
  assert.equal(r?.terminate, false);
  assert.deepEqual(r?.status, { templateStatuses: [], analysisRuns: [] });
  const [baseline, canary] = r?.spec.templates ?? [];
  assert.deepEqual(baseline?.template.spec, template('v1').spec);
  assert.deepEqual(baseline?.selector.matchLabels, { app: 'web', 'rollouts-pod-template-hash': v1 });
  assert.equal(baseline?.minReadySeconds, 3);
  assert.deepEqual(canary?.template.spec, template('v2').spec);
  assert.deepEqual(canary?.template.metadata.labels, { app: 'web', exp: 'yes' });
  assert.deepEqual(canary?.selector.matchLabels, {
    app: 'web',
    'rollouts-pod-template-hash': v2,
    exp: 'yes',
  });
  assert.equal(r?.spec.duration, 30);
  assert.deepEqual(r?.spec.analyses[0]?.args, [{ name: 'stable-hash', value: v1 }]);
  assert.equal(d.status.currentExperiment, r?.name);
  assert.equal(d.status.currentStepIndex, 1);
  assert.equal(d.requeueAfterMs, 0);
  assert.equal(d.done, undefined);
});

test('while the experiment runs the step holds, and nothing else is recorded', () => {
  const running = withPhase(created(), 'Running');
  const d = decideCanary(input(status(1, { currentExperiment: running.name }), [running]));
  assert.deepEqual(d.experiments, [running]);
  assert.equal(d.status.currentStepIndex, 1);
  assert.equal(d.status.currentExperiment, running.name);
});

test('a Successful experiment completes the step; the record stays as history', () => {
  const ok = withPhase(created(), 'Successful');
  const d = decideCanary(input(status(1, { currentExperiment: ok.name }), [ok]));
  assert.equal(d.status.currentStepIndex, 2);
  assert.equal(d.status.currentExperiment, undefined);
  assert.equal(d.experiments?.length, 1);
  assert.equal(d.experiments?.[0]?.terminate, false);
});

test('a Failed experiment aborts the rollout with Argo’s message', () => {
  const failed = withPhase(created(), 'Failed', 'Metric "pass" assessed Failed');
  const d = decideCanary(input(status(1, { currentExperiment: failed.name }), [failed]));
  assert.equal(d.status.abort, true);
  assert.equal(
    d.status.abortMessage,
    'Experiment analysis phase is error/failed: Metric "pass" assessed Failed',
  );
  assert.equal(d.status.phase, 'Degraded');
  assert.match(d.status.message, /RolloutAborted: .*Experiment analysis phase is error\/failed/);
});

test('an Inconclusive experiment pauses the rollout (InconclusiveExperiment)', () => {
  const inconclusive = withPhase(created(), 'Inconclusive');
  const d = decideCanary(input(status(1, { currentExperiment: inconclusive.name }), [inconclusive]));
  assert.deepEqual(
    d.status.pauseConditions.map((c) => c.reason),
    ['InconclusiveExperiment'],
  );
  assert.equal(d.status.phase, 'Paused');
  assert.equal(d.status.currentStepIndex, 1);
});

test('leaving the step (a promote) terminates the running experiment', () => {
  const running = withPhase(created(), 'Running');
  const d = decideCanary(input(status(2, { currentExperiment: running.name }), [running]));
  assert.equal(d.experiments?.[0]?.terminate, true);
  assert.equal(d.experiments?.[0]?.spec.terminate, true);
  assert.equal(d.status.currentExperiment, undefined);
});

test('the experiment’s ReplicaSets never enter the canary’s replica math, and the canary never deletes them', () => {
  const running = withPhase(created(), 'Running');
  const expRS = (template: string, pods: number): ObservedReplicaSet =>
    rs(`x${template}`, 0, pods, {
      name: `${running.name}-${template}`,
      experiment: running.name,
      experimentTemplate: template,
    });
  const sets = [rs(v1, 1, 4), rs(v2, 2, 1), expRS('baseline', 1), expRS('canary', 1)];
  const d = decideCanary(input(status(1, { currentExperiment: running.name }), [running], sets));
  const touched = (actions: typeof d.actions): typeof d.actions =>
    actions.filter(
      (a) =>
        (a.kind === 'scaleReplicaSet' || a.kind === 'deleteReplicaSet') && a.name.startsWith(running.name),
    );
  assert.deepEqual(touched(d.actions), []);
  const ok = withPhase(running, 'Successful');
  const drained = [rs(v1, 1, 4), rs(v2, 2, 1), expRS('baseline', 0), expRS('canary', 0)];
  assert.deepEqual(touched(decideCanary(input(status(2), [ok], drained)).actions), []);
});

test('a Healthy rollout’s run stays until the experiments’ ReplicaSets have no pods', () => {
  const ok = withPhase(created(), 'Successful');
  const full = (pods: number): ObservedReplicaSet[] => [
    rs(v2, 2, 5),
    rs(`x`, 0, pods, { name: `${ok.name}-canary`, experiment: ok.name, experimentTemplate: 'canary' }),
  ];
  const healthy = status(3, { stableRS: v2 });
  const busy = decideCanary(input(healthy, [ok], full(1)));
  assert.equal(busy.status.phase, 'Healthy');
  assert.equal(busy.done, undefined);
  const idle = decideCanary(input(healthy, [ok], full(0)));
  assert.equal(idle.done?.exitCode, 0, 'at 0 with no pods, the run may end');
  const gone = decideCanary(input(healthy, idle.experiments ?? [], [rs(v2, 2, 5)]));
  assert.equal(gone.done?.exitCode, 0);
  assert.deepEqual(gone.experiments?.[0]?.spec.templates[0]?.template.spec, {}, 'only a summary is kept');
});

test('a rollout without experiment steps stores no experiments', () => {
  const plain = { ...rollout, canary: { ...rollout.canary, steps: [{ setWeight: 20 }] } };
  const d = decideCanary({
    ...input(status(0), []),
    rollout: plain,
    stepsHash: stepsHash(plain.canary.steps),
  });
  assert.equal(d.experiments, undefined);
});

test('with a router, a Running experiment’s weighted templates get their weight beside the canary, the stable the rest', () => {
  const weighted: EngineStep = {
    experiment: {
      ...experimentStep.experiment,
      templates: experimentStep.experiment.templates.map((t) => ({ ...t, weight: 5 })),
    },
  };
  const routedSteps: EngineStep[] = [{ setWeight: 20 }, weighted, { setWeight: 60 }];
  const routed: CanaryEngineRollout = {
    ...rollout,
    canary: {
      ...rollout.canary,
      steps: routedSteps,
      canaryService: 'web-canary',
      stableService: 'web-stable',
      trafficRouting: {
        config: { nginx: { stableIngress: 'web' }, managedRoutes: [] },
        maxTrafficWeight: 100,
        dynamicStableScale: false,
        scaleDownDelaySeconds: 30,
      },
    },
  };
  const at = (s: RolloutStatus, experiments: ExperimentRecord[]): TickInput<CanaryEngineRollout> => ({
    ...input({ ...s, currentStepHash: stepsHash(routedSteps) }, experiments),
    rollout: routed,
    stepsHash: stepsHash(routedSteps),
  });
  const record = decideCanary(at(status(1), [])).experiments?.[0];
  assert.ok(record !== undefined);
  const running: ExperimentRecord = {
    ...record,
    status: {
      phase: 'Running',
      analysisRuns: [],
      templateStatuses: ['baseline', 'canary'].map((name) =>
        runningTemplateStatus(name, `h-${name}`, `${record.name}-${name}`),
      ),
    },
  };
  const weights = (experiments: ExperimentRecord[]): unknown[] =>
    decideCanary(at(status(1, { currentExperiment: record.name }), experiments))
      .actions.flatMap((a) => (a.kind === 'routeTraffic' && a.call.call === 'setWeight' ? [a.call] : []))
      .map((c) => ({
        weight: c.weight,
        additional: c.additional?.map((d) => `${d.serviceName}=${d.weight}`),
      }));
  assert.deepEqual(weights([running]), [
    { weight: 20, additional: [`${record.name}-baseline=5`, `${record.name}-canary=5`] },
  ]);
  const done = decideCanary(
    at(status(1, { currentExperiment: record.name }), [withPhase(running, 'Successful')]),
  );
  assert.ok(
    done.actions.every((a) => a.kind !== 'routeTraffic' || !('additional' in a.call)),
    'a finished experiment takes no traffic',
  );
});
