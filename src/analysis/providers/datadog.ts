/**
 * `provider.datadog`, as Argo's metricproviders/datadog runs it.
 *
 *   v1 (default): GET /api/v1/query?query=…&from=<now−interval s>&to=<now s>. The value is the last
 *       point of the first series; no series or no points ⇒ `null` (use `default(result, 0)`).
 *   v2: POST /api/v2/query/scalar with `{data:{type:"scalar_request", attributes:{from, to (ms),
 *       queries:[{aggregator, data_source:"metrics", name, query}], formulas:[{formula}]}}}`. A single
 *       `query` is sent under the name `query`; `aggregator` defaults to `last`. The value is the first
 *       number column's first non-null value; a grouped (`by {tag}`) response is the array of its
 *       values instead; nothing ⇒ `null`.
 *
 * Both send `DD-API-KEY` and `DD-APPLICATION-KEY`. 401/403 ⇒ "received authentication error response
 * code", any other non-200 (429 included) ⇒ "received non 2xx response code", each with Datadog's
 * body; `errors` in a 200 v2 body ⇒ "There were errors in your query". `interval` defaults to 5m and
 * the window ends at the engine's `now`; `requestTimeout` defaults to 10s.
 *
 * Keys and site come from the action inputs (`datadog-api-key`, `datadog-app-key`, `datadog-site`);
 * a `credentials` hook may supply them per metric (e.g. from a Kubernetes Secret, `secretRef`).
 */

import { chooseCredentials } from './auth.ts';
import { FieldReader, goDurationMs, goFormatFloat, isObject } from './fields.ts';
import { excerpt, guarded, httpRequest, type HttpResponse } from './http.ts';
import {
  ProviderError,
  redact,
  withSecrets,
  type MeasureContext,
  type MeasureResult,
  type MetricProvider,
} from './types.ts';

export interface DatadogCredentials {
  apiKey: string;
  appKey: string;
  /** Base URL, e.g. `https://api.datadoghq.eu` (the Secret's `address`). */
  address?: string | undefined;
}

export interface DatadogProviderOptions {
  apiKey?: string | undefined;
  appKey?: string | undefined;
  /** The `datadog-site` input: `datadoghq.com` (default), `datadoghq.eu`, `us3.datadoghq.com`, ... */
  site?: string | undefined;
  /** Overrides the site: the API's base URL (tests point this at a local server). */
  baseUrl?: string | undefined;
  /** Per-metric credentials (secretRef, a Kubernetes Secret); used when it returns something. */
  credentials?: (block: Record<string, unknown>) => Promise<DatadogCredentials | undefined>;
}

export const DATADOG_AGGREGATORS = [
  'avg',
  'min',
  'max',
  'sum',
  'last',
  'percentile',
  'mean',
  'l2norm',
  'area',
];

/** `https://api.<site>`; a full URL is taken as the base URL itself. */
export function datadogBaseUrl(site: string | undefined): string {
  const s = (site ?? '').trim();
  if (s === '') return 'https://api.datadoghq.com';
  if (/^https?:\/\//i.test(s)) return s.replace(/\/+$/, '');
  const host = s.replace(/^app\./i, '').replace(/^api\./i, '');
  return `https://api.${host}`;
}

/** v1: the last point of the first series, or null; `display` is Argo's measurement value. */
export function shapeDatadogV1(body: unknown): { value: number | null; display: string } {
  if (!isObject(body)) throw new ProviderError('Could not parse JSON body: not an object');
  // Not in Argo (it would evaluate null): a v1 body that says it failed is an error, not "no data".
  if (body['status'] === 'error' && typeof body['error'] === 'string' && body['error'] !== '') {
    throw new ProviderError(`There were errors in your query: ${body['error']}`);
  }
  const raw = body['series'];
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
    throw new ProviderError('Could not parse JSON body: series is not a list');
  }
  const series = (raw ?? []) as unknown[];
  const pointlists = series.map((s) => {
    const p = isObject(s) ? s['pointlist'] : undefined;
    if (p !== undefined && p !== null && !Array.isArray(p)) {
      throw new ProviderError('Could not parse JSON body: pointlist is not a list');
    }
    return (p ?? []) as unknown[];
  });
  const first = pointlists[0];
  if (first === undefined || first.length === 0) {
    const display =
      raw === undefined || raw === null ? 'null' : JSON.stringify(pointlists.map((p) => ({ pointlist: p })));
    return { value: null, display };
  }
  const last = first[first.length - 1];
  if (!Array.isArray(last) || last.length !== 2) throw new ProviderError('Datapoint does not have 2 values');
  const v: unknown = last[1];
  // Go decodes a JSON null into float64 as 0 (what Argo then evaluates).
  if (v !== null && typeof v !== 'number') throw new ProviderError('Could not parse JSON body: point value');
  const value = v ?? 0;
  return { value, display: goFormatFloat(value) };
}

