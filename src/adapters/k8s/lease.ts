import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { ConflictError, LeaseLostError, type LeaseInfo, type SubjectKind } from '../../controller/ports.ts';
import { leaseCall, statusCode, type KubeApi } from './api-call.ts';
import { subjectLabel, subjectStateName } from './names.ts';

/** A driver's lease is renewed before a write when its last renewal is older than the lease minus this. */
export const FENCE_MARGIN_MS = 5000;

/** The lease this driver holds: when it was last confirmed, and who took it if we lost it. */
export interface HeldLease {
  namespace: string;
  rollout: string;
  /** A Rollout's Lease or a standalone Experiment's. */
  kind: SubjectKind;
  identity: string;
  durationSeconds: number;
  renewedAt: number;
  lost: string | undefined;
}

/** The driver Lease: acquire, renew (single flight), release, and the fence on every write. */
export class DriverLease {
  /** Our lease as last written, so a renewal is a single compare-and-swap PUT. */
  private lease: V1Lease | undefined;
  held: HeldLease | undefined;
  private renewing: Promise<LeaseInfo | undefined> | undefined;

  private readonly api: KubeApi;

  constructor(api: KubeApi) {
    this.api = api;
  }

  /**
   * A driver's writes are fenced by its lease: once lost, every write fails; and when the last
   * confirmed renewal is older than the lease minus FENCE_MARGIN_MS (an outage, a slow API server),
   * the lease is renewed (compare-and-swap) before the write goes out.
   */
  async fence(): Promise<void> {
    const held = this.held;
    if (held === undefined) return;
    if (held.lost !== undefined) throw new LeaseLostError(held.lost);
    if (Date.now() - held.renewedAt <= held.durationSeconds * 1000 - FENCE_MARGIN_MS) return;
    const other = await this.renewHeld();
    if (other !== undefined) throw new LeaseLostError(other.holder);
  }

  /** Renews the lease we hold (single flight: the driver's timer and a fenced write share it). */
  private renewHeld(): Promise<LeaseInfo | undefined> {
    const held = this.held;
    if (held === undefined) return Promise.resolve(undefined);
    return this.acquireLease(
      held.namespace,
      held.rollout,
      held.identity,
      held.durationSeconds,
      () => false,
      held.kind,
    );
  }

  async acquireLease(
    namespace: string,
    rollout: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
    kind: SubjectKind = 'Rollout',
  ): Promise<LeaseInfo | undefined> {
    const held = this.held;
    const renewing =
      held !== undefined &&
      held.namespace === namespace &&
      held.rollout === rollout &&
      held.kind === kind &&
      held.identity === identity;
    if (renewing && held.lost !== undefined) {
      return { holder: held.lost, renewedAt: new Date(0), durationSeconds };
    }
    // The driver's renewal timer and a fenced write may renew at once: they share one request.
    if (renewing && this.renewing !== undefined) return this.renewing;
    const startedAt = Date.now();
    const subject = { rollout, kind };
    const attempt = this.leaseAttempt(namespace, subject, identity, durationSeconds, canTakeOver, renewing);
    if (renewing) {
      this.renewing = attempt;
      attempt.then(
        () => (this.renewing = undefined),
        () => (this.renewing = undefined),
      );
    }
    const other = await attempt;
    if (other === undefined) {
      this.held = {
        namespace,
        rollout,
        kind,
        identity,
        durationSeconds,
        renewedAt: startedAt,
        lost: undefined,
      };
    } else if (renewing) {
      // Someone else wrote the lease since our last renewal: whatever it says now, we lost it.
      held.lost = other.holder;
    }
    return other;
  }

  /** The epoch of the lease we hold: it changes whenever the Lease changes hands. */
  leaseEpoch(): string | undefined {
    const l = this.lease;
    if (this.held === undefined || this.held.lost !== undefined || l === undefined) return undefined;
    return `${l.spec?.holderIdentity ?? ''}/${l.spec?.leaseTransitions ?? 0}`;
  }

