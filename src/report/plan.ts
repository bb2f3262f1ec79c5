import type { Plan } from '../engine/plan.ts';
import { blueGreenPlan, imageRows, type BlueGreenNow } from './plan-bluegreen-md.ts';

export interface ImageChange {
  container: string;
  from: string | undefined;
  to: string;
}

/** The plan as Markdown: readable in a log, a job summary, or a pull request comment. */
export function renderPlan(
  name: string,
  namespace: string,
  plan: Plan,
  images: readonly ImageChange[],
  now?: BlueGreenNow,
): string {
  const lines = [`### Plan for Rollout \`${name}\` in \`${namespace}\``, '', plan.summary, ''];
  if (plan.blueGreen !== undefined) return [...lines, ...blueGreenPlan(plan, images, now)].join('\n');
  lines.push(...imageRows(images));
  const router = plan.router;
  if (router !== undefined) {
    lines.push(`Traffic router: ${router.routers.join(' + ')}; it changes:`, '');
    for (const o of router.objects) lines.push(`- ${o}`);
    lines.push('');
  }
  if (plan.rows.length > 0) {
    const weightOf = (w: number): string =>
      router === undefined || router.maxWeight === 100 ? `${w}%` : `${w}/${router.maxWeight}`;
    const weightHead = router === undefined ? 'weight' : 'router weight';
    lines.push(`| step | action | ${weightHead} | canary pods | stable pods |`, '|---:|---|---:|---:|---:|');
    for (const r of plan.rows) {
      lines.push(`| ${r.step ?? '—'} | ${r.action} | ${weightOf(r.weight)} | ${r.canary} | ${r.stable} |`);
    }
    lines.push(
      '',
      router === undefined
        ? `Pods move at most maxSurge ${plan.maxSurge} above and maxUnavailable ${plan.maxUnavailable} below the replica count at any moment.`
        : 'The router carries the weight: the canary is scaled for it and the stable keeps its pods until promotion (scaleDownDelaySeconds after it).',
    );
  }
  return lines.join('\n');
}
