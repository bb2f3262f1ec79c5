/** The facts line, the image and step tables, and the footer of the report. Pure. */
import type { AnalysisRecord } from '../analysis/templates.ts';
import { blueGreenFacts } from './bluegreen-md.ts';
import { between, cellText, clip, code, text, utc } from './markdown.ts';
import type { RolloutReport } from './report-model.ts';
import { actionOf, currentStep, position, stoppedStep, type Situation } from './situation.ts';

export function factsLine(r: RolloutReport, s: Situation): string {
  const step = currentStep(r);
  const facts = [
    `Rollout ${code(r.rollout)} in namespace ${code(r.namespace)}`,
    `phase **${r.phase}**${(s.kind === 'progressing' || s.kind === 'paused') && r.message ? ` (${text(clip(r.message, 300))})` : ''}`,
    ...(r.blueGreen !== undefined
      ? blueGreenFacts(r.blueGreen)
      : r.stepCount === 0
        ? ['no canary steps']
        : s.kind === 'aborted' || s.kind === 'degraded'
          ? (() => {
              const at = stoppedStep(r, s);
              return at === undefined ? [] : [`stopped at ${position(r, at)}`];
            })()
          : step === undefined
            ? [
                r.steps.length === 0
                  ? `steps skipped (went to full scale at once)`
                  : `all ${r.stepCount} steps done`,
              ]
            : [position(r, step)]),
    ...(r.blueGreen === undefined ? weightFacts(r) : []),
  ];
  return facts.join(' · ');
}

function weightFacts(r: RolloutReport): string[] {
  const router = r.router;
  if (router === undefined) return [`canary weight ${r.weight}%`];
  const share = router.maxWeight === 100 ? `${router.weight}%` : `${router.weight}/${router.maxWeight}`;
  return [
    `${router.routers.join(' + ')} router: canary ${share}`,
    ...(router.routes.length > 0 ? [`routes in force: ${router.routes.join(', ')}`] : []),
  ];
}

/** The router's objects, for the report's details. */
export function routerSection(r: RolloutReport): string[] {
  const router = r.router;
  if (router === undefined || router.objects.length === 0) return [];
  return ['### Traffic router', '', ...router.objects.map((o) => `- ${o}`), ''];
}

export function imageTable(r: RolloutReport): string[] {
  if (r.images.length === 0) return [];
  return [
    '### Revision',
    '',
    '| container | from | to |',
    '|---|---|---|',
    ...r.images.map(
      (i) =>
        `| ${cellText(i.container)} | ${i.from === undefined ? '(new)' : code(i.from).replace(/\|/g, '\\|')} | ${code(i.to).replace(/\|/g, '\\|')} |`,
    ),
  ];
}

export function stepTable(r: RolloutReport, s: Situation): string[] {
  if (r.stepCount === 0 && r.steps.length === 0 && r.plannedSteps.length === 0) {
    return ['### Steps', '', 'No canary steps: the update goes to full scale at once.'];
  }
  const numbers = [...new Set([...r.plannedSteps.map((p) => p.step), ...r.steps.map((x) => x.step)])].sort(
    (a, b) => a - b,
  );
  const current = currentStep(r);
  const stopped = stoppedStep(r, s);
  const lastRecorded = Math.max(0, ...r.steps.map((x) => x.step));
  const rows = numbers.map((n) => {
    const rec = r.steps.find((x) => x.step === n);
    const plan = r.plannedSteps.find((p) => p.step === n);
    const done = rec?.completedAt !== undefined;
    let state: string;
    if (s.kind === 'healthy') {
      // No record: the step never ran (a first deploy or a return to the stable revision skips them).
      state = done || (rec !== undefined && n <= lastRecorded) ? '✅ done' : '⏭️ skipped';
    } else if (s.kind === 'aborted' || s.kind === 'degraded') {
      state =
        n === stopped
          ? '✖ stopped'
          : done || (stopped !== undefined && n < stopped)
            ? '✅ done'
            : '– not reached';
    } else if (done || (current !== undefined && n < current) || current === undefined) {
      state = '✅ done';
    } else if (n === current) {
      state = s.kind === 'paused' ? '⏸️ paused' : '▶️ running';
    } else {
      state = '⏳ pending';
    }
    const active = state.startsWith('⏸️') || state.startsWith('▶️');
    const took = done
      ? between(rec.startedAt, rec.completedAt)
      : active
        ? between(rec?.startedAt, r.updatedAt)
        : undefined;
    const time = took === undefined ? '—' : active ? `${took} so far` : took;
    const action = rec?.action ?? plan?.action ?? '?';
    const weight = rec?.weight ?? plan?.weight;
    // A skipped step had no pods of its own: planned counts would describe pods that never existed.
    const skipped = state.startsWith('⏭️');
    const canary = skipped ? undefined : (rec?.canary ?? plan?.canary);
    const stable = skipped ? undefined : (rec?.stable ?? plan?.stable);
    return `| ${n} | ${code(action).replace(/\|/g, '\\|')} | ${weight === undefined ? '—' : `${weight}%`} | ${canary ?? '—'} | ${stable ?? '—'} | ${state} | ${time} |`;
  });
  return [
    '### Steps',
    '',
    '| step | action | weight | canary pods | stable pods | state | time |',
    '|---:|---|---:|---:|---:|---|---|',
    ...rows,
  ];
}

