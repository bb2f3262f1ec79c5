/**
 * The first-deploy analysis in the engine (src/engine/first-deploy.ts), one reconcile at a time: when
 * its run starts, what each outcome does to the phase, the verdict and the run's end, and that Argo's
 * behaviour stays without the annotation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalysisAction, Decision, TickInput } from '../../../src/engine/actions.ts';
import { applyControlRequest } from '../../../src/engine/commands.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { EngineRollout } from '../../../src/engine/spec.ts';
import {
  initialStatus,
  type AnalysisView,
  type ObservedReplicaSet,
  type RolloutStatus,
} from '../../../src/engine/state.ts';

const RUN = 'h1-0-first-deploy';
const analysis = {
  templates: [],
  args: [],
  dryRun: [],
  measurementRetention: [],
  analysisRunMetadata: { labels: {}, annotations: {} },
};

function rollout(over: Partial<EngineRollout> = {}): EngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas: 4,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    firstDeployAnalysis: true,
    ...over,
    strategy: 'canary',
    canary: {
      steps: [{ setWeight: 25 }, { analysis }],
      maxSurge: '25%',
      maxUnavailable: '25%',
      stableService: 'web-stable',
      analysis: { ...analysis, startingStep: 1 },
    },
  };
}

function rs(hash: string, spec: number, available: number, revision = 1): ObservedReplicaSet {
  return {
    name: `web-${hash}`,
    hash,
    revision,
    specReplicas: spec,
    replicas: spec,
    readyReplicas: available,
    availableReplicas: available,
    createdAt: '2026-01-01T00:00:00Z',
    podIssues: [],
  };
}

/** Revision h1 deployed first (stable, steps skipped), its analysis due; 4 of 4 pods available. */
function deployed(status: Partial<RolloutStatus> = {}): RolloutStatus {
  return {
    ...initialStatus(),
    currentPodHash: 'h1',
    currentStepHash: 'steps',
    stableRS: 'h1',
    currentStepIndex: 2,
    firstDeploy: { podHash: 'h1' },
    ...status,
  };
}

interface Row {
  name: string;
  rollout?: Partial<EngineRollout>;
  status?: RolloutStatus;
  replicaSets?: ObservedReplicaSet[];
  /** The hash the stable Service selects (h1 unless given). */
  selects?: string | undefined;
  run?: AnalysisView['phase'];
  runMessage?: string;
  expect: {
    phase: string;
    message?: RegExp;
    analysis?: AnalysisAction[];
    done?: 0 | 1 | undefined;
    verdict?: 'Passed' | 'Failed' | undefined;
    /** No ReplicaSet is scaled (the default): nothing goes down. */
    scales?: boolean;
  };
}

function tick(row: Row): Decision {
  const input: TickInput<EngineRollout> = {
    rollout: rollout(row.rollout),
    templateHash: 'h1',
    podTemplate: {},
    stepsHash: 'steps',
    status: row.status ?? deployed(),
    observed: {
      replicaSets: row.replicaSets ?? [rs('h1', 4, 4)],
      services: { 'web-stable': { name: 'web-stable', selectedHash: 'selects' in row ? row.selects : 'h1' } },
    },
    now: new Date('2026-01-01T00:05:00Z'),
    analysis:
      row.run === undefined
        ? new Map()
        : new Map([[RUN, { id: RUN, phase: row.run, message: row.runMessage }]]),
  };
  return decide(input);
}

const start: AnalysisAction = {
  kind: 'startAnalysis',
  analysis: 'FirstDeploy',
  stepIndex: undefined,
  id: RUN,
};
const FAILED = 'metric "error-rate" failed: measured [0.6], successCondition "result[0] < 0.1" false';

