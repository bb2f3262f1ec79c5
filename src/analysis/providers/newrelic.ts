/**
 * `provider.newRelic`: an NRQL query through NerdGraph, as Argo's metricproviders/newrelic runs it
 * with newrelic-client-go: POST `<nerdgraph>` with the `API-Key` header and
 *
 *   query($query: Nrql!, $accountId: Int!, $timeout: Seconds) {
 *     actor { account(id: $accountId) { nrql(query: $query, timeout: $timeout) { results } } } }
 *
 * Result (processResponse): one result row ⇒ that row (a map: `result.successRate`,
 * `result['average.duration']`); several ⇒ the list of rows; none, or one empty row ⇒ error "no
 * results returned from NRQL query". GraphQL `errors` and non-2xx answers are errors carrying New
 * Relic's messages.
 *
 * Endpoint: region `us` ⇒ https://api.newrelic.com/graphql, `eu` ⇒ https://api.eu.newrelic.com/graphql,
 * or a base URL override. `timeout` (seconds, default 5) is NRQL's own timeout; the HTTP request gets
 * two more seconds. Credentials come from the action inputs (`newrelic-api-key`,
 * `newrelic-account-id`, `newrelic-region`) or a per-metric `credentials` hook (the `profile` Secret).
 */

import { chooseCredentials } from './auth.ts';
import { FieldReader, isObject } from './fields.ts';
import { excerpt, guarded, httpRequest } from './http.ts';
import {
  ProviderError,
  redact,
  withSecrets,
  type MeasureContext,
  type MeasureResult,
  type MetricProvider,
} from './types.ts';

export interface NewRelicCredentials {
  apiKey: string;
  accountId: string | number;
  region?: string | undefined;
  /** Full NerdGraph URL (the profile Secret's `base-url-nerdgraph`). */
  nerdGraphUrl?: string | undefined;
}

export interface NewRelicProviderOptions {
  apiKey?: string | undefined;
  accountId?: string | number | undefined;
  /** `us` (default) or `eu`. */
  region?: string | undefined;
  /** Overrides the region: the NerdGraph URL (`…/graphql` is added when it has no path). */
  baseUrl?: string | undefined;
  /** Per-metric credentials (the `profile` Secret); used when it returns something. */
  credentials?: (block: Record<string, unknown>) => Promise<NewRelicCredentials | undefined>;
}

export const NEWRELIC_DEFAULT_TIMEOUT_SECONDS = 5;
const HTTP_GRACE_MS = 2_000;

export const NRQL_GRAPHQL = `query($query: Nrql!, $accountId: Int!, $timeout: Seconds) {
  actor { account(id: $accountId) { nrql(query: $query, timeout: $timeout) { results } } }
}`;

export function nerdGraphUrl(region: string | undefined, baseUrl?: string): string {
  if (baseUrl !== undefined && baseUrl !== '') {
    const u = new URL(baseUrl);
    if (u.pathname === '/' || u.pathname === '') u.pathname = '/graphql';
    return u.href;
  }
  const r = (region ?? 'us').toLowerCase();
  if (r === 'us' || r === '') return 'https://api.newrelic.com/graphql';
  if (r === 'eu') return 'https://api.eu.newrelic.com/graphql';
  throw new ProviderError(`newrelic region must be us or eu, got ${JSON.stringify(region)}`);
}

/** JSON with object keys sorted, as Go's encoding/json writes maps. */
export function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Argo's processResponse: one row ⇒ the row, several ⇒ the rows, none ⇒ error. */
export function shapeNewRelicResults(results: unknown): { value: unknown; display: string } {
  if (!Array.isArray(results)) throw new ProviderError('NerdGraph: results is not a list');
  const rows = results as unknown[];
  if (rows.length === 1) {
    const row = rows[0];
    if (!isObject(row) || Object.keys(row).length === 0) {
      throw new ProviderError('no results returned from NRQL query');
    }
    return { value: row, display: goJson(row) };
  }
  if (rows.length > 1) return { value: rows, display: goJson(rows) };
  throw new ProviderError('no results returned from NRQL query');
}

function graphQlErrors(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body['errors']) || body['errors'].length === 0) return undefined;
  return (body['errors'] as unknown[])
    .map((e) => (isObject(e) && typeof e['message'] === 'string' ? e['message'] : JSON.stringify(e)))
    .join('; ');
}

export class NewRelicProvider implements MetricProvider {
  readonly kind = 'newRelic';
  private readonly options: NewRelicProviderOptions;

  constructor(options: NewRelicProviderOptions = {}) {
    this.options = options;
  }

  private async credentials(block: Record<string, unknown>): Promise<NewRelicCredentials> {
    return await chooseCredentials(
      this.options.credentials,
      block,
      (c) => c.apiKey !== '' && String(c.accountId) !== '',
      () => {
        const { apiKey, accountId, region } = this.options;
        if (apiKey === undefined || apiKey === '' || accountId === undefined || String(accountId) === '') {
          throw new ProviderError(
            'newrelic: account ID or personal API key not found: set the newrelic-api-key and newrelic-account-id inputs',
          );
        }
        return { apiKey, accountId, region };
      },
    );
  }

  async measure(block: Record<string, unknown>, ctx: MeasureContext): Promise<MeasureResult> {
    const f = new FieldReader(block, 'newRelic');
    const secrets = withSecrets(ctx.secrets, this.options.apiKey);
    return await guarded(ctx, secrets, async (sending) => {
      const nrql = f.str('query') ?? '';
      if (nrql.trim() === '') throw new ProviderError('newRelic.query is empty');
      sending(nrql);
      const timeout = f.int('timeout') ?? NEWRELIC_DEFAULT_TIMEOUT_SECONDS;
      if (timeout <= 0) throw new ProviderError('newRelic.timeout must be a positive number of seconds');

      const creds = await this.credentials(block);
      secrets.add(creds.apiKey);
      const accountText = String(creds.accountId).trim();
      if (!/^\d+$/.test(accountText)) {
        throw new ProviderError(`could not parse account ID: ${JSON.stringify(accountText)} is not a number`);
      }
      const url = new URL(nerdGraphUrl(creds.region, this.options.baseUrl ?? creds.nerdGraphUrl));
      const res = await httpRequest({
        method: 'POST',
        url,
        headers: [
          ['content-type', 'application/json'],
          ['api-key', creds.apiKey],
        ],
        body: JSON.stringify({
          query: NRQL_GRAPHQL,
          variables: { accountId: Number(accountText), query: nrql, timeout },
        }),
        timeoutMs: timeout * 1000 + HTTP_GRACE_MS,
        signal: ctx.signal,
        allowMetadataAddresses: ctx.allowMetadataAddresses,
      });
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        body = undefined;
      }
      const errors = graphQlErrors(body);
      if (res.status < 200 || res.status >= 300) {
        throw new ProviderError(`NerdGraph: HTTP ${res.status}: ${errors ?? excerpt(res.text)}`);
      }
      if (errors !== undefined) throw new ProviderError(`NerdGraph: ${errors}`);
      if (body === undefined) throw new ProviderError(`NerdGraph: not JSON: ${excerpt(res.text, 200)}`);
      const nrqlResult = dig(body, ['data', 'actor', 'account', 'nrql']);
      if (!isObject(nrqlResult)) throw new ProviderError('NerdGraph: no nrql result in the response');
      const shaped = shapeNewRelicResults(nrqlResult['results']);
      return { ...shaped, query: redact(nrql, secrets) };
    });
  }
}

function dig(v: unknown, path: readonly string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}
