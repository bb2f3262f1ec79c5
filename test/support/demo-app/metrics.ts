// A hand-written Prometheus text exposition (format 0.0.4): counters, gauges and histograms keyed by
// label set. Just enough for the demo app; no client library.

export type Labels = Readonly<Record<string, string>>;

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** A monotonically increasing counter per label set. */
export class Counter {
  readonly name: string;
  readonly help: string;
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  /** Creates the series at 0 if it does not exist, so that rate() sees it from the first scrape. */
  init(labels: Labels): void {
    const key = formatLabels(labels);
    if (!this.#series.has(key)) this.#series.set(key, { labels, value: 0 });
  }

  inc(labels: Labels, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    const key = formatLabels(labels);
    const s = this.#series.get(key);
    if (s) s.value += by;
    else this.#series.set(key, { labels, value: by });
  }

  get(labels: Labels): number {
    return this.#series.get(formatLabels(labels))?.value ?? 0;
  }

  /** Drops every series whose labels match all the given ones. */
  remove(match: Labels): void {
    for (const [key, s] of this.#series) {
      if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) this.#series.delete(key);
    }
  }

  render(): string {
    let out = header(this.name, this.help, 'counter');
    for (const [key, s] of this.#series) out += `${this.name}${key} ${formatValue(s.value)}\n`;
    return out;
  }
}

/** A gauge whose value is computed at scrape time. */
export class Gauge {
  readonly name: string;
  readonly help: string;
  readonly #collect: () => Iterable<{ labels: Labels; value: number }>;

  constructor(name: string, help: string, collect: () => Iterable<{ labels: Labels; value: number }>) {
    this.name = name;
    this.help = help;
    this.#collect = collect;
  }

  render(): string {
    let out = header(this.name, this.help, 'gauge');
    for (const s of this.#collect()) out += `${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}\n`;
    return out;
  }
}

interface HistogramSeries {
  labels: Labels;
  /** Non-cumulative count per bucket; the last slot is the +Inf overflow. */
  buckets: number[];
  sum: number;
  count: number;
}

/** A cumulative histogram per label set with fixed upper bounds. */
export class Histogram {
  readonly name: string;
  readonly help: string;
  readonly bounds: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(name: string, help: string, bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if ((bounds[i] ?? 0) <= (bounds[i - 1] ?? 0)) throw new Error(`${name}: buckets must increase`);
    }
    this.name = name;
    this.help = help;
    this.bounds = bounds;
  }

  #get(labels: Labels): HistogramSeries {
    const key = formatLabels(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    return s;
  }

  init(labels: Labels): void {
    this.#get(labels);
  }

  observe(labels: Labels, value: number): void {
    const s = this.#get(labels);
    let i = this.bounds.findIndex((b) => value <= b);
    if (i === -1) i = this.bounds.length;
    s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  remove(match: Labels): void {
    for (const [key, s] of this.#series) {
      if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) this.#series.delete(key);
    }
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram');
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.buckets[i] ?? 0;
        const le = i < this.bounds.length ? formatValue(this.bounds[i] ?? Infinity) : '+Inf';
        out += `${this.name}_bucket${formatLabels({ ...s.labels, le })} ${cumulative}\n`;
      }
      out += `${this.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}\n`;
      out += `${this.name}_count${formatLabels(s.labels)} ${s.count}\n`;
    }
    return out;
  }
}
