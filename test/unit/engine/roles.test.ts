import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action } from '../../../src/engine/actions.ts';
import { decideCanary } from '../../../src/engine/canary.ts';
import { replicaSetRole, type ReplicaSetRole, type RoleContext } from '../../../src/engine/roles.ts';
import type { CanaryEngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type ObservedReplicaSet, type RolloutStatus } from '../../../src/engine/state.ts';

const roleCases: [string, { hash: string; experiment?: string }, RoleContext, ReplicaSetRole][] = [
  ['the stable hash', { hash: 'a' }, { currentHash: 'b', stableHash: 'a' }, 'stable'],
  ['the current hash', { hash: 'b' }, { currentHash: 'b', stableHash: 'a' }, 'canary'],
  [
    'the current hash, blue-green',
    { hash: 'b' },
    { currentHash: 'b', stableHash: 'a', currentRole: 'preview' },
    'preview',
  ],
  ['current and stable at once', { hash: 'a' }, { currentHash: 'a', stableHash: 'a' }, 'stable'],
  ['current before any stable', { hash: 'a' }, { currentHash: 'a', stableHash: undefined }, 'canary'],
  ['any other hash', { hash: 'c' }, { currentHash: 'b', stableHash: 'a' }, 'old'],
  ['an other hash before any stable', { hash: 'c' }, { currentHash: 'b', stableHash: undefined }, 'old'],
  [
    'owned by an Experiment',
    { hash: 'c', experiment: 'exp' },
    { currentHash: 'b', stableHash: 'a' },
    'experiment',
  ],
  [
    'an Experiment running the current template',
    { hash: 'b', experiment: 'exp' },
    { currentHash: 'b', stableHash: 'a' },
    'experiment',
  ],
  [
    'an Experiment running the stable template',
    { hash: 'a', experiment: 'exp' },
    { currentHash: 'b', stableHash: 'a' },
    'experiment',
  ],
];

for (const [name, rs, context, role] of roleCases) {
  test(`replicaSetRole: ${name} → ${role}`, () => {
    assert.equal(replicaSetRole(rs, context), role);
  });
}

const rollout: CanaryEngineRollout = {
  strategy: 'canary',
  name: 'web',
  namespace: 'ns',
  replicas: 3,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  revisionHistoryLimit: 0,
  canary: { steps: [{ setWeight: 50 }, { pause: {} }], maxSurge: '25%', maxUnavailable: '25%' },
};

function rs(hash: string, revision: number, replicas: number, experiment?: string): ObservedReplicaSet {
  return {
    name: experiment === undefined ? `web-${hash}` : `${experiment}-${hash}`,
    hash,
    revision,
    specReplicas: replicas,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    createdAt: `2026-01-01T00:00:0${revision}Z`,
    podIssues: [],
    ...(experiment === undefined ? {} : { experiment }),
  };
}

const healthy: RolloutStatus = {
  ...initialStatus(),
  currentPodHash: 'v1',
  currentStepHash: 'steps',
  stableRS: 'v1',
  currentStepIndex: 2,
  phase: 'Healthy',
  canaryWeight: 100,
};

function decide(templateHash: string, replicaSets: ObservedReplicaSet[]): Action[] {
  return decideCanary({
    rollout,
    templateHash,
    podTemplate: { metadata: { labels: { app: 'web' } } },
    stepsHash: 'steps',
    status: healthy,
    observed: { replicaSets, services: {} },
    now: new Date('2026-01-01T00:10:00Z'),
  }).actions;
}

const touches = (actions: Action[], name: string): Action[] =>
  actions.filter((a) => 'name' in a && a.name === name);

test('decideCanary scales down and deletes old ReplicaSets (the control case)', () => {
  const running = decide('v1', [rs('v1', 2, 3), rs('v0', 1, 2)]);
  assert.deepEqual(touches(running, 'web-v0'), [
    { kind: 'scaleReplicaSet', name: 'web-v0', replicas: 0, role: 'old' },
  ]);
  const idle = decide('v1', [rs('v1', 2, 3), rs('v0', 1, 0)]);
  assert.deepEqual(touches(idle, 'web-v0'), [{ kind: 'deleteReplicaSet', name: 'web-v0' }]);
});

test('decideCanary leaves an experiment-owned ReplicaSet alone, running or idle', () => {
  const running = decide('v1', [rs('v1', 2, 3), rs('x1', 0, 2, 'exp')]);
  assert.deepEqual(touches(running, 'exp-x1'), []);
  const idle = decide('v1', [rs('v1', 2, 3), rs('x1', 0, 0, 'exp')]);
  assert.deepEqual(touches(idle, 'exp-x1'), []);
});

test('decideCanary does not take an experiment ReplicaSet of the new template as its canary', () => {
  const actions = decide('v2', [rs('v1', 2, 3), rs('v2', 3, 1, 'exp')]);
  assert.deepEqual(actions, [
    {
      kind: 'createReplicaSet',
      hash: 'v2',
      revision: 3,
      replicas: 1, // created at its first size: the stable has room to surge
      template: { metadata: { labels: { app: 'web' } } },
    },
  ]);
});
