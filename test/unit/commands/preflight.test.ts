import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterTemplateJobProblems, preflightObjects } from '../../../src/commands/preflight.ts';
import { analysisTemplates, selectRolloutDoc } from '../../../src/commands/prepare.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { podTemplateHash } from '../../../src/engine/hash.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';

function rollout(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web' }, spec };
}

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'x' }] },
};

test('preflight ReplicaSet: the counts as written, the template as stored', () => {
  const [rs] = preflightObjects(
    rollout({ replicas: 3, minReadySeconds: 5, selector: { matchLabels: { app: 'web' } }, template }),
    'ns',
    [],
  );
  const hash = podTemplateHash(template);
  assert.equal(rs?.metadata.name, `web-${hash}`);
  assert.deepEqual(rs?.spec, {
    replicas: 3,
    minReadySeconds: 5,
    selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash } },
    template: {
      ...template,
      metadata: {
        labels: { app: 'web', 'rollouts-pod-template-hash': hash, 'rollout-pilot.dev/rollout': 'web' },
      },
    },
  });
});

test('preflight ReplicaSet: no replicas written, created at 0; no minReadySeconds key', () => {
  const [rs] = preflightObjects(rollout({ template }), 'ns', []);
  const spec = rs?.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 0);
  assert.equal('minReadySeconds' in spec, false);
  assert.deepEqual(Object.keys(spec), ['replicas', 'selector', 'template']);
});

test('cluster templates: job metrics with a pod spec are checked, others skipped', () => {
  const problems = clusterTemplateJobProblems('t', {
    metrics: [
      { name: 'web', provider: { web: { url: 'http://x' } } },
      {
        name: 'job',
        provider: { job: { spec: { template: { spec: { hostNetwork: true, containers: [] } } } } },
      },
    ],
  });
  assert.equal(problems.length > 0, true);
  assert.ok(problems.every((p) => p.startsWith('template t (from the cluster), job metric "job": ')));
});

test('prepare: the Rollout by name, and the templates with their metric lines', () => {
  const { docs } = parseManifestText(
    'm.yaml',
    `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: { name: a }
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: { name: b }
---
apiVersion: argoproj.io/v1alpha1
kind: ClusterAnalysisTemplate
metadata: { name: errors }
spec:
  metrics:
    - name: rate
      provider: {}
`,
  );
  assert.equal(selectRolloutDoc(docs, 'b').object.metadata, docs[1]?.object.metadata);
  assert.throws(
    () => selectRolloutDoc(docs, undefined),
    /manifests hold 2 Rollouts: say which one with the rollout input \(a, b\)/,
  );
  assert.throws(() => selectRolloutDoc(docs, 'c'), /no Rollout named "c" \(found a, b\)/);
  const [t] = analysisTemplates(docs);
  assert.equal(t?.kind, 'ClusterAnalysisTemplate');
  assert.equal(t?.name, 'errors');
  assert.deepEqual(t?.source, { file: 'm.yaml', line: 9, metrics: { rate: 14 } });
});
