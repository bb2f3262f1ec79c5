import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1OwnerReference } from '@kubernetes/client-node';
import {
  experimentReplicaSet,
  experimentService,
  isOurs,
  templateHash,
} from '../../../src/adapters/k8s/experiment-objects.ts';
import type { ExperimentOwner } from '../../../src/controller/experiment-ports.ts';
import { podTemplateHash } from '../../../src/engine/hash.ts';
import { twoTemplateExperiment } from '../../support/experiment-manifest.ts';

const ref = (name: string): V1OwnerReference => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name,
  uid: 'u-1',
  controller: true,
  blockOwnerDeletion: false,
});
const step: ExperimentOwner = { kind: 'rollout', namespace: 'ns', rollout: 'web' };
const standalone: ExperimentOwner = { kind: 'experiment', namespace: 'ns', name: 'exp' };
const e = twoTemplateExperiment('exp', 'web', {
  canary: { replicas: 3, minReadySeconds: 5, service: {}, ports: [{ containerPort: 80, name: 'http' }] },
});
const canary = e.spec.templates[1] ?? assert.fail('canary');
const baseline = e.spec.templates[0] ?? assert.fail('baseline');

describe("an Experiment template's objects", () => {
  test('the hash: per experiment and template, never the pod template’s own', () => {
    const h = templateHash(e, canary);
    assert.notEqual(h, podTemplateHash(canary.template));
    assert.notEqual(h, templateHash(twoTemplateExperiment('exp-2', 'web'), canary), 'another experiment');
    assert.notEqual(templateHash(e, baseline), templateHash(e, { ...baseline, name: 'other' }));
    assert.equal(h, templateHash(e, canary), 'stable across calls');
  });

  test("the ReplicaSet: Argo's name and annotations, labels + hash + owner label, selector + hash", () => {
    const rs = experimentReplicaSet(standalone, e, canary, 3, ref('rollout-pilot-experiment.exp'));
    const hash = templateHash(e, canary);
    const labels = {
      app: 'web',
      role: 'canary',
      'rollouts-pod-template-hash': hash,
      'rollout-pilot.dev/experiment': 'exp',
    };
    assert.deepEqual(rs.metadata, {
      name: 'exp-canary',
      namespace: 'ns',
      labels,
      annotations: {
        'experiment.argoproj.io/name': 'exp',
        'experiment.argoproj.io/template-name': 'canary',
        'rollout-pilot.dev/managed-by': 'exp',
      },
      ownerReferences: [ref('rollout-pilot-experiment.exp')],
    });
    assert.equal(rs.spec?.replicas, 3);
    assert.equal(rs.spec?.minReadySeconds, 5);
    assert.deepEqual(rs.spec?.selector, {
      matchLabels: { app: 'web', role: 'canary', 'rollouts-pod-template-hash': hash },
    });
    assert.deepEqual(rs.spec?.template?.metadata?.labels, labels);
    const stepRs = experimentReplicaSet(step, e, canary, 1, ref('rollout-pilot.web'));
    assert.equal(stepRs.metadata?.labels?.['rollout-pilot.dev/rollout'], 'web');
    assert.equal(stepRs.metadata?.labels?.['rollout-pilot.dev/experiment'], undefined);
  });

  test("the Service: selector = the ReplicaSet's labels, the containers' ports", () => {
    const svc = experimentService(standalone, e, canary, 'exp-canary', ref('rollout-pilot-experiment.exp'));
    const rs = experimentReplicaSet(standalone, e, canary, 3, ref('rollout-pilot-experiment.exp'));
    assert.deepEqual(svc.spec?.selector, rs.metadata?.labels);
    assert.deepEqual(svc.spec?.ports, [{ name: 'http', port: 80, targetPort: 80 }]);
    assert.deepEqual(svc.metadata?.annotations, rs.metadata?.annotations);
  });

  test('isOurs: both annotations and the owner ConfigMap as controller', () => {
    const meta = experimentReplicaSet(standalone, e, canary, 1, ref('rollout-pilot-experiment.exp')).metadata;
    assert.equal(isOurs(meta, standalone, 'exp', 'canary'), true);
    assert.equal(isOurs(meta, standalone, 'exp'), true, 'any template');
    assert.equal(isOurs(meta, standalone, 'exp', 'baseline'), false, 'another template');
    assert.equal(isOurs(meta, standalone, 'other'), false, 'another experiment');
    assert.equal(isOurs(meta, step, 'exp'), false, 'another owner');
    const noController = { annotations: meta?.annotations, ownerReferences: [] };
    assert.equal(isOurs(noController, standalone, 'exp'), false, 'no controller');
    assert.equal(isOurs(undefined, standalone, 'exp'), false);
  });
});
