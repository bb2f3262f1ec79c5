/**
 * One HTTP exchange for a provider: the global fetch with a per-request timeout joined to the
 * engine's abort signal, a cap on the body size (MAX_RESPONSE_BYTES: a bigger body is an error, read
 * no further), no link-local metadata address unless allowed (checked for the URL, the addresses its
 * host resolves to, and every redirect), and errors that say what failed. TLS options Node's fetch
 * cannot take per request (`insecure`, a private CA) go through node:https instead.
 */

import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIpLiteral, isMetadataAddress, metadataRefusal } from '../../manifests/metadata-address.ts';
import { goFormatFloat } from './fields.ts';
import { ProviderError, redact, type MeasureContext } from './types.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers: readonly (readonly [string, string])[];
  body?: string;
  timeoutMs: number;
  /** The engine's signal; its abort wins over the timeout. */
  signal: AbortSignal;
  /** Skip TLS certificate verification (`insecure: true`). */
  insecure?: boolean;
  /** PEM bundle to trust for this request (Prometheus `caCert`). */
  caCert?: string;
  /** Default MAX_RESPONSE_BYTES. */
  maxBodyBytes?: number;
  /** The `allow-metadata-addresses` input; refused by default. */
  allowMetadataAddresses?: boolean | undefined;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: ReadonlyMap<string, string>;
  text: string;
}

/**
 * The most a provider reads of a response: 1 MiB. A measurement stores at most a few KiB of it
 * (the engine's caps) in a ConfigMap of 1 MiB; a bigger body is an Error measurement, not a crash.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_MAX_BODY = MAX_RESPONSE_BYTES;
/** Redirects followed, as Go's client (each one checked for metadata addresses). */
const MAX_REDIRECTS = 10;

/** `1 MiB`, `2.7 MB`, `512 bytes`: sizes in messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB (${n} bytes)`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function tooLarge(line: string, max: number, size: number | undefined): ProviderError {
  const got = size === undefined ? `more than ${max} bytes` : formatBytes(size);
  return new ProviderError(
    `${line}: response body is ${got}, over the ${formatBytes(max)} a metric response may have; nothing of it was used (docs/providers.md)`,
    undefined,
    { oversize: true },
  );
}

/**
 * Refuses a URL whose host is, or resolves to, a link-local metadata address (unless allowed). A host
 * that does not resolve is left to the request, which then fails with its own error.
 */
export async function checkMetadataAddress(url: URL, allow: boolean | undefined): Promise<void> {
  if (allow === true) return;
  const host = url.hostname;
  const what = `${url.origin}${url.pathname}`;
  if (isMetadataAddress(host)) throw new ProviderError(metadataRefusal(what, host));
  if (isIpLiteral(host)) return;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return;
  }
  const bad = addresses.find((a) => isMetadataAddress(a.address));
  if (bad !== undefined)
    throw new ProviderError(metadataRefusal(`${what} (${host} resolves to it)`, bad.address));
}

/** `POST http://host:port/path` (query string left out: it may carry the query or a token). */
export function requestLine(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}

function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause: unknown = e.cause;
  if (cause instanceof AggregateError && cause.errors.length > 0) return causeText(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    if (cause.message !== '') return cause.message;
    if (typeof code === 'string') return code;
    return causeText(cause);
  }
  if (e instanceof AggregateError && e.errors.length > 0) return causeText(e.errors[0]);
  return e.message;
}

/** Sends the request; rejects with a ProviderError (or the engine's abort reason). Not redacted. */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(Math.max(0, req.timeoutMs));
  const signal = AbortSignal.any([req.signal, timeout]);
  const line = requestLine(req.method, req.url);
  try {
    await checkMetadataAddress(req.url, req.allowMetadataAddresses);
    if (req.url.protocol === 'https:' && (req.insecure === true || req.caCert !== undefined)) {
      return await viaNode(req, signal);
    }
    const res = await fetchFollowing(req, signal);
    if (res === undefined) return await viaNode(req, signal);
    const text = await readCapped(res, req.maxBodyBytes ?? DEFAULT_MAX_BODY, line);
    const headers = new Map<string, string>();
    res.headers.forEach((v, k) => headers.set(k.toLowerCase(), v));
    return { status: res.status, headers, text };
  } catch (e) {
    if (req.signal.aborted) throw req.signal.reason;
    if (timeout.aborted) {
      throw new ProviderError(`${line}: timed out after ${goFormatFloat(req.timeoutMs / 1000)}s`);
    }
    if (e instanceof ProviderError) throw e;
    throw new ProviderError(`${line}: ${causeText(e)}`);
  }
}

/**
 * fetch, following redirects itself (as Go's client: at most 10, 303 and a POST's 301/302 become a
 * GET, credentials dropped when the origin changes) so that every hop is checked for metadata
 * addresses. Undefined when fetch refuses the port (the WHATWG "bad ports"): node:http then.
 */
