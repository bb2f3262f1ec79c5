import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strategyOutputs } from '../../../src/commands/outputs.ts';
import { applyControlRequest } from '../../../src/engine/commands.ts';
import type { BlueGreenEngineRollout, CanaryEngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type RolloutStatus } from '../../../src/engine/state.ts';

const BASICS = {
  name: 'rollout',
  namespace: 'shop',
  replicas: 1,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  revisionHistoryLimit: 10,
};
const BLUE_GREEN = (previewService: string | undefined): BlueGreenEngineRollout => ({
  ...BASICS,
  strategy: 'blueGreen',
  blueGreen: {
    activeService: 'service',
    previewService,
    autoPromotionEnabled: false,
    autoPromotionSeconds: 0,
    scaleDownDelaySeconds: 30,
    scaleDownDelayWritten: false,
    abortScaleDownDelaySeconds: 30,
  },
});
const CANARY: CanaryEngineRollout = {
  ...BASICS,
  strategy: 'canary',
  canary: { steps: [], maxSurge: 1, maxUnavailable: 0 },
};
const REVISIONS: Record<string, string> = { aaa: '1', bbb: '2' };
const revisionOf = (hash: string | undefined): string => (hash === undefined ? '' : (REVISIONS[hash] ?? ''));
const status = (over: Partial<RolloutStatus>): RolloutStatus => ({ ...initialStatus(), ...over });

const CASES: {
  name: string;
  engine: BlueGreenEngineRollout | CanaryEngineRollout;
  status: RolloutStatus;
  want: Record<string, string>;
}[] = [
  { name: 'canary: only the strategy', engine: CANARY, status: status({}), want: { strategy: 'canary' } },
  {
    name: 'blue-green paused: active on 1, preview on 2',
    engine: BLUE_GREEN('service-preview'),
    status: status({
      stableRS: 'aaa',
      currentPodHash: 'bbb',
      blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' },
    }),
    want: { strategy: 'blueGreen', 'active-revision': '1', 'preview-revision': '2' },
  },
  {
    name: 'blue-green promoted: both Services on 2',
    engine: BLUE_GREEN('service-preview'),
    status: status({
      stableRS: 'bbb',
      currentPodHash: 'bbb',
      blueGreen: { activeSelector: 'bbb', previewSelector: 'bbb' },
    }),
    want: { strategy: 'blueGreen', 'active-revision': '2', 'preview-revision': '2' },
  },
  {
    name: 'blue-green without a preview Service: the new revision until promoted',
    engine: BLUE_GREEN(undefined),
    status: status({ stableRS: 'aaa', currentPodHash: 'bbb', blueGreen: { activeSelector: 'aaa' } }),
    want: { strategy: 'blueGreen', 'active-revision': '1', 'preview-revision': '2' },
  },
  {
    name: 'blue-green without a preview Service, promoted: no preview',
    engine: BLUE_GREEN(undefined),
    status: status({ stableRS: 'bbb', currentPodHash: 'bbb', blueGreen: { activeSelector: 'bbb' } }),
    want: { strategy: 'blueGreen', 'active-revision': '2', 'preview-revision': '' },
  },
];

for (const c of CASES) {
  test(`outputs: ${c.name}`, () => {
    assert.deepEqual(strategyOutputs(c.engine, c.status, revisionOf), c.want);
  });
}

const NOW = new Date('2026-11-22T10:00:00Z');
const PAUSED = status({
  stableRS: 'aaa',
  currentPodHash: 'bbb',
  pauseConditions: [{ reason: 'BlueGreenPause', startTime: NOW.toISOString() }],
  controllerPause: true,
});
const OBJECTS = {
  blueGreen: { spec: { strategy: { blueGreen: { activeService: 'service' } } } },
  canary: { spec: { strategy: { canary: { steps: [] } } } },
};

const MESSAGES: {
  command: 'promote' | 'promote-full' | 'abort' | 'retry';
  from: RolloutStatus;
  blueGreen: RegExp;
  canary: RegExp;
}[] = [
  {
    command: 'promote',
    from: PAUSED,
    blueGreen: /the active Service switches to the preview/,
    canary: /^promoted: leaving the pause$/,
  },
  {
    command: 'promote-full',
    from: PAUSED,
    blueGreen:
      /active Service switches to the new revision .* skipping the pause and the pre- and post-promotion analysis/,
    canary: /skipping the remaining steps/,
  },
  {
    command: 'abort',
    from: PAUSED,
    blueGreen: /the active Service stays on \(or goes back to\) the stable revision/,
    canary: /traffic and replicas go back to stable/,
  },
  {
    command: 'retry',
    from: { ...PAUSED, abort: true },
    blueGreen: /the preview comes up again, with fresh analysis runs/,
    canary: /from the first step/,
  },
];

for (const m of MESSAGES) {
  test(`control command ${m.command}: blue-green words, canary words unchanged`, () => {
    const bg = applyControlRequest(OBJECTS.blueGreen, m.from, { command: m.command }, NOW);
    const canary = applyControlRequest(OBJECTS.canary, m.from, { command: m.command }, NOW);
    assert.equal(bg.applied, true);
    assert.match(bg.message, m.blueGreen);
    assert.doesNotMatch(bg.message, /step/);
    assert.match(canary.message, m.canary);
  });
}
