import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assessAnalysisRuns,
  calculateStatus,
  isTerminating,
  requeueAfterMs,
} from '../../../src/engine/experiment-phase.ts';
import type {
  ExperimentAnalysisStatus,
  ExperimentStatus,
  RunPhase,
  TemplateStatusCode,
} from '../../../src/engine/experiment-types.ts';
import { at, emptyStatus, iso, spec, templateStatus } from './experiment-fixtures.ts';

const analyses = (required: boolean[]) =>
  spec({
    analyses: required.map((r, i) => ({
      name: `a${i}`,
      clusterScope: false,
      requiredForCompletion: r,
      args: [],
    })),
  });

const runs = (...phases: RunPhase[]): ExperimentAnalysisStatus[] =>
  phases.map((phase, i) => ({ name: `a${i}`, phase, ...(phase === '' ? {} : { analysisRun: `exp-a${i}` }) }));

const withTemplates = (
  a: TemplateStatusCode,
  b: TemplateStatusCode,
  rest: Partial<ExperimentStatus> = {},
): ExperimentStatus =>
  emptyStatus({
    phase: 'Running',
    templateStatuses: [
      templateStatus('baseline', a, 1, { message: `baseline ${a}` }),
      templateStatus('canary', b, 2, { message: `canary ${b}` }),
    ],
    ...rest,
  });

describe('Argo calculateStatus: the experiment phase from its templates and runs', () => {
  const rows: {
    rule: string;
    required: boolean[];
    status: ExperimentStatus;
    phase: string;
    message?: string;
  }[] = [
    {
      rule: 'a new experiment becomes Pending without assessment',
      required: [],
      status: emptyStatus(),
      phase: 'Pending',
    },
    {
      rule: 'a Progressing template keeps it Pending',
      required: [],
      status: withTemplates('Running', 'Progressing', { phase: 'Pending' }),
      phase: 'Pending',
    },
    {
      rule: 'all templates Running: Running',
      required: [],
      status: withTemplates('Running', 'Running', { phase: 'Pending' }),
      phase: 'Running',
    },
    {
      rule: 'the worst template wins: Failed over Error',
      required: [],
      status: withTemplates('Error', 'Failed'),
      phase: 'Failed',
      message: 'canary Failed',
    },
    {
      rule: 'a template Error ends it Error with its message',
      required: [],
      status: withTemplates('Successful', 'Error'),
      phase: 'Error',
      message: 'canary Error',
    },
    {
      rule: 'templates Successful, no analyses: Successful',
      required: [],
      status: withTemplates('Successful', 'Successful'),
      phase: 'Successful',
    },
    {
      rule: 'templates Successful, runs still Running and none required: Successful (templates decide)',
      required: [false],
      status: withTemplates('Successful', 'Successful', { analysisRuns: runs('Running') }),
      phase: 'Successful',
    },
    {
      rule: 'templates Successful, analyses complete: the analyses decide (Failed)',
      required: [false, false],
      status: withTemplates('Successful', 'Successful', {
        analysisRuns: [...runs('Successful'), { name: 'a1', phase: 'Failed', message: 'm' }],
      }),
      phase: 'Failed',
      message: 'm',
    },
    {
      rule: 'templates Successful with a required run still Running: stays Running',
      required: [true],
      status: withTemplates('Successful', 'Successful', { analysisRuns: runs('Running') }),
      phase: 'Running',
    },
    {
      rule: 'templates Running, a run Failed: Failed early',
      required: [false],
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Failed') }),
      phase: 'Failed',
    },
    {
      rule: 'templates Running, a run Inconclusive: Inconclusive early',
      required: [false],
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Inconclusive') }),
      phase: 'Inconclusive',
    },
    {
      rule: 'templates Running, a run Successful but not required: Running',
      required: [false],
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Successful') }),
      phase: 'Running',
    },
    {
      rule: 'templates Running, every required run Successful: Successful "Required AnalysisRuns completed"',
      required: [true, false],
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Successful', 'Successful') }),
      phase: 'Successful',
      message: 'Required AnalysisRuns completed',
    },
    {
      rule: 'required runs Successful but another run still Running: Running (not "nothing worse than Running")',
      required: [true, false],
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Successful', 'Running') }),
      phase: 'Running',
    },
    {
      rule: 'a completed phase is final',
      required: [false],
      status: withTemplates('Failed', 'Failed', { phase: 'Successful', analysisRuns: runs('Failed') }),
      phase: 'Successful',
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const next = calculateStatus(analyses(row.required), row.status, iso(5));
      assert.equal(next.phase, row.phase);
      if (row.message !== undefined) assert.equal(next.message, row.message);
    });
  }

  test('availableAt is set the first time the templates assess Running, and kept after', () => {
    const first = calculateStatus(spec(), withTemplates('Running', 'Running', { phase: 'Pending' }), iso(7));
    assert.equal(first.availableAt, iso(7));
    const later = calculateStatus(spec(), { ...first, phase: 'Running' }, iso(9));
    assert.equal(later.availableAt, iso(7));
    const notYet = calculateStatus(
      spec(),
      withTemplates('Running', 'Progressing', { phase: 'Pending' }),
      iso(7),
    );
    assert.equal(notYet.availableAt, undefined);
  });
});

