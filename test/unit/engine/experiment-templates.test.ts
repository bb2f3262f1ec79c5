import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTerminating } from '../../../src/engine/experiment-phase.ts';
import {
  isoSeconds,
  reconcileTemplate,
  type TemplateOutcome,
} from '../../../src/engine/experiment-templates.ts';
import type {
  EngineExperiment,
  ExperimentAction,
  ExperimentInput,
  ExperimentReplicaSet,
} from '../../../src/engine/experiment-types.ts';
import { at, emptyStatus, input, iso, rs, running, spec, templateStatus } from './experiment-fixtures.ts';

/** The canary template's tick (replicas 2). */
function canaryTick(i: ExperimentInput): TemplateOutcome {
  const template = i.experiment.templates.find((t) => t.name === 'canary');
  if (template === undefined) throw new Error('no canary template');
  return reconcileTemplate({
    input: i,
    template,
    terminating: isTerminating(i.experiment, i.status),
    nowIso: isoSeconds(i.now),
  });
}

/** The canary template after it completed: Successful with its 2 pods, at second `now`. */
function ended(
  canary: ExperimentReplicaSet,
  now: number,
  changes: Partial<ExperimentInput> = {},
): ExperimentInput {
  return input({
    status: running(0, { templateStatuses: [templateStatus('canary', 'Successful', 2)] }),
    replicaSets: { canary },
    now: at(now),
    ...changes,
  });
}

const deadlineAction = (deadline: string | undefined): ExperimentAction => ({
  kind: 'setExperimentScaleDownDeadline',
  template: 'canary',
  name: 'exp-canary',
  deadline,
});

interface Row {
  rule: string;
  input: ExperimentInput;
  status: string;
  message?: string;
  actions: unknown[];
  lastTransitionTime?: string;
}

const rows: Row[] = [
  {
    rule: 'no ReplicaSet yet: created at its replicas, named <experiment>-<template>, Progressing',
    input: input({ status: emptyStatus({ phase: 'Pending' }) }),
    status: 'Progressing',
    actions: [{ kind: 'createExperimentReplicaSet', template: 'canary', name: 'exp-canary', replicas: 2 }],
    lastTransitionTime: iso(0),
  },
  {
    rule: 'no ReplicaSet and nothing wanted (terminating): nothing is created',
    input: input({ experiment: spec({ terminate: true }), status: emptyStatus({ phase: 'Pending' }) }),
    status: 'Successful',
    actions: [],
  },
  {
    rule: 'short of pods within the deadline: Progressing',
    input: input({
      status: emptyStatus({
        phase: 'Pending',
        templateStatuses: [templateStatus('canary', 'Progressing', 1, { replicas: 2, updatedReplicas: 2 })],
      }),
      replicaSets: { canary: rs('canary', 2, 1) },
      now: at(600),
    }),
    status: 'Progressing',
    actions: [],
  },
  {
    rule: "short of pods past progressDeadlineSeconds: Failed with Argo's message",
    input: input({
      status: emptyStatus({
        phase: 'Pending',
        templateStatuses: [templateStatus('canary', 'Progressing', 1, { replicas: 2, updatedReplicas: 2 })],
      }),
      replicaSets: { canary: rs('canary', 2, 1) },
      now: at(601),
    }),
    status: 'Failed',
    message: "Template 'canary' exceeded its progressDeadlineSeconds (600)",
    actions: [],
  },
  {
    rule: 'a change of the counts moves lastTransitionTime, so the deadline starts again',
    input: input({
      status: emptyStatus({
        phase: 'Pending',
        templateStatuses: [templateStatus('canary', 'Progressing', 0)],
      }),
      replicaSets: { canary: rs('canary', 2, 1) },
      now: at(700),
    }),
    status: 'Progressing',
    actions: [],
    lastTransitionTime: iso(700),
  },
  {
    rule: 'every pod available: Running',
    input: input({ status: emptyStatus({ phase: 'Pending' }), replicaSets: { canary: rs('canary', 2, 2) } }),
    status: 'Running',
    actions: [],
  },
  {
    rule: 'available before the duration has passed: still Running',
    input: input({
      experiment: spec({ durationSeconds: 60 }),
      status: running(0),
      replicaSets: { canary: rs('canary', 2, 2) },
      now: at(60),
    }),
    status: 'Running',
    actions: [],
  },
  {
    rule: 'the duration has passed: Successful',
    input: input({
      experiment: spec({ durationSeconds: 60 }),
      status: running(0),
      replicaSets: { canary: rs('canary', 2, 2) },
      now: at(61),
    }),
    status: 'Successful',
    actions: [],
  },
  {
    rule: 'terminate while all pods are up: Successful, and the ReplicaSet gets its scale-down deadline',
    input: input({
      experiment: spec({ terminate: true }),
      status: running(0),
      replicaSets: { canary: rs('canary', 2, 2) },
      now: at(10),
    }),
    status: 'Successful',
    actions: [deadlineAction(iso(40))],
  },
  {
    rule: 'terminate while short of pods: Successful (not Failed)',
    input: input({
      experiment: spec({ terminate: true }),
      status: emptyStatus({
        phase: 'Pending',
        templateStatuses: [templateStatus('canary', 'Progressing', 1, { replicas: 2, updatedReplicas: 2 })],
      }),
      replicaSets: { canary: rs('canary', 2, 1) },
      now: at(10),
    }),
    status: 'Successful',
    actions: [deadlineAction(iso(40))],
  },
  {
    rule: 'a completed template wants 0 pods: held at its replicas until the deadline',
    input: ended(rs('canary', 2, 2, { scaleDownDeadline: iso(40) }), 39),
    status: 'Successful',
    actions: [],
    lastTransitionTime: iso(39),
  },
  {
    rule: 'past the scale-down deadline: scaled to 0',
    input: ended(rs('canary', 2, 2, { scaleDownDeadline: iso(40) }), 41),
    status: 'Successful',
    actions: [{ kind: 'scaleExperimentReplicaSet', template: 'canary', name: 'exp-canary', replicas: 0 }],
  },
  {
    rule: 'scaleDownDelaySeconds 0: any deadline is removed and the ReplicaSet goes to 0 at once',
    input: ended(rs('canary', 2, 2, { scaleDownDeadline: iso(99) }), 5, {
      experiment: spec({ scaleDownDelaySeconds: 0 }),
    }),
    status: 'Successful',
    actions: [
      deadlineAction(undefined),
      { kind: 'scaleExperimentReplicaSet', template: 'canary', name: 'exp-canary', replicas: 0 },
    ],
  },
  {
    rule: 'scaleDownDelaySeconds 5: the deadline is now + 5 s',
    input: ended(rs('canary', 2, 2), 5, { experiment: spec({ scaleDownDelaySeconds: 5 }) }),
    status: 'Successful',
    actions: [deadlineAction(iso(10))],
  },
  {
    rule: 'a completed status never changes, even when pods go missing',
    input: ended(rs('canary', 0, 0, { scaleDownDeadline: iso(1) }), 2000),
    status: 'Successful',
    actions: [],
  },
  {
    rule: 'a failed create, scale or Service call: Error with its message, even once completed',
    input: ended(rs('canary', 0, 0), 0, {
      failures: {
        canary: "Unable to scale ReplicaSet for template 'canary' to desired replica count '0': boom",
      },
    }),
    status: 'Error',
    message: "Unable to scale ReplicaSet for template 'canary' to desired replica count '0': boom",
    actions: [deadlineAction(iso(30))],
  },
];

