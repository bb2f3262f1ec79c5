/**
 * The rollout as the pull request behind a deploy tells it: one live comment, a check run, the job
 * summary, and annotations at the failing metrics' lines. Pure: the lead fills a RolloutReport from
 * the cluster's state (times as data) and posts what these return.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type { Phase, StepRecord } from '../engine/state.ts';
import { renderAnalysisSection, scrubber } from './analysis-md.ts';
import { between, cellText, clip, code, fence, hardCap, text, utc } from './markdown.ts';

/** A step of the plan, with the pod counts it settles at. */
export interface PlannedStep {
  /** 1-based. */
  step: number;
  action: string;
  weight: number;
  canary: number;
  stable: number;
}

export interface ImageRow {
  container: string;
  from?: string | undefined;
  to: string;
}

export interface RolloutReport {
  rollout: string;
  namespace: string;
  /** `owner/repo`. */
  repository?: string | undefined;
  /** The deployed commit. */
  sha?: string | undefined;
  /** The workflow run that drives (or last drove) the rollout. */
  runUrl?: string | undefined;
  phase: Phase;
  message: string;
  aborted: boolean;
  images: ImageRow[];
  stepCount: number;
  /** 0-based index of the current step; `stepCount` once all are done. */
  currentStepIndex: number;
  /** The canary's weight, 0..100. */
  weight: number;
  /** Completed and current steps with their times; the others are pending. */
  steps: StepRecord[];
  plannedSteps: PlannedStep[];
  /** The runs to show, with their measurements (values and queries already redacted). */
  analysis: AnalysisRecord[];
  /** The templateNames of `strategy.canary.analysis`, to find a background metric's template. */
  backgroundTemplates?: string[] | undefined;
  /** File name of the workflow_dispatch control workflow, e.g. `rollout-control.yml`. */
  controlWorkflow?: string | undefined;
  /** RFC 3339: when this report was made. */
  updatedAt: string;
  revertPr?: { number: number; url: string } | undefined;
}

export interface CheckRunReport {
  title: string;
  summary: string;
  text?: string;
  conclusion?: 'success' | 'failure' | 'neutral' | 'action_required';
  status: 'in_progress' | 'completed';
}

export interface AnalysisAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning';
  title: string;
  message: string;
}

/** Where a metric is written: the template's file and the metric's line. */
export type LocateMetric = (
  templateName: string,
  metricName: string,
) => { path: string; line: number } | undefined;

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
// Where the rollout stands

type PauseWhy = 'promote' | 'timed' | 'inconclusive' | 'manual';

type Situation =
  | { kind: 'healthy' }
  | { kind: 'progressing' }
  | { kind: 'paused'; why: PauseWhy }
  | { kind: 'aborted'; reason: string }
  | { kind: 'degraded'; reason: string };

function actionOf(r: RolloutReport, step: number): string | undefined {
  return r.plannedSteps.find((s) => s.step === step)?.action ?? r.steps.find((s) => s.step === step)?.action;
}

/** The 1-based step the rollout is at, or undefined when all steps are done. */
function currentStep(r: RolloutReport): number | undefined {
  return r.currentStepIndex < r.stepCount ? r.currentStepIndex + 1 : undefined;
}

function abortReason(message: string): string {
  const m = /^RolloutAborted: Rollout aborted update to revision \d+(?::\s*([\s\S]*))?$/.exec(message);
  if (m !== null) return m[1] ?? 'aborted with the abort command';
  return message || 'aborted';
}

function situation(r: RolloutReport): Situation {
  if (r.aborted) return { kind: 'aborted', reason: abortReason(r.message) };
  switch (r.phase) {
    case 'Healthy':
      return { kind: 'healthy' };
    case 'Progressing':
      return { kind: 'progressing' };
    case 'Degraded': {
      const m = /^ProgressDeadlineExceeded:\s*([\s\S]*)$/.exec(r.message);
      return {
        kind: 'degraded',
        reason: m !== null ? `progress deadline exceeded: ${m[1] ?? ''}` : r.message || 'degraded',
      };
    }
    case 'Paused': {
      const step = currentStep(r);
      const action = step === undefined ? undefined : actionOf(r, step);
      const why: PauseWhy = /Inconclusive/i.test(r.message)
        ? 'inconclusive'
        : /manually paused/i.test(r.message)
          ? 'manual'
          : action !== undefined && /^pause \d+s$/.test(action)
            ? 'timed'
            : 'promote';
      return { kind: 'paused', why };
    }
  }
}

