/** The Mermaid chart of a metric's numeric values over time, with its threshold line. Pure. */
import type { Measurement, MetricSpec } from '../analysis/engine/types.ts';
import { clock, code, dayOf } from './markdown.ts';

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * The number a measurement's value shows, for charts: `0.2`, `2`, `[0.2]` (a vector: its first
 * element), `[0.2 0.3]`, `["0.2"]`. Anything else (text, JSON objects, NaN) is not a number.
 */
export function numericValue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  const token = s.startsWith('[') ? s.split(/[\s,[\]]+/).find((t) => t !== '') : s;
  if (token === undefined) return undefined;
  const bare = token.replace(/^"(.*)"$/, '$1');
  if (!NUMBER.test(bare)) return undefined;
  const n = Number(bare);
  return Number.isFinite(n) ? n : undefined;
}

/** A number as Mermaid's xychart reads it: decimal notation, six significant digits. */
export function chartNumber(n: number): string {
  const rounded = Number(n.toPrecision(6));
  const s = String(rounded);
  if (!/e/i.test(s)) return s;
  return rounded.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/** A flat threshold line when a condition compares the first value with a constant. */
export function threshold(spec: MetricSpec | undefined): { value: number; condition: string } | undefined {
  for (const [name, condition] of [
    ['failureCondition', spec?.failureCondition],
    ['successCondition', spec?.successCondition],
  ] as const) {
    const m = /^\s*result(?:\[0\])?\s*(?:<=|<|>=|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/.exec(
      condition ?? '',
    );
    if (m?.[1] !== undefined) return { value: Number(m[1]), condition: `${name} ${code(condition ?? '')}` };
  }
  return undefined;
}

/** Mermaid text inside quotes: no quotes, no comment markers, one line. */
function mermaidLabel(value: string): string {
  return value.replace(/["%\r\n;#]/g, ' ').trim() || '-';
}

/**
 * A Mermaid `xychart-beta` line chart of the numeric values over time (measurement start, UTC), with
 * the condition's threshold as a flat second line when there is one. Fewer than two points: no chart.
 */
export function metricChart(
  name: string,
  measurements: readonly Measurement[],
  spec: MetricSpec | undefined,
  maxPoints: number,
): string[] {
  const points = measurements
    .map((m) => ({ at: m.startedAt, value: m.phase === 'Running' ? undefined : numericValue(m.value) }))
    .filter((p): p is { at: string; value: number } => p.value !== undefined)
    .slice(-maxPoints);
  if (maxPoints <= 0 || points.length < 2) return [];
  const day = dayOf(points[0]?.at ?? '');
  const seen = new Map<string, number>();
  const labels = points.map((p) => {
    const label = mermaidLabel(clock(p.at, day));
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label} (${n})`;
  });
  const limit = threshold(spec);
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "${mermaidLabel(name)}"`,
    `  x-axis "time (UTC)" [${labels.map((l) => `"${l}"`).join(', ')}]`,
    '  y-axis "value"',
    `  line [${points.map((p) => chartNumber(p.value)).join(', ')}]`,
    ...(limit === undefined ? [] : [`  line [${points.map(() => chartNumber(limit.value)).join(', ')}]`]),
    '```',
  ];
  if (limit !== undefined) lines.push('', `_The flat line is the threshold of ${limit.condition}._`);
  return lines;
}
