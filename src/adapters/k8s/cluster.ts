import { KubeConfig } from '@kubernetes/client-node';
import type { Action } from '../../engine/actions.ts';
import type { TreeReplicaSet } from '../../report/tree.ts';
import type { Observation } from '../../engine/state.ts';
import {
  ConflictError,
  type ClusterPort,
  type KubeObject,
  type LeaseInfo,
  type StoredState,
  type SubjectKind,
} from '../../controller/ports.ts';
import {
  ownerLabel,
  ownerStateName,
  type ExperimentClusterAction,
  type ExperimentClusterPort,
  type ExperimentObservation,
  type ExperimentOwner,
} from '../../controller/experiment-ports.ts';
import type { Experiment } from '../../manifests/experiment.ts';
import { applyExperimentAction, deleteExperiment } from './experiment-actions.ts';
import { observeExperiment } from './experiment-observe.ts';
import type { ExperimentState, ExperimentStatePort } from '../../controller/experiment-state.ts';
import { readExperimentState, writeExperimentState } from './experiment-state-store.ts';
import { KubeApi, KubeClients } from './api-call.ts';
import { applyAction } from './apply-actions.ts';
import {
  adoptReplicaSet,
  defaultedTemplate,
  foreignReplicaSets,
  readAnalysisTemplate,
  readAnyObject,
  readArgoRollout,
} from './argo-objects.ts';
import { DriverLease } from './lease.ts';
import { details, observe, revisions, type ServiceCache } from './observe.ts';
import { readSecret, resolveWorkloadRef, serviceExists, serviceHashes } from './references.ts';
import { applyObjects } from './server-side-apply.ts';
import { managedRollouts, StateStore } from './state-store.ts';
import { Watches } from './watches.ts';
import type { SharedKube } from './namespace-cache.ts';
import { SharedView } from './shared-view.ts';

// The commands import these names from here, with the adapter.
export { FIELD_MANAGER, ROLLOUT_LABEL, stateName } from './names.ts';
import { parts } from './names.ts';
import type { ReplicaSet } from './wire.ts';

/**
 * The Kubernetes adapter: every cluster read and write of the controller goes through here. Each
 * job lives in its own module; they share one API-call wrapper (`KubeApi`), which asks the driver
 * Lease to fence every write.
 */
export class KubeCluster implements ClusterPort, ExperimentClusterPort, ExperimentStatePort {
  private readonly api: KubeApi;
  private readonly store: StateStore;
  private readonly driverLease: DriverLease;
  private readonly watches: Watches;
  /** Told about the first retry of a call (and every tenth), so a long outage shows in the log. */
  onRetry: (what: string, waitMs: number) => void = () => undefined;
  /** Service selectors, refreshed every few seconds; our own switches update them at once. */
  private readonly serviceCache: ServiceCache = new Map();

  readonly kubeConfig: KubeConfig;
  /** The run's shared caches and watches, when it drives several rollouts (namespace-cache.ts). */
  private readonly shared: SharedKube | undefined;
  private view: { namespace: string; view: SharedView } | undefined;
  /** States whose last write lost its compare-and-swap: the next read asks the API server. */
  private readonly conflicted = new Set<string>();

  /** `from`: a kubeconfig (clients of its own) or the clients every driver of the run shares. */
  constructor(from: KubeConfig | KubeClients, shared?: SharedKube) {
    this.shared = shared;
    this.api = new KubeApi(shared?.clients ?? from, {
      fence: () => this.driverLease.fence(),
      onRetry: (what, waitMs) => {
        this.onRetry(what, waitMs);
      },
      onWritten: (call, answer) => {
        const view = this.view;
        if (view !== undefined && call.namespace === view.namespace) view.view.written(call, answer);
      },
    });
    this.kubeConfig = this.api.kubeConfig;
    this.store = new StateStore(this.api);
    this.driverLease = new DriverLease(this.api);
    this.watches = new Watches(this.api, () => this.store.lastWrittenVersion);
  }

  /** The driver's view of the shared caches of `namespace` (none without shared caches). */
  private viewOf(namespace: string): SharedView | undefined {
    if (this.shared === undefined) return undefined;
    if (this.view?.namespace === namespace) return this.view.view;
    this.view?.view.stop();
    const informers = this.shared.informers(namespace);
    void this.shared.ready(namespace);
    const view = new SharedView(informers, () => this.store.lastWrittenVersion);
    this.view = { namespace, view };
    return view;
  }

