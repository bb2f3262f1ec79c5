// Runs a real Prometheus (Debian's /usr/bin/prometheus) for a test: a config and a TSDB in a temp dir,
// one listener on 127.0.0.1:<free port>, ready when /-/ready says so. close() stops it and removes the
// temp dir. A process-exit hook and a watchdog (which kills Prometheus when this process dies, even by
// SIGKILL) make sure nothing is left behind when a test fails or forgets to close.
//
// Install the binary with scripts/services/install-prometheus.sh.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const PROMETHEUS_BIN = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';

export interface StartPrometheusOptions {
  /** Scrape targets on loopback: `127.0.0.1:PORT` (path /metrics) or `http://127.0.0.1:PORT/path`. */
  targets: readonly string[];
  /** Scrape (and rule evaluation) interval; default 1. The scrape timeout equals it. */
  scrapeIntervalSeconds?: number;
  /** Job label of the scrape config (default `demo`). */
  jobName?: string;
  /** How long to wait for /-/ready (default 30 s). */
  readyTimeoutMs?: number;
}

/** One sample of an instant vector. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One series of a range vector. */
export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export type PromQueryResult =
  | { resultType: 'vector'; result: PromSample[] }
  | { resultType: 'matrix'; result: PromSeries[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };

export interface RangeQueryOptions {
  /** Start of the range (Date or Unix seconds). */
  start: Date | number;
  /** End of the range (Date or Unix seconds); default now. */
  end?: Date | number;
  /** Resolution step in seconds; default the scrape interval. */
  stepSeconds?: number;
}

export interface WaitForValueOptions {
  /** Give up after this long (default 20 s); the error names the last value seen. */
  timeoutMs?: number;
  /** Pause between polls (default 250 ms). */
  intervalMs?: number;
}

export interface PrometheusHandle {
  /** `http://127.0.0.1:PORT`, what an AnalysisTemplate's `prometheus.address` would be. */
  readonly url: string;
  readonly port: number;
  /** Wall time from spawn to /-/ready answering 200, in milliseconds. */
  readonly startupMs: number;
  readonly dataDir: string;
  /** Instant query (`/api/v1/query`); throws on an API error (bad PromQL, ...). */
  query(q: string, time?: Date | number): Promise<PromQueryResult>;
  /** Range query (`/api/v1/query_range`); returns the matrix. */
  queryRange(q: string, options: RangeQueryOptions): Promise<PromSeries[]>;
  /** The value of an instant query that yields one sample or a scalar; undefined for an empty
   *  vector; throws when it yields more than one series. NaN and ±Inf come back as numbers. */
  queryValue(q: string, time?: Date | number): Promise<number | undefined>;
  /** Polls queryValue until `accept` returns true and returns that value; rejects on timeout. */
  waitForValue(q: string, accept: (value: number) => boolean, options?: WaitForValueOptions): Promise<number>;
  /** Waits until every configured target has been scraped successfully (`up == 1`); returns the
   *  milliseconds since spawn. Expect about 6 s: Prometheus hands new targets to its scrapers on a fixed
   *  5 s tick, whatever the scrape interval. */
  waitForTargetsUp(options?: WaitForValueOptions): Promise<number>;
  /** The last lines Prometheus wrote to stderr (for diagnostics). */
  logs(): string;
  /** Stops Prometheus (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

interface Live {
  child: ChildProcess;
  watchdog: ChildProcess | undefined;
  dir: string;
}
const live = new Set<Live>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const l of live) {
      try {
        l.watchdog?.kill('SIGKILL');
        l.child.kill('SIGKILL');
      } catch {
        // already gone
      }
      rmSync(l.dir, { recursive: true, force: true });
    }
  });
}

/** Splits targets into scrape jobs by scheme and metrics path; accepts loopback only. */
export function scrapeConfigYaml(
  targets: readonly string[],
  scrapeIntervalSeconds: number,
  jobName = 'demo',
): string {
  if (targets.length === 0) throw new Error('startPrometheus: give at least one target');
  if (!(scrapeIntervalSeconds > 0) || scrapeIntervalSeconds > 3600) {
    throw new Error(
      `startPrometheus: scrapeIntervalSeconds must be in (0, 3600], got ${scrapeIntervalSeconds}`,
    );
  }
  const groups = new Map<string, { scheme: string; path: string; hosts: string[] }>();
  for (const t of targets) {
    const u = new URL(/^[a-z]+:\/\//i.test(t) ? t : `http://${t}`);
    if (u.protocol !== 'http:') throw new Error(`startPrometheus: only http targets, got ${t}`);
    if (!LOOPBACK.has(u.hostname)) throw new Error(`startPrometheus: only loopback targets, got ${t}`);
    if (u.port === '') throw new Error(`startPrometheus: target needs a port, got ${t}`);
    const metricsPath = u.pathname === '/' ? '/metrics' : u.pathname;
    const key = `${u.protocol}${metricsPath}`;
    const g = groups.get(key) ?? { scheme: 'http', path: metricsPath, hosts: [] };
    g.hosts.push(u.host);
    groups.set(key, g);
  }
  const every = `${Math.round(scrapeIntervalSeconds * 1000)}ms`;
  const lines = [
    'global:',
    `  scrape_interval: ${every}`,
    `  scrape_timeout: ${every}`,
    `  evaluation_interval: ${every}`,
    'scrape_configs:',
  ];
  let i = 0;
  for (const g of groups.values()) {
    lines.push(
      `  - job_name: ${JSON.stringify(i === 0 ? jobName : `${jobName}-${i}`)}`,
      `    scheme: ${g.scheme}`,
      `    metrics_path: ${JSON.stringify(g.path)}`,
      '    static_configs:',
      `      - targets: [${g.hosts.map((h) => JSON.stringify(h)).join(', ')}]`,
    );
    i++;
  }
  return `${lines.join('\n')}\n`;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function unixSeconds(t: Date | number): string {
  return String(t instanceof Date ? t.getTime() / 1000 : t);
}

function parseValue(raw: string): number {
  // Prometheus writes NaN, +Inf and -Inf as such; Number() reads "+Inf" as NaN.
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
}

interface ApiResponse {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusHandle> {
  const interval = options.scrapeIntervalSeconds ?? 1;
  const config = scrapeConfigYaml(options.targets, interval, options.jobName);
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(`${PROMETHEUS_BIN} is missing: run scripts/services/install-prometheus.sh`);
  }
  installExitHook();

  // The port may be taken between freePort() and the bind; then Prometheus exits and we try again.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(config, interval, options.targets.length, options.readyTimeoutMs ?? 30_000);
    } catch (e) {
      lastError = e;
      if (!(e instanceof Error && /address already in use/.test(e.message))) throw e;
    }
  }
  throw lastError;
}

async function startOnce(
  config: string,
  interval: number,
  targetCount: number,
  readyTimeoutMs: number,
): Promise<PrometheusHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollout-pilot-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  const dataDir = path.join(dir, 'data');
  writeFileSync(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const started = performance.now();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  const entry: Live = { child, watchdog: undefined, dir };
  live.add(entry);

  // Keep the last lines of the log for error messages.
  const logLines: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    logLines.push(...chunk.split('\n').filter((l) => l.length > 0));
    if (logLines.length > 200) logLines.splice(0, logLines.length - 200);
  });
  const logs = () => logLines.join('\n');

  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (e) => {
      exitInfo = e.message;
      resolve();
    });
  });

  // Watchdog: a shell that blocks reading a pipe from us. When this process dies (however), the pipe
  // closes, the read returns, and the shell kills Prometheus and removes the temp dir.
  if (child.pid !== undefined) {
    const watchdog = spawn(
      '/bin/sh',
      [
        '-c',
        'read -r _ || true; kill -KILL "$1" 2>/dev/null; sleep 0.2; rm -rf -- "$2"',
        'prometheus-watchdog',
        String(child.pid),
        dir,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
    );
    watchdog.on('error', () => undefined);
    watchdog.unref();
    if (watchdog.stdin instanceof net.Socket) watchdog.stdin.unref();
    entry.watchdog = watchdog;
  }
  // A forgotten close() must not keep the test process alive; the exit hook cleans up then.
  child.unref();
  if (child.stderr instanceof net.Socket) child.stderr.unref();

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      // Watchdog first, so it can never kill a recycled pid later.
      entry.watchdog?.kill('SIGKILL');
      if (exitInfo === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      live.delete(entry);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return closing;
  }

  // Wait for /-/ready, or for Prometheus to give up.
  const deadline = started + readyTimeoutMs;
  for (;;) {
    if (exitInfo !== undefined) {
      await close();
      throw new Error(`prometheus exited (${exitInfo}) before it was ready:\n${logs()}`);
    }
    if (performance.now() > deadline) {
      await close();
      throw new Error(`prometheus not ready after ${readyTimeoutMs} ms:\n${logs()}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  const startupMs = performance.now() - started;

  async function api(pathAndQuery: string, params: Record<string, string>): Promise<unknown> {
    const res = await fetch(`${url}${pathAndQuery}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let body: ApiResponse;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      throw new Error(`prometheus ${pathAndQuery}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
    if (body.status !== 'success') {
      throw new Error(
        `prometheus ${pathAndQuery} ${JSON.stringify(params)}: ${body.errorType ?? 'error'}: ${body.error ?? text}`,
      );
    }
    return body.data;
  }

  async function query(q: string, time?: Date | number): Promise<PromQueryResult> {
    return (await api('/api/v1/query', {
      query: q,
      ...(time === undefined ? {} : { time: unixSeconds(time) }),
    })) as PromQueryResult;
  }

  async function queryRange(q: string, o: RangeQueryOptions): Promise<PromSeries[]> {
    const data = (await api('/api/v1/query_range', {
      query: q,
      start: unixSeconds(o.start),
      end: unixSeconds(o.end ?? new Date()),
      step: String(o.stepSeconds ?? interval),
    })) as PromQueryResult;
    if (data.resultType !== 'matrix') throw new Error(`query_range gave ${data.resultType}`);
    return data.result;
  }

  async function queryValue(q: string, time?: Date | number): Promise<number | undefined> {
    const r = await query(q, time);
    switch (r.resultType) {
      case 'scalar':
        return parseValue(r.result[1]);
      case 'vector': {
        if (r.result.length > 1) {
          throw new Error(`${q} gave ${r.result.length} series, expected at most one`);
        }
        const first = r.result[0];
        return first === undefined ? undefined : parseValue(first.value[1]);
      }
      default:
        throw new Error(`${q} gave a ${r.resultType}, expected a vector or scalar`);
    }
  }

  async function waitForValue(
    q: string,
    accept: (value: number) => boolean,
    o: WaitForValueOptions = {},
  ): Promise<number> {
    const timeoutMs = o.timeoutMs ?? 20_000;
    const until = performance.now() + timeoutMs;
    for (;;) {
      const v = await queryValue(q);
      if (v !== undefined && accept(v)) return v;
      const last = v === undefined ? 'an empty result' : String(v);
      if (performance.now() + (o.intervalMs ?? 250) > until) {
        throw new Error(`waited ${timeoutMs} ms for ${q}; last value: ${last}`);
      }
      await sleep(o.intervalMs ?? 250);
    }
  }

  async function waitForTargetsUp(o: WaitForValueOptions = {}): Promise<number> {
    await waitForValue('count(up == 1)', (n) => n >= targetCount, o);
    return performance.now() - started;
  }

  return {
    url,
    port,
    startupMs,
    dataDir,
    query,
    queryRange,
    queryValue,
    waitForValue,
    waitForTargetsUp,
    logs,
    close,
  };
}
