/** How the Job provider reads API errors and stops waiting when its measurement is aborted. */
import { ApiException } from '@kubernetes/client-node';

export function statusCode(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own message for a failed call, not the client's dump of body and headers. */
export function apiMessage(e: unknown): string {
  if (e instanceof ApiException) {
    let body: unknown = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    const message = (body as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && message !== '') return message;
    return `HTTP ${e.code}${typeof body === 'string' && body !== '' ? `: ${body}` : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Resolves `p`, or rejects with the signal's reason as soon as `signal` aborts. */
export async function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason;
  const aborted = Promise.withResolvers<never>();
  const onAbort = (): void => {
    aborted.reject(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([p, aborted.promise]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
