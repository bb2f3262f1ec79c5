import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRollout } from '../../../src/engine/plan.ts';
import type { BlueGreenEngineRollout, BlueGreenPart } from '../../../src/engine/spec.ts';
import { initialStatus, type RolloutStatus } from '../../../src/engine/state.ts';
import { renderPlan } from '../../../src/report/plan.ts';
import { analysis, blueGreenRollout } from './bluegreen-fixtures.ts';

function rollout(over: Partial<BlueGreenPart> = {}): BlueGreenEngineRollout {
  return blueGreenRollout(2, over);
}

const ACTIVE_V1: RolloutStatus = {
  ...initialStatus(),
  stableRS: 'v1',
  currentPodHash: 'v1',
  blueGreen: { activeSelector: 'v1', previewSelector: 'v1' },
};

const CASES: {
  name: string;
  rollout: BlueGreenEngineRollout;
  status: RolloutStatus | undefined;
  shows: RegExp[];
}[] = [
  {
    name: 'update: preview, pre-promotion analysis, pause, switch, post-promotion, scale-down',
    rollout: rollout({
      prePromotionAnalysis: analysis('smoke'),
      postPromotionAnalysis: analysis('success-rate'),
    }),
    status: ACTIVE_V1,
    shows: [
      /^- Active Service `service` now selects revision 1 \(`v1`\)$/m,
      /^- Preview Service `service-preview` now selects revision 1 \(`v1`\)$/m,
      /^\| stage \| action \| preview pods \| active pods \| active Service on \|$/m,
      /^\| 1 \| preview up: 2 pods behind service-preview \| 2 \| 2 \| current revision \|$/m,
      /^\| 2 \| pre-promotion analysis smoke \| 2 \| 2 \| current revision \|$/m,
      /^\| 3 \| pause until promoted \| 2 \| 2 \| current revision \|$/m,
      /^\| 4 \| switch active Service service to the new revision \| 2 \| 2 \| new revision \|$/m,
      /^\| 5 \| post-promotion analysis success-rate \| 2 \| 2 \| new revision \|$/m,
      /^\| 6 \| scale the previous revision down after 300s \| 2 \| 0 \| new revision \|$/m,
      /The switch moves all traffic at once/,
    ],
  },
  {
    name: 'first deploy: nothing active yet',
    rollout: rollout({ previewService: undefined }),
    status: undefined,
    shows: [
      /^- Active Service `service` now selects nothing yet$/m,
      /^- No preview Service/m,
      /^\| 1 \| deploy at full scale, active Service service on it \| 0 \| 2 \| new revision \|$/m,
    ],
  },
];

for (const c of CASES) {
  test(`plan, blue-green: ${c.name}`, () => {
    const plan = planRollout(c.rollout, 'v2', c.status);
    const bg = c.status?.blueGreen;
    const now =
      bg === undefined
        ? undefined
        : {
            active: bg.activeSelector === undefined ? undefined : { hash: bg.activeSelector, revision: 1 },
            preview: bg.previewSelector === undefined ? undefined : { hash: bg.previewSelector, revision: 1 },
          };
    const md = renderPlan('rollout', 'shop', plan, [{ container: 'grpc', from: 'g:1', to: 'g:2' }], now);
    for (const re of c.shows) assert.match(md, re);
    assert.match(md, /^\| grpc \| g:1 \| g:2 \|$/m);
    assert.doesNotMatch(md, /canary|maxSurge|\| step \|/);
  });
}
