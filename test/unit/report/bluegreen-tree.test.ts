import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlueGreenEngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type RolloutStatus } from '../../../src/engine/state.ts';
import { renderTree, type TreeReplicaSet } from '../../../src/report/tree.ts';
import { analysis, blueGreenRollout } from './bluegreen-fixtures.ts';

const NOW = new Date('2026-11-22T10:00:00Z');

const ROLLOUT: BlueGreenEngineRollout = blueGreenRollout(1, {
  postPromotionAnalysis: analysis('success-rate'),
});

function rs(revision: number, hash: string, over: Partial<TreeReplicaSet> = {}): TreeReplicaSet {
  return {
    name: `rollout-${hash}`,
    hash,
    revision,
    specReplicas: 1,
    availableReplicas: 1,
    images: [`example/grpc:${revision}`],
    createdAt: '2026-11-22T09:00:00Z',
    pods: [
      {
        name: `rollout-${hash}-x`,
        phase: 'Running',
        ready: true,
        restarts: 0,
        reason: undefined,
        createdAt: '2026-11-22T09:00:00Z',
      },
    ],
    ...over,
  };
}

function status(over: Partial<RolloutStatus>): RolloutStatus {
  return { ...initialStatus(), stableRS: 'aaa', currentPodHash: 'bbb', ...over };
}

const CASES: { name: string; status: RolloutStatus; sets: TreeReplicaSet[]; lines: RegExp[] }[] = [
  {
    name: 'paused: the preview beside the active revision, each Service with its revision',
    status: status({
      phase: 'Paused',
      message: 'BlueGreenPause',
      blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' },
    }),
    sets: [rs(1, 'aaa'), rs(2, 'bbb')],
    lines: [
      /^Strategy: {8}BlueGreen$/m,
      /^ {2}ActiveService: service → revision 1 \(aaa\)$/m,
      /^ {2}PreviewService: service-preview → revision 2 \(bbb\)$/m,
      /^ {2}Analysis: {6}post-promotion$/m,
      /^Images: {10}example\/grpc:2 \(preview\)$/m,
      /^ {17}example\/grpc:1 \(stable,active\)$/m,
      /⧉ rollout-bbb +ReplicaSet +✔ Healthy +\S+ +preview$/m,
      /⧉ rollout-aaa +ReplicaSet +✔ Healthy +\S+ +stable,active$/m,
    ],
  },
  {
    name: 'switched: the previous revision counts down to its scale-down',
    status: status({
      phase: 'Healthy',
      message: '',
      stableRS: 'bbb',
      blueGreen: { activeSelector: 'bbb', previewSelector: 'bbb' },
    }),
    sets: [rs(1, 'aaa', { scaleDownDeadline: '2026-11-22T10:04:12Z' }), rs(2, 'bbb')],
    lines: [/⧉ rollout-aaa +ReplicaSet +✔ Healthy +\S+ +delay:4m12s$/m, /rollout-bbb .* stable,active$/m],
  },
  {
    name: 'aborted: the preview is marked aborted until it scales down',
    status: status({
      phase: 'Degraded',
      abort: true,
      message: 'RolloutAborted',
      blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' },
    }),
    sets: [rs(1, 'aaa'), rs(2, 'bbb', { scaleDownDeadline: '2026-11-22T09:59:00Z' })],
    lines: [/rollout-bbb .* aborted,delay:passed$/m],
  },
];

for (const c of CASES) {
  test(`get tree, blue-green: ${c.name}`, () => {
    const out = renderTree({ rollout: ROLLOUT, status: c.status, replicaSets: c.sets, now: NOW });
    for (const re of c.lines) assert.match(out, re);
    assert.doesNotMatch(out, /Canary|SetWeight|Step:/);
  });
}
