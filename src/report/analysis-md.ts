/**
 * Analysis runs as Markdown: per run its phase and message, per metric its conditions, a table of
 * every measurement (time, value, phase), the query as sent and a Mermaid chart of the values. Shrinks
 * to fit a size budget (GitHub's comment and check-run limits), saying what it left out.
 */
import type { AnalysisPhase, Measurement, MetricResult, MetricSpec } from '../analysis/engine/types.ts';
import type { AnalysisRecord } from '../analysis/templates.ts';
import { between, cellCode, cellText, clip, clock, code, dayOf, fence, html, text, utc } from './markdown.ts';
import { judgeSection, judgeValueCell } from './judge-md.ts';
import { metricChart } from './metric-chart.ts';

export const PHASE_ICON: Record<AnalysisPhase, string> = {
  Successful: '✅',
  Failed: '❌',
  Error: '⚠️',
  Inconclusive: '❔',
  Running: '🔄',
  Pending: '⏳',
};

/** How much of each run to show. */
export interface Detail {
  /** Newest measurements per metric in the table. */
  rows: number;
  /** Newest numeric values per metric in the chart; 0: no chart. */
  chartPoints: number;
  /** Characters of each query; 0: no query. */
  queryChars: number;
  /** Characters of each value and message. */
  valueChars: number;
}

/** From everything down to a line per metric; the first that fits wins. */
export const DETAIL_LEVELS: readonly Detail[] = [
  { rows: Number.POSITIVE_INFINITY, chartPoints: 200, queryChars: 20_000, valueChars: 2_000 },
  { rows: 200, chartPoints: 100, queryChars: 4_000, valueChars: 500 },
  { rows: 50, chartPoints: 100, queryChars: 4_000, valueChars: 500 },
  { rows: 20, chartPoints: 50, queryChars: 2_000, valueChars: 200 },
  { rows: 10, chartPoints: 20, queryChars: 1_000, valueChars: 120 },
  { rows: 3, chartPoints: 0, queryChars: 300, valueChars: 80 },
  { rows: 0, chartPoints: 0, queryChars: 0, valueChars: 80 },
];

