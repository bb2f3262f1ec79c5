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
import {
  basicAuth,
  excerpt,
  guarded,
  httpRequest,
  credentialValues,
  setHeader,
  splitUserinfo,
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
    const basic = auth?.obj('basicAuth');
    const oauth = auth?.obj('oauth2');
    const headers = f.headers('headers');
    const secrets = withSecrets(
      ctx.secrets,
      basic?.str('password'),
      oauth?.str('clientSecret'),
      ...credentialValues(headers),
    );
    let sent: string | undefined;
    return await guarded(
      ctx,
      secrets,
      () => sent,
      async () => {
        const query = f.str('query') ?? '';
        if (query.trim() === '') throw new ProviderError('prometheus.query is empty');
        sent = query;

        const timeout = f.int('timeout') ?? PROMETHEUS_DEFAULT_TIMEOUT_SECONDS;
        if (timeout < 0) throw new ProviderError('prometheus timeout should not be negative');
        const timeoutMs = timeout * 1000;

        const address = f.str('address') || this.defaultAddress;
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
        const sigv4 = auth?.obj('sigv4');
        if (address.includes('aps-workspaces') || (sigv4 && Object.keys(sigv4.block).length > 0)) {
          throw new ProviderError(
            'prometheus: SigV4 authentication (Amazon Managed Prometheus) is not supported; use a SigV4 proxy and point address at it',
          );
        }

        const split = splitUserinfo(base);
        base = split.url;
        const sendHeaders: [string, string][] = [];
        if ('password' in split) {
          secrets.add(split.password);
          sendHeaders.push(['authorization', basicAuth(split.username, split.password)]);
        }
        for (const [k, v] of headers) sendHeaders.push([k, v]);

        const insecure = f.bool('insecure') ?? false;
        const caCert = f.str('caCert') || undefined;
        const token = await this.tokens.bearerFor(oauth, 'prometheus', {
          signal: ctx.signal,
          allowMetadataAddresses: ctx.allowMetadataAddresses,
          now: ctx.now,
          timeoutMs,
          insecure,
        });
        if (token !== undefined) {
          secrets.add(token);
          setHeader(sendHeaders, 'authorization', `Bearer ${token}`);
        } else if (basic && (basic.str('username') ?? '') !== '') {
          setHeader(
            sendHeaders,
            'authorization',
            basicAuth(basic.str('username') ?? '', basic.str('password') ?? ''),
          );
        }

        const params = new URLSearchParams({ query });
        let endpoint = 'query';
        const range = f.obj('rangeQuery');
        if (range) {
          const startText = range.str('start') ?? '';
          const endText = range.str('end') ?? '';
          const stepText = range.str('step') ?? '';
          const start = parseTime('start', startText, ctx.now);
          const end = parseTime('end', endText, ctx.now);
          let stepMs: number;
          try {
            stepMs = goDurationMs(stepText);
          } catch (e) {
            throw new ProviderError(`failed to parse rangeQuery.step as duration: ${(e as Error).message}`);
          }
          if (!(stepMs > 0)) throw new ProviderError('rangeQuery.step must be a positive duration');
          endpoint = 'query_range';
          params.set('start', unixSeconds(start));
          params.set('end', unixSeconds(end));
          params.set('step', goFormatFloat(stepMs / 1000));
          sent = `${query} [range ${new Date(start).toISOString()} to ${new Date(end).toISOString()}, step ${stepText}]`;
        } else {
          params.set('time', unixSeconds(ctx.now.getTime()));
        }

        const url = new URL(base.href);
        url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/${endpoint}`;
        let res = await httpRequest({
          method: 'POST',
          url,
          headers: [...sendHeaders, ['content-type', 'application/x-www-form-urlencoded']],
          body: params.toString(),
          timeoutMs,
          signal: ctx.signal,
          allowMetadataAddresses: ctx.allowMetadataAddresses,
          insecure,
          ...(caCert === undefined ? {} : { caCert }),
        });
        if (res.status === 405 || res.status === 501) {
          const getUrl = new URL(url.href);
          getUrl.search = params.toString();
          res = await httpRequest({
            method: 'GET',
            url: getUrl,
            headers: sendHeaders,
            timeoutMs,
            signal: ctx.signal,
            allowMetadataAddresses: ctx.allowMetadataAddresses,
            insecure,
            ...(caCert === undefined ? {} : { caCert }),
          });
        }
        const { data, warnings } = readApiResponse(res);
        const shaped = shapePrometheusData(data);
        const result: MeasureResult = { value: shaped.value, display: shaped.display, query: sent };
        if (warnings.length > 0) {
          result.metadata = { warnings: warnings.map((w) => JSON.stringify(w)).join(', ') };
        }
        return { ...result, query: redact(result.query, secrets) };
      },
    );
  }
}

function parseTime(which: 'start' | 'end', text: string, now: Date): number {
  if (text.trim() === '') throw new ProviderError(`rangeQuery.${which} is required`);
  try {
    return evaluateTimeExpression(text, now);
  } catch (e) {
    throw new ProviderError(`failed to parse rangeQuery.${which} as time: ${(e as Error).message}`);
  }
}
