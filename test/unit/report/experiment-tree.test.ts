/** The Experiment's `get` tree (src/report/experiment-tree.ts) and the rows a rollout's tree can embed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  experimentRows,
  renderExperimentTree,
  treeExperimentOf,
} from '../../../src/report/experiment-tree.ts';
import { alignRows } from '../../../src/report/tree.ts';
import { at } from '../engine/experiment-fixtures.ts';
import { seed2, treeSet } from './experiment-fixtures.ts';

const now = new Date(at(120));

test('the tree shows the summary, each template’s ReplicaSet with its pods, then each analysis with its counts', () => {
  const r = seed2('Running');
  const sets = { baseline: treeSet('baseline', 1, 1), canary: treeSet('canary', 2, 1) };
  const out = renderExperimentTree(treeExperimentOf(r, sets, '2026-01-01T00:00:00Z'), now);
  const lines = out.split('\n');
  assert.deepEqual(lines.slice(0, 7), [
    'Name:            seed2',
    'Namespace:       demo',
    'Status:          ◌ Running',
    'Images:          demo:baseline (baseline)',
    '                 demo:canary (canary)',
    'Templates:       baseline Running (1/1), canary Running (1/2)',
    'Duration:        5m 00s: 4m 00s left, ends at 00:06:00 UTC',
  ]);
  assert.match(out, /\nNAME +KIND +STATUS +AGE +INFO\nΣ seed2 +Experiment +◌ Running +2m\n/);
  assert.match(
    out,
    /├──⧉ seed2-baseline +ReplicaSet +✔ Healthy +2m +baseline\n│ {2}└──□ seed2-baseline-0 +Pod +✔ Running +2m +ready:1\/1\n/,
  );
  assert.match(
    out,
    /├──⧉ seed2-canary +ReplicaSet +◌ Progressing +2m +canary\n│ {2}├──□ seed2-canary-0 .*\n│ {2}└──□ seed2-canary-1 +Pod +◌ Running +2m +ready:0\/1\n/,
  );
  assert.match(
    out,
    /├──α seed2-always-pass +AnalysisRun +◌ Running +60s +✔ 1\n└──α seed2-random-fail +AnalysisRun +◌ Running +60s +✔ 1$/,
  );
});

test('a failed experiment: scaled-down sets, a failed template named in INFO, counts by phase, an analysis not started', () => {
  const r = seed2('Failed');
  const x = treeExperimentOf(r, { baseline: treeSet('baseline', 0, 0) }, '2026-01-01T00:00:00Z');
  x.templates = x.templates.map((t) => (t.name === 'baseline' ? { ...t, status: 'Failed' as const } : t));
  x.analyses = [...x.analyses, { name: 'later', phase: '' }];
  const out = renderExperimentTree(x, now);
  assert.match(out, /Status: +✖ Failed\nMessage: +metric "random-fail" assessed Failed/);
  assert.match(out, /Templates: +baseline Failed \(0\/0\), canary Successful \(no ReplicaSet yet\)/);
  assert.match(out, /Duration: +5m 00s, cut short: the experiment ended before it ran out\n/);
  assert.match(out, /├──⧉ seed2-baseline +ReplicaSet +• ScaledDown +2m +baseline,Failed\n/);
  assert.match(out, /├──α seed2-random-fail +AnalysisRun +✖ Failed +60s +✔ 1,✖ 1\n/);
  assert.match(out, /└──α seed2-later +AnalysisRun +◷ NotStarted$/);
});

test('embedded under a rollout’s branch, the rows carry its prefix and stem', () => {
  const r = seed2('Running');
  const x = treeExperimentOf(r, { canary: treeSet('canary', 1, 1) }, '2026-01-01T00:00:00Z');
  const rows = alignRows(experimentRows(x, '│  ├──', '│  │  ', now));
  assert.match(rows[0] ?? '', /^│ {2}├──Σ seed2 +Experiment/);
  assert.match(rows[1] ?? '', /^│ {2}│ {2}├──⧉ seed2-canary /);
  assert.match(rows[2] ?? '', /^│ {2}│ {2}│ {2}└──□ seed2-canary-0 /);
  assert.match(rows[4] ?? '', /^│ {2}│ {2}└──α seed2-random-fail /);
  assert.equal(rows.length, 5);
});
