import { createServer, type Server } from 'node:http';
import { after, before } from 'node:test';
import type { AddressInfo } from 'node:net';

/** What the pre- and post-promotion metrics answer: true passes, false fails. */
export interface Verdicts {
  pre?: boolean;
  post?: boolean;
}

/**
 * The `web` metric both implementations measure: a tiny HTTP server on 127.0.0.1 (Argo's
 * controller and rollout-pilot both run on this machine). `GET /<key>/<pre|post>` answers
 * `{"ok": true|false}` as the test set it for that scenario run.
 */
export class MetricServer {
  private readonly server: Server;
  private readonly verdicts = new Map<string, Required<Verdicts>>();
  /** Every measurement, `<key>/<which>`, so a test can tell both sides measured. */
  readonly hits: string[] = [];

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<MetricServer> {
    const server = createServer();
    const metrics = new MetricServer(server);
    server.on('request', (req, res) => {
      const [, key = '', which = ''] = (req.url ?? '').split('/');
      const set = metrics.verdicts.get(key);
      const ok = which === 'pre' || which === 'post' ? set?.[which] : undefined;
      metrics.hits.push(`${key}/${which}`);
      if (ok === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return metrics;
  }

  /** The URL a metric of scenario run `key` measures. */
  url(key: string, which: 'pre' | 'post'): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/${key}/${which}`;
  }

  /** Sets what scenario run `key` answers from now on (unset verdicts keep theirs; at first both pass). */
  set(key: string, verdicts: Verdicts): void {
    const now = this.verdicts.get(key) ?? { pre: true, post: true };
    this.verdicts.set(key, { ...now, ...verdicts });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * A MetricServer for one test file: started before its tests and closed after them (then `done`
 * runs, for the file's summary line). The getter returns it inside a test.
 */
export function suiteMetricServer(done: () => void): () => MetricServer {
  let server: MetricServer | undefined;
  before(async () => {
    server = await MetricServer.start();
  });
  after(async () => {
    await server?.close();
    done();
  });
  return () => {
    if (server === undefined) throw new Error('the metric server has not started');
    return server;
  };
}
