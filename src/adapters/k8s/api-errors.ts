/**
 * Kubernetes API errors as people read them: one line saying what failed, on which object, the HTTP
 * status and the API's reason, and what to do. Pure: it only looks at the error's shape
 * (@kubernetes/client-node v2's ApiException: `code`, `body` as the response text, `headers`; or
 * undici's `TypeError: fetch failed` with a `cause` carrying `code`, `address`, `port`).
 */

/** The call that failed: verb (get, list, create, replace, patch, delete, watch), kind and object. */
export interface ApiCall {
  verb: string;
  kind: string;
  namespace?: string | undefined;
  name?: string | undefined;
}

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; group?: string };
}

/** The API's Status object from an ApiException body (a JSON string, or already parsed). */
export function statusBody(body: unknown): StatusBody | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() === '' ? undefined : { message: body.trim().split('\n')[0] };
    }
  }
  if (value === null || typeof value !== 'object') return undefined;
  const status: StatusBody = value;
  return status;
}

/** The HTTP status of an ApiException-like error, or undefined for a network error. */
export function httpStatus(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

interface NetworkCause {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** The innermost `cause` that carries a system or undici code (ECONNREFUSED, UND_ERR_SOCKET...). */
export function networkCause(e: unknown): NetworkCause | undefined {
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const c = current as NetworkCause & { cause?: unknown };
    if (typeof c.code === 'string') return c;
    current = c.cause;
  }
  return undefined;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

function target(call: ApiCall): string {
  const where = [call.namespace, call.name].filter((s) => s !== undefined && s !== '').join('/');
  return `${call.verb} ${call.kind}${where === '' ? '' : ` ${where}`}`;
}

function plural(kind: string): string {
  const lower = kind.toLowerCase();
  return lower.endsWith('s') ? `${lower}es` : `${lower}s`;
}

function hint(status: number, call: ApiCall, body: StatusBody | undefined): string {
  const message = body?.message ?? '';
  switch (status) {
    case 401:
      return 'the credentials were refused: check the kubeconfig (an expired token or certificate?)';
    case 403: {
      // The API server names the exact verb and resource the identity lacks: say those.
      const lacks = /cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?/.exec(message);
      const verb = lacks?.[1] ?? call.verb;
      const resource =
        lacks?.[2] === undefined ? plural(call.kind) : `${lacks[2]}${lacks[3] ? `.${lacks[3]}` : ''}`;
      return `the identity may not ${verb} ${resource} in ${call.namespace ?? 'the cluster'}: bind it to the Role in docs/rbac.yaml, which grants what rollout-pilot needs`;
    }
    case 404:
      if (body?.details?.kind === 'namespaces' || /namespaces? "[^"]*" not found/.test(message)) {
        return `namespace ${body?.details?.name ?? call.namespace ?? ''} does not exist: create it, or set the namespace input`;
      }
      return `${call.kind} ${call.name ?? ''} does not exist`;
    case 409:
      return 'someone else changed it meanwhile: run again';
    case 413:
      return 'the object is too large for the API server (about 1.5 MB for most objects, 1 MiB for a ConfigMap): make it smaller or split it';
    case 422:
      return 'the API server rejected the object: fix the field it names';
    case 429:
      return 'the API server is rate-limiting requests: retried until the api-retry-budget ran out';
    default:
      return status >= 500
        ? 'the API server failed: retried until the api-retry-budget ran out; check its health'
        : "see the API server's message";
  }
}

const TOO_LARGE =
  /may not be more than \d+ bytes|request is too large|Request entity too large|too long: must have at most/i;

/**
 * Whether the API server refused an object for its size: 413, a ConfigMap over 1 MiB (422 "Too long:
 * may not be more than 1048576 bytes"), or etcd's "request is too large". Looks through `cause`.
 */
export function isTooLarge(e: unknown): boolean {
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const status = httpStatus(current);
    if (status === 413) return true;
    if (status !== undefined) {
      const body = statusBody((current as { body?: unknown }).body);
      if (TOO_LARGE.test(`${body?.reason ?? ''} ${body?.message ?? ''}`)) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** One line for any error from a Kubernetes API call. */
export function describeApiError(e: unknown, call: ApiCall, server?: string): string {
  const status = httpStatus(e);
  if (status !== undefined) {
    const body = statusBody((e as { body?: unknown }).body);
    const reason = body?.reason ?? '';
    const message = (body?.message ?? '').replace(/\s+/g, ' ').slice(0, 300);
    const api = [reason, message].filter((s) => s !== '').join(': ');
    return `${target(call)} failed: HTTP ${status}${api === '' ? '' : ` ${api}`}; ${hint(status, call, body)}`;
  }
  const cause = networkCause(e);
  if (cause !== undefined) {
    const address =
      cause.address !== undefined
        ? `${cause.address}${cause.port === undefined ? '' : `:${cause.port}`}`
        : (cause.hostname ?? server ?? 'the API server');
    const code = cause.code ?? '';
    const what = TLS_CODES.test(code)
      ? `the TLS certificate was refused (${code}${cause.message ? `: ${cause.message}` : ''}): check the kubeconfig's certificate-authority and server name`
      : /ENOTFOUND|EAI_AGAIN/.test(code)
        ? `the host name does not resolve (${code}): check the kubeconfig's server`
        : `${code}${cause.message && !cause.message.includes(code) ? ` (${cause.message})` : ''}: is the API server running and reachable?`;
    return `${target(call)} failed: cannot reach the API server at ${server ?? address}: ${what}`;
  }
  const text = e instanceof Error ? e.message : String(e);
  return `${target(call)} failed: ${text.split('\n')[0] ?? text}`;
}

/** A failed API call, described in one line; `code` keeps the HTTP status for callers. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly code: number | undefined;
  readonly call: ApiCall;
  constructor(cause: unknown, call: ApiCall, server?: string, retried = false) {
    const line = describeApiError(cause, call, server);
    super(
      retried && httpStatus(cause) === undefined
        ? `${line} (gave up after retrying within api-retry-budget)`
        : line,
      {
        cause,
      },
    );
    this.code = httpStatus(cause);
    this.call = call;
  }
}