/** v2 scalar response: a number, an array (grouped query), or null. */
export function shapeDatadogV2(body: unknown): { value: number | number[] | null; display: string } {
  if (!isObject(body)) throw new ProviderError('Could not parse JSON body: not an object');
  const data = isObject(body['data']) ? body['data'] : undefined;
  const errors = body['errors'] ?? data?.['errors'];
  if (typeof errors === 'string' && errors !== '') {
    throw new ProviderError(`There were errors in your query: ${errors}`);
  }
  if (Array.isArray(errors) && errors.length > 0) {
    throw new ProviderError(`There were errors in your query: ${errors.map(String).join('; ')}`);
  }
  const attributes = data && isObject(data['attributes']) ? data['attributes'] : undefined;
  const columns = Array.isArray(attributes?.['columns']) ? (attributes['columns'] as unknown[]) : [];
  let numbers: unknown[] | undefined;
  let numberName = '';
  const groups: unknown[][] = [];
  for (const c of columns) {
    if (!isObject(c)) continue;
    const type = c['type'] ?? '';
    const values = Array.isArray(c['values']) ? (c['values'] as unknown[]) : [];
    if (numbers === undefined && (type === '' || type === 'number')) {
      numbers = values;
      numberName = typeof c['name'] === 'string' ? c['name'] : '';
    }
    if (type === 'group') groups.push(values);
  }
  const grouped = groups.length > 0;
  const values: number[] = [];
  (numbers ?? []).forEach((v, i) => {
    if (v === null) return;
    if (typeof v !== 'number') {
      throw new ProviderError(`could not parse numeric value ${JSON.stringify(v)} in column "${numberName}"`);
    }
    if (grouped) {
      for (const g of groups) {
        const tags = g[i];
        if (!Array.isArray(tags) || tags.length === 0) {
          throw new ProviderError(`could not parse group label at index ${i}`);
        }
      }
    }
    values.push(v);
  });
  if (values.length === 0) return { value: null, display: '[]' };
  if (!grouped) {
    const v = values[0] ?? 0;
    return { value: v, display: goFormatFloat(v) };
  }
  return { value: values, display: `[${values.map(goFormatFloat).join(',')}]` };
}

function parseJsonBody(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text);
  } catch (e) {
    throw new ProviderError(`Could not parse JSON body: ${(e as Error).message}`);
  }
}

function checkStatus(res: HttpResponse): void {
  if (res.status === 401 || res.status === 403) {
    throw new ProviderError(
      `received authentication error response code: ${res.status} ${excerpt(res.text)}`,
    );
  }
  if (res.status !== 200) {
    throw new ProviderError(`received non 2xx response code: ${res.status} ${excerpt(res.text)}`);
  }
}

/** The query fields of a datadog block, validated as Argo does. */
interface DatadogQuery {
  apiVersion: 'v1' | 'v2';
  query: string;
  queries: ReadonlyMap<string, string>;
  formula: string;
  aggregator: string;
}

/** What both API versions send with: base URL, headers, the window `[fromS, toS]` and the timeout. */
interface DatadogCall {
  base: string;
  headers: [string, string][];
  fromS: number;
  toS: number;
  timeoutMs: number;
  ctx: MeasureContext;
}

export class DatadogProvider implements MetricProvider {
  readonly kind = 'datadog';
  private readonly options: DatadogProviderOptions;

  constructor(options: DatadogProviderOptions = {}) {
    this.options = options;
  }

  private async credentials(block: Record<string, unknown>): Promise<DatadogCredentials> {
    return await chooseCredentials(
      this.options.credentials,
      block,
      (c) => c.apiKey !== '' && c.appKey !== '',
      () => {
        const { apiKey, appKey } = this.options;
        if (apiKey === undefined || apiKey === '' || appKey === undefined || appKey === '') {
          throw new ProviderError(
            'datadog: API or App key not found: set the datadog-api-key and datadog-app-key inputs',
          );
        }
        return { apiKey, appKey };
      },
    );
  }

  async measure(block: Record<string, unknown>, ctx: MeasureContext): Promise<MeasureResult> {
    const f = new FieldReader(block, 'datadog');
    const secrets = withSecrets(ctx.secrets, this.options.apiKey, this.options.appKey);
    return await guarded(ctx, secrets, async (sending) => {
      const q = readDatadogQuery(f);
      const intervalMs = goDurationMs(f.str('interval') || '5m');
      const timeoutText = f.str('requestTimeout') || '10s';
      const timeoutMs = goDurationMs(timeoutText);
      if (!(timeoutMs > 0)) throw new ProviderError('Request timeout must be a positive duration (e.g. 30s)');

      const creds = await this.credentials(block);
      secrets.add(creds.apiKey);
      secrets.add(creds.appKey);
      const nowS = Math.floor(ctx.now.getTime() / 1000);
      const call: DatadogCall = {
        base: this.options.baseUrl ?? creds.address ?? datadogBaseUrl(this.options.site),
        headers: [
          ['content-type', 'application/json'],
          ['dd-api-key', creds.apiKey],
          ['dd-application-key', creds.appKey],
        ],
        fromS: nowS - Math.trunc(intervalMs / 1000),
        toS: nowS,
        timeoutMs,
        ctx,
      };
      const sent = describeQuery(q);
      sending(sent);
      const shaped = q.apiVersion === 'v1' ? await queryV1(call, q.query) : await queryV2(call, q);
      return { ...shaped, query: redact(sent, secrets) };
    });
  }
}

