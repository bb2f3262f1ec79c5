import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { experimentMarks, type ExperimentMarks } from '../../../src/adapters/k8s/experiment-marks.ts';
import { ownedByRollout, replicaSetRole, type ReplicaSetRole } from '../../../src/engine/roles.ts';

const NAME = 'experiment.argoproj.io/name';
const TEMPLATE = 'experiment.argoproj.io/template-name';
const argoOwner = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Experiment',
  name: 'exp',
  uid: 'u',
  controller: true,
};

const rows: { rule: string; meta: V1ObjectMeta | undefined; marks: ExperimentMarks; role: ReplicaSetRole }[] =
  [
    {
      rule: "Argo's experiment ReplicaSet: owned by the Experiment, both annotations",
      meta: { ownerReferences: [argoOwner], annotations: { [NAME]: 'exp', [TEMPLATE]: 'baseline' } },
      marks: { experiment: 'exp', experimentTemplate: 'baseline' },
      role: 'experiment',
    },
    {
      rule: "rollout-pilot's experiment ReplicaSet: the annotations, owned by the state ConfigMap",
      meta: {
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'rollout-pilot.web', uid: 'c' }],
        annotations: { [NAME]: 'web-abc-2-1', [TEMPLATE]: 'canary' },
      },
      marks: { experiment: 'web-abc-2-1', experimentTemplate: 'canary' },
      role: 'experiment',
    },
    {
      rule: "owned by an Experiment without annotations: still the experiment's",
      meta: { ownerReferences: [argoOwner] },
      marks: { experiment: 'exp', experimentTemplate: undefined },
      role: 'experiment',
    },
    {
      rule: 'an Experiment of another API group does not count',
      meta: { ownerReferences: [{ ...argoOwner, apiVersion: 'example.com/v1' }] },
      marks: { experiment: undefined, experimentTemplate: undefined },
      role: 'stable',
    },
    {
      rule: 'a template annotation alone does not make an experiment ReplicaSet',
      meta: { annotations: { [TEMPLATE]: 'baseline' } },
      marks: { experiment: undefined, experimentTemplate: undefined },
      role: 'stable',
    },
    {
      rule: 'an empty name annotation does not count',
      meta: { annotations: { [NAME]: '' } },
      marks: { experiment: undefined, experimentTemplate: undefined },
      role: 'stable',
    },
    {
      rule: "a rollout's own ReplicaSet (no marks) keeps its revision role",
      meta: { annotations: { 'rollout.argoproj.io/revision': '3' } },
      marks: { experiment: undefined, experimentTemplate: undefined },
      role: 'stable',
    },
    {
      rule: 'no metadata at all',
      meta: undefined,
      marks: { experiment: undefined, experimentTemplate: undefined },
      role: 'stable',
    },
  ];

describe('experiment ReplicaSets are recognised by owner and annotations', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const marks = experimentMarks(row.meta);
      assert.deepEqual(marks, row.marks);
      // The stable hash: only the experiment mark can take a ReplicaSet away from the rollout.
      const role = replicaSetRole({ hash: 'a', ...marks }, { currentHash: 'b', stableHash: 'a' });
      assert.equal(role, row.role);
      assert.equal(ownedByRollout(marks), row.role !== 'experiment');
    });
  }
});
