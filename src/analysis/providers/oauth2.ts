/**
 * OAuth2 client-credentials grant (RFC 6749 §4.4), as Argo's `authentication.oauth2` uses it via Go's
 * golang.org/x/oauth2/clientcredentials: POST `grant_type=client_credentials` (and `scope`) to the
 * token URL, client authenticated with HTTP Basic first and, if the server refuses that, with
 * `client_id`/`client_secret` in the body. Tokens are cached per client until 10 s before they expire;
 * concurrent measurements share one fetch.
 */

import { createHash } from 'node:crypto';
import type { FieldReader } from './fields.ts';
import { basicAuth, excerpt, httpRequest, type HttpResponse } from './http.ts';
import { ProviderError } from './types.ts';

export interface OAuth2Config {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
}

export interface TokenRequestOptions {
  signal: AbortSignal;
  now: Date;
  timeoutMs: number;
  insecure?: boolean;
  /** The `allow-metadata-addresses` input. */
  allowMetadataAddresses?: boolean | undefined;
}

interface Cached {
  token: string;
  /** Epoch ms; undefined = no expiry given. */
  expiresAt: number | undefined;
}

/** Go's oauth2 treats a token as expired this long before its expiry. */
const EXPIRY_DELTA_MS = 10_000;

export class OAuth2TokenCache {
  private readonly tokens = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Cached>>();
  /** Which client authentication each token URL accepted: in the header or in the body. */
  private readonly styles = new Map<string, 'header' | 'body'>();
  /** Token fetches made (for tests). */
  fetches = 0;

  /**
   * The bearer token an `authentication.oauth2` block asks for, or undefined when the block has no
   * token URL. `provider` names the provider in the error for a block without client credentials.
   */
  async bearerFor(
    oauth: FieldReader | undefined,
    provider: string,
    opts: TokenRequestOptions,
  ): Promise<string | undefined> {
    const tokenUrl = oauth?.str('tokenUrl');
    if (oauth === undefined || tokenUrl === undefined || tokenUrl === '') return undefined;
    const clientId = oauth.str('clientId') ?? '';
    const clientSecret = oauth.str('clientSecret') ?? '';
    if (clientId === '' || clientSecret === '') {
      throw new ProviderError(`${provider}.authentication.oauth2 needs clientId and clientSecret`);
    }
    return this.token({ tokenUrl, clientId, clientSecret, scopes: oauth.strings('scopes') ?? [] }, opts);
  }

  /** A valid access token for the client; fetches one when none is cached or it is about to expire. */
  async token(cfg: OAuth2Config, opts: TokenRequestOptions): Promise<string> {
    const key = createHash('sha256')
      .update(JSON.stringify([cfg.tokenUrl, cfg.clientId, cfg.clientSecret, [...cfg.scopes]]))
      .digest('hex');
    const cached = this.tokens.get(key);
    if (
      cached &&
      (cached.expiresAt === undefined || opts.now.getTime() < cached.expiresAt - EXPIRY_DELTA_MS)
    ) {
      return cached.token;
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchToken(cfg, opts).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const fresh = await pending;
    this.tokens.set(key, fresh);
    return fresh.token;
  }

  private async fetchToken(cfg: OAuth2Config, opts: TokenRequestOptions): Promise<Cached> {
    let url: URL;
    try {
      url = new URL(cfg.tokenUrl);
    } catch {
      throw new ProviderError(`oauth2: tokenUrl ${JSON.stringify(cfg.tokenUrl)} is not a URL`);
    }
    this.fetches++;
    const known = this.styles.get(cfg.tokenUrl);
    const order: ('header' | 'body')[] = known ? [known] : ['header', 'body'];
    let last: ProviderError | undefined;
    for (const style of order) {
      const res = await this.post(url, cfg, style, opts);
      if (res.status >= 200 && res.status < 300) {
        this.styles.set(cfg.tokenUrl, style);
        return parseTokenResponse(res, opts.now);
      }
      last = new ProviderError(
        `oauth2: cannot fetch token from ${url.origin}${url.pathname}: HTTP ${res.status}: ${excerpt(res.text)}`,
      );
    }
    throw last ?? new ProviderError('oauth2: cannot fetch token');
  }

  private async post(
    url: URL,
    cfg: OAuth2Config,
    style: 'header' | 'body',
    opts: TokenRequestOptions,
  ): Promise<HttpResponse> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (cfg.scopes.length > 0) form.set('scope', cfg.scopes.join(' '));
    const headers: [string, string][] = [
      ['content-type', 'application/x-www-form-urlencoded'],
      ['accept', 'application/json'],
    ];
    if (style === 'header') {
      // RFC 6749 §2.3.1: both parts form-urlencoded before the Basic encoding.
      headers.push(['authorization', basicAuth(formEncode(cfg.clientId), formEncode(cfg.clientSecret))]);
    } else {
      form.set('client_id', cfg.clientId);
      form.set('client_secret', cfg.clientSecret);
    }
    return await httpRequest({
      method: 'POST',
      url,
      headers,
      body: form.toString(),
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      allowMetadataAddresses: opts.allowMetadataAddresses,
      ...(opts.insecure === undefined ? {} : { insecure: opts.insecure }),
    });
  }
}

function formEncode(s: string): string {
  return new URLSearchParams({ x: s }).toString().slice(2);
}

function parseTokenResponse(res: HttpResponse, now: Date): Cached {
  const type = res.headers.get('content-type') ?? '';
  let token: unknown;
  let expiresIn: unknown;
  let error: unknown;
  if (/application\/x-www-form-urlencoded|text\/plain/.test(type)) {
    const form = new URLSearchParams(res.text);
    token = form.get('access_token') ?? undefined;
    expiresIn = form.get('expires_in') ?? undefined;
    error = form.get('error') ?? undefined;
  } else {
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new ProviderError(`oauth2: cannot parse token response: ${excerpt(res.text, 200)}`);
    }
    if (typeof body === 'object' && body !== null) {
      const b = body as Record<string, unknown>;
      token = b['access_token'];
      expiresIn = b['expires_in'];
      error = b['error'];
    }
  }
  if (typeof error === 'string' && error !== '') throw new ProviderError(`oauth2: token endpoint: ${error}`);
  if (typeof token !== 'string' || token === '') {
    throw new ProviderError('oauth2: server response missing access_token');
  }
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  const expiresAt =
    typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
      ? now.getTime() + seconds * 1000
      : undefined;
  return { token, expiresAt };
}
