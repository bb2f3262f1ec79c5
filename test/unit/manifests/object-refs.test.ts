import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import { objectReferences } from '../../../src/manifests/object-refs.ts';

const text = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  strategy:
    canary:
      stableService: web-stable
      canaryService: web-canary
      analysis:
        templates: [{templateName: rate}]
        args:
          - name: plain
            value: x
          - name: hash
            valueFrom:
              podTemplateHashValue: Latest
      steps:
        - setWeight: 10
        - analysis:
            templates: [{templateName: rate}]
            args:
              - name: pod
                valueFrom:
                  fieldRef: {fieldPath: metadata.name}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: rate}
spec:
  args:
    - name: token
    - name: key
      valueFrom:
        secretKeyRef: {name: tpl-secret, key: api-key}
  metrics: []
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other}
data:
  secretKeyRef: not-a-reference
`;

test('objectReferences: the strategy Services and the templates’ Secret-backed arguments, at their lines', () => {
  const { docs } = parseManifestText('m.yaml', text);
  const rollout = docs[0];
  assert.ok(rollout);
  const refs = objectReferences(rollout, docs).map(
    (r) => `${r.kind} ${r.name}${r.key ? `/${r.key}` : ''} ${r.path} ${r.file}:${r.line}`,
  );
  assert.deepEqual(refs, [
    'Service web-stable spec.strategy.canary.stableService m.yaml:7',
    'Service web-canary spec.strategy.canary.canaryService m.yaml:8',
    'Secret tpl-secret/api-key spec.args[1].valueFrom.secretKeyRef m.yaml:34',
  ]);
});

test('objectReferences: blue-green Services; none when the strategy names none', () => {
  const bg = parseManifestText(
    'b.yaml',
    'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: b}\nspec:\n  strategy:\n    blueGreen:\n      activeService: act\n      previewService: pre\n',
  ).docs;
  assert.ok(bg[0]);
  assert.deepEqual(
    objectReferences(bg[0], bg).map((r) => [r.name, r.line]),
    [
      ['act', 7],
      ['pre', 8],
    ],
  );
  const plain = parseManifestText(
    'p.yaml',
    'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: p}\nspec:\n  strategy:\n    canary: {steps: []}\n',
  ).docs;
  assert.ok(plain[0]);
  assert.deepEqual(objectReferences(plain[0], plain), []);
});
