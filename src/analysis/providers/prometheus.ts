/**
 * `provider.prometheus`, as Argo's metricproviders/prometheus runs it: an instant query at the
 * engine's `now` (`/api/v1/query`) or, with `rangeQuery`, a range query (`/api/v1/query_range`),
 * sent as a form POST with a GET fallback on 405/501 (what client_golang does).
 *
 * Result shapes (processResponse): a scalar is a number; a vector is the array of its sample values
 * (`[]` when empty, hence `result[0]`); a matrix is every series' values flattened into one array;
 * NaN and ±Inf stay NaN and ±Infinity (shown `NaN`, `+Inf`, `-Inf`); a string result is an error.
 *
 * Fields: `address` (else the `prometheus-address` input), `query`, `timeout` (s, default 30),
 * `insecure`, `caCert`, `headers[]`, `authentication.basicAuth`, `authentication.oauth2`
 * (client credentials, token cached), `rangeQuery{start,end,step}`. SigV4 (Amazon Managed
 * Prometheus) is not supported and says so.
 */

import { FieldReader, goDurationMs, goFormatFloat } from './fields.ts';
import { applyBearerToken, userinfoAuth } from './auth.ts';
import {
  basicAuth,
  excerpt,
  guarded,
  httpRequest,
  credentialValues,
  setHeader,
  type HttpResponse,
} from './http.ts';
import { OAuth2TokenCache } from './oauth2.ts';
import { evaluateTimeExpression } from './time-expr.ts';
import {
  ProviderError,
  redact,
  withSecrets,
  type MeasureContext,
  type MeasureResult,
  type MetricProvider,
} from './types.ts';

export interface PrometheusProviderOptions {
  /** The action input `prometheus-address`, used when a metric names no `address`. */
  defaultAddress?: string | undefined;
  /** Shared token cache (one per process is right); a private one by default. */
  tokens?: OAuth2TokenCache;
}

export const PROMETHEUS_DEFAULT_TIMEOUT_SECONDS = 30;

/** Prometheus writes sample values as strings; NaN and ±Inf included. */
export function parseSampleValue(raw: unknown): number {
  if (typeof raw !== 'string') throw new ProviderError(`bad_response: sample value ${JSON.stringify(raw)}`);
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n)) throw new ProviderError(`bad_response: sample value "${raw}"`);
  return n;
}

function listDisplay(values: readonly number[]): string {
  return `[${values.map(goFormatFloat).join(',')}]`;
}

function pair(v: unknown): unknown {
  if (!Array.isArray(v) || v.length !== 2) throw new ProviderError('bad_response: expected [time, value]');
  return (v as unknown[])[1];
}

/** Shapes the `data` of a Prometheus query response as Argo's processResponse does. */
export function shapePrometheusData(data: unknown): { value: number | number[]; display: string } {
  if (typeof data !== 'object' || data === null) throw new ProviderError('bad_response: no data');
  const { resultType, result } = data as { resultType?: unknown; result?: unknown };
  switch (resultType) {
    case 'scalar': {
      const v = parseSampleValue(pair(result));
      return { value: v, display: goFormatFloat(v) };
    }
    case 'vector': {
      if (!Array.isArray(result)) throw new ProviderError('bad_response: vector result is not a list');
      const values = (result as unknown[]).map((s) => {
        if (typeof s !== 'object' || s === null) throw new ProviderError('bad_response: bad sample');
        return parseSampleValue(pair((s as { value?: unknown }).value));
      });
      return { value: values, display: listDisplay(values) };
    }
    case 'matrix': {
      if (!Array.isArray(result)) throw new ProviderError('bad_response: matrix result is not a list');
      const values: number[] = [];
      for (const series of result as unknown[]) {
        const points = (series as { values?: unknown } | null)?.values;
        if (!Array.isArray(points)) throw new ProviderError('bad_response: series without values');
        for (const p of points as unknown[]) values.push(parseSampleValue(pair(p)));
      }
      return { value: values, display: listDisplay(values) };
    }
    default:
      throw new ProviderError('Prometheus metric type not supported');
  }
}

interface ApiBody {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
}

