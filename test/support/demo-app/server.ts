// A small HTTP app for integration tests: it hosts several "versions" (stable, canary, ...) at once,
// each with its own error rate, latency and Istio-style service labels, exposes Prometheus metrics
// written by hand, and can drive traffic at itself. Listens on 127.0.0.1 only.
//
//   GET  /                       answer as a version (?version=NAME or header x-demo-version; default:
//                                the first version), 200 or 500 per its error rate, after its latency
//   GET  /metrics                Prometheus text exposition
//   GET  /healthz                200 ok
//   GET  /control/versions       every version's settings and counts
//   GET  /control/versions/NAME  one version
//   PUT  /control/versions/NAME  create or update (partial JSON: errorRate, latencyMs, rps, service, ...)
//   DELETE /control/versions/NAME  remove it (its traffic stops, its series leave /metrics)

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, EXPOSITION_CONTENT_TYPE, Gauge, Histogram, type Labels } from './metrics.ts';

/** What a test can set per version at run time. */
export interface VersionSettings {
  /** Fraction of requests answered with 500, 0..1. Errors follow a fixed pattern, not chance. */
  errorRate: number;
  /** Delay before each answer, in milliseconds (0..60000). */
  latencyMs: number;
  /** Requests per second the built-in traffic generator sends to this version (0..MAX_RPS). */
  rps: number;
  /** What `GET /` answers with, e.g. an image tag. Defaults to the version's name. */
  appVersion: string;
  /** Istio `destination_service`, e.g. `demo-canary.demo.svc.cluster.local`. */
  service: string;
  /** Istio `destination_workload`. */
  workload: string;
  /** Istio `destination_service_namespace` / `destination_workload_namespace`. */
  namespace: string;
}

export type VersionPatch = Partial<VersionSettings>;

export interface VersionState extends VersionSettings {
  name: string;
  /** Requests answered so far (all sources). */
  requests: number;
  /** Of which answered with 500. */
  errors: number;
  /** Requests the traffic generator has sent to this version. */
  generated: number;
}

export interface TrafficLimits {
  /** Stop generating after this many requests in total (default 200000). */
  maxRequests?: number;
  /** Stop generating this long after the app started (default 10 minutes). */
  maxDurationMs?: number;
  /** At most this many generated requests in flight per version; the rest are skipped (default 64). */
  maxInFlightPerVersion?: number;
}

export interface DemoAppOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Default namespace for the versions' Istio labels (default `demo`). */
  namespace?: string;
  /** Versions to create at start, in order (the first one answers `GET /` without a selector).
   *  Default: `{ stable: {}, canary: {} }`, both idle (rps 0, error rate 0). */
  versions?: Readonly<Record<string, VersionPatch>>;
  traffic?: TrafficLimits;
}

export interface DemoApp {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, what a Prometheus scrape config wants. */
  readonly target: string;
  /** Creates the version if it does not exist (defaults for the rest), else updates the given fields. */
  setVersion(name: string, patch: VersionPatch): VersionState;
  getVersion(name: string): VersionState | undefined;
  listVersions(): VersionState[];
  removeVersion(name: string): boolean;
  /** Why the traffic generator stopped on its own, if it did (a limit was reached). */
  readonly trafficStoppedReason: string | undefined;
  /** Stops the traffic, aborts requests in flight, closes the server. Idempotent. */
  close(): Promise<void>;
}

export const MAX_RPS = 1000;
export const MAX_LATENCY_MS = 60_000;
const PPM = 1_000_000;
const TICK_MS = 20;
const MAX_BODY_BYTES = 64 * 1024;
const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const GENERATOR_SOURCE = 'demo-traffic-generator';

/** Prometheus client defaults, in seconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Istio's default buckets for istio_request_duration_milliseconds. */
const ISTIO_BUCKETS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

interface Version extends VersionSettings {
  name: string;
  requests: number;
  errors: number;
  generated: number;
  /** Error accumulator in parts per million: +rate per request, an error each time it passes 1. */
  errorAcc: number;
  /** Generator credit (fractional requests owed). */
  credit: number;
  inFlight: number;
}

/** Thrown for a bad control request; becomes a 400. */
export class DemoAppInputError extends Error {
  override name = 'DemoAppInputError';
}

function defaults(name: string, namespace: string): VersionSettings {
  return {
    errorRate: 0,
    latencyMs: 0,
    rps: 0,
    appVersion: name,
    service: `demo-${name}.${namespace}.svc.cluster.local`,
    workload: `demo-${name}`,
    namespace,
  };
}

