import { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
type DispatcherOptions = ReturnType<KubeConfig['createDispatcherOptions']>;

/** Connection pools kept at once: a new one appears only when the credentials change. */
const MAX_POOLS = 4;

/** The dispatcher's options as one string: certificates and keys (Buffers) as base64. */
function keyOf(options: DispatcherOptions): string {
  return JSON.stringify(options, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k];
    return Buffer.isBuffer(raw) ? raw.toString('base64') : v;
  });
}

/**
 * A KubeConfig whose requests share connections. The client (2.x, on undici) builds a new undici
 * Agent for every request and every watch, so each request opened a TLS connection of its own (a
 * handshake on both ends, a TLS context, a socket left open until its keep-alive ran out): with 50
 * drivers that was most of the controller's CPU and memory (docs/benchmarks.md). Here the Agent the
 * client builds for a request is swapped for the one already built from the same options (the same
 * server, CA, client certificate and proxy), so keep-alive connections are reused across requests.
 * Headers (tokens) are still set per request, as the client does.
 */
export class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, Dispatcher>();
  /** The options of the dispatcher the client builds next (set just before it builds it). */
  private nextKey: string | undefined;

  override createDispatcherOptions(
    ...args: Parameters<KubeConfig['createDispatcherOptions']>
  ): DispatcherOptions {
    const options = super.createDispatcherOptions(...args);
    this.nextKey = keyOf(options);
    return options;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const set = context.setDispatcher.bind(context);
    // The client computes the options, builds the Agent and sets it, all in one synchronous run.
    context.setDispatcher = (built: Dispatcher) => {
      const key = this.nextKey;
      this.nextKey = undefined;
      set(key === undefined ? built : this.pooled(key, built));
    };
    try {
      await super.applySecurityAuthentication(context);
    } finally {
      context.setDispatcher = set;
    }
  }

  private pooled(key: string, built: Dispatcher): Dispatcher {
    const found = this.pools.get(key);
    if (found !== undefined) {
      // The built one never connected: nothing to close.
      return found;
    }
    this.pools.set(key, built);
    for (const [old, pool] of this.pools) {
      if (this.pools.size <= MAX_POOLS) break;
      this.pools.delete(old);
      // Requests still on it finish first.
      void pool.close().catch(() => undefined);
    }
    return built;
  }
}
