import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_API_RETRY_BUDGET_MS } from '../../config/inputs.ts';
import { KubeApiError, type ApiCall } from './api-errors.ts';
import { nextRetry } from './retry-policy.ts';

/**
 * Runs one Kubernetes API request, retrying transient failures (retry-policy.ts) within the budget;
 * a final failure is a KubeApiError that says in one line what failed. For clients outside
 * KubeCluster (the Job provider); KubeCluster's own `call` adds the lease fence.
 */
export async function withRetry<T>(
  call: ApiCall,
  fn: () => Promise<T>,
  budgetMs: number = DEFAULT_API_RETRY_BUDGET_MS,
  signal?: AbortSignal,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const wait = signal?.aborted
        ? undefined
        : nextRetry(e, attempt, Date.now() - started, budgetMs, Math.random());
      if (wait === undefined) throw new KubeApiError(e, call, undefined, attempt > 0);
      await delay(wait, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
    }
  }
}
