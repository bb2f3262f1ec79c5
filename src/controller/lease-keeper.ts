import type { Logger } from '../util/logger.ts';
import { LeaseLostError, type Clock, type ClusterPort, type SubjectKind } from './ports.ts';

/** A driver renews its lease at least this often; a dead driver's lease lapses after LEASE_SECONDS. */
export const LEASE_SECONDS = 15;
export const RENEW_EVERY_MS = 5000;
/**
 * The quiet pace, for a Rollout that only waits (paused, or waiting for its turn in a run of
 * several): a third of the lease, as at the normal pace, so two renewals may fail before it lapses.
 * A dead driver's quiet lease lapses after QUIET_LEASE_SECONDS: that is how long a takeover waits.
 */
export const QUIET_LEASE_SECONDS = 60;
export const QUIET_RENEW_EVERY_MS = 20_000;

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

/** What the keeper needs of the cluster: the Lease. */
export type LeasePort = Pick<ClusterPort, 'acquireLease' | 'leaseEpoch'>;

/** The Lease a driver holds: its subject (a Rollout unless `kind` says otherwise) and identity. */
export interface LeaseSubject {
  namespace: string;
  name: string;
  identity: string;
  kind?: SubjectKind | undefined;
}

/**
 * Renews the driver's lease on its own timer, every RENEW_EVERY_MS whatever a tick is doing; the
 * moment a renewal finds another holder, `signal` aborts and the driver stops acting.
 */
export class LeaseKeeper {
  private readonly controller = new AbortController();
  private stopTimer: () => void;
  private busy = false;
  private quietPace = false;
  private stopped = false;
  lostTo: string | undefined;
  readonly epoch: string | undefined;

  private readonly cluster: LeasePort;
  private readonly log: Logger;
  private readonly lease: LeaseSubject;

  constructor(cluster: LeasePort, log: Logger, lease: LeaseSubject, clock: Clock) {
    this.cluster = cluster;
    this.log = log;
    this.lease = lease;
    this.epoch = cluster.leaseEpoch?.();
    this.clock = clock;
    this.stopTimer = this.every(RENEW_EVERY_MS);
  }

  private readonly clock: Clock;

  private every(ms: number): () => void {
    return this.clock.every(ms, () => {
      void this.renew();
    });
  }

  /** Whether the Lease is renewed at the quiet pace. */
  get quiet(): boolean {
    return this.quietPace;
  }

  /**
   * Switches between the normal and the quiet pace. The quiet pace starts only once a renewal has
   * written the longer duration: until then the normal renewals go on, so the Lease never lapses.
   */
  async setQuiet(quiet: boolean): Promise<void> {
    if (quiet === this.quietPace || this.stopped) return;
    if (quiet) {
      this.quietPace = true;
      if (!(await this.renew())) {
        this.quietPace = false;
        return;
      }
      if (this.stopped) return;
      this.stopTimer();
      this.stopTimer = this.every(QUIET_RENEW_EVERY_MS);
      return;
    }
    // Back to the normal pace: the Lease written last is the longer one, still safe until then.
    this.quietPace = false;
    this.stopTimer();
    this.stopTimer = this.every(RENEW_EVERY_MS);
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

  /** Renews the Lease at the current pace's duration; true when it is still ours. */
  async renew(): Promise<boolean> {
    if (this.busy || this.lostTo !== undefined) return false;
    this.busy = true;
    try {
      const { namespace, name, identity, kind } = this.lease;
      const seconds = this.quietPace ? QUIET_LEASE_SECONDS : LEASE_SECONDS;
      const other = await this.cluster.acquireLease(namespace, name, identity, seconds, () => false, kind);
      if (other !== undefined) this.lose(other.holder);
      return other === undefined;
    } catch (e) {
      // The API server is away (each request already retried): writes stay fenced meanwhile.
      this.log.info(`renewing the lease failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopTimer();
  }
}

/** What a driver does with its subject's Lease: drive while it holds it, else say who holds it. */
export interface LeaseHeldRun<R> {
  /** Drives while the keeper holds the Lease. */
  drive: (keeper: LeaseKeeper) => Promise<R>;
  /** The result when another driver holds it (from the start, or after taking it over). */
  otherDriver: (holder: string) => Promise<R>;
  /** Stops what the run measures when the Lease is lost mid-run. */
  stopMeasuring: () => void;
}

/**
 * Claims the subject's Lease (an earlier attempt of the same job may be taken over) and drives
 * under it; a Lease lost mid-run ends the run as if another driver had held it from the start.
 */
export async function driveUnderLease<R>(
  cluster: LeasePort,
  clock: Clock,
  log: Logger,
  subject: LeaseSubject,
  run: LeaseHeldRun<R>,
): Promise<R> {
  const { namespace, name, identity, kind } = subject;
  const other = await cluster.acquireLease(
    namespace,
    name,
    identity,
    LEASE_SECONDS,
    (holder) => sameJob(identity, holder),
    kind,
  );
  if (other !== undefined) return run.otherDriver(other.holder);
  const keeper = new LeaseKeeper(cluster, log, subject, clock);
  try {
    return await run.drive(keeper);
  } catch (e) {
    if (e instanceof LeaseLostError) {
      run.stopMeasuring();
      log.info(e.message);
      return await run.otherDriver(e.holder);
    }
    throw e;
  } finally {
    keeper.stop();
  }
}
