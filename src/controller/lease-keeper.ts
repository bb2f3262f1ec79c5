import type { Logger } from '../util/logger.ts';
import { LeaseLostError, type Clock, type ClusterPort } from './ports.ts';

/** A driver renews its lease at least this often; a dead driver's lease lapses after LEASE_SECONDS. */
export const LEASE_SECONDS = 15;
export const RENEW_EVERY_MS = 5000;

const jobOf = (id: string): string => id.split('#')[0] ?? id;
const attemptOf = (id: string): string => (id.split('#')[1] ?? '').split('@')[0] ?? '';

/** Whether an earlier attempt of this same job holds the lease: that attempt is gone. */
export function sameJob(identity: string, holder: string): boolean {
  return jobOf(identity) === jobOf(holder) && !matrixSibling(identity, holder);
}

/**
 * Whether the holder is another process of the same run, job and attempt: a leg of the same matrix
 * (GitHub gives every leg the same run id, job id and attempt), alive, not an earlier attempt.
 */
export function matrixSibling(identity: string, holder: string): boolean {
  return (
    identity !== holder &&
    jobOf(identity) === jobOf(holder) &&
    attemptOf(identity) === attemptOf(holder) &&
    identity.includes('@') &&
    holder.includes('@')
  );
}

/**
 * Renews the driver's lease on its own timer, every RENEW_EVERY_MS whatever a tick is doing; the
 * moment a renewal finds another holder, `signal` aborts and the driver stops acting.
 */
export class LeaseKeeper {
  private readonly controller = new AbortController();
  private readonly stopTimer: () => void;
  private busy = false;
  lostTo: string | undefined;
  readonly epoch: string | undefined;

  private readonly cluster: ClusterPort;
  private readonly log: Logger;
  private readonly lease: { namespace: string; name: string; identity: string };

  constructor(
    cluster: ClusterPort,
    log: Logger,
    lease: { namespace: string; name: string; identity: string },
    clock: Clock,
  ) {
    this.cluster = cluster;
    this.log = log;
    this.lease = lease;
    this.epoch = cluster.leaseEpoch?.();
    this.stopTimer = clock.every(RENEW_EVERY_MS, () => {
      void this.renew();
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Throws LeaseLostError once the lease is gone. */
  check(): void {
    if (this.lostTo !== undefined) throw new LeaseLostError(this.lostTo);
  }

  lose(holder: string): void {
    this.lostTo ??= holder;
    this.controller.abort();
  }

  async renew(): Promise<void> {
    if (this.busy || this.lostTo !== undefined) return;
    this.busy = true;
    try {
      const { namespace, name, identity } = this.lease;
      const other = await this.cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, () => false);
      if (other !== undefined) this.lose(other.holder);
    } catch (e) {
      // The API server is away (each request already retried): writes stay fenced meanwhile.
      this.log.info(`renewing the lease failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.stopTimer();
  }
}
