import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  Watch,
  type V1Lease,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import type { Action } from '../../engine/actions.ts';
import { canonicalJson } from '../../engine/hash.ts';
import type { PodMetadata } from '../../engine/spec.ts';
import type { TreeReplicaSet } from '../../report/tree.ts';
import {
  initialStatus,
  MANAGED_BY_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  type ControlRequest,
  type Observation,
  type ObservedReplicaSet,
  type RolloutStatus,
} from '../../engine/state.ts';
import { DEFAULT_API_RETRY_BUDGET_MS } from '../../config/inputs.ts';
import { describeApiError, isTooLarge, KubeApiError, type ApiCall } from './api-errors.ts';
import { nextRetry } from './retry-policy.ts';
import {
  ConflictError,
  LeaseLostError,
  StateTooLargeError,
  type ClusterPort,
  type KubeObject,
  type LeaseInfo,
  type StoredState,
} from '../../controller/ports.ts';

export const FIELD_MANAGER = 'rollout-pilot';
/** Every object rollout-pilot creates for a rollout carries this label with the rollout's name. */
export const ROLLOUT_LABEL = 'rollout-pilot.dev/rollout';
const EPHEMERAL_ANNOTATION = 'rollout-pilot.dev/ephemeral-metadata';
/** The pod template exactly as the Rollout had it (the API server adds defaults to the RS's copy). */
const TEMPLATE_ANNOTATION = 'rollout-pilot.dev/pod-template';
/**
 * Argo Rollouts' mark on a Service it manages. Its controller (v1.10.2, service/service.go) strips
 * the hash selector from a Service that carries it when no Rollout object of that name exists, so
 * rollout-pilot never lets a Service it manages carry it (docs/compatibility.md, Coexistence).
 */
const ARGO_MANAGED_BY_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';
/** On a ReplicaSet adopted from Argo Rollouts: the rollout-pilot hash of the template it runs. */
const SAME_TEMPLATE_ANNOTATION = 'rollout-pilot.dev/same-template-as';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** How long Service selectors are trusted from cache: only rollout-pilot moves them. */
const SERVICE_REFRESH_MS = 15_000;
/** Events that arrive this close together wake the driver once. */
const EVENT_DEBOUNCE_MS = 50;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** A driver's lease is renewed before a write when its last renewal is older than the lease minus this. */
export const FENCE_MARGIN_MS = 5000;

interface CallSpec {
  call: ApiCall;
  /** A driver's write: fenced by its lease. */
  write: boolean;
}
const read = (kind: string, namespace?: string, name?: string): CallSpec => ({
  call: { verb: 'get', kind, namespace, name },
  write: false,
});
const listCall = (kind: string, namespace: string): CallSpec => ({
  call: { verb: 'list', kind, namespace },
  write: false,
});
const write = (verb: string, kind: string, namespace: string, name: string): CallSpec => ({
  call: { verb, kind, namespace, name },
  write: true,
});
const leaseCall = (verb: string, namespace: string, name: string): CallSpec => ({
  call: { verb, kind: 'Lease', namespace, name },
  write: false,
});

export function stateName(rollout: string): string {
  return `rollout-pilot.${rollout}`;
}