const FINISHED = new Set<AnalysisPhase>(['Successful', 'Failed', 'Error', 'Inconclusive']);
/** `[1, 2, 3, 5]` → `#1–#3, #5`. */
function ranges(numbers: readonly number[]): string {
  const out: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  const flush = (): void => {
    if (start === undefined || prev === undefined) return;
    out.push(start === prev ? `#${start}` : `#${start}–#${prev}`);
  };
  for (const n of numbers) {
    if (prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    flush();
    start = n;
    prev = n;
  }
  flush();
  return out.join(', ');
}

const LANGUAGE: Record<string, string> = { prometheus: 'promql', newrelic: 'sql', influxdb: 'flux' };

/** Replaces the placeholders of secret args (`{{args.api-key}}`) by `***`, should any show. */
export function scrubber(r: AnalysisRecord): (s: string) => string {
  const names = r.secretArgs.map((a) => a.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (names.length === 0) return (s) => s;
  const re = new RegExp(`\\{\\{\\s*args\\.(?:${names.join('|')})\\s*\\}\\}`, 'g');
  return (s) => s.replace(re, '***');
}

function specLine(spec: MetricSpec | undefined, scrub: (s: string) => string): string[] {
  if (spec === undefined) return [];
  const kind = Object.keys(spec.provider)[0];
  const facts = [
    ...(kind === undefined ? [] : [kind]),
    ...(spec.intervalSeconds === undefined ? [] : [`every ${spec.intervalSeconds}s`]),
    ...(spec.initialDelaySeconds === undefined ? [] : [`initial delay ${spec.initialDelaySeconds}s`]),
    ...(spec.count === undefined ? [] : [`count ${spec.count}`]),
    ...(spec.failureLimit === undefined ? [] : [`failureLimit ${spec.failureLimit}`]),
    ...(spec.inconclusiveLimit === undefined ? [] : [`inconclusiveLimit ${spec.inconclusiveLimit}`]),
    ...(spec.consecutiveErrorLimit === undefined
      ? []
      : [`consecutiveErrorLimit ${spec.consecutiveErrorLimit}`]),
  ];
  const conditions = [
    ...(spec.successCondition === undefined
      ? []
      : [`successCondition ${code(scrub(spec.successCondition))}`]),
    ...(spec.failureCondition === undefined
      ? []
      : [`failureCondition ${code(scrub(spec.failureCondition))}`]),
  ];
  return [
    ...(facts.length > 0 ? [facts.join(' · ')] : []),
    conditions.length > 0 ? conditions.join(' · ') : 'No condition: every measurement counts as successful.',
  ];
}

function metricSection(
  r: AnalysisRecord,
  m: MetricResult,
  d: Detail,
  scrub: (s: string) => string,
): string[] {
  const spec = r.spec.metrics.find((s) => s.name === m.name);
  const lines = [
    `##### ${PHASE_ICON[m.phase]} ${code(m.name)}: ${m.phase}${m.dryRun ? ' (dry run)' : ''}`,
    '',
  ];
  const facts = specLine(spec, scrub);
  for (const f of facts) lines.push(f, '');
  if (m.dryRun) lines.push('_Dry run: this metric does not decide the run._', '');
  if (m.message && m.message !== r.state.message)
    lines.push(`> ${text(clip(scrub(m.message), d.valueChars * 4))}`, '');
  lines.push(
    `Measured ${m.count + m.error} time${m.count + m.error === 1 ? '' : 's'}: ${m.successful} successful, ${m.failed} failed, ${m.inconclusive} inconclusive, ${m.error} error${m.error === 1 ? '' : 's'}.`,
  );
  const stored = m.measurements;
  const taken = m.count + m.error;
  const finished = stored.filter((x) => x.phase !== 'Running').length;
  if (finished < taken) {
    lines.push(
      `The rollout's state keeps the newest ${finished} of these (measurementRetention); older ones are gone.`,
    );
  }
  lines.push('');
  if (stored.length === 0) return lines;

  lines.push(...measurementTable(r, stored, d, scrub));
  lines.push(...queryDetails(stored, spec, d, scrub));
  const chart = metricChart(m.name, stored, spec, d.chartPoints);
  if (chart.length > 0) lines.push(...chart, '');
  if (d.chartPoints > 0) lines.push(...judgeSection(stored));
  return lines;
}

/** The table of the newest measurements that fit, numbered as taken. */
function measurementTable(
  r: AnalysisRecord,
  stored: readonly Measurement[],
  d: Detail,
  scrub: (s: string) => string,
): string[] {
  const lines: string[] = [];
  const shown = d.rows >= stored.length ? stored : stored.slice(stored.length - d.rows);
  const first = stored.length - shown.length + 1;
  if (shown.length < stored.length) {
    lines.push(
      shown.length === 0
        ? `_${stored.length} measurements not listed, to fit GitHub's size limit._`
        : `_The newest ${shown.length} of ${stored.length} measurements; the ${stored.length - shown.length} before are left out to fit GitHub's size limit._`,
      '',
    );
  }
  if (shown.length > 0) {
    const day = dayOf(r.state.startedAt);
    const withMessage = shown.some((x) => x.message !== undefined && x.message !== '');
    lines.push(
      `| # | time (UTC) | value | phase |${withMessage ? ' message |' : ''}`,
      `|---:|---|---|---|${withMessage ? '---|' : ''}`,
    );
    shown.forEach((x, i) => {
      const value =
        judgeValueCell(x.value) ??
        (x.value === undefined || x.value === '' ? '—' : cellCode(clip(scrub(x.value), d.valueChars)));
      const message = withMessage
        ? ` ${x.message ? cellText(clip(scrub(x.message), d.valueChars)) : ''} |`
        : '';
      lines.push(
        `| ${first + i} | ${clock(x.startedAt, day)} | ${value} | ${PHASE_ICON[x.phase]} ${x.phase} |${message}`,
      );
    });
    lines.push('');
  }
  return lines;
}

/** The queries as sent (newest three), each with the measurements that used it. */
function queryDetails(
  stored: readonly Measurement[],
  spec: MetricSpec | undefined,
  d: Detail,
  scrub: (s: string) => string,
): string[] {
  const lines: string[] = [];
  if (d.queryChars <= 0) return lines;
  const queries = new Map<string, number[]>();
  stored.forEach((x, i) => {
    if (x.query === undefined || x.query === '') return;
    const q = scrub(x.query);
    queries.set(q, [...(queries.get(q) ?? []), i + 1]);
  });
  const newestFirst = [...queries].reverse().slice(0, 3);
  if (newestFirst.length > 0) {
    const kind = spec === undefined ? undefined : Object.keys(spec.provider)[0];
    const lang = kind === undefined ? '' : (LANGUAGE[kind] ?? '');
    lines.push('<details>', `<summary>Query as sent${queries.size > 1 ? ' (it changed)' : ''}</summary>`, '');
    for (const [q, numbers] of newestFirst) {
      if (queries.size > 1) lines.push(`Measurements ${ranges(numbers)}:`, '');
      lines.push(...fence(clip(q, d.queryChars), lang), '');
    }
    if (queries.size > newestFirst.length) {
      lines.push(`_${queries.size - newestFirst.length} older queries not shown._`, '');
    }
    lines.push('</details>', '');
  }
  return lines;
}

/**
 * One run, folded into a `<details>` block that is open when the run needs attention (it failed,
 * errored, is inconclusive, or still measures).
 */
export function renderRun(r: AnalysisRecord, label: string, d: Detail): string[] {
  const s = r.state;
  const scrub = scrubber(r);
  const open = s.phase !== 'Successful';
  const lines = [
    `<details${open ? ' open' : ''}>`,
    `<summary>${PHASE_ICON[s.phase]} <b>${html(label)}</b>: ${s.phase} · <code>${html(r.id)}</code></summary>`,
    '',
  ];
  if (s.message) lines.push(`**${s.phase}**: ${text(clip(scrub(s.message), 2_000))}`, '');
  if (r.note !== undefined) lines.push(`_${text(clip(r.note, 1_000))}_`, '');
  const when = [`Started ${utc(s.startedAt)}`];
  if (s.completedAt !== undefined) {
    const took = between(s.startedAt, s.completedAt);
    when.push(`completed ${utc(s.completedAt)}${took === undefined ? '' : ` (took ${took})`}`);
  }
  const sum = s.runSummary;
  const tally =
    sum === undefined
      ? []
      : (
          [
            [sum.successful, 'successful'],
            [sum.failed, 'failed'],
            [sum.inconclusive, 'inconclusive'],
            [sum.error, 'errored'],
          ] as const
        )
          .filter(([n]) => n > 0)
          .map(([n, w]) => `${n} ${w}`);
  lines.push(
    `${when.join(', ')}.${sum === undefined ? '' : ` Metrics: ${sum.count}${tally.length > 0 ? ` (${tally.join(', ')})` : ''}.`}`,
    '',
  );
  const measured = new Set(s.metrics.map((m) => m.name));
  const waiting = r.spec.metrics.filter((m) => !measured.has(m.name));
  if (s.metrics.length === 0 && r.spec.metrics.length === 0) {
    lines.push('No metric was measured: the run could not start.', '');
  }
  for (const m of s.metrics) lines.push(...metricSection(r, m, d, scrub));
  if (waiting.length > 0) {
    lines.push(
      `${FINISHED.has(s.phase) ? 'Never measured' : '⏳ Not measured yet'}: ${waiting.map((m) => code(m.name)).join(', ')}.`,
      '',
    );
  }
  lines.push('</details>');
  return lines;
}

export interface AnalysisSectionOptions {
  /** The most the section may take, as `size` measures it. */
  budget: number;
  size: (s: string) => number;
  /** What to call a run: "Step 3 analysis (error-rate)", "Background analysis". */
  label: (r: AnalysisRecord) => string;
  /** Where the whole of the runs can be read, for the notes on what was left out. */
  elsewhere: string;
  /** The section's heading; default `### Analysis`. */
  heading?: string | undefined;
}

function chronological(records: readonly AnalysisRecord[]): AnalysisRecord[] {
  return records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.state.startedAt.localeCompare(b.r.state.startedAt) || a.i - b.i)
    .map((x) => x.r);
}

/**
 * The analysis runs as Markdown within `budget`: every measurement when it fits; otherwise the
 * measurement lists, queries and charts shrink level by level; at the last level only the newest runs
 * that fit are shown. Each cut is said where it happens.
 */
export function renderAnalysisSection(
  records: readonly AnalysisRecord[],
  opts: AnalysisSectionOptions,
): string {
  if (records.length === 0) return '';
  const runs = chronological(records);
  const heading = opts.heading ?? '### Analysis';
  const join = (chunks: readonly string[]): string => [heading, '', ...chunks].join('\n').trimEnd();
  for (const [level, d] of DETAIL_LEVELS.entries()) {
    const chunks = runs.map((r) => renderRun(r, opts.label(r), d).join('\n'));
    const note =
      level === 0
        ? []
        : [`_Shortened to fit GitHub's size limit; ${opts.elsewhere} has every measurement._`, ''];
    const out = join([...note, ...chunks.flatMap((c) => [c, ''])]);
    if (opts.size(out) <= opts.budget) return out;
  }
  // Even a line per metric is too much: the newest runs that fit.
  const last = DETAIL_LEVELS[DETAIL_LEVELS.length - 1] ?? {
    rows: 0,
    chartPoints: 0,
    queryChars: 0,
    valueChars: 80,
  };
  const kept: string[] = [];
  let used = opts.size(join([])) + 400;
  for (const r of [...runs].reverse()) {
    const chunk = renderRun(r, opts.label(r), last).join('\n');
    const cost = opts.size(chunk) + 2;
    if (used + cost > opts.budget) break;
    used += cost;
    kept.unshift(chunk);
  }
  const left = runs.length - kept.length;
  return join([
    `_${left} earlier analysis run${left === 1 ? '' : 's'} not shown, to fit GitHub's size limit; ${opts.elsewhere} has them all._`,
    '',
    ...kept.flatMap((c) => [c, '']),
  ]);
}
