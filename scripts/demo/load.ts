// The demo's load generator: steady requests at a fixed rate through the proxy on loopback, for one
// Host, recording who answered each and with what status. Bounded: at most `rate` requests a
// second, at most `maxInFlight` at once, each ended after `timeoutMs`, and it stops by itself after
// `maxSeconds` even if nobody calls stop().
import { Agent, request } from 'node:http';
import type { Sample } from './shares.ts';

export interface LoadOptions {
  /** The proxy, `http://127.0.0.1:PORT`; anything but loopback is refused. */
  readonly proxy: string;
  readonly host: string;
  readonly rate: number;
  readonly maxSeconds: number;
  /** Turns the pod name an answer carries into its revision. */
  readonly revisionOf: (pod: string) => string;
  readonly timeoutMs?: number;
  readonly maxInFlight?: number;
}

export interface Load {
  /** performance.now() when the load started: a sample's `t` counts from here. */
  readonly startedAt: number;
  readonly samples: readonly Sample[];
  /** When (ms since the start) requests were not sent because `maxInFlight` were still open. */
  readonly skipped: () => readonly number[];
  /** ms since the load started. */
  readonly now: () => number;
  /** Stops sending and waits for the requests still open. */
  stop(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly pod: string;
}

/** One GET / to `base` with `host` as the Host header: the status (0: no answer) and the answering pod. */
export function ask(agent: Agent, base: string, host: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    // node:http, not fetch: fetch drops the Host header, which is how the proxy picks the route.
    const req = request(`${base}/`, { agent, headers: { host }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let pod = '';
        try {
          pod = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { pod?: string }).pod ?? '';
        } catch {
          // The proxy's own answers (404 before the route exists, 502/503) are plain text.
        }
        resolve({ status: res.statusCode ?? 0, pod });
      });
      res.on('error', () => {
        resolve({ status: 0, pod: '' });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    // A request that got no answer at all counts as status 0.
    req.on('error', () => {
      resolve({ status: 0, pod: '' });
    });
    req.end();
  });
}

export function startLoad(options: LoadOptions): Load {
  const url = new URL(options.proxy);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')
    throw new Error(`the load generator only sends to loopback, not ${options.proxy}`);
  if (!(options.rate > 0 && options.rate <= 1000)) throw new Error(`rate must be in (0, 1000]`);
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxInFlight = options.maxInFlight ?? 32;
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const samples: Sample[] = [];
  const open = new Set<Promise<void>>();
  const startedAt = performance.now();
  const now = (): number => performance.now() - startedAt;
  let sent = 0;
  const skipped: number[] = [];
  let stopped = false;

  const send = (): void => {
    const t = now();
    const p = ask(agent, options.proxy, options.host, timeoutMs).then((a) => {
      samples.push({ t, revision: a.pod === '' ? '' : options.revisionOf(a.pod), status: a.status });
    });
    open.add(p);
    void p.finally(() => open.delete(p));
  };
  // Every 20 ms, as many requests as keep the count at rate × elapsed time.
  const timer = setInterval(() => {
    if (now() > options.maxSeconds * 1000) {
      void stop();
      return;
    }
    const due = Math.floor((now() / 1000) * options.rate);
    while (sent < due) {
      sent += 1;
      if (open.size >= maxInFlight) skipped.push(now());
      else send();
    }
  }, 20);

  async function stop(): Promise<void> {
    if (!stopped) {
      stopped = true;
      clearInterval(timer);
    }
    await Promise.all([...open]);
    agent.destroy();
  }
  return { startedAt, samples, skipped: () => skipped, now, stop };
}
