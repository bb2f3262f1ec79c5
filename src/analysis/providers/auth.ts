/**
 * How the HTTP providers authenticate, where they do it the same way: Go's basic auth from a URL's
 * `user:pass@`, an OAuth2 bearer token (`authentication.oauth2`), and per-metric credentials (a
 * Secret, through the provider's hook) taking precedence over the action inputs. Every credential
 * used is added to the measurement's secrets, so nothing reports it.
 */
import type { FieldReader } from './fields.ts';
import { basicAuth, setHeader, splitUserinfo } from './http.ts';
import type { OAuth2TokenCache } from './oauth2.ts';
import type { MeasureContext } from './types.ts';

/** `url` without its `user:pass@`, and the basic-auth header Go's client sends for it (if any). */
export function userinfoAuth(url: URL, secrets: Set<string>): { url: URL; headers: [string, string][] } {
  const split = splitUserinfo(url);
  const headers: [string, string][] = [];
  if ('password' in split) {
    secrets.add(split.password);
    headers.push(['authorization', basicAuth(split.username, split.password)]);
  }
  return { url: split.url, headers };
}

/**
 * Sets `authorization: Bearer <token>` in `headers` when the `oauth2` block names a token URL.
 * Returns whether it did.
 */
export async function applyBearerToken(
  tokens: OAuth2TokenCache,
  oauth: FieldReader | undefined,
  provider: string,
  ctx: MeasureContext,
  request: { timeoutMs: number; insecure: boolean },
  secrets: Set<string>,
  headers: [string, string][],
): Promise<boolean> {
  const token = await tokens.bearerFor(oauth, provider, {
    signal: ctx.signal,
    allowMetadataAddresses: ctx.allowMetadataAddresses,
    now: ctx.now,
    timeoutMs: request.timeoutMs,
    insecure: request.insecure,
  });
  if (token === undefined) return false;
  secrets.add(token);
  setHeader(headers, 'authorization', `Bearer ${token}`);
  return true;
}

/** A provider's hook for per-metric credentials (e.g. read from a Kubernetes Secret). */
export type CredentialsHook<C> = (block: Record<string, unknown>) => Promise<C | undefined>;

/**
 * The hook's credentials when it returns complete ones, else `fromInputs()` (the action inputs,
 * which throws when they are missing).
 */
export async function chooseCredentials<C extends object>(
  hook: CredentialsHook<C> | undefined,
  block: Record<string, unknown>,
  complete: (credentials: C) => boolean,
  fromInputs: () => C,
): Promise<C> {
  const fromHook = hook ? await hook(block) : undefined;
  if (fromHook && complete(fromHook)) return fromHook;
  return fromInputs();
}
