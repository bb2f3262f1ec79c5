// Each metric provider against a local server that speaks its vendor's documented API (Datadog v1/v2,
// New Relic NerdGraph, an OAuth2 token endpoint, plain HTTP for web metrics and Prometheus' HTTP API
// shape for the authentication cases; the real Prometheus is in providers-prometheus.test.ts).
// Done when: success shapes, no data, error bodies, auth failures, malformed requests rejected by the
// servers, and timeouts all behave as Argo Rollouts' providers do, and no secret ever shows.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatadogProvider } from '../../src/analysis/providers/datadog.ts';
import { NewRelicProvider } from '../../src/analysis/providers/newrelic.ts';
import { OAuth2TokenCache } from '../../src/analysis/providers/oauth2.ts';
import { PrometheusProvider } from '../../src/analysis/providers/prometheus.ts';
import { ProviderError, type MeasureContext } from '../../src/analysis/providers/types.ts';
import { WebProvider } from '../../src/analysis/providers/web.ts';
import {
  DatadogQueryError,
  startDatadogServer,
  type DatadogServer,
} from '../support/metrics-servers/datadog.ts';
import { json, startRecordingServer, type RecordingServer } from '../support/metrics-servers/http.ts';
import { NrqlError, startNewRelicServer, type NewRelicServer } from '../support/metrics-servers/newrelic.ts';
import { startOAuthServer } from '../support/metrics-servers/oauth.ts';

const NOW = new Date('2026-03-01T12:00:00.250Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

function ctx(over: Partial<MeasureContext> = {}): MeasureContext {
  return { signal: new AbortController().signal, now: NOW, secrets: new Set(), ...over };
}

/** Expects a ProviderError matching `re` that mentions none of `secrets`. */
async function providerError(
  p: Promise<unknown>,
  re: RegExp,
  secrets: string[] = [],
): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProviderError, `expected a ProviderError, got ${String(e)}`);
    assert.match(e.message, re);
    for (const s of secrets) {
      assert.ok(!e.message.includes(s), `secret in message: ${e.message}`);
      assert.ok(!(e.query ?? '').includes(s), `secret in query: ${e.query ?? ''}`);
    }
    return e;
  }
  assert.fail('expected the measurement to fail');
}

/** `successCondition: default(result, 0) < 5` (seed setup 1). */
const seedCondition = (result: unknown) => ((result ?? 0) as number) < 5;

const SEED_QUERY = 'sum:aws.applicationelb.httpcode_target_5xx{name:sample,account:develop}.as_count()\n'; // YAML `|` keeps the newline