export function runLabel(r: RolloutReport): (a: AnalysisRecord) => string {
  return (a) => {
    const attempt = /-(\d+)-(?:background|step\d+|first-deploy|pre-promotion|post-promotion)$/.exec(
      a.id,
    )?.[1];
    const retry = attempt !== undefined && attempt !== '0' ? `, retry ${attempt}` : '';
    if (a.kind === 'PrePromotion' || a.kind === 'PostPromotion') {
      const names =
        (a.kind === 'PrePromotion'
          ? r.blueGreen?.prePromotionTemplates
          : r.blueGreen?.postPromotionTemplates) ?? [];
      const which = a.kind === 'PrePromotion' ? 'Pre-promotion' : 'Post-promotion';
      return `${which} analysis${names.length > 0 ? ` (${names.join(', ')})` : ''}${retry}`;
    }
    if (a.kind === 'FirstDeploy') {
      const names = analysisTemplates(r);
      return `First-deploy analysis${names.length > 0 ? ` (${names.join(', ')})` : ''}${retry}`;
    }
    if (a.kind === 'Background') {
      const names = r.backgroundTemplates ?? [];
      return `Background analysis${names.length > 0 ? ` (${names.join(', ')})` : ''}${retry}`;
    }
    const step = (a.stepIndex ?? 0) + 1;
    const names = templatesOfStep(r, step);
    return `Step ${step} analysis${names.length > 0 ? ` (${names.join(', ')})` : ''}${retry}`;
  };
}

/** Every template the rollout's analysis names: the background's, then each analysis step's. */
export function analysisTemplates(r: RolloutReport): string[] {
  return [
    ...new Set([
      ...(r.backgroundTemplates ?? []),
      ...r.plannedSteps.flatMap((p) => templatesOfStep(r, p.step)),
    ]),
  ];
}

/** The templates an analysis step names, from its `describeStep` text (`analysis a, b`). */
export function templatesOfStep(r: RolloutReport, step: number): string[] {
  const m = /^analysis (.+)$/.exec(actionOf(r, step) ?? '');
  return m?.[1] === undefined ? [] : m[1].split(', ').filter((n) => n !== '' && n !== 'undefined');
}

/** The last line: when, the workflow run and the commit (a rollout's report or an experiment's). */
export function footer(r: Pick<RolloutReport, 'updatedAt' | 'runUrl' | 'sha'>): string {
  const parts = [`Updated ${utc(r.updatedAt)}`];
  if (r.runUrl !== undefined) parts.push(`[workflow run](${r.runUrl})`);
  if (r.sha !== undefined) parts.push(`commit ${r.sha.slice(0, 7)}`);
  parts.push('rollout-pilot');
  return `<sub>${parts.join(' · ')}</sub>`;
}
