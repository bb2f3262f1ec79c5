/**
 * An `experiment` step inside a canary rollout's report: one line for the step table or a log, and a
 * section (verdict and why, times, templates, analyses) that the rollout's report embeds. The runs'
 * measurements are not repeated here: they belong in the report's analysis section. Pure.
 */
import { PHASE_ICON } from './analysis-md.ts';
import type { ExperimentReport } from './experiment-model.ts';
import { TEMPLATE_ICON, analysisTable, countsText, templateTable, timeLines } from './experiment-tables.ts';
import { experimentVerdict } from './experiment-verdict.ts';
import { code } from './markdown.ts';

function stepPrefix(r: ExperimentReport): string {
  return r.rollout === undefined ? '' : `Step ${r.rollout.step}: `;
}

/** `Step 3: experiment `web-abc-2-2` 🔄 Running · templates … · analyses …`, in Markdown. */
export function experimentStepLine(r: ExperimentReport): string {
  const templates = r.templates.map(
    (t) => `${code(t.name)} ${TEMPLATE_ICON[t.status]} ${t.ready}/${t.desired}`,
  );
  const analyses = r.analyses.map(
    (a) =>
      `${code(a.name)} ${a.phase === '' ? '⏳ not started' : `${PHASE_ICON[a.phase]} ${a.phase}`}${a.run === undefined ? '' : ` (${countsText(a.run)})`}`,
  );
  return [
    `${stepPrefix(r)}experiment ${code(r.experiment)} ${PHASE_ICON[r.phase]} ${r.phase}`,
    ...(templates.length > 0 ? [`templates ${templates.join(', ')}`] : []),
    ...(analyses.length > 0 ? [`analyses ${analyses.join(', ')}`] : []),
  ].join(' · ');
}

/** The same as plain text, for a terminal: `experiment web-abc-2-2 Running (baseline 1/1 Running, …)`. */
export function experimentStepText(r: ExperimentReport): string {
  const parts = [
    ...r.templates.map((t) => `${t.name} ${t.ready}/${t.desired} ${t.status}`),
    ...r.analyses.map((a) => `${a.name} ${a.phase === '' ? 'not started' : a.phase}`),
  ];
  return `experiment ${r.experiment} ${r.phase}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** A `####` section for the rollout's report: the step's experiment, its verdict, templates and analyses. */
export function experimentStepSection(r: ExperimentReport): string[] {
  const v = experimentVerdict(r);
  const times = timeLines(r);
  return [
    `#### ${stepPrefix(r)}experiment ${code(r.experiment)}`,
    '',
    `${v.markdown}. ${v.why}`,
    '',
    ...(times.length > 0 ? [...times, ''] : []),
    ...templateTable(r),
    '',
    ...analysisTable(r),
  ];
}