function readDatadogQuery(f: FieldReader): DatadogQuery {
  const apiVersion = f.str('apiVersion') || 'v1';
  if (apiVersion !== 'v1' && apiVersion !== 'v2')
    throw new ProviderError(`Invalid API version: ${apiVersion}`);
  const query = f.str('query') ?? '';
  const queries = f.stringMap('queries') ?? new Map<string, string>();
  const formula = f.str('formula') ?? '';
  const aggregator = f.str('aggregator') ?? '';
  validate(apiVersion, query, queries, formula, aggregator);
  return { apiVersion, query, queries, formula, aggregator };
}

/** The query as reported: the single query, or each named query and the formula. */
function describeQuery(q: DatadogQuery): string {
  if (q.query !== '') return q.query;
  return (
    [...q.queries].map(([k, v]) => `${k}: ${v}`).join('; ') +
    (q.formula === '' ? '' : `; formula: ${q.formula}`)
  );
}

/** v1: GET /api/v1/query over the window. */
async function queryV1(call: DatadogCall, query: string): Promise<{ value: number | null; display: string }> {
  const url = new URL(`${call.base.replace(/\/+$/, '')}/api/v1/query`);
  url.search = new URLSearchParams({ query, from: String(call.fromS), to: String(call.toS) }).toString();
  const res = await httpRequest({
    method: 'GET',
    url,
    headers: call.headers,
    timeoutMs: call.timeoutMs,
    signal: call.ctx.signal,
    allowMetadataAddresses: call.ctx.allowMetadataAddresses,
  });
  checkStatus(res);
  return shapeDatadogV1(parseJsonBody(res));
}

/** v2: POST /api/v2/query/scalar with the named queries (a single query is named `query`). */
async function queryV2(
  call: DatadogCall,
  q: DatadogQuery,
): Promise<{ value: number | number[] | null; display: string }> {
  const named = q.query !== '' ? new Map([['query', q.query]]) : q.queries;
  const aggregator = q.aggregator === '' ? 'last' : q.aggregator;
  const body = {
    data: {
      type: 'scalar_request',
      attributes: {
        from: call.fromS * 1000,
        to: call.toS * 1000,
        queries: [...named].map(([name, query]) => ({ aggregator, data_source: 'metrics', name, query })),
        formulas: q.formula === '' ? [] : [{ formula: q.formula }],
      },
    },
  };
  const res = await httpRequest({
    method: 'POST',
    url: new URL(`${call.base.replace(/\/+$/, '')}/api/v2/query/scalar`),
    headers: call.headers,
    body: JSON.stringify(body),
    timeoutMs: call.timeoutMs,
    signal: call.ctx.signal,
    allowMetadataAddresses: call.ctx.allowMetadataAddresses,
  });
  checkStatus(res);
  return shapeDatadogV2(parseJsonBody(res));
}

/** Argo's validateIncomingProps. */
function validate(
  apiVersion: string,
  query: string,
  queries: ReadonlyMap<string, string>,
  formula: string,
  aggregator: string,
): void {
  if (query === '' && queries.size === 0) {
    throw new ProviderError('Must have either a query or queries. Please review the Analysis Template.');
  }
  if (query !== '' && queries.size > 0) {
    throw new ProviderError('Cannot have both a query and queries. Please review the Analysis Template.');
  }
  if (apiVersion === 'v1' && query === '') {
    throw new ProviderError(
      'Query is empty. API Version v1 only supports using the query parameter in your Analysis Template.',
    );
  }
  if (formula !== '' && queries.size === 0) {
    throw new ProviderError(
      'Formula are only valid when queries are set. Please review the Analysis Template.',
    );
  }
  if (formula === '' && queries.size > 1) {
    throw new ProviderError('When multiple queries are provided you must include a formula.');
  }
  if (apiVersion === 'v1' && aggregator !== '') {
    throw new ProviderError('Aggregator is not supported in v1. Please review the Analysis Template.');
  }
  if (aggregator !== '' && !DATADOG_AGGREGATORS.includes(aggregator)) {
    throw new ProviderError(`aggregator must be one of ${DATADOG_AGGREGATORS.join(', ')}, got ${aggregator}`);
  }
}
