/**
 * The typed model of an AnalysisTemplate / ClusterAnalysisTemplate, built from a document that
 * validated clean, with Argo's defaults (`utils/defaults/defaults.go` and the providers): failureLimit
 * 0, inconclusiveLimit 0, consecutiveErrorLimit 4, consecutiveSuccessLimit 0 (off); prometheus timeout
 * 30 s; web method GET and timeoutSeconds 10; datadog apiVersion v1 and interval 5m. Values that may
 * hold `{{args.x}}` placeholders (counts, limits, durations, queries) are kept as written: they are
 * resolved when a run is created. Pure.
 */
import { METRIC_PROVIDERS } from './argo-schema.ts';
import { ARGO_API_VERSION } from './kinds.ts';
import {
  dryRuns,
  fieldRefSource,
  InvalidModelError,
  namedArgs,
  objectMeta,
  opt,
  requireObj,
  requireStr,
  retentions,
  templateRefs,
  type AnalysisTemplateRef,
  type DryRun,
  type MeasurementRetention,
  type ObjectMeta,
} from './model-common.ts';
import type { ManifestDoc } from './manifest-doc.ts';
import { asBool, asInt, asList, asObj, asStr, asStringMap, type Obj } from './values.ts';
import type { SourceLocation } from '../util/errors.ts';

export const METRIC_DEFAULTS = {
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  consecutiveSuccessLimit: 0,
  prometheusTimeoutSeconds: 30,
  webTimeoutSeconds: 10,
  webMethod: 'GET',
  datadogApiVersion: 'v1',
  datadogInterval: '5m',
} as const;

/** An integer, or a string that is an integer or holds a `{{args.x}}` placeholder. */
export type IntOrArg = number | string;

export interface TemplateArg {
  name: string;
  /** Default value; an arg with neither value nor valueFrom must be supplied by the caller. */
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } } | { fieldRef: { fieldPath: string } };
}

export interface Header {
  key: string;
  value: string;
}

export interface PrometheusMetric {
  address?: string;
  query: string;
  timeoutSeconds: number;
  insecure: boolean;
  headers: Header[];
  authentication?: Record<string, unknown>;
  rangeQuery?: { start?: string; end?: string; step?: string };
}

export interface DatadogMetric {
  apiVersion: 'v1' | 'v2';
  /** Query window, a duration string. */
  interval: string;
  query?: string;
  queries?: Record<string, string>;
  formula?: string;
  aggregator?: string;
  secretRef?: { name?: string; namespaced: boolean };
}

export interface WebMetric {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Header[];
  body?: string;
  jsonBody?: unknown;
  timeoutSeconds: number;
  jsonPath?: string;
  insecure: boolean;
  authentication?: Record<string, unknown>;
}

export interface JobMetric {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  /** A batch/v1 JobSpec, passed to the cluster as written (after placeholders are resolved). */
  spec: Record<string, unknown>;
}

/** The providers read into a typed form; the others are kept as written. */
type TypedProviderName = 'prometheus' | 'datadog' | 'web' | 'job' | 'plugin';

/** Providers kept as written until rollout-pilot runs them. */
export type OtherProviderName = Exclude<(typeof METRIC_PROVIDERS)[number], TypedProviderName>;

export type MetricProvider =
  | { type: 'prometheus'; prometheus: PrometheusMetric }
  | { type: 'datadog'; datadog: DatadogMetric }
  | { type: 'web'; web: WebMetric }
  | { type: 'job'; job: JobMetric }
  | { type: 'plugin'; plugin: { name: string; config: unknown } }
  | { type: OtherProviderName; config: Record<string, unknown> };

export interface Metric {
  name: string;
  /** Time between measurements (a duration string); absent: a single measurement. */
  interval?: string;
  initialDelay?: string;
  /** Absent: 1 without interval, until stopped with one. */
  count?: IntOrArg;
  successCondition?: string;
  failureCondition?: string;
  failureLimit: IntOrArg;
  inconclusiveLimit: IntOrArg;
  consecutiveErrorLimit: IntOrArg;
  consecutiveSuccessLimit: IntOrArg;
  provider: MetricProvider;
}

