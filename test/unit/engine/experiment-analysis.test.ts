import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandExperimentArg, reconcileAnalysis } from '../../../src/engine/experiment-analysis.ts';
import type {
  EngineExperimentAnalysis,
  ExperimentAnalysisStatus,
} from '../../../src/engine/experiment-types.ts';
import { emptyStatus, fullReplicaSets, input, iso, running, spec } from './experiment-fixtures.ts';

const analysis = (changes: Partial<EngineExperimentAnalysis> = {}): EngineExperimentAnalysis => ({
  name: 'a',
  clusterScope: false,
  requiredForCompletion: false,
  args: [],
  ...changes,
});

const started = (phase: ExperimentAnalysisStatus['phase']): ExperimentAnalysisStatus[] => [
  { name: 'a', analysisRun: 'exp-a', phase },
];

describe('Argo reconcileAnalysisRun', () => {
  test('before availableAt nothing starts; a present template is only checked', () => {
    const out = reconcileAnalysis(input({ status: emptyStatus({ phase: 'Pending' }) }), analysis(), false);
    assert.deepEqual(out, { status: { name: 'a', phase: '' }, actions: [] });
  });

  test("before availableAt a missing AnalysisTemplate is an Error with Argo's message", () => {
    const out = reconcileAnalysis(
      input({
        status: emptyStatus({ phase: 'Pending' }),
        missingTemplates: { a: 'analysistemplate.argoproj.io "t" not found' },
      }),
      analysis(),
      false,
    );
    assert.equal(out.status.phase, 'Error');
    assert.equal(
      out.status.message,
      'AnalysisTemplate verification failed for analysis \'a\': analysistemplate.argoproj.io "t" not found',
    );
  });

  test('a missing ClusterAnalysisTemplate names its kind', () => {
    const out = reconcileAnalysis(
      input({ status: emptyStatus({ phase: 'Pending' }), missingTemplates: { a: 'not found' } }),
      analysis({ clusterScope: true }),
      false,
    );
    assert.equal(
      out.status.message,
      "ClusterAnalysisTemplate verification failed for analysis 'a': not found",
    );
  });

  test('with availableAt in the starting status the run starts: Pending, named <experiment>-<analysis>, with dryRun and retention', () => {
    const experiment = spec({
      dryRun: [{ metricName: 'm' }],
      measurementRetention: [{ metricName: 'm', limit: 2 }],
    });
    const out = reconcileAnalysis(
      input({ experiment, status: running(0), replicaSets: fullReplicaSets() }),
      analysis({ args: [{ name: 'x', value: '1' }] }),
      false,
    );
    assert.deepEqual(out.status, { name: 'a', phase: 'Pending', analysisRun: 'exp-a' });
    assert.deepEqual(out.actions, [
      {
        kind: 'startExperimentAnalysis',
        analysis: 'a',
        id: 'exp-a',
        args: [{ name: 'x', value: '1' }],
        dryRun: [{ metricName: 'm' }],
        measurementRetention: [{ metricName: 'm', limit: 2 }],
      },
    ]);
  });

  test('args expand the template hashes and names, availableAt and finishedAt; an arg without value stays without', () => {
    const out = reconcileAnalysis(
      input({
        experiment: spec({ durationSeconds: 90 }),
        status: running(0),
        replicaSets: fullReplicaSets(),
      }),
      analysis({
        args: [
          {
            name: 'hashes',
            value: '{{templates.baseline.podTemplateHash}},{{ templates.canary.podTemplateHash }}',
          },
          { name: 'rs', value: '{{templates.canary.replicaset.name}}' },
          { name: 'window', value: '{{experiment.availableAt}}/{{experiment.finishedAt}}' },
          { name: 'none' },
        ],
      }),
      false,
    );
    const start = out.actions[0];
    assert.equal(start?.kind, 'startExperimentAnalysis');
    assert.deepEqual(start?.kind === 'startExperimentAnalysis' ? start.args : [], [
      { name: 'hashes', value: 'h-baseline,h-canary' },
      { name: 'rs', value: 'exp-canary' },
      { name: 'window', value: `${iso(0)}/${iso(90)}` },
      { name: 'none' },
    ]);
  });

  test('an unknown placeholder makes the analysis Error, as Argo fails the create', () => {
    const out = reconcileAnalysis(
      input({ status: running(0), replicaSets: fullReplicaSets() }),
      analysis({ args: [{ name: 'x', value: '{{experiment.finishedAt}}' }] }),
      false,
    );
    assert.equal(out.status.phase, 'Error');
    assert.equal(
      out.status.message,
      "Failed to create AnalysisRun for analysis 'a': failed to resolve {{experiment.finishedAt}}",
    );
    assert.deepEqual(out.actions, []);
  });

  test('no run is started while terminating', () => {
    const out = reconcileAnalysis(input({ status: running(0) }), analysis(), true);
    assert.deepEqual(out, { status: { name: 'a', phase: '' }, actions: [] });
  });

  test("a started run's phase and message are copied", () => {
    const out = reconcileAnalysis(
      input({
        status: running(0, { analysisRuns: started('Pending') }),
        runs: { 'exp-a': { phase: 'Failed', message: 'metric failed', terminated: false } },
      }),
      analysis(),
      false,
    );
    assert.deepEqual(out.status, {
      name: 'a',
      analysisRun: 'exp-a',
      phase: 'Failed',
      message: 'metric failed',
    });
  });

  test('a completed phase is final', () => {
    const out = reconcileAnalysis(
      input({
        status: running(0, { analysisRuns: started('Successful') }),
        runs: { 'exp-a': { phase: 'Failed', terminated: false } },
      }),
      analysis(),
      false,
    );
    assert.equal(out.status.phase, 'Successful');
  });

  test('a recorded run that cannot be found is an Error', () => {
    const out = reconcileAnalysis(
      input({ status: running(0, { analysisRuns: started('Running') }) }),
      analysis(),
      false,
    );
    assert.equal(out.status.phase, 'Error');
    assert.equal(out.status.message, 'analysisruns.argoproj.io "exp-a" not found');
  });

  test('while terminating an unfinished run is terminated once and its phase is no longer copied', () => {
    const status = running(0, { analysisRuns: started('Running') });
    const first = reconcileAnalysis(
      input({ status, runs: { 'exp-a': { phase: 'Running', terminated: false } } }),
      analysis(),
      true,
    );
    assert.deepEqual(first.actions, [{ kind: 'terminateExperimentAnalysis', analysis: 'a', id: 'exp-a' }]);
    const again = reconcileAnalysis(
      input({ status, runs: { 'exp-a': { phase: 'Successful', terminated: true } } }),
      analysis(),
      true,
    );
    assert.deepEqual(again, { status: { name: 'a', analysisRun: 'exp-a', phase: 'Running' }, actions: [] });
  });
});

describe('Argo ResolveExperimentArgsValue', () => {
  test('tags are trimmed; the first unknown tag is reported and expands to ""', () => {
    const values = new Map([['a', '1']]);
    assert.deepEqual(expandExperimentArg('{{ a }}-{{b}}-{{c}}', values), {
      value: '1--',
      error: 'failed to resolve {{b}}',
    });
    assert.deepEqual(expandExperimentArg('plain', values), { value: 'plain' });
  });
});
