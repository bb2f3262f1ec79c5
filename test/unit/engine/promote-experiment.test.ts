import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyControlRequest } from '../../../src/engine/commands.ts';
import { initialStatus, type RolloutStatus } from '../../../src/engine/state.ts';

const stored = {
  spec: {
    strategy: {
      canary: {
        steps: [{ setWeight: 20 }, { experiment: { templates: [] } }, { pause: {} }],
      },
    },
  },
};
const at = (index: number, changes: Partial<RolloutStatus> = {}): RolloutStatus => ({
  ...initialStatus(),
  currentStepIndex: index,
  ...changes,
});
const now = new Date('2026-01-01T00:00:00Z');

test('promote at an experiment step with no pause condition moves the step index on, as Argo’s promote does', () => {
  const out = applyControlRequest(stored, at(1), { command: 'promote' }, now);
  assert.equal(out.applied, true);
  assert.equal(out.status.currentStepIndex, 2);
  assert.match(out.message, /skipping the experiment step/);
});

test('promote at an experiment step paused InconclusiveExperiment only clears the pause, as Argo’s promote does', () => {
  const paused = at(1, {
    pauseConditions: [{ reason: 'InconclusiveExperiment', startTime: now.toISOString() }],
    controllerPause: true,
  });
  const out = applyControlRequest(stored, paused, { command: 'promote' }, now);
  assert.equal(out.applied, true);
  assert.equal(out.status.currentStepIndex, 1);
  assert.deepEqual(out.status.pauseConditions, []);
});

test('promote at another step that is not paused is still refused', () => {
  const out = applyControlRequest(stored, at(0), { command: 'promote' }, now);
  assert.equal(out.applied, false);
  assert.equal(out.status.currentStepIndex, 0);
});
