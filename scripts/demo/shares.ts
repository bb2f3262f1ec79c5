// The demo's traffic accounting, as pure functions: which revision answered each request, the share
// each revision received over a span of time, and that share in time buckets for the charts.

/** One request the load generator sent: when (ms since the load started), who answered, the status. */
export interface Sample {
  readonly t: number;
  /** The revision (pod-template-hash) of the pod that answered; '' when no pod did (proxy error). */
  readonly revision: string;
  readonly status: number;
}

/** A revision's part of a span: how many requests it answered, how many with 5xx, and the share. */
export interface RevisionShare {
  readonly revision: string;
  readonly count: number;
  readonly errors: number;
  /** count / all requests of the span (0 when the span has none). */
  readonly share: number;
}

export interface SpanShares {
  readonly total: number;
  /** Requests that failed: a 5xx status (from a pod or the proxy itself), or no answer at all. */
  readonly errors: number;
  /** Ordered by `order` (revisions it lacks come last, by name); the unanswered as revision ''. */
  readonly revisions: readonly RevisionShare[];
}

/**
 * The revision of a pod from its name: a ReplicaSet `<rollout>-<hash>` names its pods
 * `<rollout>-<hash>-<5 chars>`. The backend also reports the revision, but reads a label that the
 * demo cannot count on across backend versions; the name needs no label.
 */
export function revisionOfPod(rollout: string, pod: string): string {
  const prefix = `${rollout}-`;
  if (!pod.startsWith(prefix)) return '';
  const rest = pod.slice(prefix.length);
  const cut = rest.lastIndexOf('-');
  return cut > 0 ? rest.slice(0, cut) : '';
}

/** A 5xx, or 0: the request got no answer (refused, reset, timed out). */
export function failedStatus(status: number): boolean {
  return status >= 500 || status === 0;
}

/** The shares of requests sent in [from, to). */
export function sharesBetween(
  samples: readonly Sample[],
  from: number,
  to: number,
  order: readonly string[] = [],
): SpanShares {
  const counts = new Map<string, { count: number; errors: number }>();
  let total = 0;
  let errors = 0;
  for (const s of samples) {
    if (s.t < from || s.t >= to) continue;
    total += 1;
    const failed = failedStatus(s.status);
    if (failed) errors += 1;
    const c = counts.get(s.revision) ?? { count: 0, errors: 0 };
    c.count += 1;
    if (failed) c.errors += 1;
    counts.set(s.revision, c);
  }
  const rank = (r: string): number => {
    const i = order.indexOf(r);
    return i === -1 ? order.length : i;
  };
  const revisions = [...counts.entries()]
    .map(([revision, c]) => ({ revision, ...c, share: total === 0 ? 0 : c.count / total }))
    .sort((a, b) => rank(a.revision) - rank(b.revision) || a.revision.localeCompare(b.revision));
  return { total, errors, revisions };
}

/** One time bucket of the charts: the share of each revision in `order`, and the 5xx share. */
export interface Bucket {
  readonly start: number;
  readonly total: number;
  /** Same length and order as the revisions the buckets were made for. */
  readonly shares: readonly number[];
  /** The share of failed requests (5xx or no answer). */
  readonly errorShare: number;
}

/** Splits [0, end) into buckets of `width` ms (the last may be shorter) with each revision's share. */
export function buckets(
  samples: readonly Sample[],
  revisions: readonly string[],
  width: number,
  end: number,
): Bucket[] {
  if (!(width > 0)) throw new Error(`bucket width must be positive, got ${width}`);
  const out: Bucket[] = [];
  for (let start = 0; start < end; start += width) {
    const span = sharesBetween(samples, start, Math.min(start + width, end));
    const share = (r: string): number => span.revisions.find((x) => x.revision === r)?.share ?? 0;
    out.push({
      start,
      total: span.total,
      shares: revisions.map(share),
      errorShare: span.total === 0 ? 0 : span.errors / span.total,
    });
  }
  return out;
}

/** A bucket width (a whole number of seconds) that gives at most `columns` buckets over `end` ms. */
export function bucketWidthFor(end: number, columns: number): number {
  return Math.max(1, Math.ceil(end / 1000 / columns)) * 1000;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * One line for a span: `v1 79.8% · v2 20.2% (3 failed)  (n=240, failed 1.3%)`, `name` giving each
 * revision's display name. Requests no pod answered show as `no pod`.
 */
export function describeShares(span: SpanShares, name: (revision: string) => string): string {
  if (span.total === 0) return 'no requests';
  const parts = span.revisions.map((r) => {
    const errors = r.errors > 0 ? ` (${r.errors} failed)` : '';
    return `${r.revision === '' ? 'no pod' : name(r.revision)} ${percent(r.share)}${errors}`;
  });
  return `${parts.join(' · ')}  (n=${span.total}, failed ${percent(span.errors / span.total)})`;
}
