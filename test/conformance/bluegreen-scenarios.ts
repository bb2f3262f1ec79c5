import type { BlueGreenOp, BlueGreenScenario } from './harness/bluegreen.ts';

const v = (n: number): BlueGreenOp => ({ do: 'deploy', image: `example/app:${n}` });
const promote: BlueGreenOp = { do: 'promote' };
const abort: BlueGreenOp = { do: 'abort' };
const retry: BlueGreenOp = { do: 'retry' };
const undo: BlueGreenOp = { do: 'undo' };
/** A person promotes; short delays keep the suite quick (one scenario keeps Argo's 30 s). */
const manual = { autoPromotionEnabled: false, scaleDownDelaySeconds: 2, abortScaleDownDelaySeconds: 2 };

/** Blue-green scenarios: every settle point compared field by field with Argo Rollouts v1.10.2. */
export const BLUEGREEN_SCENARIOS: BlueGreenScenario[] = [
  {
    name: 'default: paused before the switch until promoted, 3 replicas',
    replicas: 3,
    blueGreen: manual,
    ops: [v(1), v(2), promote],
  },
  {
    name: 'previewReplicaCount 1 of 4: the preview grows to 4 after the promote, then the switch',
    replicas: 4,
    blueGreen: { ...manual, previewReplicaCount: 1 },
    ops: [v(1), v(2), promote],
  },
  {
    name: 'autoPromotionSeconds 5: the pause ends by itself',
    replicas: 2,
    blueGreen: { autoPromotionSeconds: 5, scaleDownDelaySeconds: 2 },
    ops: [v(1), v(2), v(3)],
  },
  {
    name: 'autoPromotionEnabled true without analysis: the switch at once',
    replicas: 3,
    blueGreen: { autoPromotionEnabled: true, scaleDownDelaySeconds: 2 },
    ops: [v(1), v(2), v(3)],
  },
  {
    name: 'abort before the switch: the active Service stays on v1, the preview scaled away',
    replicas: 3,
    blueGreen: manual,
    ops: [v(1), v(2), abort],
  },
  {
    name: 'abort after the switch: post-promotion analysis fails, the active Service goes back; v3 passes',
    replicas: 2,
    blueGreen: { autoPromotionEnabled: false, abortScaleDownDelaySeconds: 2 },
    analysis: { post: true },
    ops: [
      v(1),
      { ...v(2), verdicts: { post: false } },
      promote,
      { ...v(3), verdicts: { post: true } },
      promote,
    ],
  },
  {
    name: 'retry after a post-promotion analysis failure',
    replicas: 2,
    blueGreen: { autoPromotionEnabled: false, abortScaleDownDelaySeconds: 2 },
    analysis: { post: true },
    ops: [
      v(1),
      { ...v(2), verdicts: { post: false } },
      promote,
      { ...retry, verdicts: { post: true }, argoUndoes: true },
    ],
    // Argo keeps the failed run as the current one while post-promotion analysis is skipped (the
    // active Service is back on the stable revision) and aborts again at once: retry cannot take.
    known: [
      { after: 3, field: 'phase', argo: '"Degraded"', pilot: '"Paused"' },
      { after: 3, field: 'pauseReasons', argo: '[]', pilot: '["BlueGreenPause"]' },
      { after: 3, field: 'controllerPause', argo: 'false', pilot: 'true' },
      { after: 3, field: 'abort', argo: 'true', pilot: 'false' },
      {
        after: 3,
        field: 'replicaSets',
        argo: '{"1":"2/2/2","2":"0/0/0"}',
        pilot: '{"1":"2/2/2","2":"2/2/2"}',
      },
    ],
  },
  {
    name: 'prePromotionAnalysis passes: the pause, then promote',
    replicas: 2,
    blueGreen: manual,
    analysis: { pre: true },
    ops: [v(1), v(2), promote],
  },
  {
    name: 'prePromotionAnalysis fails: aborted before the switch; a new revision passes',
    replicas: 2,
    blueGreen: manual,
    analysis: { pre: true },
    ops: [v(1), { ...v(2), verdicts: { pre: false } }, { ...v(3), verdicts: { pre: true } }, promote],
  },
  {
    name: 'a new revision during the pause: the superseded preview scaled down while paused',
    replicas: 3,
    blueGreen: manual,
    ops: [v(1), v(2), v(3), promote],
  },
  {
    name: 'retry after abort: the preview comes back, pauses again, promote',
    replicas: 3,
    blueGreen: manual,
    ops: [v(1), v(2), abort, retry, promote],
  },
  {
    name: 'undo during the pause (back to the stable revision), then undo after a promotion',
    replicas: 2,
    blueGreen: manual,
    ops: [v(1), v(2), undo, v(3), promote, undo, promote],
  },
  {
    name: 'scaleDownDelaySeconds 3: the old ReplicaSet scaled down after the delay',
    replicas: 3,
    blueGreen: { autoPromotionEnabled: false, scaleDownDelaySeconds: 3 },
    ops: [v(1), v(2), promote, v(3), promote],
  },
  {
    name: 'scaleDownDelayRevisionLimit 1, scaleDownDelaySeconds 4',
    replicas: 2,
    blueGreen: { autoPromotionEnabled: false, scaleDownDelaySeconds: 4, scaleDownDelayRevisionLimit: 1 },
    ops: [v(1), v(2), v(3), promote, v(4), promote],
  },
  {
    name: 'replicas 1',
    replicas: 1,
    blueGreen: manual,
    ops: [v(1), v(2), promote, v(3), abort],
  },
  {
    name: 'replicas 5, previewReplicaCount 2, prePromotionAnalysis',
    replicas: 5,
    blueGreen: { ...manual, previewReplicaCount: 2 },
    analysis: { pre: true },
    ops: [v(1), v(2), promote, v(3), promote],
  },
  {
    name: 'promote-full: past the pause and the post-promotion analysis (never started), previewReplicaCount 1 of 3',
    replicas: 3,
    blueGreen: { ...manual, previewReplicaCount: 1 },
    analysis: { pre: true, post: true },
    ops: [v(1), v(2), { do: 'promote-full' }],
  },
  {
    name: "Argo's defaults besides the manual promotion (30 s scale-down delays)",
    replicas: 2,
    blueGreen: { autoPromotionEnabled: false },
    ops: [v(1), v(2), promote],
  },
];
