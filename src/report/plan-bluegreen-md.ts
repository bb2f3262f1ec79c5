/** A blue-green plan as Markdown: where the Services point now, then each stage with its pods. */
import type { Plan } from '../engine/plan.ts';
import { code } from './markdown.ts';
import type { ImageChange } from './plan.ts';

/** Where the Services point now, from the stored state: a pod-template hash and its revision. */
export interface BlueGreenNow {
  active?: { hash: string; revision?: number | undefined } | undefined;
  preview?: { hash: string; revision?: number | undefined } | undefined;
}

function target(t: BlueGreenNow['active']): string {
  if (t === undefined) return 'nothing yet';
  return `${t.revision === undefined ? '' : `revision ${t.revision} `}(${code(t.hash)})`;
}

export function blueGreenPlan(plan: Plan, images: readonly ImageChange[], now?: BlueGreenNow): string[] {
  const bg = plan.blueGreen;
  if (bg === undefined) return [];
  const lines = [
    `- Active Service ${code(bg.activeService)} now selects ${target(now?.active)}`,
    ...(bg.previewService === undefined
      ? ['- No preview Service: the preview is reached through its pods only']
      : [`- Preview Service ${code(bg.previewService)} now selects ${target(now?.preview)}`]),
    '',
    ...imageRows(images),
  ];
  if (plan.rows.length === 0) return lines;
  lines.push(
    '| stage | action | preview pods | active pods | active Service on |',
    '|---:|---|---:|---:|---|',
    ...plan.rows.map(
      (r, i) =>
        `| ${i + 1} | ${r.action} | ${r.canary} | ${r.stable} | ${r.weight === 100 ? 'new revision' : 'current revision'} |`,
    ),
    '',
    'The preview runs beside the active revision: at most twice the pods until the previous revision scales down. The switch moves all traffic at once.',
  );
  return lines;
}

/** The image changes as a table. */
export function imageRows(images: readonly ImageChange[]): string[] {
  if (images.length === 0) return [];
  return [
    '| container | from | to |',
    '|---|---|---|',
    ...images.map((c) => `| ${c.container} | ${c.from ?? '(none)'} | ${c.to} |`),
    '',
  ];
}
