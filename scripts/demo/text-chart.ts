// The demo's closing chart in the terminal: one row per revision, one column per time bucket, a
// block whose height is the revision's share of the requests in that bucket; a row of the failed
// share (5xx or no answer); and a row
// of letters where the rollout's events happened, explained below it.
import type { Bucket } from './shares.ts';

/** Something that happened at `t` (ms since the load started), such as a weight change. */
export interface Mark {
  readonly t: number;
  readonly label: string;
}

export interface ChartSeries {
  readonly name: string;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A share as one character: '·' for none, else a block 1..8 eighths high (any share shows). */
export function block(share: number): string {
  if (!(share > 0)) return '·';
  const level = Math.min(BLOCKS.length, Math.max(1, Math.ceil(share * BLOCKS.length)));
  return BLOCKS[level - 1] ?? '█';
}

/** Letters a, b, …, z, then A, …, Z, then '*'. */
function letter(i: number): string {
  if (i < 26) return String.fromCharCode(97 + i);
  if (i < 52) return String.fromCharCode(65 + i - 26);
  return '*';
}

/** The marks row: each mark's letter in its bucket's column, moved right past an earlier one. */
function markRow(marks: readonly Mark[], width: number, columns: number): string {
  const row = Array.from({ length: columns }, () => ' ');
  marks.forEach((m, i) => {
    let col = Math.min(columns - 1, Math.max(0, Math.floor(m.t / width)));
    while (col < columns - 1 && row[col] !== ' ') col += 1;
    row[col] = letter(i);
  });
  return row.join('').trimEnd();
}

/** `m:ss` since the load started. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The chart as lines of text. `series` names the revisions in the order of each bucket's
 * `shares`; `width` is the bucket width in ms.
 */
export function textChart(
  bucketList: readonly Bucket[],
  series: readonly ChartSeries[],
  marks: readonly Mark[],
  width: number,
): string[] {
  const labels = [...series.map((s) => s.name), 'failed', 'events'];
  const pad = Math.max(...labels.map((l) => l.length));
  const cells = (pick: (b: Bucket) => number): string =>
    bucketList.map((b) => (b.total === 0 ? ' ' : block(pick(b)))).join('');
  const lines = [
    `traffic share per revision: one column = ${width / 1000} s, ${BLOCKS[0] ?? ''} up to 1/8 … ${BLOCKS[7] ?? ''} 100%, · none`,
    ...series.map((s, i) => `  ${s.name.padEnd(pad)}  ${cells((b) => b.shares[i] ?? 0)}`),
    `  ${'failed'.padEnd(pad)}  ${cells((b) => b.errorShare)}`,
  ];
  if (marks.length > 0) {
    lines.push(`  ${'events'.padEnd(pad)}  ${markRow(marks, width, bucketList.length)}`);
    lines.push(...marks.map((m, i) => `  ${' '.repeat(pad)}  ${letter(i)} ${clock(m.t)} ${m.label}`));
  }
  return lines;
}
