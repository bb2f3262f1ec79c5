/**
 * An Experiment as the pull request, the check run and the job summary tell it: the verdict and why,
 * the times, each template with its ReplicaSet and pods, each analysis with its phase, then every
 * measurement (`analysis-md.ts`, with the judge's comparison). Pure, within GitHub's size limits.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type { ExperimentReport } from './experiment-model.ts';
import { analysisTable, experimentFactsLine, templateTable, timeLines } from './experiment-tables.ts';
import { experimentVerdict } from './experiment-verdict.ts';
import { cellText, clip } from './markdown.ts';
import {
  JOB_SUMMARY_TARGET,
  assembleReport,
  checkRunSummary,
  checkRunText,
  commentMarker,
  commentTarget,
  type ReportTarget,
} from './pr.ts';
import type { CheckRunReport } from './report-model.ts';
import { footer } from './tables.ts';

/** The hidden line that finds this experiment's comment; `/` keeps it apart from a rollout's. */
export function experimentMarker(namespace: string, name: string): string {
  return commentMarker(namespace, `experiment/${name}`);
}

function head(r: ExperimentReport): string[] {
  const v = experimentVerdict(r);
  const times = timeLines(r);
  return [
    `## ${v.markdown}`,
    '',
    experimentFactsLine(r),
    '',
    `**Why:** ${v.why}`,
    '',
    ...(r.message && !v.why.includes(r.message) ? [`Message: ${cellText(clip(r.message, 500))}`, ''] : []),
    ...(times.length > 0 ? [...times, ''] : []),
    '### Templates',
    '',
    ...templateTable(r),
    '',
    '### Analyses',
    '',
    ...analysisTable(r),
  ];
}

function runs(r: ExperimentReport): AnalysisRecord[] {
  return r.analyses.flatMap((a) => (a.run === undefined ? [] : [a.run]));
}

function runLabel(r: ExperimentReport): (run: AnalysisRecord) => string {
  return (run) => {
    const a = r.analyses.find((x) => x.run === run);
    return `Analysis ${a?.name ?? run.id}${a?.templateName === undefined ? '' : ` (${a.templateName})`}`;
  };
}

const HEADING = '### Measurements';

function render(r: ExperimentReport, target: ReportTarget): string {
  const parts = {
    marker: experimentMarker(r.namespace, r.experiment),
    head: head(r),
    footer: footer(r),
    runs: runs(r),
    label: runLabel(r),
    heading: HEADING,
  };
  return assembleReport(parts, target);
}

/** The pull request comment: marker, verdict and why, times, templates, analyses, measurements. */
export function renderExperimentComment(r: ExperimentReport): string {
  return render(r, commentTarget(r.runUrl));
}

/** The same for `$GITHUB_STEP_SUMMARY`, without the marker and with room for far more. */
export function renderExperimentJobSummary(r: ExperimentReport): string {
  return render(r, JOB_SUMMARY_TARGET);
}

/**
 * The check run: in progress while Pending or Running; success when Successful; failure for Failed
 * and Error (the run's exit code is non-zero for them); neutral for Inconclusive.
 */
export function renderExperimentCheckRun(r: ExperimentReport): CheckRunReport {
  const summary = checkRunSummary([...head(r), '', footer(r)]);
  const text = checkRunText(runs(r), runLabel(r), HEADING);
  const base = {
    title: clip(experimentVerdict(r).plain, 200),
    summary,
    ...(text === undefined ? {} : { text }),
  };
  switch (r.phase) {
    case 'Pending':
    case 'Running':
      return { ...base, status: 'in_progress' };
    case 'Successful':
      return { ...base, status: 'completed', conclusion: 'success' };
    case 'Inconclusive':
      return { ...base, status: 'completed', conclusion: 'neutral' };
    case 'Failed':
    case 'Error':
      return { ...base, status: 'completed', conclusion: 'failure' };
  }
}
