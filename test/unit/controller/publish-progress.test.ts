import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredState } from '../../../src/controller/ports.ts';
import { newTickMemory, publishProgress, type TickOutcome } from '../../../src/controller/tick.ts';
import type { Action } from '../../../src/engine/actions.ts';
import { initialStatus, type RolloutStatus } from '../../../src/engine/state.ts';

const PAUSED: RolloutStatus = {
  ...initialStatus(),
  phase: 'Progressing',
  stableRS: 'aaa',
  currentPodHash: 'bbb',
  blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' },
};

function outcome(status: RolloutStatus, actions: Action[] = []): TickOutcome {
  const state: StoredState = {
    rollout: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'rollout' } },
    status,
    requests: [],
    templates: [],
    analysis: [],
    version: '1',
  };
  return {
    state,
    working: state,
    decision: { actions, analysis: [], status, log: [], requeueAfterMs: 0, done: undefined },
    records: [],
    github: undefined,
  };
}

/** Each tick in turn; returns which ticks published the report. */
async function published(ticks: TickOutcome[]): Promise<number[]> {
  const memory = newTickMemory();
  const out: number[] = [];
  for (const [i, t] of ticks.entries()) {
    await publishProgress(
      () => {
        out.push(i);
        return Promise.resolve();
      },
      memory,
      t,
    );
  }
  return out;
}

const CASES: { name: string; ticks: TickOutcome[]; want: number[] }[] = [
  {
    name: 'nothing moved: published once',
    ticks: [outcome(PAUSED), outcome(PAUSED)],
    want: [0],
  },
  {
    name: 'the active Service switched (same phase, no step): published again',
    ticks: [
      outcome(PAUSED),
      outcome({ ...PAUSED, blueGreen: { activeSelector: 'bbb', previewSelector: 'bbb' } }),
    ],
    want: [0, 1],
  },
  {
    name: 'the new revision became stable: published again',
    ticks: [outcome(PAUSED), outcome({ ...PAUSED, stableRS: 'bbb' })],
    want: [0, 1],
  },
  {
    name: 'a scale-down deadline was set: published, so the countdown shows',
    ticks: [
      outcome(PAUSED),
      outcome(PAUSED, [
        { kind: 'setScaleDownDeadline', name: 'rollout-aaa', deadline: '2026-11-22T10:05:00Z' },
      ]),
      outcome(PAUSED, [{ kind: 'setScaleDownDeadline', name: 'rollout-aaa', deadline: undefined }]),
    ],
    want: [0, 1],
  },
];

for (const c of CASES) {
  test(`publishProgress: ${c.name}`, async () => {
    assert.deepEqual(await published(c.ticks), c.want);
  });
}
