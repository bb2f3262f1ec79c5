/**
 * `provider.web`, as Argo's metricproviders/webmetric runs it: one HTTP request (`method` GET, POST or
 * PUT; `headers[]`; `body` or `jsonBody`, never with GET; `timeoutSeconds`, default 10; `insecure`;
 * `authentication.oauth2` for a bearer token), then:
 *
 *   - a non-2xx status ⇒ error "received non 2xx response code: N";
 *   - a body that is not JSON ⇒ the raw body as a string, and Argo marks the measurement Successful
 *     without evaluating the conditions (`forcedPhase`);
 *   - otherwise the first value the `jsonPath` (Kubernetes JSONPath, default `{$}`) finds, as JSON.
 *
 * JSONPath support is the subset in ./jsonpath.ts (no filters, no recursive descent, no range).
 */

import { FieldReader } from './fields.ts';
import { applyBearerToken, userinfoAuth } from './auth.ts';
import { credentialValues, guarded, httpRequest, setHeader } from './http.ts';
import { firstResult, parseJsonPath } from './jsonpath.ts';
import { goJson } from './newrelic.ts';
import { OAuth2TokenCache } from './oauth2.ts';
import {
  ProviderError,
  redact,
  withSecrets,
  type MeasureContext,
  type MeasureResult,
  type MetricProvider,
} from './types.ts';

export interface WebProviderOptions {
  tokens?: OAuth2TokenCache;
}

export const WEB_DEFAULT_TIMEOUT_SECONDS = 10;

/** Shapes a 2xx body as Argo does: JSON ⇒ the jsonPath's first value; not JSON ⇒ the text. */
export function shapeWebBody(
  text: string,
  jsonPath: string,
): { value: unknown; display: string; forcedPhase?: 'Successful' } {
  const path = parseJsonPath(jsonPath);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { value: text, display: text, forcedPhase: 'Successful' };
  }
  let found: { value: unknown } | undefined;
  try {
    found = firstResult(path, data);
  } catch (e) {
    throw new ProviderError(`Could not find JSONPath in body: ${(e as Error).message}`);
  }
  if (found === undefined) throw new ProviderError('result of web metric produced no value');
  return { value: found.value, display: goJson(found.value) };
}

export class WebProvider implements MetricProvider {
  readonly kind = 'web';
  private readonly tokens: OAuth2TokenCache;

  constructor(options: WebProviderOptions = {}) {
    this.tokens = options.tokens ?? new OAuth2TokenCache();
  }

  async measure(block: Record<string, unknown>, ctx: MeasureContext): Promise<MeasureResult> {
    const f = new FieldReader(block, 'web');
    const headers = f.headers('headers');
    const oauth = f.obj('authentication')?.obj('oauth2');
    const secrets = withSecrets(ctx.secrets, oauth?.str('clientSecret'), ...credentialValues(headers));
    return await guarded(ctx, secrets, async (sending) => {
      const method = (f.str('method') || 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'POST' && method !== 'PUT') {
        throw new ProviderError(`web.method must be GET, POST or PUT, got ${method}`);
      }
      const rawUrl = f.str('url') ?? '';
      const sent = `${method} ${rawUrl}`;
      sending(sent);
      const request = readWebRequest(f, block, method, rawUrl);
      const { url, headers: send } = userinfoAuth(request.url, secrets);
      for (const [k, v] of headers) {
        const i = send.findIndex(([n]) => n.toLowerCase() === k.toLowerCase());
        if (i >= 0) send.splice(i, 1);
        send.push([k, v]);
      }
      if (request.payload?.json === true) setHeader(send, 'content-type', 'application/json');
      const { timeoutMs, insecure } = request;
      await applyBearerToken(this.tokens, oauth, 'web', ctx, { timeoutMs, insecure }, secrets, send);
      const res = await httpRequest({
        method,
        url,
        headers: send,
        ...(request.payload === undefined ? {} : { body: request.payload.text }),
        timeoutMs,
        signal: ctx.signal,
        allowMetadataAddresses: ctx.allowMetadataAddresses,
        insecure,
      });
      if (res.status < 200 || res.status >= 300) {
        throw new ProviderError(`received non 2xx response code: ${res.status}`);
      }
      const shaped = shapeWebBody(res.text, request.jsonPath);
      return { ...shaped, query: redact(sent, secrets) };
    });
  }
}

/** A web metric's request as the block describes it, checked before anything is sent. */
interface WebRequest {
  url: URL;
  /** `body` as written, or `jsonBody` as JSON (`json`: it sets the content type). */
  payload: { text: string; json: boolean } | undefined;
  jsonPath: string;
  timeoutMs: number;
  insecure: boolean;
}

function readWebRequest(
  f: FieldReader,
  block: Record<string, unknown>,
  method: string,
  rawUrl: string,
): WebRequest {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ProviderError(`web.url ${JSON.stringify(rawUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderError(`web.url must be http or https, got ${url.protocol}`);
  }
  const body = f.str('body') ?? '';
  const jsonBody = block['jsonBody'];
  const hasJsonBody = jsonBody !== undefined && jsonBody !== null;
  if (body !== '' && hasJsonBody) {
    throw new ProviderError('use either Body or JSONBody; both cannot exists for WebMetric payload');
  }
  if ((body !== '' || hasJsonBody) && method === 'GET') {
    throw new ProviderError('Body/JSONBody can only be used with POST or PUT WebMetric Method types');
  }
  const jsonPath = f.str('jsonPath') ?? '';
  parseJsonPath(jsonPath); // reject a bad path before sending anything
  const timeoutSeconds = f.int('timeoutSeconds') ?? 0;
  const timeoutMs = (timeoutSeconds > 0 ? timeoutSeconds : WEB_DEFAULT_TIMEOUT_SECONDS) * 1000;
  const insecure = f.bool('insecure') ?? false;
  const payload =
    body !== ''
      ? { text: body, json: false }
      : hasJsonBody
        ? { text: JSON.stringify(jsonBody), json: true }
        : undefined;
  return { url, payload, jsonPath, timeoutMs, insecure };
}