const table: Row[] = [
  {
    name: 'without the annotation, Argo: Healthy at full scale, nothing measured',
    rollout: { firstDeployAnalysis: undefined },
    expect: { phase: 'Healthy', analysis: [], done: 0, verdict: undefined },
  },
  {
    name: 'the initial deploy marks the revision; it scales up and measures nothing yet',
    status: { ...initialStatus(), currentPodHash: 'h1', currentStepHash: 'steps' },
    replicaSets: [rs('h1', 0, 0)],
    selects: undefined,
    expect: { phase: 'Progressing', analysis: [], done: undefined, verdict: undefined, scales: true },
  },
  {
    name: 'pods still starting: no run yet',
    replicaSets: [rs('h1', 4, 2)],
    expect: { phase: 'Progressing', message: /becoming available/, analysis: [] },
  },
  {
    name: 'fully up but the stable Service does not select it yet: no run yet',
    selects: undefined,
    expect: { phase: 'Progressing', analysis: [] },
  },
  {
    name: 'fully up and selected: the run starts; Progressing while it measures',
    expect: { phase: 'Progressing', message: /^first-deploy analysis running$/, analysis: [start] },
  },
  {
    name: 'paused by the spec: no run starts',
    rollout: { paused: true },
    expect: { phase: 'Paused', analysis: [] },
  },
  {
    name: 'running: Progressing, the run is not terminated as Argo runs are on a stable revision',
    run: 'Running',
    expect: {
      phase: 'Progressing',
      message: /^first-deploy analysis running$/,
      analysis: [],
      done: undefined,
    },
  },
  {
    name: 'Successful: passed, Healthy, the run ends',
    run: 'Successful',
    expect: { phase: 'Healthy', analysis: [], done: 0, verdict: 'Passed' },
  },
  {
    name: 'Failed: Degraded with the value and what to do, exit 1, nothing scaled down',
    run: 'Failed',
    runMessage: FAILED,
    expect: {
      phase: 'Degraded',
      message:
        /^FirstDeployAnalysisFailed: revision 1 failed its first-deploy analysis: analysis h1-0-first-deploy Failed: metric "error-rate" failed: measured \[0\.6\].*; no earlier revision to roll back to: fix forward \(deploy a fixed revision\) or scale to 0 with spec\.replicas: 0/,
      analysis: [],
      done: 1,
      verdict: 'Failed',
    },
  },
  {
    name: 'Error: fails as Failed does',
    run: 'Error',
    runMessage: 'metric "error-rate" errored 5 times',
    expect: {
      phase: 'Degraded',
      message: /analysis h1-0-first-deploy Error: metric/,
      done: 1,
      verdict: 'Failed',
    },
  },
  {
    name: 'Inconclusive: paused for a person, the run ends',
    run: 'Inconclusive',
    expect: {
      phase: 'Paused',
      message: /InconclusiveAnalysisRun/,
      analysis: [],
      done: 0,
      verdict: undefined,
    },
  },
  {
    name: 'Inconclusive and promoted (the pause cleared): passed, Healthy',
    run: 'Inconclusive',
    status: deployed({ inconclusivePending: RUN }),
    expect: { phase: 'Healthy', done: 0, verdict: 'Passed' },
  },
  {
    name: 'a re-run after the failure: the verdict stands, nothing starts again',
    status: deployed({
      firstDeploy: { podHash: 'h1', verdict: 'Failed', message: `analysis ${RUN} Failed: ${FAILED}` },
    }),
    expect: { phase: 'Degraded', message: /measured \[0\.6\]/, analysis: [], done: 1, verdict: 'Failed' },
  },
  {
    name: 'a re-run after it passed: Healthy, nothing starts again',
    status: deployed({ firstDeploy: { podHash: 'h1', verdict: 'Passed' } }),
    expect: { phase: 'Healthy', analysis: [], done: 0, verdict: 'Passed' },
  },
  {
    name: 'failed, then spec.replicas 0: scaled down as asked, still Degraded, and says so',
    rollout: { replicas: 0 },
    status: deployed({ firstDeploy: { podHash: 'h1', verdict: 'Failed', message: 'analysis x Failed' } }),
    replicaSets: [rs('h1', 0, 0)],
    expect: { phase: 'Degraded', message: /no earlier revision to roll back to: it is scaled to 0/, done: 1 },
  },
  {
    name: 'replicas 0 before any verdict: nothing to measure, Healthy',
    rollout: { replicas: 0 },
    replicaSets: [rs('h1', 0, 0)],
    expect: { phase: 'Healthy', analysis: [], done: 0, verdict: undefined },
  },
  {
    name: 'the annotation removed while it measures: the run stops, Healthy',
    rollout: { firstDeployAnalysis: false },
    run: 'Running',
    expect: { phase: 'Healthy', analysis: [{ kind: 'terminateAnalysis', id: RUN }] },
  },
];

