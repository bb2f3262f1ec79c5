// A local Datadog metrics API on 127.0.0.1, validating requests as Datadog documents them:
//
//   GET  /api/v1/query          DD-API-KEY and DD-APPLICATION-KEY headers; `query`, `from`, `to`
//                               (POSIX seconds, integers, from < to) → {status:"ok", series:[…pointlist…]}
//   POST /api/v2/query/scalar   same headers; JSON {data:{type:"scalar_request", attributes:{from, to
//                               (ms), queries:[{data_source:"metrics", name, query, aggregator}],
//                               formulas?:[{formula}]}}} → {data:{type:"scalar_response",
//                               attributes:{columns:[…]}}}
//
// Errors use Datadog's body `{"errors": ["…"]}`: 403 for a missing or wrong key, 400 for a malformed
// request, 429 (with X-RateLimit-* headers) when a test asks for it, 404 elsewhere. A test decides
// what the queries return (`setSeries`, `setScalar`) and reads `requests`.

import {
  json,
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Reply,
} from './http.ts';

export interface DatadogServerOptions {
  apiKey?: string;
  appKey?: string;
}

/** One v1 series: points as `[epoch ms, value]`, or bare values spread over the window. */
export interface DatadogSeries {
  metric?: string;
  scope?: string;
  points: readonly (readonly [number, number | null])[] | readonly (number | null)[];
}

export interface QueryWindow {
  /** POSIX seconds (v1) or ms (v2), as sent. */
  from: number;
  to: number;
}

export type SeriesAnswer = DatadogSeries[] | DatadogSeries['points'] | undefined;

export interface ScalarQuery {
  name: string;
  query: string;
  aggregator: string;
  data_source: string;
}

export interface ScalarRequest extends QueryWindow {
  queries: ScalarQuery[];
  formulas: { formula: string }[];
}

/** A number (one value), null (a group without data), undefined (no data at all), or groups. */
export type ScalarAnswer =
  number | null | undefined | { groupBy: string[]; rows: { tags: string[]; value: number | null }[] };

/** Throw from setSeries/setScalar to answer 400 with this message (a bad query). */
export class DatadogQueryError extends Error {}

export interface DatadogServer extends RecordingServer {
  readonly apiKey: string;
  readonly appKey: string;
  setSeries(fn: (query: string, window: QueryWindow) => SeriesAnswer): void;
  setScalar(fn: (request: ScalarRequest) => ScalarAnswer): void;
  /** The next `n` requests are answered 429. */
  rateLimitNext(n?: number): void;
}

const AGGREGATORS = new Set(['avg', 'min', 'max', 'sum', 'last', 'percentile', 'mean', 'l2norm', 'area']);

const errors = (status: number, ...messages: string[]): Reply => json(status, { errors: messages });

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Identifiers a formula refers to (function names and quoted strings left out). */
function formulaRefs(formula: string): string[] {
  const stripped = formula.replace(/'[^']*'|"[^"]*"/g, ' ');
  const refs: string[] = [];
  for (const m of stripped.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const after = stripped.slice((m.index ?? 0) + m[0].length).trimStart();
    if (!after.startsWith('(')) refs.push(m[0]);
  }
  return refs;
}

