/**
 * The parts of an Experiment's report: the facts line, the times, the template table (ReplicaSet,
 * pods, status, Service) and the analysis table (phase, measurements by phase, newest values, with a
 * judge's verdict shown as such). Pure.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type { TemplateStatusCode } from '../engine/experiment-types.ts';
import { PHASE_ICON } from './analysis-md.ts';
import { scaleDownIn } from './bluegreen-md.ts';
import {
  countParts,
  isFinal,
  measurementCounts,
  type ExperimentAnalysisReport,
  type ExperimentReport,
  type ExperimentTemplateReport,
} from './experiment-model.ts';
import { durationText } from './experiment-verdict.ts';
import { judgeValueCell } from './judge-md.ts';
import { between, cellCode, cellText, clip, code, utc } from './markdown.ts';

export const TEMPLATE_ICON: Record<TemplateStatusCode, string> = {
  Progressing: '⏳',
  Running: '🔄',
  Successful: '✅',
  Failed: '❌',
  Error: '⚠️',
};

function podsCell(t: ExperimentTemplateReport): string {
  if (t.replicaSet === undefined) return `— (wants ${t.replicas})`;
  if (t.desired === 0 && t.replicas > 0) return `${t.ready}/0, scaled down from ${t.replicas}`;
  return `${t.ready}/${t.desired}`;
}

export function templateTable(r: ExperimentReport): string[] {
  const withSource = r.templates.some((t) => t.specRef !== undefined || t.weight !== undefined);
  const rows = r.templates.map((t) => {
    const rs =
      t.replicaSet === undefined ? '—' : `${cellCode(t.replicaSet)}${t.hash ? ` (${cellCode(t.hash)})` : ''}`;
    const source = withSource
      ? ` ${t.specRef ?? '—'} | ${t.weight === undefined ? '—' : `${t.weight}%`} |`
      : '';
    const when = scaleDownIn(t, r.updatedAt);
    const notes = [
      ...(t.images ?? []).map((i) => cellCode(i)),
      ...(t.message ? [cellText(clip(t.message, 300))] : []),
      ...(when === undefined ? [] : [`scales down ${when}`]),
    ];
    return `| ${cellCode(t.name)} |${source} ${rs} | ${podsCell(t)} | ${TEMPLATE_ICON[t.status]} ${t.status} | ${t.serviceName === undefined ? '—' : cellCode(t.serviceName)} | ${notes.length > 0 ? notes.join('<br>') : '—'} |`;
  });
  return [
    '| template |' +
      (withSource ? ' from | weight |' : '') +
      ' ReplicaSet (hash) | pods ready/desired | status | Service | notes |',
    '|---|' + (withSource ? '---|---:|' : '') + '---|---:|---|---|---|',
    ...rows,
  ];
}

/** `3: 2 ✅ 1 ❌`, the measurements a run took by phase. */
export function countsText(run: AnalysisRecord | undefined): string {
  if (run === undefined) return 'not started';
  const c = measurementCounts(run);
  const total = c.successful + c.failed + c.inconclusive + c.error;
  const icons = {
    successful: PHASE_ICON.Successful,
    failed: PHASE_ICON.Failed,
    inconclusive: PHASE_ICON.Inconclusive,
    error: PHASE_ICON.Error,
  };
  const parts = countParts(c, icons, (n, icon) => `${n} ${icon}`);
  return `${total}${parts.length > 0 ? `: ${parts.join(' ')}` : ''}`;
}

/** Each metric's newest value: a judge's verdict and score, or the value as measured. */
function latestCell(run: AnalysisRecord | undefined): string {
  const values = (run?.state.metrics ?? []).flatMap((m) => {
    const v = m.measurements[m.measurements.length - 1]?.value;
    if (v === undefined || v === '') return [];
    return [`${cellText(m.name)}: ${judgeValueCell(v) ?? cellCode(clip(v, 80))}`];
  });
  return values.length > 0 ? values.join('<br>') : '—';
}

function phaseCell(a: ExperimentAnalysisReport): string {
  return a.phase === '' ? '⏳ not started' : `${PHASE_ICON[a.phase]} ${a.phase}`;
}

export function analysisTable(r: ExperimentReport): string[] {
  if (r.analyses.length === 0) return ['No analysis: the templates alone decide the experiment.'];
  const rows = r.analyses.map((a) => {
    const template = a.templateName === undefined ? '—' : cellCode(a.templateName);
    const message = a.message ? cellText(clip(a.message, 300)) : '—';
    return `| ${cellCode(a.name)} | ${template} | ${a.requiredForCompletion ? 'yes' : 'no'} | ${phaseCell(a)} | ${countsText(a.run)} | ${latestCell(a.run)} | ${message} |`;
  });
  return [
    '| analysis | template | required | phase | measurements | newest value | message |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

/** Times: when it became available, the duration left or when it finished. */
export function timeLines(r: ExperimentReport): string[] {
  const lines: string[] = [];
  if (r.availableAt !== undefined) lines.push(`- Every template available since ${utc(r.availableAt)}`);
  const d = durationText(r);
  if (d !== undefined) lines.push(`- Duration ${d}`);
  if (r.finishedAt !== undefined) {
    const took = between(r.availableAt, r.finishedAt);
    lines.push(
      `- Finished at ${utc(r.finishedAt)}${took === undefined ? '' : ` (${took} after it was available)`}`,
    );
  }
  if (r.terminate && !isFinal(r.phase)) lines.push('- Asked to terminate (abort)');
  return lines;
}

export function experimentFactsLine(r: ExperimentReport): string {
  return [
    `Experiment ${code(r.experiment)} in namespace ${code(r.namespace)}`,
    ...(r.rollout === undefined ? [] : [`step ${r.rollout.step} of rollout ${code(r.rollout.name)}`]),
    `phase **${r.phase}**`,
    `${r.templates.length} template${r.templates.length === 1 ? '' : 's'}`,
    `${r.analyses.length} analys${r.analyses.length === 1 ? 'is' : 'es'}`,
  ].join(' · ');
}