async function fetchFollowing(req: HttpRequest, signal: AbortSignal): Promise<Response | undefined> {
  let url = req.url;
  let method: string = req.method;
  let body = req.body ?? null;
  let headers = req.headers.map(([k, v]): [string, string] => [k, v]);
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
    } catch (e) {
      // fetch refuses the WHATWG "bad ports" (6000, 6665-6669, ...) before sending anything.
      if (hop === 0 && causeText(e) === 'bad port') return undefined;
      throw e;
    }
    const location = res.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(res.status) || location === null) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, url);
    await checkMetadataAddress(next, req.allowMetadataAddresses);
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
      headers = headers.filter(([k]) => !/^content-(type|length)$/i.test(k));
    }
    if (next.origin !== url.origin) headers = headers.filter(([k]) => !isCredentialHeader(k));
    url = next;
  }
}

async function readCapped(res: Response, max: number, line: string): Promise<string> {
  if (!res.body) return '';
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body.cancel();
    throw tooLarge(line, max, declared);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const body = res.body as unknown as AsyncIterable<Uint8Array>;
  for await (const value of body) {
    size += value.byteLength;
    if (size > max) throw tooLarge(line, max, undefined);
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** node:http(s) for what fetch cannot do per request: TLS options, ports fetch blocks. No redirects. */
async function viaNode(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) {
    const key = k.toLowerCase();
    headers[key] = headers[key] === undefined ? v : `${headers[key]}, ${v}`;
  }
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  const max = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const line = requestLine(req.method, req.url);
  return await new Promise<HttpResponse>((resolve, reject) => {
    const request = req.url.protocol === 'https:' ? https.request : http.request;
    const r = request(
      req.url,
      {
        method: req.method,
        headers,
        signal,
        ...(req.url.protocol === 'https:'
          ? {
              rejectUnauthorized: req.insecure !== true,
              ...(req.caCert === undefined ? {} : { ca: req.caCert }),
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > max) {
          res.destroy();
          reject(tooLarge(line, max, declared));
          return;
        }
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) {
            res.destroy();
            reject(tooLarge(line, max, undefined));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const out = new Map<string, string>();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    r.on('error', (e) => {
      reject(e.message === '' ? e : new Error('request failed', { cause: e }));
    });
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/**
 * Runs one measurement: secrets redacted from whatever fails, the engine's abort passed through
 * untouched. `fn` calls `sending` with the query as sent once it has got that far, so that an error
 * after it carries the query.
 */
export async function guarded<T>(
  ctx: MeasureContext,
  secrets: ReadonlySet<string>,
  fn: (sending: (query: string) => void) => Promise<T>,
): Promise<T> {
  let sent: string | undefined;
  try {
    return await fn((query) => {
      sent = query;
    });
  } catch (e) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const message = e instanceof Error ? e.message : String(e);
    throw new ProviderError(
      redact(message, secrets),
      sent === undefined ? undefined : redact(sent, secrets),
      { oversize: e instanceof ProviderError && e.oversize },
    );
  }
}

/** Splits `user:pass@` off a URL (fetch refuses such URLs); Go's client sends them as basic auth. */
export function splitUserinfo(url: URL): { url: URL; username: string; password: string } | { url: URL } {
  if (url.username === '' && url.password === '') return { url };
  const clean = new URL(url.href);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  clean.username = '';
  clean.password = '';
  return { url: clean, username, password };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Header names whose values are credentials. */
export function isCredentialHeader(name: string): boolean {
  return /authorization|api[-_]?key|token|secret|password|cookie|session|credential/i.test(name);
}

/**
 * The values to redact for a header list: each credential header's value and, for `Scheme token`
 * values, the token alone (and a Basic pair's password).
 */
export function credentialValues(headers: readonly (readonly [string, string])[]): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) {
    if (!isCredentialHeader(name)) continue;
    out.push(value);
    const m = /^\s*(\w+)\s+(\S.*)$/.exec(value);
    if (!m) continue;
    const token = (m[2] ?? '').trim();
    out.push(token);
    if ((m[1] ?? '').toLowerCase() === 'basic') {
      const pair = Buffer.from(token, 'base64').toString('utf8');
      const colon = pair.indexOf(':');
      if (colon >= 0 && colon < pair.length - 1) out.push(pair.slice(colon + 1));
    }
  }
  return out;
}

/** A short, single-line excerpt of a response body for an error message. */
export function excerpt(text: string, max = 500): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Sets a header, replacing any with the same name (case-insensitive). */
export function setHeader(headers: [string, string][], name: string, value: string): void {
  const i = headers.findIndex(([k]) => k.toLowerCase() === name);
  if (i >= 0) headers.splice(i, 1);
  headers.push([name, value]);
}
