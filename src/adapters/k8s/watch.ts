import { STATUS_CODES } from 'node:http';
import type { KubeHttp, Query } from './http.ts';

/**
 * A watch over the adapter's own transport (http.ts), as @kubernetes/client-node's `Watch` does it:
 * `watch(path, query, callback, done)` resolves once the API server has answered (or failed) with
 * the AbortController that ends it; every line of the stream is one event, `callback(type,
 * object)`, in order (lines that are not JSON are skipped); `done(err)` is called once, when the
 * stream ends (null), fails, is aborted or has been silent for WATCH_IDLE_TIMEOUT_MS (the error).
 */

/** As the package's Watch: no byte for this long (bookmarks included) ends the watch. */
export const WATCH_IDLE_TIMEOUT_MS = 30_000;

export type WatchCallback = (type: string, object: unknown) => void;

function idle(): Error {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

export class KubeWatch {
  private readonly http: KubeHttp;

  constructor(http: KubeHttp) {
    this.http = http;
  }

  async watch(
    path: string,
    query: Query,
    callback: WatchCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (failure: unknown): void => {
      if (finished) return;
      // Aborted by its owner: the abort is the reason, whatever the socket said after it.
      const err: unknown = controller.signal.aborted ? controller.signal.reason : failure;
      finished = true;
      clearTimeout(timer);
      // A stream that ended has given its connection back; only a failed one is torn down.
      if (err !== null) controller.abort();
      done(err);
    };
    const reset = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        finish(idle());
      }, WATCH_IDLE_TIMEOUT_MS).unref();
    };
    try {
      reset();
      const res = await this.http.open(
        { method: 'GET', path, query: { ...query, watch: 'true' } },
        controller.signal,
      );
      if (res.statusCode !== 200) {
        res.resume();
        const code = res.statusCode ?? 500;
        throw Object.assign(new Error(res.statusMessage ?? STATUS_CODES[code] ?? 'Internal Server Error'), {
          statusCode: code,
        });
      }
      reset();
      res.setEncoding('utf8');
      let pending = '';
      res.on('data', (chunk: string) => {
        reset();
        pending += chunk;
        for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
          const line = pending.slice(0, end);
          pending = pending.slice(end + 1);
          try {
            const event = JSON.parse(line) as { type: string; object: unknown };
            callback(event.type, event.object);
          } catch {
            // not an event: skipped, as the package's Watch skips it
          }
        }
      });
      res.on('error', finish);
      res.on('end', () => {
        finish(null);
      });
      res.on('close', () => {
        finish(null);
      });
    } catch (e) {
      finish(e);
    }
    return controller;
  }
}