function statusCode(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  const code = (e as { code?: unknown; statusCode?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

type Labels = Record<string, string>;

/** Bytes of a ConfigMap's data as the API server counts them (keys and values). */
function stateBytes(data: Record<string, string>): number {
  return Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

interface RolloutParts {
  name: string;
  namespace: string;
  matchLabels: Labels;
  template: { metadata?: { labels?: Labels; annotations?: Labels }; spec?: unknown };
  minReadySeconds: number | undefined;
}

function parts(rollout: KubeObject): RolloutParts {
  const spec = (rollout.spec ?? {}) as {
    selector?: { matchLabels?: Labels };
    template?: RolloutParts['template'];
    minReadySeconds?: number;
  };
  return {
    name: rollout.metadata.name,
    namespace: rollout.metadata.namespace ?? 'default',
    matchLabels: spec.selector?.matchLabels ?? {},
    template: spec.template ?? {},
    minReadySeconds: spec.minReadySeconds,
  };
}

/** Why a pod is not serving, in a form people recognise from kubectl. */
function podIssue(pod: V1Pod): string | undefined {
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting?.reason;
    if (waiting !== undefined && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing') {
      return `pod ${pod.metadata?.name ?? '?'}: ${waiting}${c.restartCount > 0 ? ` (${c.restartCount} restarts)` : ''}`;
    }
    const terminated = c.state?.terminated;
    if (terminated !== undefined && terminated.exitCode !== 0) {
      return `pod ${pod.metadata?.name ?? '?'}: container ${c.name} exited with ${terminated.exitCode}`;
    }
  }
  return undefined;
}

/** The Kubernetes adapter: every cluster read and write of the controller goes through here. */
export class KubeCluster implements ClusterPort {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly objects: KubernetesObjectApi;
  private requests = 0;
  /** Watches on the rollout's ReplicaSets and state ConfigMap; they wake a waiting driver. */
  private watches: { key: string; controllers: AbortController[]; alive: boolean } | undefined;
  private dirty = false;
  private waiter: (() => void) | undefined;
  /** The state ConfigMap's resourceVersion we wrote last: its own watch event is no news. */
  private lastWrittenVersion: string | undefined;
  /** Our lease as last written, so a renewal is a single compare-and-swap PUT. */
  private lease: V1Lease | undefined;
  /** The lease this driver holds: when it was last confirmed, and who took it if we lost it. */
  private held:
    | {
        namespace: string;
        rollout: string;
        identity: string;
        durationSeconds: number;
        renewedAt: number;
        lost: string | undefined;
      }
    | undefined;
  private renewing: Promise<LeaseInfo | undefined> | undefined;
  private retryBudgetMs = DEFAULT_API_RETRY_BUDGET_MS;
  /** Told about the first retry of a call (and every tenth), so a long outage shows in the log. */
  onRetry: (what: string, waitMs: number) => void = () => undefined;
  /** Service selectors, refreshed every few seconds; our own switches update them at once. */
  private readonly serviceCache = new Map<
    string,
    { hash: string | undefined; exists: boolean; at: number }
  >();

  readonly kubeConfig: KubeConfig;

  constructor(kc: KubeConfig) {
    this.kubeConfig = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  requestCount(): number {
    return this.requests;
  }

  /** How long transient API failures are retried (the api-retry-budget input). */
  setRetryBudget(ms: number): void {
    this.retryBudgetMs = ms;
  }

  /**
   * Every API request goes through here: transient failures (refused, reset, timeouts, 429, 5xx,
   * etcd leader changes) are retried with backoff within the retry budget; a write by a driver
   * first checks that it still holds the lease (the fence); a final failure becomes one line.
   */
  private async call<T>(spec: CallSpec, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (spec.write) await this.fence();
      this.requests++;
      try {
        return await fn();
      } catch (e) {
        const wait = nextRetry(e, attempt, Date.now() - started, this.retryBudgetMs, Math.random());
        if (wait === undefined) {
          throw new KubeApiError(e, spec.call, this.kubeConfig.getCurrentCluster()?.server, attempt > 0);
        }
        if (attempt === 0 || attempt % 10 === 0) this.onRetry(describeApiError(e, spec.call), wait);
        await sleep(wait);
      }
    }
  }

  /**
   * A driver's writes are fenced by its lease: once lost, every write fails; and when the last
   * confirmed renewal is older than the lease minus FENCE_MARGIN_MS (an outage, a slow API server),
   * the lease is renewed (compare-and-swap) before the write goes out.
   */
  private async fence(): Promise<void> {
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
    return this.acquireLease(held.namespace, held.rollout, held.identity, held.durationSeconds, () => false);
  }

  async readState(namespace: string, rollout: string): Promise<StoredState | undefined> {
    try {
      const cm = await this.call(read('ConfigMap', namespace, stateName(rollout)), () =>
        this.core.readNamespacedConfigMap({ name: stateName(rollout), namespace }),
      );
      const data = cm.data ?? {};
      return {
        rollout: JSON.parse(data['rollout.json'] ?? '{}') as KubeObject,
        status: {
          ...initialStatus(),
          ...(JSON.parse(data['status.json'] ?? '{}') as Partial<RolloutStatus>),
        },
        requests: JSON.parse(data['requests.json'] ?? '[]') as ControlRequest[],
        templates: JSON.parse(data['templates.json'] ?? '[]') as StoredState['templates'],
        analysis: JSON.parse(data['analysis.json'] ?? '[]') as StoredState['analysis'],
        github:
          data['github.json'] === undefined
            ? undefined
            : (JSON.parse(data['github.json']) as StoredState['github']),
        driver: data['driver'],
        version: cm.metadata?.resourceVersion,
      };
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  async writeState(namespace: string, rollout: string, state: StoredState): Promise<string> {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: stateName(rollout),
        namespace,
        labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, [ROLLOUT_LABEL]: rollout },
        ...(state.version === undefined ? {} : { resourceVersion: state.version }),
      },
      data: {
        'rollout.json': JSON.stringify(state.rollout),
        'status.json': JSON.stringify(state.status),
        'requests.json': JSON.stringify(state.requests),
        'templates.json': JSON.stringify(state.templates),
        'analysis.json': JSON.stringify(state.analysis),
        ...(state.github === undefined ? {} : { 'github.json': JSON.stringify(state.github) }),
        ...(state.driver === undefined ? {} : { driver: state.driver }),
      },
    };
    try {
      const written =
        state.version === undefined
          ? await this.call(write('create', 'ConfigMap', namespace, stateName(rollout)), () =>
              this.core.createNamespacedConfigMap({ namespace, body }),
            )
          : await this.call(write('replace', 'ConfigMap', namespace, stateName(rollout)), () =>
              this.core.replaceNamespacedConfigMap({ name: stateName(rollout), namespace, body }),
            );
      this.lastWrittenVersion = written.metadata?.resourceVersion;
      return written.metadata?.resourceVersion ?? '';
    } catch (e) {
      if (statusCode(e) === 409) throw new ConflictError(`the state of ${rollout} changed meanwhile`);
      if (isTooLarge(e)) {
        throw new StateTooLargeError(
          `the state of ${rollout} is too large to write (${stateBytes(body.data)} bytes; a ConfigMap holds 1048576): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      throw e;
    }
  }

  async readSecret(namespace: string, name: string, key: string): Promise<string | undefined> {
    try {
      const secret = await this.call(read('Secret', namespace, name), () =>
        this.core.readNamespacedSecret({ name, namespace }),
      );
      const value = secret.data?.[key];
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  /** Whether a Service exists, for the references `run` checks before its first write. */
  async serviceExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.call(read('Service', namespace, name), () =>
        this.core.readNamespacedService({ name, namespace }),
      );
      return true;
    } catch (e) {
      if (statusCode(e) === 404) return false;
      throw e;
    }
  }

  async acquireLease(
    namespace: string,
    rollout: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
  ): Promise<LeaseInfo | undefined> {
    const held = this.held;
    const renewing =
      held !== undefined &&
      held.namespace === namespace &&
      held.rollout === rollout &&
      held.identity === identity;
    if (renewing && held.lost !== undefined) {
      return { holder: held.lost, renewedAt: new Date(0), durationSeconds };
    }
    // The driver's renewal timer and a fenced write may renew at once: they share one request.
    if (renewing && this.renewing !== undefined) return this.renewing;
    const startedAt = Date.now();
    const attempt = this.leaseAttempt(namespace, rollout, identity, durationSeconds, canTakeOver, renewing);
    if (renewing) {
      this.renewing = attempt;
      attempt.then(
        () => (this.renewing = undefined),
        () => (this.renewing = undefined),
      );
    }
    const other = await attempt;
    if (other === undefined) {
      this.held = { namespace, rollout, identity, durationSeconds, renewedAt: startedAt, lost: undefined };
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
    rollout: string,
    identity: string,
    durationSeconds: number,
    canTakeOver: (holder: string) => boolean,
    renewOnly: boolean,
  ): Promise<LeaseInfo | undefined> {
    const name = stateName(rollout);
    // Lease times are MicroTime: the API server wants six fractional digits.
    const now = new V1MicroTime();
    const mine = this.lease;
    if (
      mine?.metadata?.name === name &&
      mine.metadata.namespace === namespace &&
      mine.spec?.holderIdentity === identity
    ) {
      // Renewal: one compare-and-swap PUT on the lease we wrote last; anything else reads first.
      try {
        this.lease = await this.call(leaseCall('replace', namespace, name), () =>
          this.coordination.replaceNamespacedLease({
            name,
            namespace,
            body: {
              metadata: mine.metadata,
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: mine.spec?.acquireTime,
                renewTime: now,
                leaseTransitions: mine.spec?.leaseTransitions,
              },
            },
          }),
        );
        return undefined;
      } catch (e) {
        this.lease = undefined;
        if (statusCode(e) !== 409) throw e;
      }
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      let lease;
      try {
        lease = await this.call(leaseCall('get', namespace, name), () =>
          this.coordination.readNamespacedLease({ name, namespace }),
        );
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
        try {
          this.lease = await this.call(leaseCall('create', namespace, name), () =>
            this.coordination.createNamespacedLease({
              namespace,
              body: {
                metadata: { name, namespace, labels: { [ROLLOUT_LABEL]: rollout } },
                spec: {
                  holderIdentity: identity,
                  leaseDurationSeconds: durationSeconds,
                  acquireTime: now,
                  renewTime: now,
                },
              },
            }),
          );
          return undefined;
        } catch (err) {
          if (statusCode(err) === 409) continue;
          throw err;
        }
      }
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
      try {
        this.lease = await this.call(leaseCall('replace', namespace, name), () =>
          this.coordination.replaceNamespacedLease({
            name,
            namespace,
            body: {
              metadata: lease.metadata,
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                renewTime: now,
                acquireTime: holder === identity ? lease.spec?.acquireTime : now,
                // The epoch: it moves whenever the lease changes hands.
                leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
              },
            },
          }),
        );
        return undefined;
      } catch (e) {
        if (statusCode(e) !== 409) throw e;
      }
    }
    throw new ConflictError('could not take the driver lease: it kept changing');
  }

  /** Releases the Lease this process holds, if any (every exit path of a run that took it). */
  async releaseHeld(): Promise<void> {
    const held = this.held;
    if (held === undefined || held.lost !== undefined) return;
    // The API server may be away: give the release a short budget, it lapses anyway.
    this.retryBudgetMs = Math.min(this.retryBudgetMs, 5000);
    await this.releaseLease(held.namespace, held.rollout, held.identity);
  }

  async releaseLease(namespace: string, rollout: string, identity: string): Promise<void> {
    const name = stateName(rollout);
    this.lease = undefined;
    this.held = undefined;
    this.stopWatching();
    try {
      const lease = await this.call(leaseCall('get', namespace, name), () =>
        this.coordination.readNamespacedLease({ name, namespace }),
      );
      if (lease.spec?.holderIdentity !== identity) return;
      await this.call(leaseCall('replace', namespace, name), () =>
        this.coordination.replaceNamespacedLease({
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

  private async listReplicaSets(rollout: KubeObject): Promise<V1ReplicaSet[]> {
    const p = parts(rollout);
    const list = await this.call(listCall('ReplicaSet', p.namespace), () =>
      this.apps.listNamespacedReplicaSet({
        namespace: p.namespace,
        labelSelector: `${ROLLOUT_LABEL}=${p.name}`,
      }),
    );
    return list.items;
  }

  async observe(rollout: KubeObject, services: readonly string[]): Promise<Observation> {
    const p = parts(rollout);
    const sets = await this.listReplicaSets(rollout);
    const issues = new Map<string, string[]>();
    // Pods only matter while some ReplicaSet is short of available pods: then they say why.
    if (sets.some((rs) => (rs.status?.availableReplicas ?? 0) < (rs.spec?.replicas ?? 0))) {
      const pods = await this.call(listCall('Pod', p.namespace), () =>
        this.core.listNamespacedPod({ namespace: p.namespace, labelSelector: `${ROLLOUT_LABEL}=${p.name}` }),
      );
      for (const pod of pods.items) {
        const issue = podIssue(pod);
        const hash = pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
        if (issue !== undefined && hash !== undefined) issues.set(hash, [...(issues.get(hash) ?? []), issue]);
      }
    }
    const replicaSets: ObservedReplicaSet[] = sets.map((rs) => {
      const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
      return {
        name: rs.metadata?.name ?? '',
        hash,
        revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
        specReplicas: rs.spec?.replicas ?? 0,
        replicas: rs.status?.replicas ?? 0,
        readyReplicas: rs.status?.readyReplicas ?? 0,
        availableReplicas: rs.status?.availableReplicas ?? 0,
        createdAt: rs.metadata?.creationTimestamp
          ? new Date(rs.metadata.creationTimestamp).toISOString()
          : '',
        podIssues: (issues.get(hash) ?? []).slice(0, 5),
        ephemeralMetadata: rs.metadata?.annotations?.[EPHEMERAL_ANNOTATION],
        sameTemplateAs: rs.metadata?.annotations?.[SAME_TEMPLATE_ANNOTATION],
      };
    });
    const observedServices: Observation['services'] = {};
    const now = Date.now();
    for (const name of services) {
      const key = `${p.namespace}/${name}`;
      let cached = this.serviceCache.get(key);
      // Only rollout-pilot moves these selectors; a fresh read every few seconds catches anyone else.
      if (cached === undefined || now - cached.at > SERVICE_REFRESH_MS) {
        try {
          const svc = await this.call(read('Service', p.namespace, name), () =>
            this.core.readNamespacedService({ name, namespace: p.namespace }),
          );
          cached = { hash: svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL], exists: true, at: now };
        } catch (e) {
          if (statusCode(e) !== 404) throw e;
          cached = { hash: undefined, exists: false, at: now };
        }
        this.serviceCache.set(key, cached);
      }
      observedServices[name] = cached.exists ? { name, selectedHash: cached.hash } : undefined;
    }
    const ref = (rollout.spec as { workloadRef?: { name?: string } } | undefined)?.workloadRef;
    let workload: Observation['workload'];
    if (ref?.name !== undefined) {
      const name = ref.name;
      const d = await this.call(read('Deployment', p.namespace, name), () =>
        this.apps.readNamespacedDeployment({ name, namespace: p.namespace }),
      );
      workload = { name, specReplicas: d.spec?.replicas ?? 0 };
    }
    return { replicaSets, services: observedServices, workload };
  }

  /** ReplicaSets with their pods, for the `get` tree. */
  async details(rollout: KubeObject): Promise<TreeReplicaSet[]> {
    const p = parts(rollout);
    const sets = await this.listReplicaSets(rollout);
    const pods = await this.call(listCall('Pod', p.namespace), () =>
      this.core.listNamespacedPod({ namespace: p.namespace, labelSelector: `${ROLLOUT_LABEL}=${p.name}` }),
    );
    return sets.map((rs) => {
      const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
      return {
        name: rs.metadata?.name ?? '',
        hash,
        revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
        specReplicas: rs.spec?.replicas ?? 0,
        availableReplicas: rs.status?.availableReplicas ?? 0,
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
        createdAt: rs.metadata?.creationTimestamp
          ? new Date(rs.metadata.creationTimestamp).toISOString()
          : '',
        pods: pods.items
          .filter(
            (pod) =>
              pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && !pod.metadata.deletionTimestamp,
          )
          .map((pod) => {
            const statuses = pod.status?.containerStatuses ?? [];
            return {
              name: pod.metadata?.name ?? '',
              phase: pod.status?.phase ?? 'Pending',
              ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
              restarts: statuses.reduce((n, c) => n + c.restartCount, 0),
              reason: statuses.map((c) => c.state?.waiting?.reason).find((r) => r !== undefined),
              createdAt: pod.metadata?.creationTimestamp
                ? new Date(pod.metadata.creationTimestamp).toISOString()
                : '',
            };
          })
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    });
  }

  async revisions(rollout: KubeObject): Promise<Map<number, { hash: string; template: unknown }>> {
    const out = new Map<number, { hash: string; template: unknown }>();
    for (const rs of await this.listReplicaSets(rollout)) {
      const revision = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
      const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
      const original = rs.metadata?.annotations?.[TEMPLATE_ANNOTATION];
      if (original !== undefined) {
        out.set(revision, { hash, template: JSON.parse(original) });
        continue;
      }
      const template = structuredClone(rs.spec?.template ?? {}) as { metadata?: { labels?: Labels } };
      // Back to the template as the user wrote it: without the labels rollout-pilot adds.
      const ephemeral = JSON.parse(rs.metadata?.annotations?.[EPHEMERAL_ANNOTATION] ?? '{}') as PodMetadata;
      const added = new Set([POD_TEMPLATE_HASH_LABEL, ROLLOUT_LABEL, ...Object.keys(ephemeral.labels ?? {})]);
      const labels = Object.fromEntries(
        Object.entries(template.metadata?.labels ?? {}).filter(([k]) => !added.has(k)),
      );
      template.metadata = { ...template.metadata, labels };
      out.set(revision, { hash, template });
    }
    return out;
  }

  async apply(rollout: KubeObject, action: Action): Promise<void> {
    const p = parts(rollout);
    const namespace = p.namespace;
    switch (action.kind) {
      case 'createReplicaSet': {
        // The state ConfigMap stands in for Argo's Rollout object as the controller owner: it keeps
        // a Deployment with a matching selector (workloadRef) from adopting the ReplicaSet, and
        // deleting the rollout's state deletes its ReplicaSets, as deleting a Rollout does.
        const owner = await this.call(read('ConfigMap', namespace, stateName(p.name)), () =>
          this.core.readNamespacedConfigMap({ name: stateName(p.name), namespace }),
        );
        const ownerReferences = [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: stateName(p.name),
            uid: owner.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: false,
          },
        ];
        const podLabels = {
          ...(p.template.metadata?.labels ?? {}),
          [POD_TEMPLATE_HASH_LABEL]: action.hash,
          [ROLLOUT_LABEL]: p.name,
        };
        try {
          await this.call(write('create', 'ReplicaSet', namespace, `${p.name}-${action.hash}`), () =>
            this.apps.createNamespacedReplicaSet({
              namespace,
              fieldManager: FIELD_MANAGER,
              body: {
                metadata: {
                  name: `${p.name}-${action.hash}`,
                  namespace,
                  labels: podLabels,
                  ownerReferences,
                  annotations: {
                    [REVISION_ANNOTATION]: String(action.revision),
                    [MANAGED_BY_ANNOTATION]: p.name,
                    [TEMPLATE_ANNOTATION]: canonicalJson(p.template),
                  },
                },
                spec: {
                  replicas: action.replicas,
                  ...(p.minReadySeconds === undefined ? {} : { minReadySeconds: p.minReadySeconds }),
                  selector: { matchLabels: { ...p.matchLabels, [POD_TEMPLATE_HASH_LABEL]: action.hash } },
                  template: {
                    ...p.template,
                    metadata: { ...p.template.metadata, labels: podLabels },
                  } as never,
                },
              },
            }),
          );
        } catch (e) {
          // Created by an earlier, interrupted tick: the next observation sees it.
          if (statusCode(e) !== 409) throw e;
        }
        return;
      }
      case 'scaleReplicaSet':
        await this.patchReplicaSet(namespace, action.name, { spec: { replicas: action.replicas } });
        return;
      case 'setRevision':
        await this.patchReplicaSet(namespace, action.name, {
          metadata: { annotations: { [REVISION_ANNOTATION]: String(action.revision) } },
        });
        return;
      case 'switchService':
        this.serviceCache.set(`${namespace}/${action.service}`, {
          hash: action.hash,
          exists: true,
          at: Date.now(),
        });
        await this.call(write('patch', 'Service', namespace, action.service), () =>
          this.core.patchNamespacedService(
            {
              name: action.service,
              namespace,
              fieldManager: FIELD_MANAGER,
              body: {
                metadata: {
                  annotations: { [MANAGED_BY_ANNOTATION]: p.name, [ARGO_MANAGED_BY_ANNOTATION]: null },
                },
                spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: action.hash } },
              },
            },
            mergePatch,
          ),
        );
        return;
      case 'deleteReplicaSet':
        try {
          await this.call(write('delete', 'ReplicaSet', namespace, action.name), () =>
            this.apps.deleteNamespacedReplicaSet({
              name: action.name,
              namespace,
              propagationPolicy: 'Background',
            }),
          );
        } catch (e) {
          if (statusCode(e) !== 404) throw e;
        }
        return;
      case 'setEphemeralMetadata':
        await this.setEphemeralMetadata(namespace, action.name, action.metadata);
        return;
      case 'scaleWorkload':
        await this.call(write('patch', 'Deployment', namespace, action.name), () =>
          this.apps.patchNamespacedDeployment(
            {
              name: action.name,
              namespace,
              fieldManager: FIELD_MANAGER,
              body: { spec: { replicas: action.replicas } },
            },
            mergePatch,
          ),
        );
        return;
    }
  }

  private async patchReplicaSet(namespace: string, name: string, body: object): Promise<void> {
    await this.call(write('patch', 'ReplicaSet', namespace, name), () =>
      this.apps.patchNamespacedReplicaSet({ name, namespace, fieldManager: FIELD_MANAGER, body }, mergePatch),
    );
  }

  /** Role labels/annotations go on the ReplicaSet's template and, in place, on its running pods. */
  private async setEphemeralMetadata(namespace: string, name: string, metadata: PodMetadata): Promise<void> {
    const rs = await this.call(read('ReplicaSet', namespace, name), () =>
      this.apps.readNamespacedReplicaSet({ name, namespace }),
    );
    const before = JSON.parse(rs.metadata?.annotations?.[EPHEMERAL_ANNOTATION] ?? '{}') as PodMetadata;
    const diff = (was: Labels | undefined, want: Labels | undefined): Record<string, string | null> => {
      const out: Record<string, string | null> = {};
      for (const k of Object.keys(was ?? {})) if (!(k in (want ?? {}))) out[k] = null;
      return { ...out, ...(want ?? {}) };
    };
    const podMeta = {
      labels: diff(before.labels, metadata.labels),
      annotations: diff(before.annotations, metadata.annotations),
    };
    await this.patchReplicaSet(namespace, name, {
      metadata: { annotations: { [EPHEMERAL_ANNOTATION]: canonicalJson(metadata) } },
      spec: { template: { metadata: podMeta } },
    });

    const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
    if (hash === undefined) return;
    const pods = await this.call(listCall('Pod', namespace), () =>
      this.core.listNamespacedPod({ namespace, labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hash}` }),
    );
    for (const pod of pods.items) {
      const podName = pod.metadata?.name;
      if (podName === undefined) continue;
      await this.call(write('patch', 'Pod', namespace, podName), () =>
        this.core.patchNamespacedPod({ name: podName, namespace, body: { metadata: podMeta } }, mergePatch),
      );
    }
  }

  async applyObjects(
    objects: readonly KubeObject[],
    options: { dryRun: boolean; namespace: string },
  ): Promise<void> {
    for (const obj of objects) {
      const body = {
        ...obj,
        metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? options.namespace },
      };
      const annotations = obj.metadata.annotations as Record<string, string> | undefined;
      if (obj.kind === 'Service' && annotations?.[ARGO_MANAGED_BY_ANNOTATION] !== undefined) {
        // Applied, it would let Argo Rollouts' controller strip the Service's hash selector.
        const kept = Object.entries(annotations).filter(([k]) => k !== ARGO_MANAGED_BY_ANNOTATION);
        Object.assign(body.metadata, { annotations: Object.fromEntries(kept) });
      }
      const call = {
        verb: options.dryRun ? 'apply (dry run)' : 'apply',
        kind: body.kind,
        namespace: body.metadata.namespace,
        name: body.metadata.name,
      };
      await this.call({ call, write: !options.dryRun }, () =>
        this.objects.patch(
          body,
          undefined,
          options.dryRun ? 'All' : undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
    }
  }

  /**
   * An AnalysisTemplate or ClusterAnalysisTemplate stored in the cluster, when Argo Rollouts' CRDs
   * are installed there; undefined when the kind or the object does not exist.
   */
  async readAnalysisTemplate(
    kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate',
    name: string,
    namespace: string,
  ): Promise<Record<string, unknown> | undefined> {
    return this.readArgoObject(kind, name, kind === 'AnalysisTemplate' ? namespace : undefined);
  }

  /** Argo Rollouts' own Rollout object of this name, when its CRDs are installed and it exists. */
  async readArgoRollout(namespace: string, name: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.readArgoObject('Rollout', name, namespace);
    } catch (e) {
      // Without the optional rule of docs/rbac.yaml, Argo's ReplicaSets' owners tell instead.
      if (statusCode(e) === 403) return undefined;
      throw e;
    }
  }

  private async readArgoObject(
    kind: string,
    name: string,
    namespace: string | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const obj = await this.call(read(kind, namespace, name), () =>
        this.objects.read({
          apiVersion: 'argoproj.io/v1alpha1',
          kind,
          metadata: namespace === undefined ? { name } : { name, namespace },
        }),
      );
      return obj as unknown as Record<string, unknown>;
    } catch (e) {
      // 404: no such object, or no such kind (the CRDs are not installed).
      if (statusCode(e) === 404) return undefined;
      if (
        e instanceof Error &&
        /no matches for kind|does not have a resource type|Unrecognized API/i.test(
          `${e.message} ${e.cause instanceof Error ? e.cause.message : ''}`,
        )
      ) {
        return undefined;
      }
      throw e;
    }
  }

  /**
   * ReplicaSets that select the rollout's pods by pod-template hash but were not created by
   * rollout-pilot: Argo Rollouts' own, when a team moves a rollout from its controller.
   */
  async foreignReplicaSets(rollout: KubeObject): Promise<V1ReplicaSet[]> {
    const p = parts(rollout);
    const selector = Object.entries(p.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (selector === '') return [];
    const list = await this.call(listCall('ReplicaSet', p.namespace), () =>
      this.apps.listNamespacedReplicaSet({ namespace: p.namespace, labelSelector: selector }),
    );
    return list.items.filter((rs) => {
      const labels = rs.metadata?.labels ?? {};
      if (labels[ROLLOUT_LABEL] !== undefined || labels[POD_TEMPLATE_HASH_LABEL] === undefined) return false;
      const own = Object.entries(rs.spec?.selector.matchLabels ?? {}).filter(
        ([k]) => k !== POD_TEMPLATE_HASH_LABEL,
      );
      return canonicalJson(Object.fromEntries(own)) === canonicalJson(p.matchLabels);
    });
  }

  /**
   * The pod template the API server makes of the rollout's (defaults filled in), through a dry-run
   * create: what an adopted ReplicaSet's template must equal to be the same revision.
   */
  async defaultedTemplate(rollout: KubeObject, hash: string): Promise<unknown> {
    const p = parts(rollout);
    const labels = { ...(p.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    // A name of its own: the adopted ReplicaSet already has `<name>-<hash>`.
    const probe = `${p.name}-${hash}-defaults`.slice(0, 253);
    const rs = await this.call(read('ReplicaSet (dry run)', p.namespace, probe), () =>
      this.apps.createNamespacedReplicaSet({
        namespace: p.namespace,
        dryRun: 'All',
        body: {
          metadata: { name: probe, namespace: p.namespace },
          spec: {
            replicas: 0,
            selector: { matchLabels: { ...p.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash } },
            template: { ...p.template, metadata: { ...p.template.metadata, labels } } as never,
          },
        },
      }),
    );
    return rs.spec?.template;
  }

  /**
   * Takes a ReplicaSet of Argo Rollouts' over: labelled as the rollout's and owned by its state
   * ConfigMap, as rollout-pilot's own are. `sameTemplateAs` records that it runs the pod template
   * whose rollout-pilot hash is this, so that template is not rolled out again.
   */
  async adoptReplicaSet(
    rollout: KubeObject,
    name: string,
    sameTemplateAs: string | undefined,
  ): Promise<void> {
    const p = parts(rollout);
    const owner = await this.call(read('ConfigMap', p.namespace, stateName(p.name)), () =>
      this.core.readNamespacedConfigMap({ name: stateName(p.name), namespace: p.namespace }),
    );
    await this.patchReplicaSet(p.namespace, name, {
      metadata: {
        labels: { [ROLLOUT_LABEL]: p.name },
        annotations: {
          [MANAGED_BY_ANNOTATION]: p.name,
          ...(sameTemplateAs === undefined ? {} : { [SAME_TEMPLATE_ANNOTATION]: sameTemplateAs }),
        },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: stateName(p.name),
            uid: owner.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: false,
          },
        ],
      },
    });
  }

  /** workloadRef: the Deployment's pod template (and selector) become the Rollout's. */
  async resolveWorkloadRef(rollout: KubeObject): Promise<KubeObject> {
    const spec = (rollout.spec ?? {}) as {
      workloadRef?: { name?: string; kind?: string };
      selector?: unknown;
    };
    const ref = spec.workloadRef;
    if (ref?.name === undefined) return rollout;
    if (ref.kind !== undefined && ref.kind !== 'Deployment') {
      throw new Error(`workloadRef: only kind Deployment is supported, not ${ref.kind}`);
    }
    const name = ref.name;
    const namespace = rollout.metadata.namespace ?? 'default';
    let d;
    try {
      d = await this.call(read('Deployment', namespace, name), () =>
        this.apps.readNamespacedDeployment({ name, namespace }),
      );
    } catch (e) {
      if (statusCode(e) === 404) {
        throw new Error(`workloadRef: Deployment ${namespace}/${name} does not exist`, { cause: e });
      }
      throw e;
    }
    return {
      ...rollout,
      spec: { ...spec, selector: spec.selector ?? d.spec?.selector, template: d.spec?.template },
    };
  }

  /** Services' current `rollouts-pod-template-hash` selectors, so a re-apply keeps them. */
  async serviceHashes(namespace: string, names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const name of names) {
      try {
        const svc = await this.call(read('Service', namespace, name), () =>
          this.core.readNamespacedService({ name, namespace }),
        );
        const hash = svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
        if (hash !== undefined) out.set(name, hash);
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
      }
    }
    return out;
  }

  async waitForChange(rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void> {
    await this.watch(rollout);
    if (this.dirty) {
      // Several events usually come together (a scale, then pods): take them as one.
      this.dirty = false;
      await sleep(EVENT_DEBOUNCE_MS, signal);
      this.dirty = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiter = done;
      signal?.addEventListener('abort', done);
    });
    if (this.dirty) {
      this.dirty = false;
      await sleep(EVENT_DEBOUNCE_MS, signal);
      this.dirty = false;
    }
  }

  /** Starts the watches once per rollout; one that ends is started again at the next wait. */
  private async watch(rollout: KubeObject): Promise<void> {
    const p = parts(rollout);
    const key = `${p.namespace}/${p.name}`;
    if (this.watches?.key === key && this.watches.alive) return;
    this.stopWatching();
    const entry = { key, controllers: [] as AbortController[], alive: true };
    this.watches = entry;
    const onEvent = (_type: string, obj: unknown): void => {
      const version = (obj as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
      if (version !== undefined && version === this.lastWrittenVersion) return;
      this.dirty = true;
      this.waiter?.();
    };
    const onDone = (): void => {
      entry.alive = false;
    };
    const watch = new Watch(this.kubeConfig);
    try {
      this.requests += 2;
      entry.controllers.push(
        await watch.watch(
          `/apis/apps/v1/namespaces/${p.namespace}/replicasets`,
          { labelSelector: `${ROLLOUT_LABEL}=${p.name}`, allowWatchBookmarks: false },
          onEvent,
          onDone,
        ),
        await watch.watch(
          `/api/v1/namespaces/${p.namespace}/configmaps`,
          { fieldSelector: `metadata.name=${stateName(p.name)}`, allowWatchBookmarks: false },
          onEvent,
          onDone,
        ),
      );
      // The watches start with the current objects ("ADDED"): that is not news.
      await sleep(EVENT_DEBOUNCE_MS);
      this.dirty = false;
    } catch {
      // Without a watch the driver still wakes on its timers.
      entry.alive = false;
    }
  }

  stopWatching(): void {
    for (const c of this.watches?.controllers ?? []) c.abort();
    this.watches = undefined;
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
