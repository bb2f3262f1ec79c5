/** The names and labels of analysis Jobs: deterministic per measurement, so a restarted driver re-attaches. */
import { createHash } from 'node:crypto';

/** Every analysis Job carries this label with value "true". */
export const ANALYSIS_JOB_LABEL = 'rollout-pilot.dev/analysis-job';
/** The metric's name, made a valid label value (see `labelValue`). */
export const METRIC_LABEL = 'rollout-pilot.dev/metric';
/** The metric's name as written. */
export const METRIC_ANNOTATION = 'rollout-pilot.dev/metric-name';
/** The measurement's metadata key holding the Job's name (Argo's `JobNameKey`). */
export const JOB_NAME_KEY = 'job-name';

export const JOB_DEFAULT_POLL_INTERVAL_MS = 1000;

/** The longest Job name: the job controller copies it into a pod label, and label values stop at 63. */
export const MAX_JOB_NAME = 63;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The Job to run: its name (deterministic per measurement) and the metric it measures. */
export interface JobRef {
  name: string;
  metric?: string;
}

/**
 * Argo's Job name `<run id>.<metric>.<index>` (index: measurements taken + errors + 1), made a valid
 * Job name: lowercase, characters other than `a-z 0-9 - .` replaced by `-`, and when longer than 63
 * characters the metric part is cut and an 8-character hash of the whole name appended, so distinct
 * metrics keep distinct names.
 */
export function analysisJobName(runId: string, metric: string, index: number): string {
  const clean = (s: string): string =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/(^|\.)[-.]+/g, '$1')
      .replace(/[-.]+($|\.)/g, '$1');
  const run = clean(runId) || 'run';
  const m = clean(metric) || 'metric';
  const full = `${run}.${m}.${index}`;
  if (full.length <= MAX_JOB_NAME) return full;
  const hash = createHash('sha256').update(`${runId}\0${metric}\0${index}`).digest('hex').slice(0, 8);
  const room = MAX_JOB_NAME - run.length - String(index).length - hash.length - 3;
  const cut = room > 0 ? m.slice(0, room).replace(/[-.]+$/, '') : '';
  const name = cut === '' ? `${run}.${index}-${hash}` : `${run}.${cut}-${hash}.${index}`;
  return name.length <= MAX_JOB_NAME ? name : `${hash}.${index}`;
}

/** A label value for `text`: invalid characters become `-`, at most 63 characters, alphanumeric ends. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}
