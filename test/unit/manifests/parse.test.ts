import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnosticAt, locate } from '../../../src/manifests/manifest-doc.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';

const TEXT = `# leading comment
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
  labels:
    app.kubernetes.io/name: demo
spec:
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause:
            duration: 1m
        - pause: {}
---
apiVersion: v1
kind: Service
metadata:
  name: demo
`;

const parsed = parseManifestText('f.yaml', TEXT);
const [rollout, service] = parsed.docs;

describe('locate(): where a field path points (the validators rely on each row)', () => {
  const rows: { rule: string; path: string; line: number; column: number }[] = [
    { rule: 'a top-level key is found at its key', path: 'kind', line: 3, column: 1 },
    { rule: 'a nested key is found at its key', path: 'spec.strategy.canary', line: 10, column: 5 },
    {
      rule: 'a list item is found where the item starts',
      path: 'spec.strategy.canary.steps[1]',
      line: 13,
      column: 11,
    },
    {
      rule: 'a key inside a list item',
      path: 'spec.strategy.canary.steps[1].pause.duration',
      line: 14,
      column: 13,
    },
    {
      rule: 'a flow mapping item is found at its key',
      path: 'spec.strategy.canary.steps[2].pause',
      line: 15,
      column: 11,
    },
    {
      rule: 'keys containing dots are kept whole (labels)',
      path: 'metadata.labels.app.kubernetes.io/name',
      line: 7,
      column: 5,
    },
    {
      rule: 'a missing field falls back to its nearest ancestor',
      path: 'spec.strategy.canary.steps[0].setWeight.nothing',
      line: 12,
      column: 11,
    },
    {
      rule: 'a missing list item falls back to the list',
      path: 'spec.strategy.canary.steps[9]',
      line: 11,
      column: 7,
    },
    {
      rule: 'a missing top-level field falls back to the document start',
      path: 'status',
      line: 2,
      column: 1,
    },
    { rule: 'the empty path is the document start', path: '', line: 2, column: 1 },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      assert.ok(rollout);
      const at = locate(rollout, row.path);
      assert.deepEqual(
        { line: at.line, column: at.column, file: at.file },
        { line: row.line, column: row.column, file: 'f.yaml' },
      );
    });
  }

  test('the second document of a file counts lines from the top of the file', () => {
    assert.ok(service);
    assert.equal(service.index, 1);
    assert.equal(locate(service, 'metadata.name').line, 20);
    assert.equal(locate(service, '').line, 17);
  });

  test('diagnosticAt() carries the path and the location of the field', () => {
    assert.ok(rollout);
    const d = diagnosticAt(rollout, 'spec.strategy.canary.steps[0].setWeight', 'bad');
    assert.deepEqual(d, {
      file: 'f.yaml',
      line: 12,
      column: 11,
      path: 'spec.strategy.canary.steps[0].setWeight',
      message: 'bad',
    });
  });
});

describe('parseManifestText()', () => {
  test('broken YAML is a diagnostic with a line, not an exception', () => {
    const r = parseManifestText('bad.yaml', 'a: [1, 2\nb: 3\n');
    assert.equal(r.docs.length, 0);
    assert.equal(r.diagnostics.length > 0, true);
    assert.match(r.diagnostics[0]?.message ?? '', /^invalid YAML: /);
    assert.equal(r.diagnostics[0]?.file, 'bad.yaml');
  });

  test('empty documents are skipped; a non-mapping document is reported', () => {
    const r = parseManifestText('x.yaml', '---\n---\n- just\n- a list\n');
    assert.equal(r.docs.length, 0);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.line, d.message]),
      [[3, 'a manifest must be a YAML mapping (an object)']],
    );
  });
});

describe('parseManifestText(): YAML that parses but cannot become data', () => {
  test('an alias to a missing anchor is a diagnostic, not a crash', () => {
    const r = parseManifestText('a.yaml', 'kind: Service\nmetadata:\n  name: *nothere\n');
    assert.equal(r.docs.length, 0);
    assert.equal(r.diagnostics.length, 1);
    assert.match(r.diagnostics[0]?.message ?? '', /^invalid YAML: .*nothere/);
  });

  test('an alias explosion is refused', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 6; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const r = parseManifestText('bomb.yaml', `${lines.join('\n')}\n`);
    assert.equal(r.docs.length, 0);
    assert.match(r.diagnostics[0]?.message ?? '', /^invalid YAML: /);
  });

  test('duplicate keys are reported at the second key', () => {
    const r = parseManifestText('d.yaml', 'spec:\n  replicas: 1\n  replicas: 2\n');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.line, d.message]),
      [[3, 'invalid YAML: Map keys must be unique']],
    );
  });

  test('unindented lists (as users write them) get the same positions', () => {
    const r = parseManifestText('u.yaml', 'spec:\n  templates:\n  - name: a\n    replicas: 1\n  - name: b\n');
    const [doc] = r.docs;
    assert.ok(doc);
    assert.deepEqual(
      ['spec.templates[0]', 'spec.templates[0].replicas', 'spec.templates[1].name'].map(
        (p) => locate(doc, p).line,
      ),
      [3, 4, 5],
    );
  });
});
