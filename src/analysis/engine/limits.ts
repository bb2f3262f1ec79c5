/**
 * Size limits for what an analysis run keeps. A run lives in one ConfigMap (1 MiB in all), so what a
 * measurement stores is capped (value, message, query, metadata), and the runs of a revision are kept
 * under a byte budget by trimming their oldest measurements. Pure: sizes are UTF-8 bytes, counted
 * here; no clock, no I/O. See docs/state-model.md ("Size limits").
 */
import type { Measurement, MetricResult, RunSpec, RunState } from './types.ts';

/** Bytes a measurement's `value` keeps (Argo's `measurement.value`). */
export const MAX_VALUE_BYTES = 4 * 1024;
/** Bytes a measurement's `message`, and a metric's message, keep. */
export const MAX_MESSAGE_BYTES = 2 * 1024;
/** Bytes of the query as sent that a measurement keeps. */
export const MAX_QUERY_BYTES = 2 * 1024;
/** Bytes of each metadata value (a Job name, a Prometheus warning). */
export const MAX_METADATA_BYTES = 512;
/** Bytes a run's message keeps (it joins the messages of several metrics). */
export const MAX_RUN_MESSAGE_BYTES = 4 * 1024;
/**
 * Bytes of `analysis.json` (every run of the revision, as JSON). The ConfigMap holds 1 MiB; the rest
 * is the Rollout, the templates, the status and the GitHub link.
 */
export const ANALYSIS_BUDGET_BYTES = 700 * 1024;

/** UTF-8 length of a string, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The marker a capped text ends with: says that, and how long the whole was. */
export function truncationMarker(totalBytes: number): string {
  return ` …[truncated by rollout-pilot: ${totalBytes} bytes]`;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
function prefixWithin(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    const pair = c >= 0xd800 && c <= 0xdbff && end + 1 < text.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += pair ? 2 : 1;
  }
  return text.slice(0, end);
}

/**
 * `text` if it fits in `maxBytes` UTF-8 bytes; otherwise its start and a marker saying it was
 * truncated and how long it was, `maxBytes` bytes in all (the marker alone if `maxBytes` is smaller).
 */
export function capText(text: string, maxBytes: number): string {
  // Every character is at least one byte: a text of at most maxBytes/4 characters always fits.
  if (text.length * 3 <= maxBytes) return text;
  const total = utf8Length(text);
  if (total <= maxBytes) return text;
  const marker = truncationMarker(total);
  const room = maxBytes - utf8Length(marker);
  return room <= 0 ? marker.trimStart() : prefixWithin(text.slice(0, room), room) + marker;
}

/** A measurement with its value, message, query and metadata values capped. */
export function capMeasurement(m: Measurement): Measurement {
  const out: Measurement = { ...m };
  if (out.value !== undefined) out.value = capText(out.value, MAX_VALUE_BYTES);
  if (out.message !== undefined) out.message = capText(out.message, MAX_MESSAGE_BYTES);
  if (out.query !== undefined) out.query = capText(out.query, MAX_QUERY_BYTES);
  if (out.metadata !== undefined) {
    out.metadata = Object.fromEntries(
      Object.entries(out.metadata).map(([k, v]) => [k, capText(v, MAX_METADATA_BYTES)]),
    );
  }
  return out;
}

/** Something that holds an analysis run: its spec and its state (the controller's records). */
export interface RunHolder {
  spec: RunSpec;
  state: RunState;
}

export interface BudgetResult<T extends RunHolder> {
  records: T[];
  /** Measurements dropped to fit, across all runs. */
  trimmed: number;
  /** Bytes of the records as JSON, after trimming. */
  bytes: number;
}

interface Candidate {
  run: number;
  metric: number;
  measurement: Measurement;
  /** 0: an ended run's older measurement; 1: a running run's older one; 2: an ended run's newest. */
  rank: number;
}

const DONE = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/**
 * The measurements that may go, in the order they go: never one in flight, nor a running run's newest
 * of a metric (its phase decision reads it); an ended run's newest only when nothing else is left.
 */
function candidates(records: readonly RunHolder[]): Candidate[] {
  const out: Candidate[] = [];
  records.forEach((r, run) => {
    const done = DONE.has(r.state.phase);
    r.state.metrics.forEach((result, metric) => {
      result.measurements.forEach((m, i) => {
        const newest = i === result.measurements.length - 1;
        if (m.finishedAt === undefined || (newest && !done)) return;
        out.push({ run, metric, measurement: m, rank: newest ? 2 : done ? 0 : 1 });
      });
    });
  });
  return out.sort(
    (a, b) =>
      a.rank - b.rank || (a.measurement.finishedAt ?? '').localeCompare(b.measurement.finishedAt ?? ''),
  );
}

function noteTrimmed(result: MetricResult, n: number): MetricResult {
  const total = (result.trimmed ?? 0) + n;
  return { ...result, trimmed: total };
}

/**
 * Keeps the runs' JSON within `budgetBytes`: while over, drops the oldest finished measurements (of
 * ended runs first), never a running run's newest measurement of a metric nor one in flight. The
 * counters are untouched (they, not the kept measurements, decide the phases), each metric counts
 * what it lost in `trimmed`, and each run that lost some says so in `note`. Retention
 * (`measurementRetention`) is applied by the engine already; this only goes below it when needed.
 */
export function fitBudget<T extends RunHolder>(records: readonly T[], budgetBytes: number): BudgetResult<T> {
  let bytes = utf8Length(JSON.stringify(records));
  if (bytes <= budgetBytes) return { records: [...records], trimmed: 0, bytes };
  const drop = new Set<Measurement>();
  const dropped = new Map<string, number>();
  for (const c of candidates(records)) {
    if (bytes <= budgetBytes) break;
    drop.add(c.measurement);
    // A dropped element and its comma.
    bytes -= utf8Length(JSON.stringify(c.measurement)) + 1;
    const key = `${c.run}/${c.metric}`;
    dropped.set(key, (dropped.get(key) ?? 0) + 1);
  }
  let trimmed = 0;
  const out = records.map((r, run) => {
    let lost = 0;
    const metrics = r.state.metrics.map((result, metric) => {
      const n = dropped.get(`${run}/${metric}`) ?? 0;
      if (n === 0) return result;
      lost += n;
      return noteTrimmed({ ...result, measurements: result.measurements.filter((m) => !drop.has(m)) }, n);
    });
    if (lost === 0) return r;
    trimmed += lost;
    const before = r.state.measurementsTrimmed ?? 0;
    const state: RunState = {
      ...r.state,
      metrics,
      measurementsTrimmed: before + lost,
      note: `${before + lost} older measurements were trimmed to keep the state under ${Math.round(budgetBytes / 1024)} KiB (counters unchanged)`,
    };
    return { ...r, state };
  });
  return { records: out, trimmed, bytes: utf8Length(JSON.stringify(out)) };
}
