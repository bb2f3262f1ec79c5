// The demo's closing chart as a self-contained SVG file: each revision's share of the requests per
// time bucket as stacked areas (0-100%), the failed share (5xx or no answer) as a red line, and the rollout's events as
// dashed vertical lines. Pure: it returns the file's text.
import type { Bucket } from './shares.ts';
import type { ChartSeries, Mark } from './text-chart.ts';

const COLORS = ['#4e79a7', '#59a14f', '#e15759', '#f28e2b', '#76b7b2', '#b07aa1', '#edc948'];
const ERROR_COLOR = '#d62728';
const W = 960;
/** Height above the event legend, which adds one line per EVENT_LINE_CHARS of its text. */
const BASE_H = 412;
const EVENT_LINE_CHARS = 150;
const LEFT = 60;
const RIGHT = 20;
const TOP = 40;
const PLOT_H = 260;

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const fixed = (v: number): string => String(Math.round(v * 10) / 10);

/** The polygon of one stacked band: the top edge left to right, the bottom edge back. */
function band(
  bucketList: readonly Bucket[],
  index: number,
  x: (t: number) => number,
  y: (share: number) => number,
  width: number,
): string {
  const below = (b: Bucket): number => b.shares.slice(0, index).reduce((a, v) => a + v, 0);
  const top: string[] = [];
  const bottom: string[] = [];
  for (const b of bucketList) {
    if (b.total === 0) continue;
    const lo = below(b);
    const hi = lo + (b.shares[index] ?? 0);
    const x0 = x(b.start);
    const x1 = x(b.start + width);
    top.push(`${fixed(x0)},${fixed(y(hi))}`, `${fixed(x1)},${fixed(y(hi))}`);
    bottom.unshift(`${fixed(x1)},${fixed(y(lo))}`, `${fixed(x0)},${fixed(y(lo))}`);
  }
  return [...top, ...bottom].join(' ');
}

export interface SvgChartInput {
  readonly title: string;
  readonly buckets: readonly Bucket[];
  readonly series: readonly ChartSeries[];
  readonly marks: readonly Mark[];
  /** Bucket width in ms. */
  readonly width: number;
}

/** The event legend in lines short enough for the chart's width. */
export function wrapEvents(entries: readonly string[], lineChars = EVENT_LINE_CHARS): string[] {
  const lines: string[] = [];
  for (const entry of entries) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 3 + entry.length <= lineChars)
      lines[lines.length - 1] = `${last}   ${entry}`;
    else lines.push(entry);
  }
  return lines;
}

export function svgChart(input: SvgChartInput): string {
  const { buckets: bucketList, series, marks, width } = input;
  const eventLines = wrapEvents(marks.map((m, i) => `${String.fromCharCode(97 + (i % 26))} ${m.label}`));
  const H = BASE_H + eventLines.length * 14;
  const end = Math.max(width, bucketList.length * width);
  const plotW = W - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (t / end) * plotW;
  const y = (share: number): number => TOP + (1 - share) * PLOT_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${escapeXml(input.title)}</text>`,
  ];
  series.forEach((s, i) => {
    const points = band(bucketList, i, x, y, width);
    if (points === '') return;
    out.push(
      `<polygon points="${points}" fill="${COLORS[i % COLORS.length] ?? '#888'}" fill-opacity="0.85"><title>${escapeXml(s.name)}</title></polygon>`,
    );
  });
  const errorPoints = bucketList
    .filter((b) => b.total > 0)
    .map((b) => `${fixed(x(b.start + width / 2))},${fixed(y(b.errorShare))}`);
  if (errorPoints.length > 0) {
    out.push(
      `<polyline points="${errorPoints.join(' ')}" fill="none" stroke="${ERROR_COLOR}" stroke-width="2"/>`,
    );
  }
  // Axes: 0, 50 and 100% on the left, a tick every tenth of the time.
  for (const share of [0, 0.5, 1]) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${fixed(y(share))}" y2="${fixed(y(share))}" stroke="#999" stroke-width="0.5"/>`,
      `<text x="${LEFT - 6}" y="${fixed(y(share) + 4)}" text-anchor="end">${share * 100}%</text>`,
    );
  }
  const step = Math.max(1, Math.round(end / 10 / 1000)) * 1000;
  for (let t = 0; t <= end; t += step) {
    out.push(`<text x="${fixed(x(t))}" y="${TOP + PLOT_H + 16}" text-anchor="middle">${t / 1000}s</text>`);
  }
  marks.forEach((m, i) => {
    const mx = fixed(x(m.t));
    const row = TOP + PLOT_H + 30 + (i % 3) * 12;
    out.push(
      `<line x1="${mx}" x2="${mx}" y1="${TOP}" y2="${row - 10}" stroke="#333" stroke-dasharray="3,3" stroke-width="0.8"/>`,
      `<text x="${mx}" y="${row}" font-size="10" text-anchor="middle">${escapeXml(String.fromCharCode(97 + (i % 26)))}</text>`,
    );
  });
  // Legend: the series, the 5xx line, then what each event letter was.
  const legendY = BASE_H - 28;
  const names = [...series.map((s) => s.name), 'failed (5xx or no answer)'];
  names.forEach((name, i) => {
    const lx = LEFT + i * 170;
    const color = i < series.length ? (COLORS[i % COLORS.length] ?? '#888') : ERROR_COLOR;
    out.push(
      `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${color}"/>`,
      `<text x="${lx + 18}" y="${legendY}">${escapeXml(name)}</text>`,
    );
  });
  eventLines.forEach((line, i) => {
    out.push(`<text x="${LEFT}" y="${BASE_H - 6 + i * 14}" font-size="10">${escapeXml(line)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
