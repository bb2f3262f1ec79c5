/** "What to do next" for a blue-green rollout: the control commands in terms of its Services. Pure. */
import { previewRevision, revisionOf, scaleDownLines } from './bluegreen-md.ts';
import { code } from './markdown.ts';
import { command, revertLine } from './next-steps.ts';
import type { BlueGreenReport, RolloutReport } from './report-model.ts';
import type { Situation } from './situation.ts';

export function blueGreenNextSteps(r: RolloutReport, bg: BlueGreenReport, s: Situation): string[] {
  const active = code(bg.activeService);
  const stable = revisionOf(bg, bg.stableHash);
  const preview = previewRevision(bg);
  const stableName = stable === undefined ? 'the stable revision' : `revision ${stable.revision}`;
  const previewName = preview === undefined ? 'the new revision' : `revision ${preview.revision}`;
  const switched = preview !== undefined && bg.activeSelector === preview.hash;
  const post =
    bg.postPromotionTemplates === undefined
      ? ''
      : `; then the post-promotion analysis (${bg.postPromotionTemplates.map((t) => code(t)).join(', ')}) runs before it becomes stable`;
  const promote = command(
    r,
    'promote',
    `**Promote** to switch the active Service ${active} to ${previewName}${post}`,
  );
  const full = command(
    r,
    'promote-full',
    switched
      ? `**Promote fully** to mark ${previewName} stable now, skipping the post-promotion analysis`
      : `**Promote fully** to switch ${active} to ${previewName} as soon as it runs at full size and mark it stable, skipping the pause and the pre- and post-promotion analysis`,
  );
  const abort = command(
    r,
    'abort',
    `**Abort** to ${switched ? `switch ${active} back to ${stableName}` : `keep ${active} on ${stableName}`} and ${bg.abortScaleDownDelaySeconds === 0 ? "leave the preview's pods up (abortScaleDownDelaySeconds 0)" : `scale the preview away after abortScaleDownDelaySeconds (${bg.abortScaleDownDelaySeconds}s)`}`,
  );
  const countdown = scaleDownLines(r, bg);
  switch (s.kind) {
    case 'healthy':
      return [
        `Nothing to do: ${stableName} is stable and ${active} sends it all traffic.`,
        ...(countdown.length > 0
          ? ['', ...countdown, 'Until then an undo switches back at once, as those pods are still up.']
          : []),
        '',
        ...command(r, 'undo', 'If it misbehaves, **undo** goes back to the previous revision'),
        '',
        '  After an undo, revert the change in git too, or the next deploy brings it back.',
      ];
    case 'progressing':
      return [
        switched
          ? `Nothing to do: ${active} already sends all traffic to ${previewName}, and the deploy job makes it stable${bg.postPromotionTemplates === undefined ? '' : ' once its post-promotion analysis passes'}.`
          : `Nothing to do: the deploy job brings the preview up beside ${stableName}, which ${active} keeps serving until the switch.`,
        '',
        ...abort,
        ...full,
      ];
    case 'paused':
      return pausedSteps(r, bg, s.why, { promote, full, abort, previewName, stableName });
    case 'aborted':
      return [
        `${active} is back on ${stableName}, which serves all traffic; ${previewAfterAbort(bg)}.`,
        ...(countdown.length > 0 ? ['', ...countdown] : []),
        '',
        ...revertLine(r),
        '- Fix the cause and push: a new revision starts a new preview.',
        ...command(
          r,
          'retry',
          `**Retry** ${previewName}: the preview comes up again and its analysis runs afresh`,
        ),
        ...command(r, 'undo', '**Undo** to settle on the stable revision and clear the abort'),
      ];
    case 'degraded':
      return [
        `The rollout is stuck and was not aborted: ${active} stays on ${switched ? previewName : stableName} and the preview's pods stay as they are.`,
        '',
        ...revertLine(r),
        '- Fix the cause (see the message above) and re-run the deploy job: the rollout goes on once the preview is up.',
        ...abort,
        ...command(r, 'undo', '**Undo** to go back to the previous revision'),
      ];
  }
}

/** What an abort does to the preview's pods (abortScaleDownDelaySeconds; 0 keeps them). */
function previewAfterAbort(bg: BlueGreenReport): string {
  return bg.abortScaleDownDelaySeconds === 0
    ? 'the preview keeps its pods (abortScaleDownDelaySeconds 0)'
    : `the preview is scaled away after abortScaleDownDelaySeconds (${bg.abortScaleDownDelaySeconds}s)`;
}

interface Lines {
  promote: string[];
  full: string[];
  abort: string[];
  previewName: string;
  stableName: string;
}

function pausedSteps(
  r: RolloutReport,
  bg: BlueGreenReport,
  why: Extract<Situation, { kind: 'paused' }>['why'],
  l: Lines,
): string[] {
  const active = code(bg.activeService);
  const watch = r.pauseWatch === undefined ? [] : ['', `_${r.pauseWatch}._`];
  switch (why) {
    case 'promote':
      return [
        `The preview (${l.previewName}) is up and waits for a person: ${active} still sends all traffic to ${l.stableName}.${bg.previewService === undefined ? '' : ` Try the preview through ${code(bg.previewService)}.`}`,
        ...watch,
        '',
        ...l.promote,
        ...l.full,
        ...l.abort,
      ];
    case 'timed':
      return [
        `Nothing to do: ${active} switches to ${l.previewName} by itself after autoPromotionSeconds (${bg.autoPromotionSeconds ?? 0}s).`,
        '',
        // A promote does not shorten autoPromotionSeconds (Argo's CompletedBlueGreenPause waits for it).
        ...l.full,
        ...l.abort,
      ];
    case 'inconclusive':
      return [
        'A promotion analysis run was inconclusive: its measurements (below) met neither condition, so a person decides.',
        '',
        ...command(r, 'promote', `**Promote** to accept it and go on with ${l.previewName}`),
        ...l.abort,
      ];
    case 'manual':
      return [
        'Someone paused the rollout with the pause command.',
        ...watch,
        '',
        ...command(r, 'promote', `**Promote** to resume ${l.previewName}`),
        ...l.abort,
      ];
  }
}
