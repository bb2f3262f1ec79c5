// A local New Relic NerdGraph endpoint on 127.0.0.1 (POST /graphql), validating requests as New
// Relic documents them: an `API-Key` header with the configured user key (else 401), a JSON body
// `{query, variables?}` (else 400), and a GraphQL operation that calls
// `actor { account(id: …) { nrql(query: …) { results } } }` for the configured account, with every
// `$variable` declared and of the declared type (Int, Nrql, Seconds). GraphQL-level problems come back
// as HTTP 200 with `{"errors":[{message, path?, extensions:{errorClass}}]}`, as NerdGraph answers them.
//
// A test decides the rows each NRQL query returns (`setResults`), can make queries take time
// (`setQueryDuration`: longer than the request's NRQL `timeout` gives NerdGraph's timeout error) and
// reads `requests`.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  json,
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Reply,
} from './http.ts';

export interface NewRelicServerOptions {
  apiKey?: string;
  accountId?: number;
}

export interface NrqlContext {
  accountId: number;
  /** The NRQL timeout asked for, in seconds (NerdGraph's default 5 when absent). */
  timeout: number;
}

/** Throw from setResults to answer with a GraphQL error (e.g. an NRQL syntax error). */
export class NrqlError extends Error {}

export interface NewRelicServer extends RecordingServer {
  readonly apiKey: string;
  readonly accountId: number;
  setResults(fn: (nrql: string, ctx: NrqlContext) => Record<string, unknown>[] | undefined): void;
  setQueryDuration(ms: number): void;
}

const NERDGRAPH_DEFAULT_TIMEOUT = 5;

function gqlError(status: number, message: string, errorClass: string, path?: string[]): Reply {
  return json(status, {
    ...(status === 200 ? { data: path ? { actor: { account: { nrql: null } } } : null } : {}),
    errors: [{ message, ...(path ? { path } : {}), extensions: { errorClass } }],
  });
}

type Arg = { kind: 'var'; name: string } | { kind: 'literal'; value: unknown };

function readArg(text: string): Arg {
  const t = text.trim();
  if (t.startsWith('$')) return { kind: 'var', name: t.slice(1) };
  if (/^-?\d+$/.test(t)) return { kind: 'literal', value: Number(t) };
  if (t.startsWith('"')) {
    try {
      return { kind: 'literal', value: JSON.parse(t) as unknown };
    } catch {
      return { kind: 'literal', value: undefined };
    }
  }
  return { kind: 'literal', value: undefined };
}

/** `name: value` pairs of a GraphQL argument list (values: $var, int, or "string"). */
function readArgs(list: string): Map<string, Arg> {
  const out = new Map<string, Arg>();
  for (const m of list.matchAll(/(\w+)\s*:\s*(\$\w+|-?\d+|"(?:[^"\\]|\\.)*")/g)) {
    out.set(m[1] ?? '', readArg(m[2] ?? ''));
  }
  return out;
}