/** Reads an API response as client_golang does: `errorType: error` for API errors. */
function readApiResponse(res: HttpResponse): { data: unknown; warnings: string[] } {
  let body: ApiBody | undefined;
  try {
    const parsed: unknown = JSON.parse(res.text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed;
  } catch {
    body = undefined;
  }
  const ok = res.status >= 200 && res.status < 300;
  if (body && body.status === 'error') {
    const type = typeof body.errorType === 'string' ? body.errorType : 'error';
    const msg = typeof body.error === 'string' ? body.error : excerpt(res.text);
    throw new ProviderError(`${type}: ${msg}`);
  }
  if (!ok) {
    const kind = res.status >= 500 ? 'server_error: server error' : 'client_error: client error';
    throw new ProviderError(
      `${kind}: ${res.status}${res.text.trim() === '' ? '' : `: ${excerpt(res.text, 300)}`}`,
    );
  }
  if (!body || body.status !== 'success') {
    throw new ProviderError(`bad_response: not a Prometheus API response: ${excerpt(res.text, 200)}`);
  }
  const warnings = Array.isArray(body.warnings)
    ? body.warnings.filter((w): w is string => typeof w === 'string')
    : [];
  return { data: body.data, warnings };
}

function unixSeconds(ms: number): string {
  return goFormatFloat(ms / 1000);
}

/** A query ready to send: the endpoint, its form parameters and how it is reported. */
interface PrometheusQuery {
  endpoint: 'query' | 'query_range';
  params: URLSearchParams;
  sent: string;
}

/** Where and how a request goes, once the address and the authentication are worked out. */
interface PrometheusTarget {
  url: URL;
  headers: [string, string][];
  timeoutMs: number;
  insecure: boolean;
  caCert: string | undefined;
}

export class PrometheusProvider implements MetricProvider {
  readonly kind = 'prometheus';
  private readonly defaultAddress: string | undefined;
  private readonly tokens: OAuth2TokenCache;

  constructor(options: PrometheusProviderOptions = {}) {
    this.defaultAddress = options.defaultAddress === '' ? undefined : options.defaultAddress;
    this.tokens = options.tokens ?? new OAuth2TokenCache();
  }

  async measure(block: Record<string, unknown>, ctx: MeasureContext): Promise<MeasureResult> {
    const f = new FieldReader(block, 'prometheus');
    const auth = f.obj('authentication');
    const headers = f.headers('headers');
    const secrets = withSecrets(
      ctx.secrets,
      auth?.obj('basicAuth')?.str('password'),
      auth?.obj('oauth2')?.str('clientSecret'),
      ...credentialValues(headers),
    );
    return await guarded(ctx, secrets, async (sending) => {
      const query = f.str('query') ?? '';
      if (query.trim() === '') throw new ProviderError('prometheus.query is empty');
      sending(query);
      const target = await this.target(f, headers, ctx, secrets);
      const q = prometheusQuery(f, query, ctx.now);
      sending(q.sent);
      const { data, warnings } = readApiResponse(await postWithGetFallback(target, q, ctx));
      const shaped = shapePrometheusData(data);
      const result: MeasureResult = { value: shaped.value, display: shaped.display, query: q.sent };
      if (warnings.length > 0) {
        result.metadata = { warnings: warnings.map((w) => JSON.stringify(w)).join(', ') };
      }
      return { ...result, query: redact(result.query, secrets) };
    });
  }

  /** The timeout, the address and the headers (basic auth, `headers[]`, an OAuth2 bearer token). */
  private async target(
    f: FieldReader,
    extraHeaders: readonly [string, string][],
    ctx: MeasureContext,
    secrets: Set<string>,
  ): Promise<PrometheusTarget> {
    const timeout = f.int('timeout') ?? PROMETHEUS_DEFAULT_TIMEOUT_SECONDS;
    if (timeout < 0) throw new ProviderError('prometheus timeout should not be negative');
    const timeoutMs = timeout * 1000;
    const auth = f.obj('authentication');
    const { url, headers } = userinfoAuth(prometheusBaseUrl(f, this.defaultAddress), secrets);
    for (const [k, v] of extraHeaders) headers.push([k, v]);
    const insecure = f.bool('insecure') ?? false;
    const caCert = f.str('caCert') || undefined;
    const oauth = auth?.obj('oauth2');
    const bearer = await applyBearerToken(
      this.tokens,
      oauth,
      'prometheus',
      ctx,
      { timeoutMs, insecure },
      secrets,
      headers,
    );
    const basic = auth?.obj('basicAuth');
    if (!bearer && basic && (basic.str('username') ?? '') !== '') {
      setHeader(
        headers,
        'authorization',
        basicAuth(basic.str('username') ?? '', basic.str('password') ?? ''),
      );
    }
    return { url, headers, timeoutMs, insecure, caCert };
  }
}

/** The `address` (else the `prometheus-address` input) as a URL; SigV4 is refused. */
function prometheusBaseUrl(f: FieldReader, defaultAddress: string | undefined): URL {
  const address = f.str('address') || defaultAddress;
  if (address === undefined || address === '') {
    throw new ProviderError(
      'prometheus address is not configured: set provider.prometheus.address or the prometheus-address input',
    );
  }
  let base: URL;
  try {
    base = new URL(address);
  } catch {
    throw new ProviderError(`prometheus address ${JSON.stringify(address)} is not in url format`);
  }
  if (base.host === '' || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new ProviderError(`prometheus address ${JSON.stringify(address)} is not in url format`);
  }
  const sigv4 = f.obj('authentication')?.obj('sigv4');
  if (address.includes('aps-workspaces') || (sigv4 && Object.keys(sigv4.block).length > 0)) {
    throw new ProviderError(
      'prometheus: SigV4 authentication (Amazon Managed Prometheus) is not supported; use a SigV4 proxy and point address at it',
    );
  }
  return base;
}

/** An instant query at `now`, or with `rangeQuery` a range query over its start, end and step. */
function prometheusQuery(f: FieldReader, query: string, now: Date): PrometheusQuery {
  const params = new URLSearchParams({ query });
  const range = f.obj('rangeQuery');
  if (!range) {
    params.set('time', unixSeconds(now.getTime()));
    return { endpoint: 'query', params, sent: query };
  }
  const startText = range.str('start') ?? '';
  const endText = range.str('end') ?? '';
  const stepText = range.str('step') ?? '';
  const start = parseTime('start', startText, now);
  const end = parseTime('end', endText, now);
  let stepMs: number;
  try {
    stepMs = goDurationMs(stepText);
  } catch (e) {
    throw new ProviderError(`failed to parse rangeQuery.step as duration: ${(e as Error).message}`);
  }
  if (!(stepMs > 0)) throw new ProviderError('rangeQuery.step must be a positive duration');
  params.set('start', unixSeconds(start));
  params.set('end', unixSeconds(end));
  params.set('step', goFormatFloat(stepMs / 1000));
  const sent = `${query} [range ${new Date(start).toISOString()} to ${new Date(end).toISOString()}, step ${stepText}]`;
  return { endpoint: 'query_range', params, sent };
}

/** A form POST, sent again as a GET when the server answers 405 or 501 (as client_golang does). */
async function postWithGetFallback(
  target: PrometheusTarget,
  q: PrometheusQuery,
  ctx: MeasureContext,
): Promise<HttpResponse> {
  const url = new URL(target.url.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/${q.endpoint}`;
  const common = {
    timeoutMs: target.timeoutMs,
    signal: ctx.signal,
    allowMetadataAddresses: ctx.allowMetadataAddresses,
    insecure: target.insecure,
    ...(target.caCert === undefined ? {} : { caCert: target.caCert }),
  };
  const res = await httpRequest({
    method: 'POST',
    url,
    headers: [...target.headers, ['content-type', 'application/x-www-form-urlencoded']],
    body: q.params.toString(),
    ...common,
  });
  if (res.status !== 405 && res.status !== 501) return res;
  const getUrl = new URL(url.href);
  getUrl.search = q.params.toString();
  return await httpRequest({ method: 'GET', url: getUrl, headers: target.headers, ...common });
}

function parseTime(which: 'start' | 'end', text: string, now: Date): number {
  if (text.trim() === '') throw new ProviderError(`rangeQuery.${which} is required`);
  try {
    return evaluateTimeExpression(text, now);
  } catch (e) {
    throw new ProviderError(`failed to parse rangeQuery.${which} as time: ${(e as Error).message}`);
  }
}