describe('Argo assessAnalysisRuns', () => {
  const rows: { rule: string; phases: RunPhase[]; expect: string }[] = [
    { rule: 'runs not started yet (no phase) rank best: Successful', phases: ['', ''], expect: 'Successful' },
    { rule: 'Pending reads as Running', phases: ['Pending', 'Successful'], expect: 'Running' },
    {
      rule: 'worst first: Failed over Error over Inconclusive',
      phases: ['Inconclusive', 'Failed', 'Error'],
      expect: 'Failed',
    },
    { rule: 'Error over Inconclusive', phases: ['Inconclusive', 'Error'], expect: 'Error' },
    { rule: 'all Successful', phases: ['Successful', 'Successful'], expect: 'Successful' },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const status = emptyStatus({ analysisRuns: runs(...row.phases) });
      assert.equal(assessAnalysisRuns(analyses(row.phases.map(() => false)), status).phase, row.expect);
    });
  }
});

describe('Argo IsTerminating', () => {
  const rows: {
    rule: string;
    terminate?: boolean;
    status: ExperimentStatus;
    required?: boolean[];
    expect: boolean;
  }[] = [
    {
      rule: 'a running experiment is not terminating',
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Running') }),
      required: [false],
      expect: false,
    },
    { rule: 'spec.terminate', terminate: true, status: withTemplates('Running', 'Running'), expect: true },
    {
      rule: 'a completed phase',
      status: withTemplates('Running', 'Running', { phase: 'Successful' }),
      expect: true,
    },
    { rule: 'a Failed template', status: withTemplates('Running', 'Failed'), expect: true },
    { rule: 'an Error template', status: withTemplates('Error', 'Running'), expect: true },
    {
      rule: 'an Inconclusive run',
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Inconclusive') }),
      required: [false],
      expect: true,
    },
    {
      rule: 'every required run Successful',
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Successful', 'Running') }),
      required: [true, false],
      expect: true,
    },
    {
      rule: 'a Successful run that is not required',
      status: withTemplates('Running', 'Running', { analysisRuns: runs('Successful') }),
      required: [false],
      expect: false,
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const experiment = { ...analyses(row.required ?? []), terminate: row.terminate ?? false };
      assert.equal(isTerminating(experiment, row.status), row.expect);
    });
  }
});

describe('Argo calculateEnqueueDuration: when to look again', () => {
  test('the end of the duration', () => {
    const status = withTemplates('Running', 'Running', { availableAt: iso(0) });
    assert.equal(requeueAfterMs(spec({ durationSeconds: 60 }), status, at(20)), 40_000);
  });
  test('the progress deadline of a template short of its pods, if earlier', () => {
    const status = withTemplates('Running', 'Progressing', { availableAt: iso(0) });
    status.templateStatuses[1] = templateStatus('canary', 'Progressing', 1, { lastTransitionTime: iso(10) });
    assert.equal(
      requeueAfterMs(spec({ durationSeconds: 600, progressDeadlineSeconds: 30 }), status, at(20)),
      20_000,
    );
  });
  test('nothing while terminating, nor without a duration or a short template', () => {
    assert.equal(
      requeueAfterMs(
        spec({ durationSeconds: 60, terminate: true }),
        withTemplates('Running', 'Running', { availableAt: iso(0) }),
        at(1),
      ),
      undefined,
    );
    assert.equal(
      requeueAfterMs(spec(), withTemplates('Running', 'Running', { availableAt: iso(0) }), at(1)),
      undefined,
    );
  });
});
