/**
 * A judge measurement (provider `judge`, src/analysis/judge/summary.ts) as Markdown: the verdict and
 * score with the thresholds, then per metric its class, the shift of the canary against the baseline
 * with its 98% interval and tolerance band, U and p, the reason, and both distributions as text
 * histograms on one shared scale. Pure.
 */
import type { Measurement } from '../analysis/engine/types.ts';
import { parseJudgeSummary, type JudgeSummary, type MetricSummary } from '../analysis/judge/summary.ts';
import { cellText, code, fence, text } from './markdown.ts';

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const VERDICT_ICON = { Pass: '✅', Marginal: '⚠️', Fail: '❌' } as const;
const CLASS_ICON: Record<string, string> = {
  Pass: '✅',
  High: '🔺',
  Low: '🔻',
  Nodata: '∅',
  NodataFail: '∅',
  Error: '⚠️',
};

/** A number in 4 significant digits, with its sign when asked. */
export function num(v: number | null | undefined, signed = false): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const s = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return signed && v > 0 ? `+${s}` : s;
}

/** Counts as bars on a shared scale: `·` for an empty bin, ▁ to █ for the rest. */
export function sparkline(counts: readonly number[], max: number): string {
  return counts
    .map((c) =>
      c <= 0 || max <= 0
        ? '·'
        : (BARS[Math.min(BARS.length - 1, Math.ceil((c / max) * BARS.length) - 1)] ?? '█'),
    )
    .join('');
}

/** The two histograms, one shared axis, and each side's median, quartiles and count. */
export function distributionChart(m: MetricSummary): string[] {
  const h = m.histogram;
  const q = m.quantiles;
  if (!h || !q) return [];
  const max = Math.max(...h.counts[0], ...h.counts[1]);
  const side = (label: string, counts: number[], qs: number[], n: number): string =>
    `${label.padEnd(9)}${sparkline(counts, max)}  median ${num(qs[2])}, middle half ${num(qs[1])}–${num(qs[3])}, mean ${num(qs[5])}, n ${n}`;
  return [
    side('baseline', h.counts[0], q[0], m.n[0]),
    side('canary', h.counts[1], q[1], m.n[1]),
    `${' '.repeat(9)}${num(h.range[0])} … ${num(h.range[1])}`,
  ];
}

function shiftCell(m: MetricSummary): string {
  const t = m.test;
  if (!t) return '—';
  return `${num(t.estimate, true)} [${num(t.ci[0], true)}, ${num(t.ci[1], true)}] ±${num(t.band)}`;
}

function testCell(m: MetricSummary): string {
  const t = m.test;
  if (!t) return '—';
  return `U ${num(t.u)} of ${m.n[0] * m.n[1]}, p ${num(t.p)} (${t.method})`;
}

function metricRow(m: MetricSummary): string {
  const flags = [m.critical ? 'critical' : '', m.muted ? 'muted' : ''].filter((f) => f !== '');
  const cls = `${CLASS_ICON[m.class] ?? ''} ${m.class}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
  return `| ${code(m.name).replace(/\|/g, '\\|')} | ${m.direction} | ${cls} | ${shiftCell(m)} | ${testCell(m)} | ${cellText(m.reason)} |`;
}

function groupsLine(s: JudgeSummary): string[] {
  if (s.groups.length < 2) return [];
  const parts = s.groups.map(
    (g) => `${g.name} ${g.score === null ? 'no data' : num(g.score)} (weight ${num(g.weight)})`,
  );
  return [`Groups: ${text(parts.join(' · '))}.`, ''];
}

/** The whole judgement: verdict, score, the metric table and each metric's distributions. */
export function renderJudgement(s: JudgeSummary): string[] {
  const [pass, marginal] = s.thresholds;
  const lines = [
    `${VERDICT_ICON[s.verdict]} **Judge: ${s.verdict}**, score ${num(s.score)} of 100 (Pass from ${pass}, Marginal from ${marginal}).`,
    '',
  ];
  if (s.reason !== undefined) lines.push(`Score set to 0: ${text(s.reason)}.`, '');
  lines.push(...groupsLine(s));
  lines.push(
    '| metric | bad when | class | shift canary − baseline [98% interval] ±band | Mann-Whitney | why |',
    '|---|---|---|---|---|---|',
    ...s.metrics.map(metricRow),
    '',
    'A metric is High (Low) only when its whole interval lies above (below) the band of ±25% of the shift, in a direction that is bad, with a large enough effect size.',
    '',
  );
  for (const m of s.metrics) {
    const chart = distributionChart(m);
    if (chart.length > 0) lines.push(`${code(m.name)}:`, '', ...fence(chart.join('\n')), '');
  }
  return lines;
}

/** A judge value in a measurement table: its verdict and score, not its JSON; undefined for other values. */
export function judgeValueCell(value: string | undefined): string | undefined {
  const s = value === undefined ? undefined : parseJudgeSummary(value);
  return s === undefined ? undefined : `judge: ${s.verdict}, score ${num(s.score)}`;
}

/** The newest judge measurement among a metric's measurements, rendered; [] when there is none. */
export function judgeSection(measurements: readonly Measurement[]): string[] {
  for (let i = measurements.length - 1; i >= 0; i--) {
    const value = measurements[i]?.value;
    const summary = value === undefined ? undefined : parseJudgeSummary(value);
    if (summary)
      return [`**The judge's comparison** (measurement ${i + 1}):`, '', ...renderJudgement(summary)];
  }
  return [];
}
