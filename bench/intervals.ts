/** Time intervals [start, end) in epoch milliseconds, and the set arithmetic the benchmark needs. */
export type Interval = readonly [number, number];

/** Sorted, non-overlapping, non-empty intervals covering the same time as `list`. */
export function union(list: readonly Interval[]): Interval[] {
  const sorted = list.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export function total(list: readonly Interval[]): number {
  return union(list).reduce((n, [s, e]) => n + (e - s), 0);
}

/** The time covered by both `a` and `b`. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const ua = union(a);
  const ub = union(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < ua.length && j < ub.length) {
    const x = ua[i];
    const y = ub[j];
    if (x === undefined || y === undefined) break;
    const s = Math.max(x[0], y[0]);
    const e = Math.min(x[1], y[1]);
    if (e > s) out.push([s, e]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

/** The time covered by `a` but not by `b`. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const ub = union(b);
  const out: Interval[] = [];
  for (const [s0, e] of union(a)) {
    let s = s0;
    for (const [bs, be] of ub) {
      if (be <= s || bs >= e) continue;
      if (bs > s) out.push([s, bs]);
      s = Math.max(s, be);
      if (s >= e) break;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? Number.NaN) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}
