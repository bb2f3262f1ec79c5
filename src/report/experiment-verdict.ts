/**
 * An Experiment's verdict and why, from its report: which template or analysis decided the phase
 * (Argo's calculateStatus: a template gone bad decides first, then the worst analysis), or, while it
 * runs, what it waits for and how long the duration has left. Pure.
 */
import { REQUIRED_RUNS_COMPLETED } from '../engine/experiment-phase.ts';
import type { ExperimentPhase } from '../engine/experiment-types.ts';
import { PHASE_ICON } from './analysis-md.ts';
import type {
  ExperimentAnalysisReport,
  ExperimentReport,
  ExperimentTemplateReport,
} from './experiment-model.ts';
import { isFinal } from './experiment-model.ts';
import { between, clip, clock, code, dayOf, duration, text, utc } from './markdown.ts';

/** What ended the experiment: a template, an analysis, the required analyses, the duration or an abort. */
export type Decider =
  | { kind: 'template'; template: ExperimentTemplateReport }
  | { kind: 'analysis'; analysis: ExperimentAnalysisReport }
  | { kind: 'required'; analyses: ExperimentAnalysisReport[] }
  | { kind: 'terminated' }
  | { kind: 'duration'; seconds: number }
  | { kind: 'all' };

export interface ExperimentVerdict {
  /** `## …` headline in Markdown, and the same words as plain text (a check run's title). */
  markdown: string;
  plain: string;
  /** Why, in Markdown, one paragraph. */
  why: string;
  decider?: Decider | undefined;
}

export function decider(r: ExperimentReport): Decider | undefined {
  if (!isFinal(r.phase)) return undefined;
  if (r.phase !== 'Successful') {
    const template = r.templates.find((t) => t.status === r.phase);
    if (template !== undefined) return { kind: 'template', template };
    const analysis = r.analyses.find((a) => a.phase === r.phase);
    return analysis === undefined ? undefined : { kind: 'analysis', analysis };
  }
  if (r.message === REQUIRED_RUNS_COMPLETED) {
    return { kind: 'required', analyses: r.analyses.filter((a) => a.requiredForCompletion) };
  }
  if (r.terminate) return { kind: 'terminated' };
  if (r.durationSeconds !== undefined) return { kind: 'duration', seconds: r.durationSeconds };
  return { kind: 'all' };
}

const names = (items: readonly { name: string }[]): string => items.map((i) => code(i.name)).join(', ');

function analysisName(a: ExperimentAnalysisReport): string {
  return `analysis ${code(a.name)}${a.templateName === undefined || a.templateName === a.name ? '' : ` (template ${code(a.templateName)})`}`;
}

function withMessage(message: string | undefined): string {
  return message ? `: ${text(clip(message, 500))}` : '';
}

/** Why a final experiment has its phase, as one paragraph. */
function finalWhy(r: ExperimentReport, d: Decider | undefined): string {
  switch (d?.kind) {
    case 'template':
      return `Template ${code(d.template.name)} ended ${d.template.status}${withMessage(d.template.message)}. A template that fails or errors ends the experiment with its phase, and its analyses are terminated.`;
    case 'analysis':
      return `The ${analysisName(d.analysis)} ended ${d.analysis.phase}${withMessage(d.analysis.message)}. An analysis that fails, errors or is inconclusive ends the experiment with its phase.`;
    case 'required':
      return `Every analysis marked requiredForCompletion (${names(d.analyses)}) ended Successful, which ends the experiment.`;
    case 'terminated':
      return 'It was terminated (abort) before its end, and nothing had failed, so it ends Successful, as Argo does.';
    case 'duration':
      return `The templates ran for their duration (${duration(d.seconds)}) and no analysis failed.`;
    case 'all':
      return 'Every template and every analysis ended Successful.';
    case undefined:
      return `It ended ${r.phase}${withMessage(r.message)}.`;
  }
}

type Times = Pick<ExperimentReport, 'durationSeconds' | 'availableAt' | 'finishedAt' | 'phase' | 'updatedAt'>;

