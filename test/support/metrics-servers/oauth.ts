// A local OAuth2 token endpoint (RFC 6749 §4.4 client credentials) on 127.0.0.1: POST /token with
// `grant_type=client_credentials` (form-encoded) and the client authenticated either with HTTP Basic
// or with client_id/client_secret in the body, as the test chooses. Answers
// `{access_token, token_type:"Bearer", expires_in}`; errors as RFC 6749 §5.2 (`{"error": …}`).

import { json, startRecordingServer, type RecordingServer } from './http.ts';

export interface OAuthServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Seconds; default 3600. */
  expiresIn?: number;
  /** Which client authentication the server accepts (default both). */
  accept?: 'basic' | 'body' | 'both';
  /** Scopes that must be asked for (space-separated `scope`), if any. */
  requiredScopes?: string[];
}

export interface OAuthServer extends RecordingServer {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Tokens issued so far, in order. */
  readonly issued: string[];
  /** True when `authorization` carries a token this server issued (and it is the latest one). */
  isValid(authorization: string | undefined): boolean;
}

function formDecode(s: string): string {
  return new URLSearchParams(`x=${s}`).get('x') ?? '';
}

export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<OAuthServer> {
  const clientId = options.clientId ?? 'rollout-pilot';
  const clientSecret = options.clientSecret ?? 'oauth-client-secret-123';
  const accept = options.accept ?? 'both';
  const issued: string[] = [];
  const server = await startRecordingServer((req) => {
    if (req.path !== '/token') return json(404, { error: 'not_found' });
    if (req.method !== 'POST') return json(405, { error: 'invalid_request' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(400, { error: 'invalid_request', error_description: 'form body required' });
    }
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'client_credentials')
      return json(400, { error: 'unsupported_grant_type' });
    let id: string | undefined;
    let secret: string | undefined;
    const auth = req.headers['authorization'];
    if (auth?.startsWith('Basic ') && accept !== 'body') {
      const [u = '', p = ''] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      id = formDecode(u);
      secret = formDecode(p);
    } else if (form.has('client_id') && accept !== 'basic') {
      id = form.get('client_id') ?? undefined;
      secret = form.get('client_secret') ?? undefined;
    }
    if (id !== clientId || secret !== clientSecret) {
      return json(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="token"' });
    }
    const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
    for (const s of options.requiredScopes ?? []) {
      if (!scopes.includes(s))
        return json(400, { error: 'invalid_scope', error_description: `missing ${s}` });
    }
    const token = `access-token-${issued.length + 1}-${Math.random().toString(36).slice(2)}`;
    issued.push(token);
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600 });
  });
  return {
    ...server,
    tokenUrl: `${server.url}/token`,
    clientId,
    clientSecret,
    issued,
    isValid(authorization) {
      const latest = issued.at(-1);
      return latest !== undefined && authorization === `Bearer ${latest}`;
    },
  };
}