  private async leaseAttempt(
    namespace: string,
    subject: { rollout: string; kind: SubjectKind },
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
    renewOnly: boolean,
  ): Promise<LeaseInfo | undefined> {
    const name = subjectStateName(subject.rollout, subject.kind);
    // Lease times are MicroTime: the API server wants six fractional digits.
    const now = new V1MicroTime();
    if (await this.renewMine(namespace, name, identity, durationSeconds, now)) return undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      let lease;
      try {
        lease = await this.api.call(leaseCall('get', namespace, name), () =>
          this.api.coordination.readNamespacedLease({ name, namespace }),
        );
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
        if (await this.createLease(namespace, subject, identity, durationSeconds, now)) return undefined;
        continue;
      }
      const other = heldByOther(lease, identity, durationSeconds, now, canTakeOver, renewOnly);
      if (other !== undefined) return other;
      if (await this.takeLease(lease, namespace, name, identity, durationSeconds, now)) return undefined;
    }
    throw new ConflictError('could not take the driver lease: it kept changing');
  }

  /** Renewal: one compare-and-swap PUT on the lease we wrote last; false when it must be read first. */
  private async renewMine(
    namespace: string,
    name: string,
    identity: string,
    durationSeconds: number,
    now: V1MicroTime,
  ): Promise<boolean> {
    const mine = this.lease;
    if (
      mine?.metadata?.name !== name ||
      mine.metadata.namespace !== namespace ||
      mine.spec?.holderIdentity !== identity
    ) {
      return false;
    }
    let renewed = false;
    try {
      renewed = await this.replaceLease(namespace, name, mine.metadata, {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine.spec?.acquireTime,
        renewTime: now,
        leaseTransitions: mine.spec?.leaseTransitions,
      });
    } finally {
      // A renewal that failed leaves no lease we know to be ours: the next one reads it first.
      if (!renewed) this.lease = undefined;
    }
    return renewed;
  }

  /** Writes the Lease by compare-and-swap on `metadata` and keeps it as ours; false on a conflict. */
  private async replaceLease(
    namespace: string,
    name: string,
    metadata: V1Lease['metadata'],
    spec: NonNullable<V1Lease['spec']>,
  ): Promise<boolean> {
    try {
      this.lease = await this.api.call(leaseCall('replace', namespace, name), () =>
        this.api.coordination.replaceNamespacedLease({ name, namespace, body: { metadata, spec } }),
      );
      return true;
    } catch (e) {
      if (statusCode(e) !== 409) throw e;
      return false;
    }
  }

  /** No Lease yet: create it as ours; false when someone created it meanwhile. */
  private async createLease(
    namespace: string,
    subject: { rollout: string; kind: SubjectKind },
    identity: string,
    durationSeconds: number,
    now: V1MicroTime,
  ): Promise<boolean> {
    const name = subjectStateName(subject.rollout, subject.kind);
    try {
      this.lease = await this.api.call(leaseCall('create', namespace, name), () =>
        this.api.coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace, labels: { [subjectLabel(subject.kind)]: subject.rollout } },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
            },
          },
        }),
      );
      return true;
    } catch (err) {
      if (statusCode(err) === 409) return false;
      throw err;
    }
  }

  /** Writes the Lease we read as ours (compare-and-swap); false when it changed meanwhile. */
  private async takeLease(
    lease: V1Lease,
    namespace: string,
    name: string,
    identity: string,
    durationSeconds: number,
    now: V1MicroTime,
  ): Promise<boolean> {
    const holder = lease.spec?.holderIdentity ?? '';
    return this.replaceLease(namespace, name, lease.metadata, {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: now,
      acquireTime: holder === identity ? lease.spec?.acquireTime : now,
      // The epoch: it moves whenever the lease changes hands.
      leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
    });
  }

  /** Forgets the lease this process holds, before releasing it. */
  forget(): void {
    this.lease = undefined;
    this.held = undefined;
  }

  /** Empties the Lease if `identity` still holds it. */
  async release(
    namespace: string,
    rollout: string,
    identity: string,
    kind: SubjectKind = 'Rollout',
  ): Promise<void> {
    const name = subjectStateName(rollout, kind);
    try {
      const lease = await this.api.call(leaseCall('get', namespace, name), () =>
        this.api.coordination.readNamespacedLease({ name, namespace }),
      );
      if (lease.spec?.holderIdentity !== identity) return;
      await this.api.call(leaseCall('replace', namespace, name), () =>
        this.api.coordination.replaceNamespacedLease({
          name,
          namespace,
          body: {
            metadata: lease.metadata,
            spec: {
              holderIdentity: '',
              leaseDurationSeconds: lease.spec?.leaseDurationSeconds,
              renewTime: new V1MicroTime(0),
              leaseTransitions: lease.spec?.leaseTransitions,
            },
          },
        }),
      );
    } catch (e) {
      // A lost release only delays the next driver by the lease duration.
      if (statusCode(e) !== 404 && statusCode(e) !== 409) throw e;
    }
  }
}

/** Who holds the Lease we read, when we may not take it (or only renew and it is not ours). */
function heldByOther(
  lease: V1Lease,
  identity: string,
  durationSeconds: number,
  now: V1MicroTime,
  canTakeOver: (holder: string) => boolean,
  renewOnly: boolean,
): LeaseInfo | undefined {
  const holder = lease.spec?.holderIdentity ?? '';
  const renewedAt = lease.spec?.renewTime ? new Date(lease.spec.renewTime) : new Date(0);
  const held = lease.spec?.leaseDurationSeconds ?? durationSeconds;
  const live = renewedAt.getTime() + held * 1000 > now.getTime();
  if (renewOnly && holder !== identity) {
    return {
      holder: holder === '' ? '(nobody: the lease was released)' : holder,
      renewedAt,
      durationSeconds: held,
    };
  }
  if (holder !== '' && holder !== identity && live && !canTakeOver(holder)) {
    return { holder, renewedAt, durationSeconds: held };
  }
  return undefined;
}