function checkNumber(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new DemoAppInputError(`${field} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkString(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 253 || /[\s"\\]/.test(v)) {
    throw new DemoAppInputError(`${field} must be a non-empty string without spaces or quotes`);
  }
  return v;
}

/** Validates a patch from an untrusted source (JSON body or caller). */
export function parseVersionPatch(input: unknown): VersionPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DemoAppInputError('body must be a JSON object');
  }
  const patch: VersionPatch = {};
  for (const [k, v] of Object.entries(input)) {
    switch (k) {
      case 'errorRate':
        patch.errorRate = checkNumber(k, v, 0, 1);
        break;
      case 'latencyMs':
        patch.latencyMs = checkNumber(k, v, 0, MAX_LATENCY_MS);
        break;
      case 'rps':
        patch.rps = checkNumber(k, v, 0, MAX_RPS);
        break;
      case 'appVersion':
      case 'service':
      case 'workload':
      case 'namespace':
        patch[k] = checkString(k, v);
        break;
      default:
        throw new DemoAppInputError(
          `unknown field ${JSON.stringify(k)} (known: errorRate, latencyMs, rps, appVersion, service, workload, namespace)`,
        );
    }
  }
  return patch;
}

function snapshot(v: Version): VersionState {
  return {
    name: v.name,
    errorRate: v.errorRate,
    latencyMs: v.latencyMs,
    rps: v.rps,
    appVersion: v.appVersion,
    service: v.service,
    workload: v.workload,
    namespace: v.namespace,
    requests: v.requests,
    errors: v.errors,
    generated: v.generated,
  };
}

function serviceShortName(service: string): string {
  return service.split('.')[0] ?? service;
}

export async function startDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  const namespace = options.namespace ?? 'demo';
  const limits = {
    maxRequests: options.traffic?.maxRequests ?? 200_000,
    maxDurationMs: options.traffic?.maxDurationMs ?? 10 * 60_000,
    maxInFlightPerVersion: options.traffic?.maxInFlightPerVersion ?? 64,
  };
  const versions = new Map<string, Version>();
  const closing = new AbortController();
  const startedAt = performance.now();

  const requestsTotal = new Counter('http_requests_total', 'HTTP requests answered, by version and code.');
  const requestDuration = new Histogram(
    'http_request_duration_seconds',
    'Time to answer an HTTP request, by version and code.',
    HTTP_BUCKETS,
  );
  const istioRequests = new Counter(
    'istio_requests_total',
    'Requests as an Istio sidecar would count them (both reporters).',
  );
  const istioDuration = new Histogram(
    'istio_request_duration_milliseconds',
    'Request duration as an Istio sidecar would measure it (both reporters).',
    ISTIO_BUCKETS,
  );
  const gauges = [
    new Gauge('demo_app_version_info', 'One per version, carrying its labels.', () =>
      [...versions.values()].map((v) => ({
        labels: { version: v.name, app_version: v.appVersion, service: v.service, workload: v.workload },
        value: 1,
      })),
    ),
    new Gauge('demo_app_error_rate', 'Configured error rate per version.', () =>
      [...versions.values()].map((v) => ({ labels: { version: v.name }, value: v.errorRate })),
    ),
    new Gauge('demo_app_latency_seconds', 'Configured latency per version.', () =>
      [...versions.values()].map((v) => ({ labels: { version: v.name }, value: v.latencyMs / 1000 })),
    ),
    new Gauge('demo_app_traffic_rps', 'Configured generator rate per version.', () =>
      [...versions.values()].map((v) => ({ labels: { version: v.name }, value: v.rps })),
    ),
  ];

  function httpLabels(v: Version, code: number): Labels {
    return { version: v.name, status: `${Math.floor(code / 100)}xx`, code: String(code) };
  }

  function istioLabels(v: Version, reporter: string, source: string, code: number): Labels {
    return {
      reporter,
      source_workload: source,
      source_workload_namespace: source === GENERATOR_SOURCE ? v.namespace : 'unknown',
      destination_service: v.service,
      destination_service_name: serviceShortName(v.service),
      destination_service_namespace: v.namespace,
      destination_workload: v.workload,
      destination_workload_namespace: v.namespace,
      destination_version: v.name,
      destination_app: 'demo',
      request_protocol: 'http',
      response_code: String(code),
      response_flags: '-',
    };
  }

  function initSeries(v: Version): void {
    for (const code of [200, 500]) {
      requestsTotal.init(httpLabels(v, code));
      requestDuration.init(httpLabels(v, code));
      for (const reporter of ['source', 'destination']) {
        istioRequests.init(istioLabels(v, reporter, GENERATOR_SOURCE, code));
        istioDuration.init(istioLabels(v, reporter, GENERATOR_SOURCE, code));
      }
    }
  }

  function dropSeries(name: string): void {
    requestsTotal.remove({ version: name });
    requestDuration.remove({ version: name });
    istioRequests.remove({ destination_version: name });
    istioDuration.remove({ destination_version: name });
  }

  function setVersion(name: string, patch: VersionPatch): VersionState {
    if (!NAME_RE.test(name)) throw new DemoAppInputError(`version name must be a DNS label, got ${name}`);
    const checked = parseVersionPatch(patch);
    let v = versions.get(name);
    const labelsBefore = v ? `${v.service}|${v.workload}|${v.namespace}` : undefined;
    if (!v) {
      v = {
        name,
        ...defaults(name, checked.namespace ?? namespace),
        requests: 0,
        errors: 0,
        generated: 0,
        errorAcc: 0,
        credit: 0,
        inFlight: 0,
      };
      versions.set(name, v);
    }
    Object.assign(v, checked);
    if (labelsBefore !== `${v.service}|${v.workload}|${v.namespace}`) initSeries(v);
    return snapshot(v);
  }

  function removeVersion(name: string): boolean {
    if (!versions.delete(name)) return false;
    dropSeries(name);
    return true;
  }

  for (const [name, patch] of Object.entries(options.versions ?? { stable: {}, canary: {} })) {
    setVersion(name, patch);
  }

  function renderMetrics(): string {
    return [requestsTotal, requestDuration, istioRequests, istioDuration, ...gauges]
      .map((m) => m.render())
      .join('');
  }

  function record(v: Version, code: number, source: string, seconds: number): void {
    v.requests += 1;
    if (code >= 500) v.errors += 1;
    requestsTotal.inc(httpLabels(v, code));
    requestDuration.observe(httpLabels(v, code), seconds);
    for (const reporter of ['source', 'destination']) {
      istioRequests.inc(istioLabels(v, reporter, source, code));
      istioDuration.observe(istioLabels(v, reporter, source, code), seconds * 1000);
    }
  }

  /** Deterministic: over any n consecutive requests, errors = n × rate ± 1. */
  function nextIsError(v: Version): boolean {
    v.errorAcc += Math.round(v.errorRate * PPM);
    if (v.errorAcc >= PPM) {
      v.errorAcc -= PPM;
      return true;
    }
    return false;
  }

  function send(res: http.ServerResponse, code: number, body: unknown): void {
    const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
    res.writeHead(code, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    });
    res.end(text);
  }

  async function readJson(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_BODY_BYTES) throw new DemoAppInputError('body too large');
      chunks.push(buf);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new DemoAppInputError('body is not valid JSON');
    }
  }

  async function serveApp(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const start = performance.now();
    const header = req.headers['x-demo-version'];
    const selector = url.searchParams.get('version') ?? (typeof header === 'string' ? header : undefined);
    const v = selector === undefined ? versions.values().next().value : versions.get(selector);
    if (!v) {
      send(res, 404, { error: `no version ${selector ?? '(none defined)'}` });
      return;
    }
    const source = req.headers['x-demo-source'] === 'traffic-generator' ? GENERATOR_SOURCE : 'unknown';
    const code = nextIsError(v) ? 500 : 200;
    if (v.latencyMs > 0) await sleep(v.latencyMs, undefined, { signal: closing.signal });
    record(v, code, source, (performance.now() - start) / 1000);
    res.setHeader('x-demo-version', v.name);
    send(res, code, { name: v.name, version: v.appVersion, ok: code < 500 });
  }

  type Reply = [code: number, body: unknown];

  async function control(req: http.IncomingMessage, path: string): Promise<Reply> {
    if (path === '/control/versions' || path === '/control/versions/') {
      return req.method === 'GET' ? [200, [...versions.values()].map(snapshot)] : [405, { error: 'use GET' }];
    }
    const name = decodeURIComponent(path.slice('/control/versions/'.length));
    const missing: Reply = [404, { error: `no version ${name}` }];
    switch (req.method) {
      case 'GET': {
        const v = versions.get(name);
        return v ? [200, snapshot(v)] : missing;
      }
      case 'PUT':
      case 'PATCH': {
        const existed = versions.has(name);
        const state = setVersion(name, parseVersionPatch(await readJson(req)));
        return [existed ? 200 : 201, state];
      }
      case 'DELETE':
        return removeVersion(name) ? [204, ''] : missing;
      default:
        return [405, { error: 'use GET, PUT, PATCH or DELETE' }];
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    try {
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
        res.end(renderMetrics());
      } else if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        await serveApp(req, res, url);
      } else if (path === '/') {
        send(res, 405, { error: 'use GET' });
      } else if (path === '/healthz') {
        send(res, 200, 'ok\n');
      } else if (path.startsWith('/control/versions')) {
        send(res, ...(await control(req, path)));
      } else {
        send(res, 404, { error: `no route ${path}` });
      }
    } catch (e) {
      if (closing.signal.aborted) res.destroy();
      else if (e instanceof DemoAppInputError) send(res, 400, { error: e.message });
      else send(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // The traffic generator: real HTTP requests to our own loopback port, per version at its rate.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let totalGenerated = 0;
  let stoppedReason: string | undefined;
  let last = performance.now();

  function fire(v: Version): void {
    v.inFlight += 1;
    v.generated += 1;
    totalGenerated += 1;
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/?version=${encodeURIComponent(v.name)}`,
        agent,
        headers: { 'x-demo-source': 'traffic-generator' },
      },
      (res) => {
        res.on('error', () => undefined);
        res.resume();
      },
    );
    req.on('error', () => undefined);
    // 'close' comes once per request, answered or not.
    req.on('close', () => (v.inFlight -= 1));
  }

  const ticker = setInterval(() => {
    const now = performance.now();
    const dt = (now - last) / 1000;
    last = now;
    if (totalGenerated >= limits.maxRequests) stoppedReason = `sent ${limits.maxRequests} requests`;
    else if (now - startedAt >= limits.maxDurationMs) stoppedReason = `ran ${limits.maxDurationMs} ms`;
    if (stoppedReason !== undefined) {
      clearInterval(ticker);
      process.emitWarning(`demo-app traffic generator stopped: ${stoppedReason}`);
      return;
    }
    for (const v of versions.values()) {
      if (v.rps <= 0) {
        v.credit = 0;
        continue;
      }
      // Owed requests; a stall (e.g. a busy event loop) is not made up in one burst beyond 0.5 s.
      v.credit = Math.min(v.credit + v.rps * dt, Math.max(1, v.rps * 0.5));
      while (v.credit >= 1 && totalGenerated < limits.maxRequests) {
        v.credit -= 1;
        if (v.inFlight < limits.maxInFlightPerVersion) fire(v);
      }
    }
  }, TICK_MS);
  ticker.unref();

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target: `127.0.0.1:${port}`,
    setVersion,
    getVersion: (name) => {
      const v = versions.get(name);
      return v && snapshot(v);
    },
    listVersions: () => [...versions.values()].map(snapshot),
    removeVersion,
    get trafficStoppedReason() {
      return stoppedReason;
    },
    close() {
      closed ??= (async () => {
        clearInterval(ticker);
        closing.abort();
        agent.destroy();
        server.closeAllConnections();
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
      })();
      return closed;
    },
  };
}

/** Talks to a demo app's control API over HTTP (e.g. one started by main.ts in another process). */
export interface DemoAppControl {
  setVersion(name: string, patch: VersionPatch): Promise<VersionState>;
  getVersion(name: string): Promise<VersionState | undefined>;
  listVersions(): Promise<VersionState[]>;
  removeVersion(name: string): Promise<boolean>;
}

export function demoAppControl(baseUrl: string): DemoAppControl {
  const base = baseUrl.replace(/\/+$/, '');
  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (res.status >= 400 && res.status !== 404) {
      throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    }
    return res;
  }
  const one = (name: string) => `/control/versions/${encodeURIComponent(name)}`;
  return {
    async setVersion(name, patch) {
      return (await (await call('PUT', one(name), patch)).json()) as VersionState;
    },
    async getVersion(name) {
      const res = await call('GET', one(name));
      return res.status === 404 ? undefined : ((await res.json()) as VersionState);
    },
    async listVersions() {
      return (await (await call('GET', '/control/versions')).json()) as VersionState[];
    },
    async removeVersion(name) {
      const res = await call('DELETE', one(name));
      await res.arrayBuffer();
      return res.status === 204;
    },
  };
}