/** RFC 3339: when the duration runs out; undefined without a duration or before it starts. */
function durationEnd(r: Times): string | undefined {
  if (r.durationSeconds === undefined || r.availableAt === undefined) return undefined;
  return new Date(Date.parse(r.availableAt) + r.durationSeconds * 1000).toISOString();
}

/** Time left of the duration, `2m 10s`, while the experiment runs and it has not run out. */
export function durationLeft(r: Times): string | undefined {
  const end = durationEnd(r);
  if (end === undefined || isFinal(r.phase) || Date.parse(end) <= Date.parse(r.updatedAt)) return undefined;
  return between(r.updatedAt, end);
}

/** `5m 00s: 2m 10s left, ends at 10:05:00 UTC`, or how it is counted, or how it ended. */
export function durationText(r: Times): string | undefined {
  if (r.durationSeconds === undefined) return undefined;
  const total = duration(r.durationSeconds);
  const end = durationEnd(r);
  if (end === undefined) return `${total}, counted from when every template is available`;
  const left = durationLeft(r);
  if (left !== undefined) return `${total}: ${left} left, ends at ${clock(end, dayOf(r.updatedAt))} UTC`;
  const stop = r.finishedAt ?? r.updatedAt;
  if (Date.parse(stop) < Date.parse(end))
    return `${total}, cut short: the experiment ended before it ran out`;
  return `${total}, ran out ${utc(end)}`;
}

/** What an experiment that is not over waits for. */
function activeWhy(r: ExperimentReport): string {
  if (r.phase === 'Pending') {
    const short = r.templates.filter((t) => t.ready < t.replicas || t.status === 'Progressing');
    return `Waiting for ${short.length > 0 ? names(short) : 'the templates'} to have every pod available; the analyses start then. A template short of its pods fails after ${r.progressDeadlineSeconds}s (progressDeadlineSeconds).`;
  }
  const required = r.analyses.filter((a) => a.requiredForCompletion && a.phase !== 'Successful');
  const until = r.terminate
    ? 'It was asked to terminate and is winding down.'
    : required.length > 0
      ? `It ends when the required analyses ${names(required)} succeed.`
      : r.durationSeconds !== undefined
        ? `It ends when its duration (${duration(r.durationSeconds)}) runs out${durationLeft(r) === undefined ? '' : `, in ${durationLeft(r) ?? ''}`}.`
        : 'It has no duration and no required analysis: it runs until terminated or an analysis fails.';
  const measuring = r.analyses.filter((a) => a.phase === 'Running' || a.phase === 'Pending');
  return `${measuring.length > 0 ? `Measuring: ${names(measuring)}. ` : ''}${until}`;
}

const WORDS: Record<ExperimentPhase, string> = {
  Pending: 'pending',
  Running: 'running',
  Successful: 'successful',
  Failed: 'failed',
  Error: 'errored',
  Inconclusive: 'inconclusive',
};

function deciderWords(d: Decider | undefined): { md: string; plain: string } | undefined {
  if (d?.kind === 'template')
    return { md: `template ${code(d.template.name)}`, plain: `template ${d.template.name}` };
  if (d?.kind === 'analysis')
    return { md: `analysis ${code(d.analysis.name)}`, plain: `analysis ${d.analysis.name}` };
  return undefined;
}

export function experimentVerdict(r: ExperimentReport): ExperimentVerdict {
  const d = decider(r);
  const by = deciderWords(d);
  const head = `Experiment ${code(r.experiment)} ${WORDS[r.phase]}`;
  const plainHead = `Experiment ${r.experiment} ${WORDS[r.phase]}`;
  const markdown = `${PHASE_ICON[r.phase]} ${head}${by === undefined ? '' : `: ${by.md} ${r.phase}`}`;
  const plain = `${plainHead}${by === undefined ? '' : `: ${by.plain} ${r.phase}`}`;
  return { markdown, plain, why: isFinal(r.phase) ? finalWhy(r, d) : activeWhy(r), decider: d };
}