  requestCount(): number {
    return this.api.requests;
  }

  /** How long transient API failures are retried (the api-retry-budget input). */
  setRetryBudget(ms: number): void {
    this.api.retryBudgetMs = ms;
  }

  readState(namespace: string, rollout: string): Promise<StoredState | undefined> {
    const key = `${namespace}/${rollout}`;
    // After a lost compare-and-swap the view may still show this driver's own last write.
    const cached = this.conflicted.delete(key) ? undefined : this.viewOf(namespace)?.state(rollout);
    return this.store.readState(namespace, rollout, cached);
  }

  async writeState(namespace: string, rollout: string, state: StoredState): Promise<string> {
    try {
      return await this.store.writeState(namespace, rollout, state);
    } catch (e) {
      if (e instanceof ConflictError) this.conflicted.add(`${namespace}/${rollout}`);
      throw e;
    }
  }

  /** The rollouts with a rollout-pilot state in the namespace, by name. */
  managedRollouts(namespace: string): Promise<string[]> {
    return managedRollouts(this.api, namespace);
  }

  readSecret(namespace: string, name: string, key: string): Promise<string | undefined> {
    return readSecret(this.api, namespace, name, key);
  }

  /** Whether a Service exists, for the references `run` checks before its first write. */
  serviceExists(namespace: string, name: string): Promise<boolean> {
    return serviceExists(this.api, namespace, name);
  }

  acquireLease(
    namespace: string,
    rollout: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
    kind: SubjectKind = 'Rollout',
  ): Promise<LeaseInfo | undefined> {
    return this.driverLease.acquireLease(namespace, rollout, identity, durationSeconds, canTakeOver, kind);
  }

  /** The epoch of the lease we hold: it changes whenever the Lease changes hands. */
  leaseEpoch(): string | undefined {
    return this.driverLease.leaseEpoch();
  }

  /** Releases the Lease this process holds, if any (every exit path of a run that took it). */
  async releaseHeld(): Promise<void> {
    const held = this.driverLease.held;
    if (held === undefined || held.lost !== undefined) return;
    // The API server may be away: give the release a short budget, it lapses anyway.
    this.api.retryBudgetMs = Math.min(this.api.retryBudgetMs, 5000);
    await this.releaseLease(held.namespace, held.rollout, held.identity, held.kind);
  }

  async releaseLease(
    namespace: string,
    rollout: string,
    identity: string,
    kind: SubjectKind = 'Rollout',
  ): Promise<void> {
    this.driverLease.forget();
    this.stopWatching();
    await this.driverLease.release(namespace, rollout, identity, kind);
  }

  observe(rollout: KubeObject, services: readonly string[]): Promise<Observation> {
    return observe(this.api, this.serviceCache, rollout, services, this.viewOf(parts(rollout).namespace));
  }

  /** ReplicaSets with their pods, for the `get` tree. */
  details(rollout: KubeObject): Promise<TreeReplicaSet[]> {
    return details(this.api, rollout);
  }

  revisions(rollout: KubeObject): Promise<Map<number, { hash: string; template: unknown }>> {
    return revisions(this.api, rollout, this.viewOf(parts(rollout).namespace));
  }

  apply(rollout: KubeObject, action: Action): Promise<void> {
    return applyAction(this.api, this.serviceCache, rollout, action);
  }

  applyObjects(
    objects: readonly KubeObject[],
    options: { dryRun: boolean; namespace: string },
  ): Promise<void> {
    return applyObjects(this.api, objects, options);
  }

  /**
   * An AnalysisTemplate or ClusterAnalysisTemplate stored in the cluster, when Argo Rollouts' CRDs
   * are installed there; undefined when the kind or the object does not exist.
   */
  readAnalysisTemplate(
    kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate',
    name: string,
    namespace: string,
  ): Promise<Record<string, unknown> | undefined> {
    return readAnalysisTemplate(this.api, kind, name, namespace);
  }

  /** A router's object (Ingress, VirtualService, HTTPRoute...); undefined when it or its kind does not exist. */
  readObject(ref: {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
  }): Promise<Record<string, unknown> | undefined> {
    return readAnyObject(this.api, ref.apiVersion, ref.kind, ref.name, ref.namespace);
  }

