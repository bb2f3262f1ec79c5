/**
 * Which Kubernetes API failures are worth retrying, and how long to wait before the next attempt.
 * Pure: the caller supplies the error, the attempt number and a random number in [0, 1).
 */
import { httpStatus, isTooLarge, networkCause, statusBody } from './api-errors.ts';

export interface RetryVerdict {
  transient: boolean;
  /** The server's Retry-After, when it sent one (429, 503). */
  retryAfterMs?: number | undefined;
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
/** Network failures that a running or restarting API server produces. */
const TRANSIENT_NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CLOSED|ERR_REQUEST_TIMEOUT)$/;
/** etcd leader changes and an API server that is starting or draining. */
const TRANSIENT_MESSAGE =
  /etcdserver: (request timed out|leader changed|no leader|too many requests)|the server is currently unable to handle the request|the server has received too many requests|Too many requests|connection refused|http2: client connection lost|timeout awaiting response headers/i;

function retryAfter(headers: unknown): number | undefined {
  const value = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  const seconds = Number(typeof value === 'string' ? value : NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function classifyApiError(e: unknown): RetryVerdict {
  // Too large is too large on every attempt (etcd says so with a 500).
  if (isTooLarge(e)) return { transient: false };
  const status = httpStatus(e);
  if (status !== undefined) {
    const body = statusBody((e as { body?: unknown }).body);
    const text = `${body?.reason ?? ''} ${body?.message ?? ''}`;
    if (TRANSIENT_STATUS.has(status) || TRANSIENT_MESSAGE.test(text)) {
      return { transient: true, retryAfterMs: retryAfter((e as { headers?: unknown }).headers) };
    }
    return { transient: false };
  }
  const cause = networkCause(e);
  if (cause?.code !== undefined && TRANSIENT_NETWORK.test(cause.code)) return { transient: true };
  const message = e instanceof Error ? e.message : '';
  return { transient: TRANSIENT_MESSAGE.test(message) };
}

export const BACKOFF_BASE_MS = 200;
export const BACKOFF_CAP_MS = 5000;

/**
 * The wait before attempt `attempt + 1` (attempt 0 failed first): exponential from 200 ms, capped at
 * 5 s, with "equal jitter" (half fixed, half random) so that several drivers do not retry in step.
 * A Retry-After from the server is honoured, within the cap.
 */
export function backoffMs(attempt: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
  const jittered = ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1);
  if (retryAfterMs !== undefined) return Math.min(BACKOFF_CAP_MS, Math.max(retryAfterMs, jittered));
  return Math.round(jittered);
}

/**
 * Whether to try again: only a transient failure, and only while the next attempt would still
 * start within the budget (counted from the first attempt).
 */
export function nextRetry(
  e: unknown,
  attempt: number,
  elapsedMs: number,
  budgetMs: number,
  random: number,
): number | undefined {
  const verdict = classifyApiError(e);
  if (!verdict.transient) return undefined;
  const wait = backoffMs(attempt, random, verdict.retryAfterMs);
  return elapsedMs + wait <= budgetMs ? wait : undefined;
}
