import type { Action } from '../../../src/engine/actions.ts';
import type { Observation, ObservedReplicaSet } from '../../../src/engine/state.ts';
import {
  ConflictError,
  type ClusterPort,
  type KubeObject,
  type LeaseInfo,
  type StoredState,
} from '../../../src/controller/ports.ts';

/** The lease, state and objects of one rollout, shared by the fake clusters of several drivers. */
export class FakeWorld {
  state: StoredState | undefined;
  version = 0;
  lease: { holder: string; renewedAt: number; durationSeconds: number; transitions: number } | undefined;
  replicaSets = new Map<string, ObservedReplicaSet>();
  services = new Map<string, string | undefined>();
  /** Every write, in order, with who made it. */
  writes: { by: string; what: string }[] = [];
  now = 0;
}

/**
 * An in-memory ClusterPort for unit tests of the driver: compare-and-swap state, a Lease with an
 * epoch (holder and hand-over count), ReplicaSets that are available as soon as they are scaled.
 */
export class FakeCluster implements ClusterPort {
  private readonly world: FakeWorld;
  private readonly me: string;
  private requests = 0;

  constructor(world: FakeWorld, me: string) {
    this.world = world;
    this.me = me;
  }

  readState(): Promise<StoredState | undefined> {
    this.requests++;
    const s = this.world.state;
    return Promise.resolve(
      s === undefined ? undefined : { ...structuredClone(s), version: String(this.world.version) },
    );
  }

  writeState(_ns: string, _name: string, state: StoredState): Promise<string> {
    this.requests++;
    if (state.version !== undefined && state.version !== String(this.world.version)) {
      return Promise.reject(new ConflictError('the state changed meanwhile'));
    }
    this.world.version++;
    this.world.state = structuredClone({ ...state, version: String(this.world.version) });
    this.world.writes.push({ by: this.me, what: 'state' });
    return Promise.resolve(String(this.world.version));
  }

  acquireLease(
    _ns: string,
    _name: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
  ): Promise<LeaseInfo | undefined> {
    this.requests++;
    const l = this.world.lease;
    const live =
      l !== undefined && l.holder !== '' && l.renewedAt + l.durationSeconds * 1000 > this.world.now;
    if (l !== undefined && l.holder !== identity && live && !canTakeOver(l.holder)) {
      return Promise.resolve({
        holder: l.holder,
        renewedAt: new Date(l.renewedAt),
        durationSeconds: l.durationSeconds,
      });
    }
    const transitions = (l?.transitions ?? 0) + (l?.holder === identity ? 0 : 1);
    this.world.lease = { holder: identity, renewedAt: this.world.now, durationSeconds, transitions };
    return Promise.resolve(undefined);
  }

  releaseLease(_ns: string, _name: string, identity: string): Promise<void> {
    if (this.world.lease?.holder === identity) this.world.lease = { ...this.world.lease, holder: '' };
    return Promise.resolve();
  }

  leaseEpoch(): string | undefined {
    const l = this.world.lease;
    return l?.holder === this.me ? `${l.holder}/${l.transitions}` : undefined;
  }

  observe(_rollout: KubeObject, services: readonly string[]): Promise<Observation> {
    this.requests++;
    return Promise.resolve({
      replicaSets: [...this.world.replicaSets.values()].map((rs) => ({ ...rs })),
      services: Object.fromEntries(
        services.map((s) => [s, { name: s, selectedHash: this.world.services.get(s) }]),
      ),
    });
  }

  revisions(): Promise<Map<number, { hash: string; template: unknown }>> {
    return Promise.resolve(new Map<number, { hash: string; template: unknown }>());
  }

  apply(rollout: KubeObject, action: Action): Promise<void> {
    this.requests++;
    this.world.writes.push({ by: this.me, what: action.kind });
    const sets = this.world.replicaSets;
    switch (action.kind) {
      case 'createReplicaSet': {
        const name = `${rollout.metadata.name}-${action.hash}`;
        if (!sets.has(name)) {
          const n = action.replicas;
          sets.set(name, {
            name,
            hash: action.hash,
            revision: action.revision,
            specReplicas: n,
            replicas: n,
            readyReplicas: n,
            availableReplicas: n,
            createdAt: new Date(this.world.now).toISOString(),
            podIssues: [],
          });
        }
        break;
      }
      case 'scaleReplicaSet': {
        const rs = sets.get(action.name);
        if (rs !== undefined) {
          const n = action.replicas;
          Object.assign(rs, { specReplicas: n, replicas: n, readyReplicas: n, availableReplicas: n });
        }
        break;
      }
      case 'setRevision': {
        const rs = sets.get(action.name);
        if (rs !== undefined) rs.revision = action.revision;
        break;
      }
      case 'switchService':
        this.world.services.set(action.service, action.hash);
        break;
      case 'deleteReplicaSet':
        sets.delete(action.name);
        break;
      default:
        break;
    }
    return Promise.resolve();
  }

  readSecret(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  applyObjects(): Promise<void> {
    return Promise.resolve();
  }

  /** Waiting is where the test moves the world on: `onWait` runs once per wait. */
  onWait: (() => void) | undefined;

  waitForChange(): Promise<void> {
    this.onWait?.();
    return Promise.resolve();
  }

  requestCount(): number {
    return this.requests;
  }
}
