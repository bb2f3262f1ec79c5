/** The report of an Experiment from the engine (experiment-model.ts) and the step's line and section. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experimentReportOf, measurementCounts } from '../../../src/report/experiment-model.ts';
import {
  experimentStepLine,
  experimentStepSection,
  experimentStepText,
} from '../../../src/report/experiment-step-md.ts';
import { renderComment } from '../../../src/report/pr.ts';
import { report } from './bluegreen-fixtures.ts';
import { iso, rs, spec, templateStatus } from '../engine/experiment-fixtures.ts';
import { jobRun, seed2 } from './experiment-fixtures.ts';

test('from the engine: a template without status is Progressing, without a ReplicaSet wants its pods; an unstarted analysis has no phase', () => {
  const r = experimentReportOf({
    experiment: spec({
      analyses: [{ name: 'errors', clusterScope: false, requiredForCompletion: true, args: [] }],
    }),
    status: {
      templateStatuses: [templateStatus('baseline', 'Running', 1, { podTemplateHash: 'hb' })],
      analysisRuns: [],
    },
    namespace: 'shop',
    replicaSets: { baseline: rs('baseline', 1, 1, { scaleDownDeadline: iso(90) }) },
    runs: {},
    updatedAt: iso(30),
  });
  assert.equal(r.phase, 'Pending');
  assert.deepEqual(
    r.templates.map((t) => [
      t.name,
      t.status,
      t.replicaSet,
      t.hash,
      t.ready,
      t.desired,
      t.replicas,
      t.scaleDownAt,
    ]),
    [
      ['baseline', 'Running', 'exp-baseline', 'h-baseline', 1, 1, 1, iso(90)],
      ['canary', 'Progressing', undefined, undefined, 0, 0, 2, undefined],
    ],
  );
  assert.deepEqual(r.analyses, [
    { name: 'errors', requiredForCompletion: true, phase: '', message: undefined, run: undefined },
  ]);
  assert.equal(r.progressDeadlineSeconds, 600);
});

test('measurements are counted by phase over every metric of a run', () => {
  assert.deepEqual(measurementCounts(jobRun('random-fail', 'Failed')), {
    successful: 1,
    failed: 1,
    inconclusive: 0,
    error: 0,
  });
  assert.deepEqual(measurementCounts(undefined), { successful: 0, failed: 0, inconclusive: 0, error: 0 });
});

test('the step line: step, experiment, phase, each template’s pods and each analysis with its measurements', () => {
  const r = { ...seed2('Running'), rollout: { name: 'web', step: 3 } };
  assert.equal(
    experimentStepLine(r),
    'Step 3: experiment `seed2` 🔄 Running · templates `baseline` 🔄 1/1, `canary` 🔄 2/2 · analyses `always-pass` 🔄 Running (1: 1 ✅), `random-fail` 🔄 Running (1: 1 ✅)',
  );
  assert.equal(
    experimentStepText(r),
    'experiment seed2 Running (baseline 1/1 Running, canary 2/2 Running, always-pass Running, random-fail Running)',
  );
});

test('the step section: heading, verdict with why, times, templates with source and weight, analyses, no measurements', () => {
  const base = seed2('Failed');
  const r = {
    ...base,
    rollout: { name: 'web', step: 2 },
    templates: base.templates.map((t) => ({
      ...t,
      specRef: t.name === 'baseline' ? 'stable' : 'canary',
      weight: 10,
    })),
  };
  const out = experimentStepSection(r).join('\n');
  assert.match(
    out,
    /^#### Step 2: experiment `seed2`\n\n❌ Experiment `seed2` failed: analysis `random-fail` Failed\. The analysis `random-fail` ended Failed/,
  );
  assert.match(out, /\| template \| from \| weight \| ReplicaSet \(hash\) \|/);
  assert.match(out, /\| `baseline` \| stable \| 10% \| `exp-baseline`/);
  assert.match(out, /\| `random-fail` \| — \| no \| ❌ Failed \| 2: 1 ✅ 1 ❌ \|/);
  assert.ok(!out.includes('<details'));
});

test('a standalone experiment’s line has no step, and an experiment without analyses says so', () => {
  const r = { ...seed2('Running'), analyses: [] };
  assert.match(experimentStepLine(r), /^experiment `seed2` 🔄 Running · templates [^·]+$/);
  assert.match(
    experimentStepSection(r).join('\n'),
    /No analysis: the templates alone decide the experiment\./,
  );
});

test('the canary report embeds each experiment step after the step table; without experiments it is unchanged', () => {
  // A canary at its experiment step: the blue-green fixture without its blue-green part.
  const rollout = report({
    blueGreen: undefined,
    phase: 'Progressing',
    message: 'experiment running',
    stepCount: 3,
    currentStepIndex: 1,
    plannedSteps: [
      { step: 1, action: 'setWeight 20', weight: 20, canary: 1, stable: 4 },
      { step: 2, action: 'experiment', weight: 20, canary: 1, stable: 4 },
    ],
  });
  const x = { ...seed2('Running'), rollout: { name: 'web', step: 2 } };
  const out = renderComment({ ...rollout, experiments: [x] });
  const table = out.indexOf('### Steps');
  const section = out.indexOf('#### Step 2: experiment `seed2`');
  assert.ok(table > 0 && section > table, out);
  assert.match(out, /#### Step 2: experiment `seed2`\n\n🔄 Experiment `seed2` running\./);
  assert.ok(!renderComment(rollout).includes('experiment `seed2`'));
});