describe('Datadog', () => {
  let dd: DatadogServer;
  let provider: DatadogProvider;
  before(async () => {
    dd = await startDatadogServer();
    provider = new DatadogProvider({ apiKey: dd.apiKey, appKey: dd.appKey, baseUrl: dd.url });
  });
  after(() => dd.close());

  it("v1: the seed's 5xx query returns the last point, over [now − 5m, now]", async () => {
    dd.setSeries((q) =>
      q.startsWith('sum:aws.applicationelb.httpcode_target_5xx{name:sample') ? [0, 1, 3] : undefined,
    );
    const before = dd.requests.length;
    const r = await provider.measure({ interval: '5m', query: SEED_QUERY }, ctx());
    assert.equal(r.value, 3);
    assert.equal(r.display, '3');
    assert.equal(r.query, SEED_QUERY);
    assert.equal(seedCondition(r.value), true);
    const req = dd.requests[before];
    assert.ok(req);
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/api/v1/query');
    assert.deepEqual(req.query, { query: SEED_QUERY, from: String(NOW_S - 300), to: String(NOW_S) });
    assert.equal(req.headers['dd-api-key'], dd.apiKey);
    assert.equal(req.headers['dd-application-key'], dd.appKey);
  });

  it('v1: no data is null, which default(result, 0) < 5 turns into a pass', async () => {
    dd.setSeries(() => undefined);
    const r = await provider.measure({ query: SEED_QUERY }, ctx());
    assert.equal(r.value, null);
    assert.equal(r.display, '[]');
    assert.equal(seedCondition(r.value), true);
    dd.setSeries(() => [7]);
    assert.equal(seedCondition((await provider.measure({ query: SEED_QUERY }, ctx())).value), false);
  });

  it('v1: interval sets the window', async () => {
    dd.setSeries(() => [[NOW.getTime(), 1.5]]);
    const r = await provider.measure({ query: 'avg:x{*}', interval: '1h30m' }, ctx());
    assert.equal(r.value, 1.5);
    assert.equal(dd.requests.at(-1)?.query['from'], String(NOW_S - 5400));
  });

  it('v2: one query → POST /api/v2/query/scalar with the documented body, aggregator last', async () => {
    dd.setScalar((req) =>
      req.queries[0]?.query === 'sum:requests.error.rate{service:web}' ? 0.004 : undefined,
    );
    const r = await provider.measure(
      { apiVersion: 'v2', query: 'sum:requests.error.rate{service:web}' },
      ctx(),
    );
    assert.equal(r.value, 0.004);
    const req = dd.requests.at(-1);
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v2/query/scalar');
    assert.deepEqual(JSON.parse(req.body), {
      data: {
        type: 'scalar_request',
        attributes: {
          from: (NOW_S - 300) * 1000,
          to: NOW_S * 1000,
          queries: [
            {
              aggregator: 'last',
              data_source: 'metrics',
              name: 'query',
              query: 'sum:requests.error.rate{service:web}',
            },
          ],
          formulas: [],
        },
      },
    });
  });

  it('v2: queries + formula + aggregator', async () => {
    dd.setScalar((req) => {
      assert.deepEqual(
        req.queries.map((q) => [q.name, q.aggregator]),
        [
          ['a', 'sum'],
          ['b', 'sum'],
        ],
      );
      assert.deepEqual(req.formulas, [
        { formula: "moving_rollup(a, 300, 'sum') / moving_rollup(b, 300, 'sum') * 100" },
      ]);
      return 2.5;
    });
    const r = await provider.measure(
      {
        apiVersion: 'v2',
        interval: '5m',
        aggregator: 'sum',
        queries: {
          a: 'count:requests.errors{service:my-service}.as_count()',
          b: 'count:requests{service:my-service}.as_count()',
        },
        formula: "moving_rollup(a, 300, 'sum') / moving_rollup(b, 300, 'sum') * 100",
      },
      ctx(),
    );
    assert.equal(r.value, 2.5);
    assert.match(r.query, /^a: count:requests\.errors.*; b: count:requests\{.*; formula: moving_rollup/);
  });

  it('v2: a grouped query is a list; no data is null', async () => {
    dd.setScalar(() => ({
      groupBy: ['resource_name'],
      rows: [
        { tags: ['GET /a'], value: 0.01 },
        { tags: ['GET /b'], value: null },
        { tags: ['GET /c'], value: 0.2 },
      ],
    }));
    const grouped = await provider.measure(
      { apiVersion: 'v2', query: 'sum:trace.errors{service:web} by {resource_name}.as_count()' },
      ctx(),
    );
    assert.deepEqual(grouped.value, [0.01, 0.2]);
    dd.setScalar(() => undefined);
    assert.equal((await provider.measure({ apiVersion: 'v2', query: 'sum:x{*}' }, ctx())).value, null);
    dd.setScalar(() => null);
    assert.equal((await provider.measure({ apiVersion: 'v2', query: 'sum:x{*}' }, ctx())).value, null);
  });

  it('error bodies: a bad query (400), errors in a 200 v2 body, rate limiting (429)', async () => {
    dd.setSeries(() => {
      throw new DatadogQueryError(
        "Error parsing query: unable to parse sum:x{: Rule 'scope_expr' didn't match",
      );
    });
    await providerError(
      provider.measure({ query: 'sum:x{' }, ctx()),
      /received non 2xx response code: 400 \{"errors":\["Error parsing query/,
    );
    dd.setScalar(() => {
      throw new DatadogQueryError('metric not found: nope');
    });
    await providerError(
      provider.measure({ apiVersion: 'v2', query: 'sum:nope{*}' }, ctx()),
      /There were errors in your query: metric not found: nope/,
    );
    dd.setSeries(() => [1]);
    dd.rateLimitNext(1);
    await providerError(
      provider.measure({ query: 'sum:x{*}' }, ctx()),
      /received non 2xx response code: 429 .*Rate limit/,
    );
    assert.equal((await provider.measure({ query: 'sum:x{*}' }, ctx())).value, 1);
  });

  it('a wrong key is an authentication error (403) that never shows the keys', async () => {
    const wrong = new DatadogProvider({ apiKey: 'WRONG-api-key-999', appKey: dd.appKey, baseUrl: dd.url });
    await providerError(
      wrong.measure({ query: 'sum:x{*}' }, ctx()),
      /received authentication error response code: 403 \{"errors":\["Forbidden"\]\}/,
      ['WRONG-api-key-999', dd.appKey],
    );
  });

  it('missing keys fail before anything is sent', async () => {
    const before = dd.requests.length;
    await providerError(
      new DatadogProvider({ apiKey: dd.apiKey, baseUrl: dd.url }).measure({ query: 'sum:x{*}' }, ctx()),
      /API or App key not found/,
      [dd.apiKey],
    );
    assert.equal(dd.requests.length, before);
  });

  it("Argo's template checks: v1 without query, both query and queries, several queries without formula", async () => {
    await providerError(provider.measure({ queries: { a: 'x' } }, ctx()), /API Version v1 only supports/);
    await providerError(
      provider.measure({ apiVersion: 'v2', query: 'x', queries: { a: 'y' } }, ctx()),
      /Cannot have both/,
    );
    await providerError(
      provider.measure({ apiVersion: 'v2', queries: { a: 'x', b: 'y' } }, ctx()),
      /When multiple queries are provided you must include a formula/,
    );
    await providerError(
      provider.measure({ query: 'x', aggregator: 'sum' }, ctx()),
      /Aggregator is not supported in v1/,
    );
    await providerError(provider.measure({ apiVersion: 'v3', query: 'x' }, ctx()), /Invalid API version: v3/);
    await providerError(
      provider.measure({ query: 'x', interval: 'soon' }, ctx()),
      /time: invalid duration "soon"/,
    );
  });

  it('the server rejects malformed requests the way Datadog documents', async () => {
    const keys = { 'DD-API-KEY': dd.apiKey, 'DD-APPLICATION-KEY': dd.appKey };
    const get = (qs: string, headers: Record<string, string> = keys) =>
      fetch(`${dd.url}/api/v1/query?${qs}`, { headers });
    const noAppKey = await get('query=sum:x{*}&from=1&to=2', { 'DD-API-KEY': dd.apiKey });
    assert.equal(noAppKey.status, 403);
    assert.deepEqual(await noAppKey.json(), { errors: ['Forbidden'] });
    const noFrom = await get('query=sum:x{*}&to=2');
    assert.equal(noFrom.status, 400);
    assert.deepEqual(await noFrom.json(), { errors: ["The value provided for parameter 'from' is invalid"] });
    assert.equal((await get(`query=sum:x{*}&from=${NOW.getTime() - 1000}&to=${NOW.getTime()}`)).status, 400);
    assert.equal((await get('query=sum:x{*}&from=1.5&to=2')).status, 400);

    const post = (body: unknown, contentType = 'application/json') =>
      fetch(`${dd.url}/api/v2/query/scalar`, {
        method: 'POST',
        headers: { ...keys, 'content-type': contentType },
        body: JSON.stringify(body),
      });
    const attrs = {
      from: (NOW_S - 300) * 1000,
      to: NOW_S * 1000,
      queries: [{ data_source: 'metrics', name: 'a', query: 'avg:x{*}', aggregator: 'avg' }],
    };
    assert.equal((await post({ data: { type: 'scalar_request', attributes: attrs } })).status, 200);
    assert.equal((await post({ data: { type: 'timeseries_request', attributes: attrs } })).status, 400);
    assert.equal(
      (
        await post({
          data: { type: 'scalar_request', attributes: { ...attrs, from: NOW_S - 300, to: NOW_S } },
        })
      ).status,
      400,
    );
    const badAgg = await post({
      data: {
        type: 'scalar_request',
        attributes: { ...attrs, queries: [{ ...attrs.queries[0], aggregator: 'median' }] },
      },
    });
    assert.equal(badAgg.status, 400);
    assert.match(JSON.stringify(await badAgg.json()), /not a valid aggregator/);
    const unknownRef = await post({
      data: { type: 'scalar_request', attributes: { ...attrs, formulas: [{ formula: 'a / b' }] } },
    });
    assert.equal(unknownRef.status, 400);
    assert.equal(
      (await post({ data: { type: 'scalar_request', attributes: attrs } }, 'text/plain')).status,
      415,
    );
  });

  it('a slow API hits requestTimeout quickly and yields no value', async () => {
    dd.setDelay(10_000);
    try {
      const started = performance.now();
      await providerError(
        provider.measure({ query: 'sum:x{*}', requestTimeout: '300ms' }, ctx()),
        /GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: timed out after 0\.3s/,
      );
      assert.ok(performance.now() - started < 2_000);
    } finally {
      dd.setDelay(0);
    }
  });

  it("the engine's abort wins and is passed through as is", async () => {
    dd.setDelay(10_000);
    try {
      const ac = new AbortController();
      const reason = new Error('run cancelled');
      setTimeout(() => {
        ac.abort(reason);
      }, 100);
      await assert.rejects(
        provider.measure({ query: 'sum:x{*}' }, ctx({ signal: ac.signal })),
        (e) => e === reason,
      );
    } finally {
      dd.setDelay(0);
    }
  });
});

describe('New Relic', () => {
  let nr: NewRelicServer;
  let provider: NewRelicProvider;
  before(async () => {
    nr = await startNewRelicServer();
    provider = new NewRelicProvider({ apiKey: nr.apiKey, accountId: String(nr.accountId), baseUrl: nr.url });
  });
  after(() => nr.close());

  const NRQL =
    "FROM Transaction SELECT percentage(count(*), WHERE httpResponseCode != 500) as successRate where appName = 'shop'";

  it('one row is a map; the request is a NerdGraph NRQL query for the account', async () => {
    nr.setResults((nrql) => (nrql === NRQL ? [{ successRate: 99.5 }] : undefined));
    const r = await provider.measure({ query: NRQL }, ctx());
    assert.deepEqual(r.value, { successRate: 99.5 });
    assert.equal(r.display, '{"successRate":99.5}');
    assert.equal(r.query, NRQL);
    const req = nr.requests.at(-1);
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/graphql');
    assert.equal(req.headers['api-key'], nr.apiKey);
    const body = JSON.parse(req.body) as { query: string; variables: Record<string, unknown> };
    assert.match(body.query, /actor\s*\{\s*account\(id: \$accountId\)\s*\{\s*nrql\(query: \$query/);
    assert.deepEqual(body.variables, { accountId: nr.accountId, query: NRQL, timeout: 5 });
  });

  it('several rows are a list of maps; none is an error', async () => {
    nr.setResults(() => [
      { facet: 'a', 'average.duration': 0.1 },
      { facet: 'b', 'average.duration': 0.3 },
    ]);
    const r = await provider.measure(
      { query: 'SELECT average(duration) FROM Transaction FACET name' },
      ctx(),
    );
    assert.deepEqual(r.value, [
      { facet: 'a', 'average.duration': 0.1 },
      { facet: 'b', 'average.duration': 0.3 },
    ]);
    nr.setResults(() => []);
    await providerError(provider.measure({ query: NRQL }, ctx()), /^no results returned from NRQL query$/);
    nr.setResults(() => [{}]);
    await providerError(provider.measure({ query: NRQL }, ctx()), /^no results returned from NRQL query$/);
  });

  it("New Relic's GraphQL errors are errors", async () => {
    nr.setResults(() => {
      throw new NrqlError("NRQL Syntax Error: Error at line 1 position 8, unexpected 'FORM'");
    });
    await providerError(
      provider.measure({ query: 'SELECT * FORM x' }, ctx()),
      /NerdGraph: NRQL Syntax Error/,
    );
    const other = new NewRelicProvider({ apiKey: nr.apiKey, accountId: 999, baseUrl: nr.url });
    await providerError(other.measure({ query: NRQL }, ctx()), /Account 999 is not accessible/);
  });

  it('a wrong key is rejected (401) and never shown', async () => {
    const wrong = new NewRelicProvider({ apiKey: 'NRAK-WRONGKEY', accountId: nr.accountId, baseUrl: nr.url });
    await providerError(wrong.measure({ query: NRQL }, ctx()), /NerdGraph: HTTP 401: Invalid API key/, [
      'NRAK-WRONGKEY',
    ]);
    await providerError(
      new NewRelicProvider({ apiKey: nr.apiKey, baseUrl: nr.url }).measure({ query: NRQL }, ctx()),
      /account ID or personal API key not found/,
      [nr.apiKey],
    );
  });

  it('the server rejects malformed NerdGraph requests', async () => {
    const post = (body: unknown, headers: Record<string, string> = { 'API-Key': nr.apiKey }) =>
      fetch(`${nr.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const gql =
      'query($query: Nrql!, $accountId: Int!) { actor { account(id: $accountId) { nrql(query: $query) { results } } } }';
    assert.equal(
      (await post({ query: gql, variables: { accountId: nr.accountId, query: 'SELECT 1' } })).status,
      200,
    );
    const noKey = await post({ query: gql }, {});
    assert.equal(noKey.status, 401);
    assert.match(JSON.stringify(await noKey.json()), /API-Key/);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post({ variables: {} })).status, 400);
    const asString = await post({
      query: gql,
      variables: { accountId: String(nr.accountId), query: 'SELECT 1' },
    });
    const message = async (res: Response) =>
      ((await res.json()) as { errors: { message: string }[] }).errors.map((e) => e.message).join('\n');
    assert.match(await message(asString), /invalid value "1234567"; Expected type "Int"/);
    const missing = await post({ query: gql, variables: { accountId: nr.accountId } });
    assert.match(await message(missing), /Variable "\$query" of required type "Nrql!"/);
    const noResults = await post({
      query:
        'query($q: Nrql!) { actor { account(id: 1234567) { nrql(query: $q) { metadata { facets } } } } }',
      variables: { q: 'SELECT 1' },
    });
    assert.match(await message(noResults), /does not ask for results/);
    const undeclared = await post({
      query: '{ actor { account(id: 1234567) { nrql(query: $q) { results } } } }',
    });
    assert.match(await message(undeclared), /Variable "\$q" is not defined/);
  });

  it("an NRQL query slower than its timeout gets New Relic's timeout error", async () => {
    nr.setResults(() => [{ n: 1 }]);
    nr.setQueryDuration(3_000);
    try {
      const started = performance.now();
      await providerError(
        provider.measure({ query: NRQL, timeout: 1 }, ctx()),
        /NRDB query duration exceeded the 1 second/,
      );
      assert.ok(performance.now() - started < 2_500);
    } finally {
      nr.setQueryDuration(0);
    }
  });

  it('a hung endpoint times out shortly after the NRQL timeout', async () => {
    nr.setDelay(20_000);
    try {
      const started = performance.now();
      await providerError(provider.measure({ query: NRQL, timeout: 1 }, ctx()), /timed out after 3s/);
      assert.ok(performance.now() - started < 4_500);
    } finally {
      nr.setDelay(0);
    }
  });
});

describe('web', () => {
  let server: RecordingServer;
  const provider = new WebProvider();
  before(async () => {
    server = await startRecordingServer((req) => {
      switch (req.path) {
        case '/ok':
          return json(200, { data: { ok: true, successPercent: 0.95 } });
        case '/echo':
          return json(200, { method: req.method, body: req.body, type: req.headers['content-type'] ?? null });
        case '/text':
          return { status: 200, body: 'healthy' };
        case '/down':
          return json(503, { error: 'down' });
        case '/auth':
          return req.headers['authorization'] === 'Bearer web-token-xyz'
            ? json(200, { ok: true })
            : json(401, { error: 'unauthorized' });
        default:
          return json(404, {});
      }
    });
  });
  after(() => server.close());

  it('GET: the jsonPath value, as in the Argo docs', async () => {
    const ok = await provider.measure({ url: `${server.url}/ok`, jsonPath: '{$.data.ok}' }, ctx());
    assert.equal(ok.value, true);
    assert.equal(ok.query, `GET ${server.url}/ok`);
    const data = await provider.measure({ url: `${server.url}/ok`, jsonPath: '{$.data}' }, ctx());
    assert.deepEqual(data.value, { ok: true, successPercent: 0.95 });
  });

  it('POST jsonBody (as JSON) and PUT body (as given)', async () => {
    const post = await provider.measure(
      { url: `${server.url}/echo`, method: 'POST', jsonBody: { key: 'v', n: 1 }, jsonPath: '{$}' },
      ctx(),
    );
    assert.deepEqual(post.value, { method: 'POST', body: '{"key":"v","n":1}', type: 'application/json' });
    const put = await provider.measure(
      {
        url: `${server.url}/echo`,
        method: 'PUT',
        body: 'a=1',
        headers: [{ key: 'Content-Type', value: 'application/x-www-form-urlencoded' }],
      },
      ctx(),
    );
    assert.deepEqual(put.value, { method: 'PUT', body: 'a=1', type: 'application/x-www-form-urlencoded' });
    await providerError(
      provider.measure({ url: `${server.url}/echo`, body: 'x' }, ctx()),
      /Body\/JSONBody can only be used with POST or PUT/,
    );
    await providerError(
      provider.measure({ url: `${server.url}/echo`, method: 'POST', body: 'x', jsonBody: {} }, ctx()),
      /use either Body or JSONBody/,
    );
  });

  it('a body that is not JSON comes back as text, Successful whatever the conditions', async () => {
    const r = await provider.measure({ url: `${server.url}/text`, jsonPath: '{$.data.ok}' }, ctx());
    assert.equal(r.value, 'healthy');
    assert.equal(r.forcedPhase, 'Successful');
  });

  it('non-2xx is an error; so is a path that is not there', async () => {
    await providerError(
      provider.measure({ url: `${server.url}/down` }, ctx()),
      /^received non 2xx response code: 503$/,
    );
    await providerError(
      provider.measure({ url: `${server.url}/ok`, jsonPath: '{$.data.nope}' }, ctx()),
      /Could not find JSONPath in body: nope is not found/,
    );
  });

  it('a bearer token from a secret arg is sent and redacted from the query as sent', async () => {
    const r = await provider.measure(
      {
        url: `${server.url}/auth?token=web-token-xyz`,
        headers: [{ key: 'Authorization', value: 'Bearer web-token-xyz' }],
        jsonPath: '{$.ok}',
      },
      ctx({ secrets: new Set(['web-token-xyz']) }),
    );
    assert.equal(r.value, true);
    assert.equal(r.query, `GET ${server.url}/auth?token=***`);
    await providerError(
      provider.measure(
        {
          url: `${server.url}/auth?token=other-secret`,
          headers: [{ key: 'Authorization', value: 'Bearer other-secret' }],
        },
        ctx(),
      ),
      /received non 2xx response code: 401/,
      ['other-secret'],
    );
  });

  it('timeoutSeconds bounds a hung server', async () => {
    server.setDelay(10_000);
    try {
      const started = performance.now();
      await providerError(
        provider.measure({ url: `${server.url}/ok`, timeoutSeconds: 1 }, ctx()),
        /timed out after 1s/,
      );
      assert.ok(performance.now() - started < 2_000);
    } finally {
      server.setDelay(0);
    }
  });

  it("reaches ports that fetch refuses (the WHATWG 'bad ports', e.g. 6000)", async (t) => {
    const http = await import('node:http');
    const srv = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"port":"ok"}');
    });
    let port: number | undefined;
    for (const candidate of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
      const bound = await new Promise<boolean>((resolve) => {
        srv.once('error', () => {
          resolve(false);
        });
        srv.listen(candidate, '127.0.0.1', () => {
          resolve(true);
        });
      });
      if (bound) {
        port = candidate;
        break;
      }
    }
    if (port === undefined) {
      t.skip('every bad port is taken on this machine');
      return;
    }
    t.after(() => srv.close());
    const r = await provider.measure({ url: `http://127.0.0.1:${port}/`, jsonPath: '{$.port}' }, ctx());
    assert.equal(r.value, 'ok');
  });

  it('insecure: true accepts a self-signed certificate; without it the request fails', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rollout-pilot-tls-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    const tls = https.createServer(
      { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"secure":"enough"}');
      },
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      tls.closeAllConnections();
      tls.close();
    });
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
    await providerError(provider.measure({ url }, ctx()), /self[- ]signed certificate|certificate/i);
    const r = await provider.measure({ url, insecure: true, jsonPath: '{$.secure}' }, ctx());
    assert.equal(r.value, 'enough');
  });
});

describe('Prometheus authentication and API handling (a stub speaking the HTTP API)', () => {
  const VECTOR = {
    status: 'success',
    data: { resultType: 'vector', result: [{ metric: {}, value: [1, '10'] }] },
  };
  let prom: RecordingServer;
  let expectAuth: (authorization: string | undefined) => boolean = () => true;
  before(async () => {
    prom = await startRecordingServer((req) => {
      if (!expectAuth(req.headers['authorization'])) return { status: 401, body: 'Unauthorized\n' };
      if (req.path === '/get-only/api/v1/query') {
        return req.method === 'GET' ? json(200, VECTOR) : { status: 405, body: 'Method Not Allowed' };
      }
      if (req.path !== '/api/v1/query' && req.path !== '/prefix/api/v1/query') {
        return { status: 404, body: '404 page not found\n' };
      }
      const q = req.query['query'] ?? new URLSearchParams(req.body).get('query');
      if (q === 'bad(') {
        return json(400, {
          status: 'error',
          errorType: 'bad_data',
          error: '1:5: parse error: unclosed left parenthesis',
        });
      }
      if (q === 'warn') {
        return json(200, { ...VECTOR, warnings: ['results truncated', 'partial response'] });
      }
      return json(200, VECTOR);
    });
  });
  after(() => prom.close());

  it('POSTs the form (query, time = now) to the address, or to the prometheus-address input', async () => {
    expectAuth = () => true;
    const p = new PrometheusProvider({ defaultAddress: `${prom.url}/prefix/` });
    const r = await p.measure({ query: 'up' }, ctx());
    assert.deepEqual(r.value, [10]);
    const req = prom.requests.at(-1);
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/prefix/api/v1/query');
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
      query: 'up',
      time: '1772366400.25',
    });
    const direct = await new PrometheusProvider({ defaultAddress: 'http://127.0.0.1:1' }).measure(
      { address: prom.url, query: 'up' },
      ctx(),
    );
    assert.deepEqual(direct.value, [10]);
  });

  it("falls back to GET on 405, as Prometheus' Go client does", async () => {
    const r = await new PrometheusProvider().measure({ address: `${prom.url}/get-only`, query: 'up' }, ctx());
    assert.deepEqual(r.value, [10]);
    assert.deepEqual(
      prom.requests.slice(-2).map((q) => q.method),
      ['POST', 'GET'],
    );
    assert.equal(prom.requests.at(-1)?.query['query'], 'up');
  });

  it("API errors carry Prometheus' errorType and message; warnings go to metadata", async () => {
    await providerError(
      new PrometheusProvider().measure({ address: prom.url, query: 'bad(' }, ctx()),
      /^bad_data: 1:5: parse error: unclosed left parenthesis$/,
    );
    await providerError(
      new PrometheusProvider().measure({ address: `${prom.url}/nothing-here`, query: 'up' }, ctx()),
      /client_error: client error: 404/,
    );
    const warned = await new PrometheusProvider().measure({ address: prom.url, query: 'warn' }, ctx());
    assert.deepEqual(warned.metadata, { warnings: '"results truncated", "partial response"' });
  });

  it('custom headers (e.g. X-Scope-OrgID, a bearer token) are sent; credentials never shown', async () => {
    expectAuth = (a) => a === 'Bearer prom-token-1';
    const r = await new PrometheusProvider().measure(
      {
        address: prom.url,
        query: 'up',
        headers: [
          { key: 'X-Scope-OrgID', value: 'tenant_a' },
          { key: 'Authorization', value: 'Bearer prom-token-1' },
        ],
      },
      ctx(),
    );
    assert.deepEqual(r.value, [10]);
    assert.equal(prom.requests.at(-1)?.headers['x-scope-orgid'], 'tenant_a');
    await providerError(
      new PrometheusProvider().measure(
        { address: prom.url, query: 'up', headers: [{ key: 'Authorization', value: 'Bearer prom-token-2' }] },
        ctx(),
      ),
      /client_error: client error: 401/,
      ['prom-token-2'],
    );
  });

  it('basicAuth, and user:password in the address, are sent as HTTP Basic', async () => {
    const basic = `Basic ${Buffer.from('grafana:cloud-pass').toString('base64')}`;
    expectAuth = (a) => a === basic;
    const p = new PrometheusProvider();
    const r = await p.measure(
      {
        address: prom.url,
        query: 'up',
        authentication: { basicAuth: { username: 'grafana', password: 'cloud-pass' } },
      },
      ctx(),
    );
    assert.deepEqual(r.value, [10]);
    const inUrl = await p.measure(
      { address: prom.url.replace('http://', 'http://grafana:cloud-pass@'), query: 'up' },
      ctx(),
    );
    assert.deepEqual(inUrl.value, [10]);
    await providerError(
      p.measure(
        {
          address: prom.url,
          query: 'up',
          authentication: { basicAuth: { username: 'grafana', password: 'nope-pass' } },
        },
        ctx(),
      ),
      /401/,
      ['nope-pass'],
    );
  });

  it('oauth2: client-credentials token fetched once, cached until it expires, sent as Bearer', async (t) => {
    const oauth = await startOAuthServer({ expiresIn: 60, accept: 'body', requiredScopes: ['metrics:read'] });
    t.after(() => oauth.close());
    expectAuth = (a) => oauth.isValid(a);
    const tokens = new OAuth2TokenCache();
    const p = new PrometheusProvider({ tokens });
    const block = {
      address: prom.url,
      query: 'up',
      authentication: {
        oauth2: {
          tokenUrl: oauth.tokenUrl,
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          scopes: ['metrics:read'],
        },
      },
    };
    assert.deepEqual((await p.measure(block, ctx())).value, [10]);
    assert.deepEqual((await p.measure(block, ctx({ now: new Date(NOW.getTime() + 30_000) }))).value, [10]);
    assert.equal(oauth.issued.length, 1, 'one token for two measurements');
    // Basic client auth refused by this server, then credentials in the body: two token requests.
    assert.equal(oauth.requests.length, 2);
    assert.ok(oauth.requests[0]?.headers['authorization']?.startsWith('Basic '));
    assert.equal(new URLSearchParams(oauth.requests[1]?.body).get('client_id'), oauth.clientId);
    // 55 s later the 60 s token is within Go's 10 s expiry margin: a new one is fetched.
    assert.deepEqual((await p.measure(block, ctx({ now: new Date(NOW.getTime() + 55_000) }))).value, [10]);
    assert.equal(oauth.issued.length, 2);
    assert.equal(tokens.fetches, 2);

    const bad = {
      ...block,
      authentication: { oauth2: { ...block.authentication.oauth2, clientSecret: 'wrong-client-secret' } },
    };
    await providerError(p.measure(bad, ctx()), /oauth2: cannot fetch token .*HTTP 401.*invalid_client/, [
      'wrong-client-secret',
    ]);
    await providerError(
      p.measure({ ...block, authentication: { oauth2: { tokenUrl: oauth.tokenUrl, clientId: 'x' } } }, ctx()),
      /needs clientId and clientSecret/,
    );
  });

  it('sigv4 is refused with a clear message', async () => {
    await providerError(
      new PrometheusProvider().measure(
        {
          address: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
          query: 'up',
          authentication: { sigv4: { region: 'eu-west-1' } },
        },
        ctx(),
      ),
      /SigV4 .* not supported/,
    );
  });
});