/** The step where an aborted or stuck rollout stopped. */
function stoppedStep(r: RolloutReport, s: Situation): number | undefined {
  if (s.kind === 'degraded') return currentStep(r);
  if (s.kind !== 'aborted') return undefined;
  // An abort resets the step index: the records say where it was.
  const open = r.steps.find((x) => x.startedAt !== undefined && x.completedAt === undefined);
  if (open !== undefined) return open.step;
  const done = r.steps.filter((x) => x.completedAt !== undefined).map((x) => x.step);
  const next = done.length === 0 ? undefined : Math.max(...done) + 1;
  return next !== undefined && next <= r.stepCount ? next : undefined;
}

function changedImages(r: RolloutReport): string[] {
  const changed = r.images.filter((i) => i.from !== i.to);
  return (changed.length > 0 ? changed : r.images).map((i) => i.to);
}

function position(r: RolloutReport, step: number): string {
  return `step ${step}/${r.stepCount}`;
}

interface Verdict {
  /** Markdown, for the comment's headline. */
  markdown: string;
  /** Plain text, for the check run's title. */
  plain: string;
}

function verdict(r: RolloutReport, s: Situation): Verdict {
  const imgs = changedImages(r);
  const imgsMd = imgs.map((i) => code(i)).join(', ');
  const imgsPlain = imgs.join(', ');
  const step = currentStep(r);
  const at = step === undefined ? '' : position(r, step);
  const action = step === undefined ? undefined : actionOf(r, step);
  switch (s.kind) {
    case 'healthy':
      return imgs.length > 0
        ? {
            markdown: `✅ Healthy: ${code(r.rollout)} rolled out ${imgsMd}`,
            plain: `Healthy: ${r.rollout} rolled out ${imgsPlain}`,
          }
        : {
            markdown: `✅ Healthy: ${code(r.rollout)} is fully rolled out`,
            plain: `Healthy: ${r.rollout} is fully rolled out`,
          };
    case 'progressing': {
      if (step === undefined) {
        const what = r.stepCount === 0 ? 'rolling out' : `all ${r.stepCount} steps done, promoting`;
        return {
          markdown: `🔄 Progressing: ${what} ${imgs.length > 0 ? imgsMd : code(r.rollout)}`,
          plain: `Progressing: ${what} ${imgs.length > 0 ? imgsPlain : r.rollout}`,
        };
      }
      const act = action === undefined ? '' : ` ${code(action)}`;
      return {
        markdown: `🔄 Progressing: ${at}${act}, canary at ${r.weight}%`,
        plain: `Progressing: ${at}${action === undefined ? '' : ` (${action})`}, canary at ${r.weight}%`,
      };
    }
    case 'paused': {
      const where = step === undefined ? '' : ` at ${at}`;
      switch (s.why) {
        case 'promote':
          return { markdown: `⏸️ Paused${where}: waiting for promote`, plain: `Waiting for promote${where}` };
        case 'timed':
          return {
            markdown: `⏸️ Paused${where}: ${code(action ?? 'pause')}, resumes by itself`,
            plain: `Paused${where}: ${action ?? 'pause'}, resumes by itself`,
          };
        case 'inconclusive':
          return {
            markdown: `⏸️ Paused${where}: analysis inconclusive, waiting for promote or abort`,
            plain: `Waiting for a decision${where}: analysis inconclusive`,
          };
        case 'manual':
          return {
            markdown: `⏸️ Paused${where} by the pause command: waiting for promote`,
            plain: `Paused${where} by the pause command: waiting for promote`,
          };
      }
      break;
    }
    case 'aborted':
      return {
        markdown: `❌ Aborted and rolled back: ${text(clip(s.reason, 500))}`,
        plain: `Aborted and rolled back: ${clip(s.reason.replace(/\s+/g, ' '), 180)}`,
      };
    case 'degraded':
      return {
        markdown: `❌ Degraded: ${text(clip(s.reason, 500))}`,
        plain: `Degraded: ${clip(s.reason.replace(/\s+/g, ' '), 180)}`,
      };
  }
  return { markdown: r.phase, plain: r.phase };
}