describe('Argo reconcileTemplate: the template status machine and its ReplicaSet', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const out = canaryTick(row.input);
      assert.equal(out.status.status, row.status);
      if (row.message !== undefined) assert.equal(out.status.message, row.message);
      assert.deepEqual(out.actions, row.actions);
      if (row.lastTransitionTime !== undefined)
        assert.equal(out.status.lastTransitionTime, row.lastTransitionTime);
    });
  }
});

describe('Argo createTemplateService / deleteTemplateService', () => {
  const withService = (hasPorts: boolean, name?: string) =>
    spec({
      templates: [
        { name: 'canary', replicas: 2, service: { hasPorts, ...(name === undefined ? {} : { name }) } },
      ],
    });

  const serving = (experiment: EngineExperiment): ExperimentInput =>
    input({ experiment, status: running(0), replicaSets: { canary: rs('canary', 2, 2) } });

  test('a Service named after the ReplicaSet once it exists, with its hash in the status', () => {
    const out = canaryTick(serving(withService(true)));
    assert.deepEqual(out.actions, [
      { kind: 'createExperimentService', template: 'canary', name: 'exp-canary' },
    ]);
    assert.equal(out.status.serviceName, 'exp-canary');
    assert.equal(out.status.podTemplateHash, 'h-canary');
  });
  test('service.name names it', () => {
    const out = canaryTick(serving(withService(true, 'preview')));
    assert.deepEqual(out.actions, [{ kind: 'createExperimentService', template: 'canary', name: 'preview' }]);
  });
  test('no Service when the containers declare no ports', () => {
    const out = canaryTick(serving(withService(false)));
    assert.deepEqual(out.actions, []);
  });
  test('no Service before the ReplicaSet exists', () => {
    const out = canaryTick(
      input({ experiment: withService(true), status: emptyStatus({ phase: 'Pending' }) }),
    );
    assert.deepEqual(
      out.actions.map((a) => a.kind),
      ['createExperimentReplicaSet'],
    );
  });
  test('kept while the ReplicaSet still has available pods after the end', () => {
    const out = canaryTick(
      ended(rs('canary', 2, 2, { scaleDownDeadline: iso(40) }), 10, {
        experiment: withService(true),
        services: { canary: true },
      }),
    );
    assert.deepEqual(out.actions, []);
  });
  test('deleted once nothing is wanted and no pod is available', () => {
    const out = canaryTick(
      input({
        experiment: withService(true),
        status: running(0, {
          templateStatuses: [templateStatus('canary', 'Successful', 2, { serviceName: 'exp-canary' })],
        }),
        replicaSets: { canary: rs('canary', 0, 0, { scaleDownDeadline: iso(40) }) },
        services: { canary: true },
        now: at(50),
      }),
    );
    assert.deepEqual(out.actions, [{ kind: 'deleteExperimentService', template: 'canary' }]);
    assert.equal(out.status.serviceName, undefined);
  });
});