  /** Argo Rollouts' own Rollout object of this name, when its CRDs are installed and it exists. */
  readArgoRollout(namespace: string, name: string): Promise<Record<string, unknown> | undefined> {
    return readArgoRollout(this.api, namespace, name);
  }

  /** ReplicaSets that select the rollout's pods but were not created by rollout-pilot (Argo's). */
  foreignReplicaSets(rollout: KubeObject): Promise<ReplicaSet[]> {
    return foreignReplicaSets(this.api, rollout);
  }

  /** The rollout's pod template with the API server's defaults (a dry-run create). */
  defaultedTemplate(rollout: KubeObject, hash: string): Promise<unknown> {
    return defaultedTemplate(this.api, rollout, hash);
  }

  /** Takes a ReplicaSet of Argo Rollouts' over (see argo-objects.ts). */
  adoptReplicaSet(rollout: KubeObject, name: string, sameTemplateAs: string | undefined): Promise<void> {
    return adoptReplicaSet(this.api, rollout, name, sameTemplateAs);
  }

  /** workloadRef: the Deployment's pod template (and selector) become the Rollout's. */
  resolveWorkloadRef(rollout: KubeObject): Promise<KubeObject> {
    return resolveWorkloadRef(this.api, rollout);
  }

  /** Services' current `rollouts-pod-template-hash` selectors, so a re-apply keeps them. */
  serviceHashes(namespace: string, names: readonly string[]): Promise<Map<string, string>> {
    return serviceHashes(this.api, namespace, names);
  }

  waitForChange(rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void> {
    const p = parts(rollout);
    const view = this.viewOf(p.namespace);
    if (view !== undefined) return view.waitForChange(p.name, ms, signal);
    return this.watches.waitForChange(rollout, ms, signal);
  }

  observeExperiment(owner: ExperimentOwner, experiment: Experiment): Promise<ExperimentObservation> {
    return observeExperiment(this.api, owner, experiment, this.viewOf(owner.namespace));
  }

  applyExperimentAction(
    owner: ExperimentOwner,
    experiment: Experiment,
    action: ExperimentClusterAction,
  ): Promise<void> {
    return applyExperimentAction(this.api, owner, experiment, action);
  }

  deleteExperiment(owner: ExperimentOwner, name: string): Promise<void> {
    return deleteExperiment(this.api, owner, name);
  }

  readExperimentState(namespace: string, name: string): Promise<ExperimentState | undefined> {
    return readExperimentState(this.api, namespace, name);
  }

  async writeExperimentState(namespace: string, name: string, state: ExperimentState): Promise<string> {
    const version = await writeExperimentState(this.api, namespace, name, state);
    // Its own watch event is no news to the driver that wrote it.
    this.store.lastWrittenVersion = version;
    return version;
  }

  /** A rollout owner waits as its rollout does; a standalone experiment on its own label and state. */
  waitForExperimentChange(owner: ExperimentOwner, ms: number, signal?: AbortSignal): Promise<void> {
    if (owner.kind === 'rollout') {
      const rollout = {
        apiVersion: 'v1',
        kind: 'Rollout',
        metadata: { name: owner.rollout, namespace: owner.namespace },
      };
      return this.waitForChange(rollout, ms, signal);
    }
    const [key, value] = ownerLabel(owner);
    const target = {
      namespace: owner.namespace,
      labelSelector: `${key}=${value}`,
      configMap: ownerStateName(owner),
    };
    return this.watches.waitFor(target, ms, signal);
  }

  stopWatching(): void {
    this.watches.stop();
    this.view?.view.stop();
    this.view = undefined;
  }
}

/** Kubeconfig from the input (content or a path), then $KUBECONFIG, then in-cluster. */
export function loadKubeConfig(input: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (input !== undefined && /\n/.test(input) && /apiVersion|clusters/.test(input)) {
    kc.loadFromString(input);
  } else if (input !== undefined) {
    kc.loadFromFile(input);
  } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') {
    kc.loadFromFile(env.KUBECONFIG.split(':')[0] ?? env.KUBECONFIG);
  } else {
    kc.loadFromCluster();
  }
  return kc;
}