export async function startNewRelicServer(options: NewRelicServerOptions = {}): Promise<NewRelicServer> {
  const apiKey = options.apiKey ?? 'NRAK-TESTKEY0123456789ABCDEFGHIJ';
  const accountId = options.accountId ?? 1234567;
  let resultsFn: (nrql: string, ctx: NrqlContext) => Record<string, unknown>[] | undefined = () => undefined;
  let queryDurationMs = 0;

  async function handle(req: RecordedRequest, signal: AbortSignal): Promise<Reply> {
    if (req.path !== '/graphql') return json(404, { errors: [{ message: 'Not Found' }] });
    if (req.method !== 'POST') return json(405, { errors: [{ message: 'Method Not Allowed: use POST' }] });
    const key = req.headers['api-key'];
    if (key === undefined || key === '') {
      return gqlError(401, 'Unauthorized: an API-Key header with a user key is required', 'UNAUTHORIZED');
    }
    if (key !== apiKey) return gqlError(401, 'Invalid API key', 'UNAUTHORIZED');
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return json(400, { errors: [{ message: 'Content-Type must be application/json' }] });
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return json(400, { errors: [{ message: 'The request body is not valid JSON' }] });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return json(400, { errors: [{ message: 'The request body must be a JSON object' }] });
    }
    const { query, variables } = body as { query?: unknown; variables?: unknown };
    if (typeof query !== 'string' || query.trim() === '') {
      return json(400, { errors: [{ message: 'No query string was present' }] });
    }
    if (
      variables !== undefined &&
      variables !== null &&
      (typeof variables !== 'object' || Array.isArray(variables))
    ) {
      return json(400, { errors: [{ message: 'variables must be a JSON object' }] });
    }
    const vars = (variables ?? {}) as Record<string, unknown>;

    // Declared variables: `query Name($a: Int!, $b: Nrql!)`.
    const header = /^\s*query\b\s*\w*\s*(?:\(([^)]*)\))?\s*\{/.exec(query);
    if (!header && !query.trim().startsWith('{')) {
      return gqlError(200, 'Only query operations are supported here', 'BAD_REQUEST');
    }
    const declared = new Map<string, { type: string; required: boolean }>();
    for (const m of (header?.[1] ?? '').matchAll(/\$(\w+)\s*:\s*(\w+)\s*(!?)/g)) {
      declared.set(m[1] ?? '', { type: m[2] ?? '', required: m[3] === '!' });
    }
    for (const [name, d] of declared) {
      if (d.required && (vars[name] === undefined || vars[name] === null)) {
        return gqlError(
          200,
          `Variable "$${name}" of required type "${d.type}!" was not provided.`,
          'BAD_REQUEST',
        );
      }
    }

    const account = /\bactor\s*\{\s*account\s*\(([^)]*)\)\s*\{/.exec(query);
    const nrql = /\bnrql\s*\(([^)]*)\)\s*\{([^}]*)\}/.exec(query);
    if (!account || !nrql) {
      return gqlError(200, 'Expected actor { account(id: …) { nrql(query: …) { results } } }', 'BAD_REQUEST');
    }
    if (!/\bresults\b/.test(nrql[2] ?? '')) {
      return gqlError(200, 'The nrql selection does not ask for results', 'BAD_REQUEST');
    }

    function resolve(arg: Arg | undefined, type: 'Int' | 'Nrql' | 'Seconds'): { value: unknown } | string {
      if (arg === undefined) return { value: undefined };
      if (arg.kind === 'literal') return { value: arg.value };
      const d = declared.get(arg.name);
      if (!d) return `Variable "$${arg.name}" is not defined.`;
      if (d.type !== type)
        return `Variable "$${arg.name}" of type "${d.type}" used in position expecting "${type}".`;
      const v = vars[arg.name];
      if (v === undefined || v === null) return { value: undefined };
      if (type === 'Nrql' ? typeof v !== 'string' : !Number.isInteger(v)) {
        return `Variable "$${arg.name}" got invalid value ${JSON.stringify(v)}; Expected type "${type}".`;
      }
      return { value: v };
    }

    const accountArgs = readArgs(account[1] ?? '');
    const nrqlArgs = readArgs(nrql[1] ?? '');
    const id = resolve(accountArgs.get('id'), 'Int');
    const nrqlText = resolve(nrqlArgs.get('query'), 'Nrql');
    const timeoutArg = resolve(nrqlArgs.get('timeout'), 'Seconds');
    for (const r of [id, nrqlText, timeoutArg])
      if (typeof r === 'string') return gqlError(200, r, 'BAD_REQUEST');
    const idValue = (id as { value: unknown }).value;
    const text = (nrqlText as { value: unknown }).value;
    if (!Number.isInteger(idValue))
      return gqlError(200, 'account(id:) needs an Int account id', 'BAD_REQUEST');
    if (typeof text !== 'string' || text.trim() === '') {
      return gqlError(200, 'nrql(query:) needs a non-empty NRQL query', 'BAD_REQUEST');
    }
    const path = ['actor', 'account', 'nrql'];
    if (idValue !== accountId) {
      return gqlError(200, `Account ${String(idValue)} is not accessible with this API key`, 'FORBIDDEN', [
        'actor',
        'account',
      ]);
    }
    const timeout =
      ((timeoutArg as { value: unknown }).value as number | undefined) ?? NERDGRAPH_DEFAULT_TIMEOUT;
    if (queryDurationMs > 0) {
      if (queryDurationMs > timeout * 1000) {
        await sleep(timeout * 1000, undefined, { signal });
        return gqlError(
          200,
          `NRDB query duration exceeded the ${timeout} second timeout. Try a smaller time window or a longer timeout.`,
          'TIMEOUT',
          path,
        );
      }
      await sleep(queryDurationMs, undefined, { signal });
    }
    let rows: Record<string, unknown>[] | undefined;
    try {
      rows = resultsFn(text, { accountId, timeout });
    } catch (e) {
      if (e instanceof NrqlError) return gqlError(200, e.message, 'INVALID_INPUT', path);
      throw e;
    }
    return json(200, { data: { actor: { account: { nrql: { results: rows ?? [] } } } } });
  }

  const server = await startRecordingServer(handle);
  return {
    ...server,
    apiKey,
    accountId,
    setResults(fn) {
      resultsFn = fn;
    },
    setQueryDuration(ms) {
      queryDurationMs = ms;
    },
  };
}
