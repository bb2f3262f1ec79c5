import type { Plan } from '../engine/plan.ts';

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
): string {
  const lines = [`### Plan for Rollout \`${name}\` in \`${namespace}\``, '', plan.summary, ''];
  if (images.length > 0) {
    lines.push('| container | from | to |', '|---|---|---|');
    for (const c of images) lines.push(`| ${c.container} | ${c.from ?? '(none)'} | ${c.to} |`);
    lines.push('');
  }
  if (plan.rows.length > 0) {
    lines.push('| step | action | weight | canary pods | stable pods |', '|---:|---|---:|---:|---:|');
    for (const r of plan.rows) {
      lines.push(`| ${r.step ?? '—'} | ${r.action} | ${r.weight}% | ${r.canary} | ${r.stable} |`);
    }
    lines.push(
      '',
      `Pods move at most maxSurge ${plan.maxSurge} above and maxUnavailable ${plan.maxUnavailable} below the replica count at any moment.`,
    );
  }
  return lines.join('\n');
}
