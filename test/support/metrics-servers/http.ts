// Shared plumbing for the local vendor API servers: a node:http server on 127.0.0.1 that records
// every request, can hold answers back (to test timeouts) and closes without waiting for clients.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (first value of each). */
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RecordingServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Holds every answer back this long (0 = answer at once). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

/** Starts a server whose handler maps each recorded request to a reply (or throws → 500). */
export async function startRecordingServer(
  handler: (req: RecordedRequest, signal: AbortSignal) => Reply | Promise<Reply>,
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let delayMs = 0;

  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > MAX_BODY) {
          res.writeHead(413).end();
          return;
        }
        chunks.push(buf);
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(recorded);
      let reply: Reply;
      try {
        if (delayMs > 0) await sleep(delayMs, undefined, { signal: closing.signal });
        reply = await handler(recorded, closing.signal);
      } catch (e) {
        if (closing.signal.aborted) {
          res.destroy();
          return;
        }
        reply = json(500, { errors: [e instanceof Error ? e.message : String(e)] });
      }
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        ...reply.headers,
      });
      res.end(text);
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setDelay(ms) {
      delayMs = ms;
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        server.closeAllConnections();
        await new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        );
      })();
      return closed;
    },
  };
}