// ---------------------------------------------------------------------------------------------
// What to do next

function githubOrigin(r: RolloutReport): string {
  return /^(https?:\/\/[^/]+)\//.exec(r.runUrl ?? '')?.[1] ?? 'https://github.com';
}

function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A list item telling how to run a control command, with the `gh` line to paste. */
function command(r: RolloutReport, cmd: string, purpose: string): string[] {
  const file = r.controlWorkflow;
  if (file === undefined) {
    return [
      `- ${purpose}: run rollout-pilot with \`command: ${cmd}\` and ${code(`rollout: ${r.rollout}`)} (namespace ${code(r.namespace)}), from a \`workflow_dispatch\` workflow as in rollout-pilot's README.`,
    ];
  }
  const name = file.replace(/\.ya?ml$/, '');
  const workflow =
    r.repository === undefined
      ? `**${name}**`
      : `[**${name}**](${githubOrigin(r)}/${r.repository}/actions/workflows/${encodeURIComponent(file)})`;
  const gh = `gh workflow run ${shellWord(file)} -f command=${cmd} -f rollout=${shellWord(r.rollout)}${r.repository === undefined ? '' : ` --repo ${shellWord(r.repository)}`}`;
  return [
    `- ${purpose}: run the ${workflow} workflow with \`command: ${cmd}\`:`,
    '',
    ...fence(gh, 'sh').map((l) => `  ${l}`),
  ];
}

function revertLine(r: RolloutReport): string[] {
  if (r.revertPr === undefined) return [];
  return [
    `- A revert pull request is open: [#${r.revertPr.number}](${r.revertPr.url}). Merge it so that main matches what runs.`,
  ];
}

function nextSteps(r: RolloutReport, s: Situation): string[] {
  const step = currentStep(r);
  const following = step === undefined ? undefined : step + 1;
  const followingAction = following === undefined ? undefined : actionOf(r, following);
  const goOn =
    following !== undefined && following <= r.stepCount
      ? `go on with step ${following}${followingAction === undefined ? '' : ` (${code(followingAction)})`}`
      : 'finish the rollout';
  const abort = command(r, 'abort', '**Abort** to send all traffic back to the stable revision');
  const full = command(r, 'promote-full', '**Promote fully** to skip every remaining step');
  const out: string[] = [];
  switch (s.kind) {
    case 'healthy':
      out.push(
        `Nothing to do: the new revision is stable and serves all traffic.`,
        '',
        ...command(r, 'undo', 'If it misbehaves, **undo** goes back to the previous revision'),
        '',
        '  After an undo, revert the change in git too, or the next deploy brings it back.',
      );
      break;
    case 'progressing':
      out.push(
        'Nothing to do: the deploy job drives the rollout through its steps, and this report follows it.',
        '',
        ...abort,
        ...full,
      );
      break;
    case 'paused':
      switch (s.why) {
        case 'promote':
          out.push(
            `The rollout waits at a pause without a duration until someone promotes it.`,
            '',
            ...command(r, 'promote', `**Promote** to ${goOn}`),
            ...full,
            ...abort,
          );
          break;
        case 'timed':
          out.push(
            'Nothing to do: the pause ends by itself and the deploy job goes on.',
            '',
            ...command(r, 'promote', `**Promote** to skip the wait and ${goOn}`),
            ...abort,
          );
          break;
        case 'inconclusive':
          out.push(
            'An analysis run was inconclusive: its measurements (below) met neither condition, so a person decides.',
            '',
            ...command(r, 'promote', `**Promote** to accept it and ${goOn}`),
            ...abort,
          );
          break;
        case 'manual':
          out.push(
            'Someone paused the rollout with the pause command.',
            '',
            ...command(r, 'promote', `**Promote** to resume and ${goOn}`),
            ...abort,
          );
          break;
      }
      break;
    case 'aborted':
      out.push(
        'The canary is scaled away and the stable revision serves all traffic.',
        '',
        ...revertLine(r),
        '- Fix the cause and push: a new revision starts a new rollout from the first step.',
        ...command(r, 'retry', '**Retry** the same revision from the first step'),
        ...command(r, 'undo', '**Undo** to settle on the stable revision and clear the abort'),
      );
      break;
    case 'degraded':
      out.push(
        'The rollout is stuck and was not aborted: the canary pods stay as they are.',
        '',
        ...revertLine(r),
        '- Fix the cause (see the message above) and re-run the deploy job: the rollout goes on once the canary progresses.',
        ...abort,
        ...command(r, 'undo', '**Undo** to go back to the previous revision'),
      );
      break;
  }
  return ['### What to do next', '', ...out];
}

