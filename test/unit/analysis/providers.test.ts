// Result shaping as Argo Rollouts' metric providers do it, Go number formatting, range-query time
// expressions and redaction. Pure: no servers (those are in test/integration/providers-*.test.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datadogBaseUrl, shapeDatadogV1, shapeDatadogV2 } from '../../../src/analysis/providers/datadog.ts';
import { goFormatFloat } from '../../../src/analysis/providers/fields.ts';
import { goJson, nerdGraphUrl, shapeNewRelicResults } from '../../../src/analysis/providers/newrelic.ts';
import { PrometheusProvider, shapePrometheusData } from '../../../src/analysis/providers/prometheus.ts';
import { evaluateTimeExpression } from '../../../src/analysis/providers/time-expr.ts';
import { ProviderError, redact } from '../../../src/analysis/providers/types.ts';
import { shapeWebBody } from '../../../src/analysis/providers/web.ts';

describe('goFormatFloat (strconv.FormatFloat(f, "f", -1, 64))', () => {
  it('prints like Go and Prometheus', () => {
    assert.equal(goFormatFloat(10), '10');
    assert.equal(goFormatFloat(0.2), '0.2');
    assert.equal(goFormatFloat(1e-7), '0.0000001');
    assert.equal(goFormatFloat(1.5e-10), '0.00000000015');
    assert.equal(goFormatFloat(1e21), '1000000000000000000000');
    assert.equal(goFormatFloat(-2.5e22), '-25000000000000000000000');
    assert.equal(goFormatFloat(NaN), 'NaN');
    assert.equal(goFormatFloat(Infinity), '+Inf');
    assert.equal(goFormatFloat(-Infinity), '-Inf');
  });
});

describe('Prometheus result shapes (processResponse)', () => {
  it('a scalar is a number', () => {
    assert.deepEqual(shapePrometheusData({ resultType: 'scalar', result: [1700000000, '10'] }), {
      value: 10,
      display: '10',
    });
  });

  it('a vector is the list of sample values; empty is []', () => {
    const data = {
      resultType: 'vector',
      result: [
        { metric: { a: 'x' }, value: [1700000000, '10'] },
        { metric: { a: 'y' }, value: [1700000000, '11'] },
      ],
    };
    assert.deepEqual(shapePrometheusData(data), { value: [10, 11], display: '[10,11]' });
    assert.deepEqual(shapePrometheusData({ resultType: 'vector', result: [] }), { value: [], display: '[]' });
  });

  it('a matrix is every series flattened, in order', () => {
    const data = {
      resultType: 'matrix',
      result: [
        {
          metric: {},
          values: [
            [1, '11'],
            [2, '12'],
          ],
        },
        {
          metric: {},
          values: [
            [1, '13'],
            [2, '14'],
          ],
        },
      ],
    };
    assert.deepEqual(shapePrometheusData(data), { value: [11, 12, 13, 14], display: '[11,12,13,14]' });
  });

  it('NaN and ±Inf stay special values, printed as Prometheus prints them', () => {
    const nan = shapePrometheusData({ resultType: 'scalar', result: [0, 'NaN'] });
    assert.ok(Number.isNaN(nan.value));
    assert.equal(nan.display, 'NaN');
    assert.deepEqual(shapePrometheusData({ resultType: 'scalar', result: [0, '+Inf'] }), {
      value: Infinity,
      display: '+Inf',
    });
    assert.deepEqual(
      shapePrometheusData({ resultType: 'vector', result: [{ metric: {}, value: [0, '-Inf'] }] }),
      {
        value: [-Infinity],
        display: '[-Inf]',
      },
    );
  });

  it('a string result is "not supported", as in Argo', () => {
    assert.throws(
      () => shapePrometheusData({ resultType: 'string', result: [0, 'x'] }),
      (e: unknown) => e instanceof ProviderError && e.message === 'Prometheus metric type not supported',
    );
  });
});

