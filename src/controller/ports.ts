import type { StoredTemplate } from '../analysis/templates.ts';
import type { Action } from '../engine/actions.ts';
import type { GitHubLink } from '../adapters/github/reporter.ts';
import type { AnalysisRecord } from './analysis.ts';
import type { Observation, RolloutStatus, ControlRequest } from '../engine/state.ts';

/** A Kubernetes object as JSON; the adapters do not need more structure than this. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** What rollout-pilot keeps in the cluster per rollout. */
export interface StoredState {
  /** The Rollout object as last applied (image overrides included): control commands need only this. */
  rollout: KubeObject;
  status: RolloutStatus;
  /** Commands from runs that found another driver, oldest first. */
  requests: ControlRequest[];
  /** The AnalysisTemplates and ClusterAnalysisTemplates from the manifests, as applied. */
  templates: StoredTemplate[];
  /** Analysis runs of the current revision (older ones are dropped when a new revision starts). */
  analysis: AnalysisRecord[];
  /** Where the rollout is reported on GitHub (comment, check run, deployment), for later runs. */
  github?: GitHubLink | undefined;
  /** The lease epoch of the driver that last claimed the state (docs/state-model.md). */
  driver?: string | undefined;
  /** Opaque version for compare-and-swap writes. */
  version: string | undefined;
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** The API server refused the state for its size (a ConfigMap holds 1 MiB): nothing was written. */
export class StateTooLargeError extends Error {
  override name = 'StateTooLargeError';
}

/**
 * What a driver drives and keeps a state ConfigMap and a Lease for: a Rollout (`rollout-pilot.<name>`)
 * or a standalone Experiment (`rollout-pilot-experiment.<name>`). The names cannot collide.
 */
export type SubjectKind = 'Rollout' | 'Experiment';

export interface LeaseInfo {
  holder: string;
  renewedAt: Date;
  durationSeconds: number;
}

/** The cluster as the controller uses it. The Kubernetes adapter implements it; so can a fake. */
export interface ClusterPort {
  readState(namespace: string, rollout: string): Promise<StoredState | undefined>;
  /** Writes only if `state.version` is still current; throws ConflictError otherwise. */
  writeState(namespace: string, rollout: string, state: StoredState): Promise<string>;

  /**
   * Takes or renews the driver lease of the subject (a Rollout unless `kind` says otherwise).
   * Returns undefined when we hold it, or who holds it when someone else does and their lease has
   * not expired.
   */
  acquireLease(
    namespace: string,
    rollout: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
    kind?: SubjectKind,
  ): Promise<LeaseInfo | undefined>;
  releaseLease(namespace: string, rollout: string, identity: string, kind?: SubjectKind): Promise<void>;
  /** The epoch of the lease we hold (holder and hand-over count); undefined when not held. */
  leaseEpoch?(): string | undefined;

  observe(rollout: KubeObject, services: readonly string[]): Promise<Observation>;
  /** Templates of the rollout's ReplicaSets by revision, for `undo`. */
  revisions(rollout: KubeObject): Promise<Map<number, { hash: string; template: unknown }>>;
  apply(rollout: KubeObject, action: Action): Promise<void>;
  /** A Secret's key, for analysis args with `valueFrom.secretKeyRef`; undefined when missing. */
  readSecret(namespace: string, name: string, key: string): Promise<string | undefined>;

  /** Server-side apply of plain objects; `dryRun` validates on the server and changes nothing. */
  applyObjects(
    objects: readonly KubeObject[],
    options: { dryRun: boolean; namespace: string },
  ): Promise<void>;

  /** Resolves when something about the rollout may have changed, or after `ms`. */
  waitForChange(rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void>;
  /** How many API requests were made so far (for the benchmark). */
  requestCount(): number;
}

/** Time as the controller sees it; tests pass a fake one. */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` until the returned function is called (the Lease renewal's timer). */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => {
      clearInterval(timer);
    };
  },
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    }),
};

/** This driver's lease was taken by another run: it must stop acting. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  readonly holder: string;
  constructor(holder: string) {
    super(`lost the lease to ${holder}: another run drives now, this one stops`);
    this.holder = holder;
  }
}