// ---------------------------------------------------------------------------------------------
// Tables

function factsLine(r: RolloutReport, s: Situation): string {
  const step = currentStep(r);
  const facts = [
    `Rollout ${code(r.rollout)} in namespace ${code(r.namespace)}`,
    `phase **${r.phase}**${(s.kind === 'progressing' || s.kind === 'paused') && r.message ? ` (${text(clip(r.message, 300))})` : ''}`,
    ...(r.stepCount === 0
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
    `canary weight ${r.weight}%`,
  ];
  return facts.join(' · ');
}

function imageTable(r: RolloutReport): string[] {
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

function stepTable(r: RolloutReport, s: Situation): string[] {
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

function runLabel(r: RolloutReport): (a: AnalysisRecord) => string {
  return (a) => {
    const attempt = /-(\d+)-(?:background|step\d+)$/.exec(a.id)?.[1];
    const retry = attempt !== undefined && attempt !== '0' ? `, retry ${attempt}` : '';
    if (a.kind === 'Background') {
      const names = r.backgroundTemplates ?? [];
      return `Background analysis${names.length > 0 ? ` (${names.join(', ')})` : ''}${retry}`;
    }
    const step = (a.stepIndex ?? 0) + 1;
    const names = templatesOfStep(r, step);
    return `Step ${step} analysis${names.length > 0 ? ` (${names.join(', ')})` : ''}${retry}`;
  };
}

/** The templates an analysis step names, from its `describeStep` text (`analysis a, b`). */
function templatesOfStep(r: RolloutReport, step: number): string[] {
  const m = /^analysis (.+)$/.exec(actionOf(r, step) ?? '');
  return m?.[1] === undefined ? [] : m[1].split(', ').filter((n) => n !== '' && n !== 'undefined');
}

function footer(r: RolloutReport): string {
  const parts = [`Updated ${utc(r.updatedAt)}`];
  if (r.runUrl !== undefined) parts.push(`[workflow run](${r.runUrl})`);
  if (r.sha !== undefined) parts.push(`commit ${r.sha.slice(0, 7)}`);
  parts.push('rollout-pilot');
  return `<sub>${parts.join(' · ')}</sub>`;
}

// ---------------------------------------------------------------------------------------------
// Renderers

interface ReportOptions {
  marker: boolean;
  limit: number;
  size: (s: string) => number;
  elsewhere: string;
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
    ...stepTable(r, s),
  ];
}

function renderReport(r: RolloutReport, opts: ReportOptions): string {
  const s = situation(r);
  const top = [...(opts.marker ? [commentMarker(r.namespace, r.rollout)] : []), ...head(r, s)].join('\n');
  const bottom = footer(r);
  const analysis = renderAnalysisSection(r.analysis, {
    budget: opts.limit - opts.size(top) - opts.size(bottom) - 8,
    size: opts.size,
    label: runLabel(r),
    elsewhere: opts.elsewhere,
  });
  const out = [top, ...(analysis === '' ? [] : [analysis]), bottom].join('\n\n');
  return hardCap(out, opts.limit, opts.size, '_Report cut short to fit GitHub’s size limit._');
}

const chars = (s: string): number => s.length;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The pull request comment: marker, verdict, what to do next, revision, steps, analysis, footer. */
export function renderComment(r: RolloutReport): string {
  return renderReport(r, {
    marker: true,
    limit: COMMENT_LIMIT,
    size: chars,
    elsewhere:
      r.runUrl === undefined ? 'the job summary' : `the job summary of the [workflow run](${r.runUrl})`,
  });
}

/** The same report for `$GITHUB_STEP_SUMMARY`, without the marker and with room for far more. */
export function renderJobSummary(r: RolloutReport): string {
  return renderReport(r, {
    marker: false,
    limit: JOB_SUMMARY_LIMIT,
    size: bytes,
    elsewhere: "the action's `analysis` output",
  });
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
  const summary = hardCap(
    [...head(r, s), '', footer(r)].join('\n'),
    CHECK_RUN_LIMIT,
    chars,
    '_Summary cut short to fit GitHub’s size limit._',
  );
  const analysis = renderAnalysisSection(r.analysis, {
    budget: CHECK_RUN_LIMIT,
    size: chars,
    label: runLabel(r),
    elsewhere: 'the job summary',
  });
  const title = clip(v.plain, 200);
  const base = { title, summary, ...(analysis === '' ? {} : { text: analysis }) };
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

const ANNOTATED = new Set(['Failed', 'Error', 'Inconclusive']);

/** The newest run of each slot (the background, each analysis step), as retries make new ones. */
function latestRuns(records: readonly AnalysisRecord[]): AnalysisRecord[] {
  const bySlot = new Map<string, AnalysisRecord>();
  for (const a of records) {
    const slot = a.kind === 'Background' ? 'background' : `step${a.stepIndex ?? 0}`;
    const before = bySlot.get(slot);
    if (before === undefined || a.state.startedAt.localeCompare(before.state.startedAt) >= 0)
      bySlot.set(slot, a);
  }
  return [...bySlot.values()];
}

/**
 * One annotation per Failed, Error or Inconclusive metric of the latest runs, at the metric's line in
 * its AnalysisTemplate. The templates are tried in order: the step's own (from its action), then
 * `backgroundTemplates`, then every other template the report names; `locate` answers undefined for
 * a template without the metric (or resolves included templates itself). Unlocated metrics are left
 * out: an annotation needs a place.
 */
export function analysisAnnotations(r: RolloutReport, locate: LocateMetric): AnalysisAnnotation[] {
  const everyTemplate = [
    ...new Set([
      ...r.plannedSteps.flatMap((p) => templatesOfStep(r, p.step)),
      ...(r.backgroundTemplates ?? []),
    ]),
  ];
  const out: AnalysisAnnotation[] = [];
  for (const a of latestRuns(r.analysis)) {
    const own =
      a.kind === 'Background' ? (r.backgroundTemplates ?? []) : templatesOfStep(r, (a.stepIndex ?? 0) + 1);
    const candidates = [...new Set([...own, ...everyTemplate])];
    for (const m of a.state.metrics) {
      if (!ANNOTATED.has(m.phase)) continue;
      let at: { path: string; line: number } | undefined;
      for (const t of candidates) {
        at = locate(t, m.name);
        if (at !== undefined) break;
      }
      if (at === undefined) continue;
      const spec = a.spec.metrics.find((x) => x.name === m.name);
      const scrub = scrubber(a);
      const values = m.measurements
        .filter((x) => x.phase !== 'Running')
        .slice(-5)
        .map((x) => x.value ?? (x.message === undefined ? x.phase : `${x.phase}: ${x.message}`));
      const where =
        a.kind === 'Background' ? 'background analysis' : `step ${(a.stepIndex ?? 0) + 1} analysis`;
      const conditions = [
        ...(spec?.successCondition === undefined
          ? []
          : [`successCondition: ${scrub(spec.successCondition)}`]),
        ...(spec?.failureCondition === undefined
          ? []
          : [`failureCondition: ${scrub(spec.failureCondition)}`]),
      ];
      const last = m.measurements.filter((x) => x.query !== undefined).at(-1)?.query;
      const message = [
        `Metric ${m.name} of the ${where} (run ${a.id}) is ${m.phase}${m.dryRun ? ' (dry run: it does not decide the run)' : ''}${m.message ? `: ${m.message}` : '.'}`,
        `Measured ${m.count + m.error} times: ${m.successful} successful, ${m.failed} failed, ${m.inconclusive} inconclusive, ${m.error} errors.`,
        ...(values.length > 0 ? [`Last values: ${values.map((v) => clip(v, 200)).join(', ')}`] : []),
        ...conditions,
        ...(last === undefined ? [] : [`Query as sent: ${clip(last, 2_000)}`]),
      ]
        .map(scrub)
        .join('\n');
      out.push({
        path: at.path,
        start_line: at.line,
        end_line: at.line,
        annotation_level: m.phase === 'Inconclusive' || m.dryRun ? 'warning' : 'failure',
        title: `Analysis metric ${m.name} ${m.phase}`,
        message,
      });
    }
  }
  return out;
}
