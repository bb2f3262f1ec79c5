import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_API_RETRY_BUDGET_MS } from '../../config/inputs.ts';
import { describeApiError, KubeApiError, type ApiCall } from './api-errors.ts';
import { KubeHttp } from './http.ts';
import { ObjectApi } from './object-api.ts';
import { nextRetry } from './retry-policy.ts';
import { AppsV1, CoordinationV1, CoreV1 } from './typed-api.ts';
import { SeenVersions } from './seen-versions.ts';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export interface CallSpec {
  call: ApiCall;
  /** A driver's write: fenced by its lease. */
  write: boolean;
}
export const read = (kind: string, namespace?: string, name?: string): CallSpec => ({
  call: { verb: 'get', kind, namespace, name },
  write: false,
});
export const listCall = (kind: string, namespace: string): CallSpec => ({
  call: { verb: 'list', kind, namespace },
  write: false,
});
export const write = (verb: string, kind: string, namespace: string, name: string): CallSpec => ({
  call: { verb, kind, namespace, name },
  write: true,
});
export const leaseCall = (verb: string, namespace: string, name: string): CallSpec => ({
  call: { verb, kind: 'Lease', namespace, name },
  write: false,
});

export function statusCode(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  const code = (e as { code?: unknown; statusCode?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** What the wrapper asks its owner: the lease fence before a write, and who hears about retries. */
export interface CallHooks {
  fence: () => Promise<void>;
  onRetry: (what: string, waitMs: number) => void;
  /** Told of every write that succeeded, with what the API server answered (read-your-writes). */
  onWritten?: (call: ApiCall, answer: unknown) => void;
}

/**
 * The API clients of one kubeconfig (typed-api.ts, object-api.ts, over http.ts). Every driver of a
 * run shares one set: they hold nothing per driver but the discovery they keep, and one HTTP agent
 * (keep-alive connections) serves them all.
 */
export class KubeClients {
  readonly core: CoreV1;
  readonly apps: AppsV1;
  readonly coordination: CoordinationV1;
  readonly objects: ObjectApi;
  /** Objects of an API group by group, version and plural (the same client as `objects`). */
  readonly custom: ObjectApi;
  readonly http: KubeHttp;
  readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.http = new KubeHttp(kubeConfig);
    this.core = new CoreV1(this.http);
    this.apps = new AppsV1(this.http);
    this.coordination = new CoordinationV1(this.http);
    this.objects = new ObjectApi(this.http);
    this.custom = this.objects;
  }
}

/** The API clients and the one wrapper every request of the adapter goes through. */
export class KubeApi {
  readonly core: CoreV1;
  readonly apps: AppsV1;
  readonly coordination: CoordinationV1;
  readonly objects: ObjectApi;
  readonly custom: ObjectApi;
  requests = 0;
  /** What this wrapper's lists and writes have seen, so its lists need not be consistent reads. */
  readonly seen = new SeenVersions();
  retryBudgetMs = DEFAULT_API_RETRY_BUDGET_MS;

  readonly kubeConfig: KubeConfig;
  readonly clients: KubeClients;
  private readonly hooks: CallHooks;

  /** A wrapper of its own (its fence, its counters) around shared clients, or clients of its own. */
  constructor(from: KubeConfig | KubeClients, hooks: CallHooks) {
    this.clients = from instanceof KubeClients ? from : new KubeClients(from);
    this.kubeConfig = this.clients.kubeConfig;
    this.hooks = hooks;
    this.core = this.clients.core;
    this.apps = this.clients.apps;
    this.coordination = this.clients.coordination;
    this.objects = this.clients.objects;
    this.custom = this.clients.custom;
  }

  /**
   * Every API request goes through here: transient failures (refused, reset, timeouts, 429, 5xx,
   * etcd leader changes) are retried with backoff within the retry budget; a write by a driver
   * first checks that it still holds the lease (the fence); a final failure becomes one line.
   */
  async call<T>(spec: CallSpec, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (spec.write) await this.hooks.fence();
      this.requests++;
      try {
        const answer = await fn();
        if (spec.write) {
          const version = (answer as { metadata?: { resourceVersion?: string } } | undefined)?.metadata
            ?.resourceVersion;
          this.seen.noteWrite(spec.call.kind, spec.call.namespace, version);
          this.hooks.onWritten?.(spec.call, answer);
        }
        return answer;
      } catch (e) {
        const wait = nextRetry(e, attempt, Date.now() - started, this.retryBudgetMs, Math.random());
        if (wait === undefined) {
          throw new KubeApiError(e, spec.call, this.kubeConfig.getCurrentCluster()?.server, attempt > 0);
        }
        if (attempt === 0 || attempt % 10 === 0) this.hooks.onRetry(describeApiError(e, spec.call), wait);
        await sleep(wait);
      }
    }
  }
}