for (const row of table) {
  test(`first-deploy analysis: ${row.name}`, () => {
    const d = tick(row);
    const e = row.expect;
    assert.equal(d.status.phase, e.phase, d.status.message);
    if (e.message !== undefined) assert.match(d.status.message, e.message);
    if (e.analysis !== undefined) assert.deepEqual(d.analysis, e.analysis);
    if ('done' in e) assert.equal(d.done?.exitCode, e.done);
    if ('verdict' in e) assert.equal(d.status.firstDeploy?.verdict, e.verdict);
    const scaled = d.actions.filter((a) => a.kind === 'scaleReplicaSet');
    if (e.scales === true) assert.ok(scaled.length > 0);
    else if (row.rollout?.replicas !== 0) assert.deepEqual(scaled, []);
    assert.equal(d.status.abort, false, 'a first deploy is never aborted: there is nothing to go back to');
  });
}

test('first-deploy analysis: the initial deploy records the revision only when opted in', () => {
  const status = { ...initialStatus(), currentPodHash: 'h1', currentStepHash: 'steps' };
  const on = tick({ name: '', status, replicaSets: [rs('h1', 0, 0)], expect: { phase: '' } });
  assert.deepEqual(on.status.firstDeploy, { podHash: 'h1' });
  const off = tick({
    name: '',
    rollout: { firstDeployAnalysis: undefined },
    status,
    replicaSets: [rs('h1', 0, 0)],
    expect: { phase: '' },
  });
  assert.equal(off.status.firstDeploy, undefined);
});

test('first-deploy analysis: a new revision clears it; the update goes through the steps as in Argo', () => {
  const input: TickInput<EngineRollout> = {
    rollout: rollout(),
    templateHash: 'h2',
    podTemplate: {},
    stepsHash: 'steps',
    status: deployed({ firstDeploy: { podHash: 'h1', verdict: 'Failed', message: 'analysis x Failed' } }),
    observed: {
      replicaSets: [rs('h1', 4, 4), rs('h2', 0, 0, 2)],
      services: { 'web-stable': { name: 'web-stable', selectedHash: 'h1' } },
    },
    now: new Date('2026-01-01T00:05:00Z'),
    analysis: new Map(),
  };
  const d = decide(input);
  assert.equal(d.status.firstDeploy, undefined);
  assert.equal(d.status.currentStepIndex, 0);
  assert.equal(d.status.phase, 'Progressing');
  assert.ok(d.log.some((l) => l.includes('steps start over')));
  // Argo's first sync of a 25% step with maxUnavailable 25%: one stable pod down, then (in the
  // reconcile the stable's update starts at once) one canary pod up.
  assert.deepEqual(d.actions, [
    { kind: 'scaleReplicaSet', name: 'web-h1', replicas: 3, role: 'stable' },
    { kind: 'scaleReplicaSet', name: 'web-h2', replicas: 1, role: 'canary' },
  ]);
});

test('first-deploy analysis: retry measures a failed one again in a new attempt; abort has nothing to abort', () => {
  const failed = deployed({
    firstDeploy: { podHash: 'h1', verdict: 'Failed', message: 'analysis x Failed' },
  });
  const now = new Date('2026-01-01T00:06:00Z');
  const retried = applyControlRequest({ spec: {} }, failed, { command: 'retry' }, now);
  assert.equal(retried.applied, true);
  assert.equal(retried.message, 'retrying the first-deploy analysis');
  assert.deepEqual(retried.status.firstDeploy, { podHash: 'h1' });
  assert.equal(retried.status.attempt, 1);
  assert.equal(retried.status.currentStepIndex, 2, 'the steps stay skipped');
  const d = tick({ name: '', status: retried.status, expect: { phase: '' } });
  assert.deepEqual(d.analysis, [{ ...start, id: 'h1-1-first-deploy' }]);

  const aborted = applyControlRequest({ spec: {} }, failed, { command: 'abort' }, now);
  assert.equal(aborted.applied, false);
  const passed = deployed({ firstDeploy: { podHash: 'h1', verdict: 'Passed' } });
  assert.equal(applyControlRequest({ spec: {} }, passed, { command: 'retry' }, now).applied, false);
});
