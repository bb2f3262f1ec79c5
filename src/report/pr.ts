/**
 * The rollout as the pull request behind a deploy tells it: one live comment, a check run, the job
 * summary, and annotations at the failing metrics' lines. Pure: the lead fills a RolloutReport from
 * the cluster's state (times as data) and posts what these return.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import { renderAnalysisSection } from './analysis-md.ts';
import { blueGreenSection } from './bluegreen-md.ts';
import { experimentStepSection } from './experiment-step-md.ts';
import { clip, hardCap } from './markdown.ts';
import { nextSteps } from './next-steps.ts';
import type { CheckRunReport, RolloutReport } from './report-model.ts';
import { situation, verdict, type Situation } from './situation.ts';
import { factsLine, footer, imageTable, routerSection, runLabel, stepTable } from './tables.ts';

/** GitHub refuses comment bodies above 65,536 characters; a margin for the marker and edits. */
export const COMMENT_LIMIT = 65_000;
/** GitHub's limit for a check run's `output.summary` and `output.text`, each. */
export const CHECK_RUN_LIMIT = 65_535;
/** `$GITHUB_STEP_SUMMARY` takes up to 1 MiB per step; in UTF-8 bytes. */
export const JOB_SUMMARY_LIMIT = 1_000_000;

/** The hidden line that finds this rollout's comment among the pull request's comments. */
export function commentMarker(namespace: string, name: string): string {
  return `<!-- rollout-pilot:${namespace}/${name} -->`;
}
// ---------------------------------------------------------------------------------------------
// Renderers

/** Where a report goes: the comment (with its marker) or the job summary, and how it is measured. */
export interface ReportTarget {
  /** The hidden marker line goes first. */
  marker: boolean;
  limit: number;
  size: (s: string) => number;
  /** Where every measurement can be read when the report leaves some out. */
  elsewhere: string;
}

const chars = (s: string): number => s.length;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export function commentTarget(runUrl: string | undefined): ReportTarget {
  return {
    marker: true,
    limit: COMMENT_LIMIT,
    size: chars,
    elsewhere: runUrl === undefined ? 'the job summary' : `the job summary of the [workflow run](${runUrl})`,
  };
}

export const JOB_SUMMARY_TARGET: ReportTarget = {
  marker: false,
  limit: JOB_SUMMARY_LIMIT,
  size: bytes,
  elsewhere: "the action's `analysis` output",
};

export interface ReportParts {
  marker: string;
  head: string[];
  footer: string;
  runs: readonly AnalysisRecord[];
  label: (r: AnalysisRecord) => string;
  /** The analysis section's heading, when not `### Analysis`. */
  heading?: string | undefined;
}

/** The head, then the analysis runs in the room left, then the footer; capped at the target's limit. */
export function assembleReport(parts: ReportParts, target: ReportTarget): string {
  const top = [...(target.marker ? [parts.marker] : []), ...parts.head].join('\n');
  const analysis = renderAnalysisSection(parts.runs, {
    budget: target.limit - target.size(top) - target.size(parts.footer) - 8,
    size: target.size,
    label: parts.label,
    elsewhere: target.elsewhere,
    heading: parts.heading,
  });
  const out = [top, ...(analysis === '' ? [] : [analysis]), parts.footer].join('\n\n');
  return hardCap(out, target.limit, target.size, '_Report cut short to fit GitHub’s size limit._');
}

/** The check run's `summary`: the report's head and footer, capped at the check run's limit. */
export function checkRunSummary(lines: readonly string[]): string {
  return hardCap(lines.join('\n'), CHECK_RUN_LIMIT, chars, '_Summary cut short to fit GitHub’s size limit._');
}

/** The check run's `text`: every run's measurements within the check run's limit. */
export function checkRunText(
  runs: readonly AnalysisRecord[],
  label: (r: AnalysisRecord) => string,
  heading?: string,
): string | undefined {
  const text = renderAnalysisSection(runs, {
    budget: CHECK_RUN_LIMIT,
    size: chars,
    label,
    elsewhere: 'the job summary',
    heading,
  });
  return text === '' ? undefined : text;
}

function head(r: RolloutReport, s: Situation): string[] {
  return [
    `## ${verdict(r, s).markdown}`,
    '',
    factsLine(r, s),
    '',
    ...nextSteps(r, s),
    '',
    ...imageTable(r),
    ...(r.images.length > 0 ? [''] : []),
    ...routerSection(r),
    ...(r.blueGreen === undefined ? stepTable(r, s) : blueGreenSection(r, r.blueGreen)),
    ...(r.experiments ?? []).flatMap((x) => ['', ...experimentStepSection(x)]),
  ];
}

function renderReport(r: RolloutReport, target: ReportTarget): string {
  const s = situation(r);
  const parts = {
    marker: commentMarker(r.namespace, r.rollout),
    head: head(r, s),
    footer: footer(r),
    runs: r.analysis,
    label: runLabel(r),
  };
  return assembleReport(parts, target);
}

/** The pull request comment: marker, verdict, what to do next, revision, steps, analysis, footer. */
export function renderComment(r: RolloutReport): string {
  return renderReport(r, commentTarget(r.runUrl));
}

/** The same report for `$GITHUB_STEP_SUMMARY`, without the marker and with room for far more. */
export function renderJobSummary(r: RolloutReport): string {
  return renderReport(r, JOB_SUMMARY_TARGET);
}

/**
 * The check run on the deployed commit. A rollout paused at a step stays `in_progress` with a title
 * that says what it waits for: the deploy is not finished, and a completed `action_required` run
 * would put a failure mark on main for a pause that is working as written. It also cannot turn back
 * to in progress once someone promotes. Failed, errored or aborted rollouts complete as `failure`.
 */
export function renderCheckRun(r: RolloutReport): CheckRunReport {
  const s = situation(r);
  const v = verdict(r, s);
  const summary = checkRunSummary([...head(r, s), '', footer(r)]);
  const text = checkRunText(r.analysis, runLabel(r));
  const title = clip(v.plain, 200);
  const base = { title, summary, ...(text === undefined ? {} : { text }) };
  switch (s.kind) {
    case 'healthy':
      return { ...base, status: 'completed', conclusion: 'success' };
    case 'aborted':
    case 'degraded':
      return { ...base, status: 'completed', conclusion: 'failure' };
    case 'progressing':
    case 'paused':
      return { ...base, status: 'in_progress' };
  }
}
