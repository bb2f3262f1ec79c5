import http from 'node:http';
import https from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

/**
 * One request to the Kubernetes API: JSON in, JSON out. The kubeconfig supplies the server, the
 * credentials and the TLS material (`applyToHTTPSOptions`, per request, so rotated tokens and
 * exec credentials are picked up); the connections are kept alive and reused, one agent per TLS
 * identity. A status outside 2xx rejects with the package's `ApiException` (`code`, `body` as the
 * response text, `headers`), as its generated clients did, so api-errors.ts and retry-policy.ts read
 * it unchanged; a network failure rejects with Node's error (`code` ECONNREFUSED, ECONNRESET ...).
 */

/** The content types of the PATCH kinds the API server takes. */
export const PATCH = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** A patch call's second argument: which kind of patch the body is. */
export interface PatchOptions {
  contentType: (typeof PATCH)[keyof typeof PATCH];
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** From the server's root, its parts already encoded: `/api/v1/namespaces/x/configmaps/y`. */
  path: string;
  query?: Query | undefined;
  body?: unknown;
  /** Of the body; default `application/json`. */
  contentType?: string | undefined;
}

/**
 * A request that has had no byte of an answer for this long fails as ETIMEDOUT, which the retry
 * policy retries: a stalled API server (SIGSTOP in test/e2e/outage.test.ts) holds a kept-alive
 * connection open, where the generated client's fresh connections failed at undici's 10 s connect
 * timeout. Watches are not bound by it (watch.ts has its own silence timeout).
 */
export const REQUEST_IDLE_TIMEOUT_MS = 15_000;

/** How long static credentials, once read, serve requests before they are read again (rotated files). */
export const STATIC_CREDENTIALS_MS = 10_000;

export function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A path segment (a namespace, a name) as it goes into a URL. */
export const seg = encodeURIComponent;

type Tls = Pick<
  https.AgentOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function sameTls(a: Tls, b: Tls): boolean {
  return TLS_KEYS.every((k) => {
    const x: unknown = a[k];
    const y: unknown = b[k];
    return Buffer.isBuffer(x) && Buffer.isBuffer(y) ? x.equals(y) : x === y;
  });
}

function headerRecord(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function timedOut(): Error {
  return Object.assign(new Error(`no answer from the API server in ${REQUEST_IDLE_TIMEOUT_MS} ms`), {
    code: 'ETIMEDOUT',
  });
}

/** The transport every typed call goes through: one per kubeconfig, shared by the command's drivers. */
export class KubeHttp {
  readonly kubeConfig: KubeConfig;
  /** The keep-alive agent and the TLS material it was made with. */
  private kept: { agent: http.Agent; tls: Tls; secure: boolean } | undefined;
  /** Static credentials as last applied, and when (credentials()). */
  private applied: { opts: https.RequestOptions; at: number } | undefined;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
  }

  /** The answer's JSON (undefined for an empty body); rejects with ApiException outside 2xx. */
  async request<T>(req: KubeRequest): Promise<T> {
    const { secure, options, body } = await this.prepare(req);
    const text = await this.send(secure, options, body);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** The response as it streams in, whatever its status (a watch); `signal` ends the request. */
  async open(req: KubeRequest, signal: AbortSignal): Promise<http.IncomingMessage> {
    const { secure, options, body } = await this.prepare(req);
    return new Promise((resolve, reject) => {
      const out = (secure ? https : http).request({ ...options, signal }, resolve);
      out.on('error', reject);
      out.end(body);
    });
  }

  /** The request's options and body: server, credentials and TLS from the kubeconfig, now. */
  private async prepare(
    req: KubeRequest,
  ): Promise<{ secure: boolean; options: https.RequestOptions; body: string | undefined }> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (server === undefined) throw new Error('No active cluster!');
    const opts = await this.credentials();
    const url = new URL(`${server}${req.path}${queryString(req.query)}`);
    const body =
      req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers: http.OutgoingHttpHeaders = {
      ...(opts.headers as http.OutgoingHttpHeaders | undefined),
      Accept: 'application/json',
      'User-Agent': 'rollout-pilot',
    };
    if (body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: req.method,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: this.agentFor(secure, opts),
      ...(opts.auth === undefined ? {} : { auth: opts.auth }),
    };
    return { secure, options, body };
  }

  /**
   * The kubeconfig's TLS material and headers. Static credentials (certificates and keys as files
   * or data, a fixed token) are reused for STATIC_CREDENTIALS_MS: each application reads the
   * certificate files again and builds an agent nothing uses (a fifth of the CPU of a run of 50
   * Rollouts, measured). An exec plugin or an auth provider is asked every time: it refreshes its
   * own token before it expires.
   */
  private async credentials(): Promise<Readonly<https.RequestOptions>> {
    const user = this.kubeConfig.getCurrentUser();
    const dynamic = user?.exec !== undefined || user?.authProvider !== undefined;
    const now = Date.now();
    const cached = this.applied;
    if (!dynamic && cached !== undefined && now - cached.at < STATIC_CREDENTIALS_MS) {
      return cached.opts;
    }
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    this.applied = dynamic ? undefined : { opts, at: now };
    return opts;
  }

  /**
   * A keep-alive agent for the TLS material the kubeconfig gave, made again only when that changes
   * (an exec plugin's new client certificate). Through a proxy, the kubeconfig's own agent.
   */
  private agentFor(secure: boolean, opts: https.RequestOptions): http.Agent {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl && opts.agent instanceof http.Agent) return opts.agent;
    const tls: Tls = {};
    for (const k of TLS_KEYS) if (opts[k] !== undefined) Object.assign(tls, { [k]: opts[k] });
    const kept = this.kept;
    if (kept !== undefined && kept.secure === secure && sameTls(kept.tls, tls)) return kept.agent;
    const options = { keepAlive: true, keepAliveMsecs: 30_000 };
    const agent = secure ? new https.Agent({ ...options, ...tls }) : new http.Agent(options);
    this.kept = { agent, tls, secure };
    return agent;
  }

  private send(secure: boolean, options: https.RequestOptions, body: string | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(options, (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code <= 299) resolve(text);
          else {
            const message = code === 401 ? 'Unauthorized' : 'Unknown API Status Code!';
            reject(new ApiException(code, message, text, headerRecord(res.headers)));
          }
        });
      });
      req.setTimeout(REQUEST_IDLE_TIMEOUT_MS, () => req.destroy(timedOut()));
      req.on('error', reject);
      req.end(body);
    });
  }
}