describe('Datadog result shapes', () => {
  it('v1: the last point of the first series', () => {
    const body = {
      series: [
        {
          pointlist: [
            [1700000000000, 1],
            [1700000060000, 3],
          ],
        },
        { pointlist: [[1700000000000, 99]] },
      ],
    };
    assert.deepEqual(shapeDatadogV1(body), { value: 3, display: '3' });
  });

  it('v1: no series or no points is null (default(result, 0) handles it)', () => {
    assert.deepEqual(shapeDatadogV1({ series: [] }), { value: null, display: '[]' });
    assert.deepEqual(shapeDatadogV1({ series: [{ pointlist: [] }] }), {
      value: null,
      display: '[{"pointlist":[]}]',
    });
    assert.deepEqual(shapeDatadogV1({ status: 'ok' }), { value: null, display: 'null' });
  });

  it('v1: a null point value is 0 (Go decodes null into a float as 0); a bad point is an error', () => {
    assert.deepEqual(shapeDatadogV1({ series: [{ pointlist: [[1, null]] }] }), { value: 0, display: '0' });
    assert.throws(
      () => shapeDatadogV1({ series: [{ pointlist: [[1]] }] }),
      /Datapoint does not have 2 values/,
    );
    assert.throws(
      () => shapeDatadogV1({ status: 'error', error: 'Error parsing query' }),
      /There were errors in your query: Error parsing query/,
    );
  });

  it('v2: the first number column; null values skipped; nothing is null', () => {
    const col = (values: unknown[]) => ({
      data: { type: 'scalar_response', attributes: { columns: [{ name: 'a', type: 'number', values }] } },
    });
    assert.deepEqual(shapeDatadogV2(col([0.5])), { value: 0.5, display: '0.5' });
    assert.deepEqual(shapeDatadogV2(col([null, 2])), { value: 2, display: '2' });
    assert.deepEqual(shapeDatadogV2(col([])), { value: null, display: '[]' });
    assert.deepEqual(shapeDatadogV2(col([null])), { value: null, display: '[]' });
    assert.deepEqual(shapeDatadogV2({ data: { attributes: { columns: [] } } }), {
      value: null,
      display: '[]',
    });
  });

  it('v2: a grouped (by {tag}) response is always a list, even with one group', () => {
    const body = (rows: [string, number | null][]) => ({
      data: {
        attributes: {
          columns: [
            { name: 'resource_name', type: 'group', values: rows.map(([t]) => [t]) },
            { name: 'query', type: 'number', values: rows.map(([, v]) => v) },
          ],
        },
      },
    });
    assert.deepEqual(
      shapeDatadogV2(
        body([
          ['GET /a', 0.01],
          ['GET /b', null],
          ['GET /c', 0.2],
        ]),
      ),
      { value: [0.01, 0.2], display: '[0.01,0.2]' },
    );
    assert.deepEqual(shapeDatadogV2(body([['GET /a', 0.01]])), { value: [0.01], display: '[0.01]' });
  });

  it('v2: errors in the body are errors', () => {
    assert.throws(
      () => shapeDatadogV2({ errors: 'bad metric name' }),
      /There were errors in your query: bad metric name/,
    );
    assert.throws(() => shapeDatadogV2({ data: { errors: 'x' } }), /There were errors in your query: x/);
  });

  it('site → API base URL', () => {
    assert.equal(datadogBaseUrl(undefined), 'https://api.datadoghq.com');
    assert.equal(datadogBaseUrl('datadoghq.eu'), 'https://api.datadoghq.eu');
    assert.equal(datadogBaseUrl('us3.datadoghq.com'), 'https://api.us3.datadoghq.com');
    assert.equal(datadogBaseUrl('app.datadoghq.com'), 'https://api.datadoghq.com');
    assert.equal(datadogBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  });
});

describe('New Relic result shapes', () => {
  it('one row is a map, several a list of maps, none an error', () => {
    assert.deepEqual(shapeNewRelicResults([{ successRate: 0.99 }]), {
      value: { successRate: 0.99 },
      display: '{"successRate":0.99}',
    });
    const rows = [
      { 'average.duration': 0.2, facet: 'b' },
      { 'average.duration': 0.1, facet: 'a' },
    ];
    assert.deepEqual(shapeNewRelicResults(rows), {
      value: rows,
      display: '[{"average.duration":0.2,"facet":"b"},{"average.duration":0.1,"facet":"a"}]',
    });
    assert.throws(() => shapeNewRelicResults([]), /no results returned from NRQL query/);
    assert.throws(() => shapeNewRelicResults([{}]), /no results returned from NRQL query/);
  });

  it('prints maps with sorted keys, as Go does', () => {
    assert.equal(
      goJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('region → NerdGraph URL', () => {
    assert.equal(nerdGraphUrl('us'), 'https://api.newrelic.com/graphql');
    assert.equal(nerdGraphUrl('EU'), 'https://api.eu.newrelic.com/graphql');
    assert.equal(nerdGraphUrl(undefined, 'http://127.0.0.1:9'), 'http://127.0.0.1:9/graphql');
    assert.equal(
      nerdGraphUrl(undefined, 'http://127.0.0.1:9/proxy/graphql'),
      'http://127.0.0.1:9/proxy/graphql',
    );
    assert.throws(() => nerdGraphUrl('apac'), /region must be us or eu/);
  });
});

describe('web result shapes', () => {
  it('the first jsonPath value; the whole body by default', () => {
    const body = JSON.stringify({ data: { ok: true, successPercent: 0.95 } });
    assert.deepEqual(shapeWebBody(body, '{$.data.ok}'), { value: true, display: 'true' });
    assert.deepEqual(shapeWebBody(body, '{$.data}'), {
      value: { ok: true, successPercent: 0.95 },
      display: '{"ok":true,"successPercent":0.95}',
    });
    assert.deepEqual(shapeWebBody('[1,2]', ''), { value: [1, 2], display: '[1,2]' });
  });

  it('a body that is not JSON is the text, and Argo calls it Successful', () => {
    assert.deepEqual(shapeWebBody('all good\n', '{$.data.ok}'), {
      value: 'all good\n',
      display: 'all good\n',
      forcedPhase: 'Successful',
    });
  });

  it('a missing path is an error; so is a path that matches nothing', () => {
    assert.throws(
      () => shapeWebBody('{"data":{}}', '{$.data.ok}'),
      /Could not find JSONPath in body: ok is not found/,
    );
    assert.throws(
      () => shapeWebBody('{"items":[]}', '{$.items[*]}'),
      /result of web metric produced no value/,
    );
  });
});

describe('range query time expressions', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it('now() and now() - duration()', () => {
    assert.equal(evaluateTimeExpression('now()', now), now.getTime());
    assert.equal(evaluateTimeExpression('now() - duration("5m")', now), now.getTime() - 300_000);
    assert.equal(
      evaluateTimeExpression("now() - duration('1h30m') + duration('30m')", now),
      now.getTime() - 3600_000,
    );
  });

  it("RFC 3339, and Argo's own test expression with date()", () => {
    assert.equal(evaluateTimeExpression('2023-08-14T00:00:00Z', now), Date.UTC(2023, 7, 14));
    assert.equal(evaluateTimeExpression('"2023-08-14T02:00:00+02:00"', now), Date.UTC(2023, 7, 14));
    assert.equal(
      evaluateTimeExpression(
        'date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC") - duration("1h")',
        now,
      ),
      Date.UTC(2023, 7, 13, 23),
    );
    assert.equal(evaluateTimeExpression('date("2023-08-14")', now), Date.UTC(2023, 7, 14));
  });

  it('bad input says what is wrong', () => {
    assert.throws(
      () => evaluateTimeExpression('now() - duration("??")', now),
      /time: invalid duration "\?\?"/,
    );
    assert.throws(() => evaluateTimeExpression('duration("5m")', now), /is a duration, not a time/);
    assert.throws(() => evaluateTimeExpression('yesterday()', now), /unsupported function yesterday\(\)/);
    assert.throws(() => evaluateTimeExpression('now() + now()', now), /cannot \+ a time and a time/);
  });
});

describe('redaction', () => {
  it('replaces secrets as written, URL-encoded and JSON-escaped, longest first', () => {
    const secrets = ['s3cr3t/+=', 'abc', 'abcdef'];
    assert.equal(redact('key=s3cr3t/+= and abcdef and abc', secrets), 'key=*** and *** and ***');
    assert.equal(redact('GET /q?token=s3cr3t%2F%2B%3D', secrets), 'GET /q?token=***');
    assert.equal(redact('{"p":"a\\"b"}', ['a"b']), '{"p":"***"}');
    assert.equal(redact('nothing here', ['']), 'nothing here');
  });

  it('a provider error never carries a secret, nor does the query as sent', async () => {
    const p = new PrometheusProvider();
    const secret = 'tenant-password-42';
    await assert.rejects(
      p.measure(
        {
          address: `not a url ${secret}`,
          query: `up{token="${secret}"}`,
          authentication: { basicAuth: { username: 'u', password: secret } },
        },
        { signal: new AbortController().signal, now: new Date(), secrets: new Set() },
      ),
      (e: unknown) => {
        assert.ok(e instanceof ProviderError);
        assert.doesNotMatch(e.message, /tenant-password-42/);
        assert.doesNotMatch(e.query ?? '', /tenant-password-42/);
        assert.match(e.message, /\*\*\*/);
        assert.equal(e.query, 'up{token="***"}');
        return true;
      },
    );
  });

  it('context secrets (args from a Secret) are redacted too', async () => {
    const p = new PrometheusProvider();
    await assert.rejects(
      p.measure(
        { query: 'sum(x{key="top-secret-arg"})' },
        { signal: new AbortController().signal, now: new Date(), secrets: new Set(['top-secret-arg']) },
      ),
      (e: unknown) =>
        e instanceof ProviderError &&
        /prometheus address is not configured/.test(e.message) &&
        e.query === 'sum(x{key="***"})',
    );
  });
});
