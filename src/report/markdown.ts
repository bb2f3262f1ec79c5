/**
 * Small Markdown helpers for the reports (GitHub-flavoured Markdown). Text from the cluster (messages,
 * values, queries) is shown as it is: no character is dropped or rewritten except what would break the
 * surrounding construct (a table cell's `|`, a line break, an HTML tag).
 */

/** Plain text for a paragraph or a heading: one line, no HTML tags. */
export function text(value: string): string {
  return value.replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

/** Plain text inside a table cell. */
export function cellText(value: string): string {
  return text(value).replace(/\|/g, '\\|');
}

/** Text inside an HTML element (`<summary>`). */
export function html(value: string): string {
  return value.replace(/\r?\n/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function longestRun(value: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of value) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** An inline code span that holds any text, backticks included (CommonMark's rule). */
export function code(value: string): string {
  const oneLine = value.replace(/\r?\n/g, ' ');
  const ticks = '`'.repeat(longestRun(oneLine, '`') + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${oneLine}${pad}${ticks}`;
}

/** A code span inside a table cell: GFM needs `|` escaped even there. */
export function cellCode(value: string): string {
  return code(value).replace(/\|/g, '\\|');
}

/** A fenced code block whose fence no line of the text can close. */
export function fence(value: string, lang = ''): string[] {
  const ticks = '`'.repeat(Math.max(3, longestRun(value, '`') + 1));
  return [`${ticks}${lang}`, ...value.split(/\r?\n/), ticks];
}

/** Shortens text to `max` characters, saying how much was left out. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}… (${value.length - max} more characters)`;
}

/** `2026-11-22T10:00:05.123Z` → `2026-11-22 10:00:05 UTC`; anything unparsable stays as given. */
export function utc(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The UTC time of day, `10:00:05`, with the date in front when it is not `day` (`2026-11-22`). */
export function clock(iso: string, day?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = new Date(t).toISOString();
  const time = s.slice(11, 19);
  return day === undefined || s.slice(0, 10) === day ? time : `${s.slice(0, 10)} ${time}`;
}

/** The UTC date of a time, `2026-11-22`, or undefined when unparsable. */
export function dayOf(iso: string): string | undefined {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 10);
}

/** Time between two instants: `45s`, `2m 05s`, `1h 02m`, `2d 3h`; undefined when either is unparsable. */
export function between(from: string | undefined, to: string | undefined): string | undefined {
  if (from === undefined || to === undefined) return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  return duration(Math.max(0, Math.round((b - a) / 1000)));
}

export function duration(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${two(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${two(Math.floor((seconds % 3600) / 60))}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

/** Cuts text to `limit` (as `size` measures it) at a line break, with a note; a last resort. */
export function hardCap(value: string, limit: number, size: (s: string) => number, note: string): string {
  if (size(value) <= limit) return value;
  const tail = `\n\n${note}`;
  const room = limit - size(tail);
  let cut = value.slice(0, Math.max(0, room));
  while (cut.length > 0 && size(cut) > room) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  const nl = cut.lastIndexOf('\n');
  return `${nl > 0 ? cut.slice(0, nl) : cut}${tail}`;
}