export async function startDatadogServer(options: DatadogServerOptions = {}): Promise<DatadogServer> {
  const apiKey = options.apiKey ?? 'dd-api-key-0123456789abcdef';
  const appKey = options.appKey ?? 'dd-app-key-fedcba9876543210';
  let seriesFn: (query: string, window: QueryWindow) => SeriesAnswer = () => undefined;
  let scalarFn: (request: ScalarRequest) => ScalarAnswer = () => undefined;
  let limited = 0;

  function checkAuth(req: RecordedRequest): Reply | undefined {
    if (req.headers['dd-api-key'] !== apiKey || req.headers['dd-application-key'] !== appKey) {
      return errors(403, 'Forbidden');
    }
    return undefined;
  }

  function rateLimit(): Reply | undefined {
    if (limited <= 0) return undefined;
    limited--;
    return {
      status: 429,
      body: { errors: ['Rate limit of 300 requests in 3600 seconds reached. Please try again later.'] },
      headers: {
        'x-ratelimit-limit': '300',
        'x-ratelimit-period': '3600',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '42',
        'x-ratelimit-name': 'query',
      },
    };
  }

  function v1(req: RecordedRequest): Reply {
    const { query, from, to } = req.query;
    for (const [name, v] of [
      ['query', query],
      ['from', from],
      ['to', to],
    ] as const) {
      if (v === undefined || v.trim() === '') {
        return errors(400, `The value provided for parameter '${name}' is invalid`);
      }
    }
    if (!/^\d+$/.test(from ?? '') || !/^\d+$/.test(to ?? '')) {
      return errors(
        400,
        "The value provided for parameter 'from' or 'to' is invalid: use integer POSIX seconds",
      );
    }
    const fromS = Number(from);
    const toS = Number(to);
    if (fromS >= 1e11 || toS >= 1e11) return errors(400, 'from and to are POSIX seconds, not milliseconds');
    if (fromS >= toS) return errors(400, "'from' must be before 'to'");
    let answer: SeriesAnswer;
    try {
      answer = seriesFn(query ?? '', { from: fromS, to: toS });
    } catch (e) {
      if (e instanceof DatadogQueryError) return errors(400, e.message);
      throw e;
    }
    const list: DatadogSeries[] =
      answer === undefined ? [] : isSeriesList(answer) ? answer : [{ points: answer }];
    const series = list.map((s) => {
      const pointlist = toPointlist(s.points, fromS, toS);
      return {
        metric: s.metric ?? (query ?? '').split('{')[0]?.split(':').at(-1) ?? '',
        display_name: s.metric ?? '',
        scope: s.scope ?? /\{([^}]*)\}/.exec(query ?? '')?.[1] ?? '*',
        expression: (query ?? '').trim(),
        pointlist,
        start: pointlist[0]?.[0] ?? fromS * 1000,
        end: pointlist.at(-1)?.[0] ?? toS * 1000,
        interval: 60,
        length: pointlist.length,
        aggr: (query ?? '').split(':')[0] ?? null,
        unit: null,
        tag_set: [],
      };
    });
    return json(200, {
      status: 'ok',
      res_type: 'time_series',
      resp_version: 1,
      query,
      from_date: fromS * 1000,
      to_date: toS * 1000,
      series,
      values: [],
      times: [],
      message: '',
      group_by: [],
    });
  }

  function v2(req: RecordedRequest): Reply {
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return errors(415, 'Unsupported Media Type: use application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return errors(400, 'Invalid JSON body');
    }
    const data = isObj(body) ? body['data'] : undefined;
    if (!isObj(data)) return errors(400, "'data' is required and must be an object");
    if (data['type'] !== 'scalar_request') return errors(400, "data.type must be 'scalar_request'");
    const a = data['attributes'];
    if (!isObj(a)) return errors(400, 'data.attributes is required');
    const from = a['from'];
    const to = a['to'];
    if (!Number.isInteger(from) || !Number.isInteger(to)) {
      return errors(400, 'attributes.from and attributes.to must be integers (ms since the epoch)');
    }
    if ((from as number) < 1e11 || (to as number) < 1e11) {
      return errors(400, 'attributes.from and attributes.to are milliseconds, not seconds');
    }
    if ((from as number) >= (to as number)) return errors(400, "'from' must be before 'to'");
    const rawQueries = a['queries'];
    if (!Array.isArray(rawQueries) || rawQueries.length === 0) {
      return errors(400, 'attributes.queries must be a non-empty list');
    }
    const queries: ScalarQuery[] = [];
    for (const [i, q] of (rawQueries as unknown[]).entries()) {
      if (!isObj(q)) return errors(400, `queries[${i}] must be an object`);
      if (q['data_source'] !== 'metrics') return errors(400, `queries[${i}].data_source must be 'metrics'`);
      for (const k of ['name', 'query', 'aggregator']) {
        if (typeof q[k] !== 'string' || q[k] === '') return errors(400, `queries[${i}].${k} is required`);
      }
      if (!AGGREGATORS.has(q['aggregator'] as string)) {
        return errors(400, `queries[${i}].aggregator ${String(q['aggregator'])} is not a valid aggregator`);
      }
      queries.push({
        name: q['name'] as string,
        query: q['query'] as string,
        aggregator: q['aggregator'] as string,
        data_source: 'metrics',
      });
    }
    const names = new Set(queries.map((q) => q.name));
    if (names.size !== queries.length) return errors(400, 'query names must be unique');
    const rawFormulas = a['formulas'] ?? [];
    if (!Array.isArray(rawFormulas)) return errors(400, 'attributes.formulas must be a list');
    const formulas: { formula: string }[] = [];
    for (const [i, f] of (rawFormulas as unknown[]).entries()) {
      if (!isObj(f) || typeof f['formula'] !== 'string' || f['formula'] === '') {
        return errors(400, `formulas[${i}].formula is required`);
      }
      for (const ref of formulaRefs(f['formula'])) {
        if (!names.has(ref)) return errors(400, `formula refers to unknown query '${ref}'`);
      }
      formulas.push({ formula: f['formula'] });
    }
    let answer: ScalarAnswer;
    try {
      answer = scalarFn({ queries, formulas, from: from as number, to: to as number });
    } catch (e) {
      if (e instanceof DatadogQueryError) return json(200, { errors: e.message });
      throw e;
    }
    const columnName = formulas.length > 0 ? 'formula' : (queries[0]?.name ?? 'query');
    const columns: unknown[] = [];
    if (answer !== undefined && answer !== null && typeof answer === 'object') {
      answer.groupBy.forEach((tag, t) => {
        columns.push({ name: tag, type: 'group', values: answer.rows.map((r) => [r.tags[t] ?? '']) });
      });
      columns.push({
        name: columnName,
        type: 'number',
        values: answer.rows.map((r) => r.value),
        meta: { unit: null },
      });
    } else {
      columns.push({
        name: columnName,
        type: 'number',
        values: answer === undefined ? [] : [answer],
        meta: { unit: null },
      });
    }
    return json(200, { data: { type: 'scalar_response', attributes: { columns } } });
  }

  const server = await startRecordingServer((req) => {
    const route = `${req.method} ${req.path}`;
    const known = route === 'GET /api/v1/query' || route === 'POST /api/v2/query/scalar';
    if (!known) {
      if (req.path === '/api/v1/query' || req.path === '/api/v2/query/scalar')
        return errors(405, 'Method Not Allowed');
      return errors(404, 'Not found');
    }
    const denied = checkAuth(req);
    if (denied) return denied;
    const limit = rateLimit();
    if (limit) return limit;
    return req.path === '/api/v1/query' ? v1(req) : v2(req);
  });

  return {
    ...server,
    apiKey,
    appKey,
    setSeries(fn) {
      seriesFn = fn;
    },
    setScalar(fn) {
      scalarFn = fn;
    },
    rateLimitNext(n = 1) {
      limited = n;
    },
  };
}

function isSeriesList(a: Exclude<SeriesAnswer, undefined>): a is DatadogSeries[] {
  return a.length > 0 && typeof a[0] === 'object' && a[0] !== null && !Array.isArray(a[0]);
}

function toPointlist(points: DatadogSeries['points'], fromS: number, toS: number): [number, number | null][] {
  const n = points.length;
  return points.map((p, i) => {
    if (Array.isArray(p)) return [p[0] as number, p[1] as number | null];
    const step = n > 1 ? ((toS - fromS) * 1000) / n : 0;
    return [Math.round(fromS * 1000 + step * (i + 1)), p as number | null];
  });
}