export interface AnalysisTemplateSpec {
  args: TemplateArg[];
  metrics: Metric[];
  dryRun: DryRun[];
  measurementRetention: MeasurementRetention[];
  /** Other templates whose metrics and args this one includes. */
  templates: AnalysisTemplateRef[];
}

export interface AnalysisTemplate {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate';
  metadata: ObjectMeta;
  spec: AnalysisTemplateSpec;
  source: SourceLocation;
}

const TYPED_PROVIDERS: readonly string[] = [
  'prometheus',
  'datadog',
  'web',
  'job',
  'plugin',
] satisfies TypedProviderName[];

/** The schema's providers but the typed ones, in the schema's order. */
const OTHER_PROVIDERS: readonly OtherProviderName[] = METRIC_PROVIDERS.filter(
  (name): name is OtherProviderName => !TYPED_PROVIDERS.includes(name),
);

function intOrArg(v: unknown): IntOrArg | undefined {
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

function headers(v: unknown): Header[] {
  return asList(v).flatMap((h) => {
    const o = asObj(h);
    const key = asStr(o?.key);
    const value = asStr(o?.value);
    return key === undefined || value === undefined ? [] : [{ key, value }];
  });
}

function templateArgs(v: unknown): TemplateArg[] {
  return namedArgs(v).map(({ name, arg, from }) => {
    const secret = asObj(from?.secretKeyRef);
    const valueFrom: TemplateArg['valueFrom'] = secret
      ? { secretKeyRef: { name: asStr(secret.name) ?? '', key: asStr(secret.key) ?? '' } }
      : fieldRefSource(from);
    return { name, ...opt('value', asStr(arg.value)), ...opt('valueFrom', valueFrom) };
  });
}

function provider(p: Obj, doc: ManifestDoc, where: string): MetricProvider {
  const prom = asObj(p.prometheus);
  if (prom) return { type: 'prometheus', prometheus: prometheusMetric(prom) };
  const dd = asObj(p.datadog);
  if (dd) return { type: 'datadog', datadog: datadogMetric(dd) };
  const web = asObj(p.web);
  if (web) return { type: 'web', web: webMetric(web, doc, where) };
  const job = asObj(p.job);
  if (job) return { type: 'job', job: jobMetric(job, doc, where) };
  const plugin = asObj(p.plugin);
  const pluginName = plugin ? Object.keys(plugin)[0] : undefined;
  if (plugin && pluginName !== undefined) {
    return { type: 'plugin', plugin: { name: pluginName, config: plugin[pluginName] } };
  }
  for (const name of OTHER_PROVIDERS) {
    const config = asObj(p[name]);
    if (config) return { type: name, config };
  }
  throw new InvalidModelError(`${doc.location.file}: ${where} names no provider; validate first`);
}

function prometheusMetric(prom: Obj): PrometheusMetric {
  const range = asObj(prom.rangeQuery);
  return {
    ...opt('address', asStr(prom.address)),
    query: asStr(prom.query) ?? '',
    timeoutSeconds: asInt(prom.timeout) ?? METRIC_DEFAULTS.prometheusTimeoutSeconds,
    insecure: asBool(prom.insecure) ?? false,
    headers: headers(prom.headers),
    ...opt('authentication', asObj(prom.authentication)),
    ...opt(
      'rangeQuery',
      range
        ? {
            ...opt('start', asStr(range.start)),
            ...opt('end', asStr(range.end)),
            ...opt('step', asStr(range.step)),
          }
        : undefined,
    ),
  };
}

function datadogMetric(dd: Obj): DatadogMetric {
  const secretRef = asObj(dd.secretRef);
  const queries = asObj(dd.queries);
  return {
    apiVersion: asStr(dd.apiVersion) === 'v2' ? 'v2' : 'v1',
    interval: asStr(dd.interval) ?? METRIC_DEFAULTS.datadogInterval,
    ...opt('query', asStr(dd.query)),
    ...opt('queries', queries ? asStringMap(queries) : undefined),
    ...opt('formula', asStr(dd.formula)),
    ...opt('aggregator', asStr(dd.aggregator)),
    ...opt(
      'secretRef',
      secretRef
        ? { ...opt('name', asStr(secretRef.name)), namespaced: secretRef.namespaced === true }
        : undefined,
    ),
  };
}

function webMetric(web: Obj, doc: ManifestDoc, where: string): WebMetric {
  const method = asStr(web.method);
  return {
    method: method === 'POST' || method === 'PUT' ? method : METRIC_DEFAULTS.webMethod,
    url: requireStr(web.url, doc, `${where}.web.url`),
    headers: headers(web.headers),
    ...opt('body', asStr(web.body)),
    ...opt('jsonBody', web.jsonBody ?? undefined),
    timeoutSeconds: asInt(web.timeoutSeconds) ?? METRIC_DEFAULTS.webTimeoutSeconds,
    ...opt('jsonPath', asStr(web.jsonPath)),
    insecure: asBool(web.insecure) ?? false,
    ...opt('authentication', asObj(web.authentication)),
  };
}

function jobMetric(job: Obj, doc: ManifestDoc, where: string): JobMetric {
  const meta = asObj(job.metadata);
  return {
    metadata: { labels: asStringMap(meta?.labels), annotations: asStringMap(meta?.annotations) },
    spec: requireObj(job.spec, doc, `${where}.job.spec`),
  };
}

function metric(m: Obj, doc: ManifestDoc, where: string): Metric {
  return {
    name: requireStr(m.name, doc, `${where}.name`),
    ...opt('interval', asStr(m.interval)),
    ...opt('initialDelay', asStr(m.initialDelay)),
    ...opt('count', intOrArg(m.count)),
    ...opt('successCondition', asStr(m.successCondition)),
    ...opt('failureCondition', asStr(m.failureCondition)),
    failureLimit: intOrArg(m.failureLimit) ?? METRIC_DEFAULTS.failureLimit,
    inconclusiveLimit: intOrArg(m.inconclusiveLimit) ?? METRIC_DEFAULTS.inconclusiveLimit,
    consecutiveErrorLimit: intOrArg(m.consecutiveErrorLimit) ?? METRIC_DEFAULTS.consecutiveErrorLimit,
    consecutiveSuccessLimit: intOrArg(m.consecutiveSuccessLimit) ?? METRIC_DEFAULTS.consecutiveSuccessLimit,
    provider: provider(requireObj(m.provider, doc, `${where}.provider`), doc, `${where}.provider`),
  };
}

/** The typed template for a document that validated clean. Throws InvalidModelError otherwise. */
export function toAnalysisTemplate(doc: ManifestDoc): AnalysisTemplate {
  const kind = doc.object.kind;
  if (
    doc.object.apiVersion !== ARGO_API_VERSION ||
    (kind !== 'AnalysisTemplate' && kind !== 'ClusterAnalysisTemplate')
  ) {
    throw new InvalidModelError(
      `${doc.location.file}:${doc.location.line}: not an ${ARGO_API_VERSION} AnalysisTemplate or ClusterAnalysisTemplate`,
    );
  }
  const spec = requireObj(doc.object.spec, doc, 'spec');
  return {
    apiVersion: ARGO_API_VERSION,
    kind,
    metadata: objectMeta(doc),
    spec: {
      args: templateArgs(spec.args),
      metrics: asList(spec.metrics).map((m, i) =>
        metric(requireObj(m, doc, `spec.metrics[${i}]`), doc, `spec.metrics[${i}]`),
      ),
      dryRun: dryRuns(spec.dryRun),
      measurementRetention: retentions(spec.measurementRetention),
      templates: templateRefs(spec.templates),
    },
    source: doc.location,
  };
}
