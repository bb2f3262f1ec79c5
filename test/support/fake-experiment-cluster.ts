/**
 * The experiment side of the fake cluster (src/controller/experiment-ports.ts in memory). It shares
 * a FakeWorld's clock, its `readyDelayMs` and `broken` hashes, and its Services (a rollout's Service
 * of the same name is foreign to an experiment). Pods of a ReplicaSet become ready `readyDelayMs`
 * after it is scaled up, or, with `manualReady`, only when the test calls `makeReady`; they are
 * available `minReadySeconds` after they are ready, as on a real cluster.
 *
 * `FakeClusterWithExperiments` is one driver's port onto both worlds: the rollout's `observe` also
 * lists the step experiments' ReplicaSets (they carry the rollout's label on a real cluster), marked
 * with their experiment and template.
 */
import { experimentTemplateHash } from '../../src/engine/experiment-hash.ts';
import { experimentServiceName, experimentServicePorts } from '../../src/engine/experiment-service.ts';
import type { ExperimentReplicaSet } from '../../src/engine/experiment-types.ts';
import type { Observation } from '../../src/engine/state.ts';
import {
  ownerLabel,
  ownerStateName,
  type ExperimentClusterAction,
  type ExperimentClusterPort,
  type ExperimentObservation,
  type ExperimentOwner,
} from '../../src/controller/experiment-ports.ts';
import type { KubeObject } from '../../src/controller/ports.ts';
import type { Experiment, ExperimentTemplate } from '../../src/manifests/experiment.ts';
import { notOursMessage } from '../../src/adapters/k8s/experiment-objects.ts';
import { FakeCluster, type FakeWorld } from './fake-cluster.ts';

export interface FakeExperimentReplicaSet {
  name: string;
  namespace: string;
  hash: string;
  /** The owner's state ConfigMap and label. */
  owner: string;
  label: [string, string];
  experiment: string;
  template: string;
  minReadySeconds: number;
  specReplicas: number;
  /** Fake-clock time (ms) each pod becomes ready; Infinity: not yet. */
  pods: number[];
  createdAt: number;
  scaleDownDeadline?: string | undefined;
}

export interface FakeExperimentService {
  name: string;
  namespace: string;
  owner: string;
  experiment: string;
  template: string;
  selector: Record<string, string>;
  ports: ReturnType<typeof experimentServicePorts>;
}

type Kind = ExperimentClusterAction['kind'];

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function templateOf(experiment: Experiment, name: string): ExperimentTemplate {
  const t = experiment.spec.templates.find((x) => x.name === name);
  if (t === undefined) throw new Error(`experiment ${experiment.metadata.name} has no template ${name}`);
  return t;
}

export class FakeExperimentWorld {
  readonly world: FakeWorld;
  /** Pods wait for `makeReady` instead of `world.readyDelayMs`. */
  manualReady = false;
  /** `namespace/name` → ReplicaSet. */
  readonly replicaSets = new Map<string, FakeExperimentReplicaSet>();
  /** `namespace/name` → Service made by an experiment. */
  readonly services = new Map<string, FakeExperimentService>();
  /** Every action applied, in order, with the fake time. */
  readonly actions: { at: number; owner: ExperimentOwner; action: ExperimentClusterAction }[] = [];
  /** The next action of a kind fails with this message (once). */
  private readonly failures = new Map<Kind, string>();

  constructor(world: FakeWorld) {
    this.world = world;
  }

  private get now(): number {
    return this.world.clock.ms;
  }

  failNext(kind: Kind, message: string): void {
    this.failures.set(kind, message);
  }

  /** Makes `count` waiting pods of a ReplicaSet ready now (all of them by default). */
  makeReady(namespace: string, name: string, count = Infinity): void {
    const rs = this.replicaSets.get(key(namespace, name));
    if (rs === undefined) throw new Error(`no ReplicaSet ${name}`);
    let left = count;
    rs.pods = rs.pods.map((t) => (t === Infinity && left-- > 0 ? this.now : t));
  }

  ready(rs: FakeExperimentReplicaSet): number {
    return rs.pods.filter((t) => t <= this.now).length;
  }

  available(rs: FakeExperimentReplicaSet): number {
    return rs.pods.filter((t) => t + rs.minReadySeconds * 1000 <= this.now).length;
  }

  /** The earliest fake time after now at which a pod becomes ready or available, if any. */
  nextPodChange(): number | undefined {
    const times = [...this.replicaSets.values()].flatMap((rs) =>
      rs.pods.flatMap((t) => [t, t + rs.minReadySeconds * 1000]),
    );
    const later = times.filter((t) => t > this.now && t !== Infinity);
    return later.length === 0 ? undefined : Math.min(...later);
  }

  scale(rs: FakeExperimentReplicaSet, replicas: number): void {
    rs.specReplicas = replicas;
    const readyAt =
      this.manualReady || this.world.broken.has(rs.hash) ? Infinity : this.now + this.world.readyDelayMs;
    while (rs.pods.length < replicas) rs.pods.push(readyAt);
    // Scale-down removes the pods that are not ready first, as the ReplicaSet controller does.
    rs.pods.sort((x, y) => x - y);
    rs.pods.length = Math.min(rs.pods.length, replicas);
  }

  view(rs: FakeExperimentReplicaSet): ExperimentReplicaSet {
    return {
      name: rs.name,
      hash: rs.hash,
      specReplicas: rs.specReplicas,
      replicas: rs.pods.length,
      readyReplicas: this.ready(rs),
      availableReplicas: this.available(rs),
      scaleDownDeadline: rs.scaleDownDeadline,
    };
  }

  observe(owner: ExperimentOwner, experiment: Experiment): ExperimentObservation {
    const out: ExperimentObservation = { replicaSets: {}, services: {}, failures: {} };
    const name = experiment.metadata.name;
    for (const t of experiment.spec.templates) {
      const rs = this.replicaSets.get(key(owner.namespace, `${name}-${t.name}`));
      const ours = rs?.owner === ownerStateName(owner) && rs.experiment === name && rs.template === t.name;
      if (rs !== undefined && !ours)
        out.failures[t.name] = `ReplicaSet ${rs.name} exists and is not experiment ${name}'s`;
      out.replicaSets[t.name] = ours ? this.view(rs) : undefined;
      const svc = [...this.services.values()].find(
        (s) =>
          s.namespace === owner.namespace &&
          s.owner === ownerStateName(owner) &&
          s.experiment === name &&
          s.template === t.name,
      );
      out.services[t.name] = svc !== undefined;
    }
    return out;
  }

  apply(owner: ExperimentOwner, experiment: Experiment, action: ExperimentClusterAction): void {
    const failure = this.failures.get(action.kind);
    if (failure !== undefined) {
      this.failures.delete(action.kind);
      throw new Error(failure);
    }
    this.actions.push({ at: this.now, owner, action });
    switch (action.kind) {
      case 'createExperimentReplicaSet':
        this.createReplicaSet(owner, experiment, action);
        return;
      case 'scaleExperimentReplicaSet':
        this.scale(this.ownReplicaSet(owner, action.name), action.replicas);
        return;
      case 'setExperimentScaleDownDeadline':
        this.ownReplicaSet(owner, action.name).scaleDownDeadline = action.deadline;
        return;
      case 'createExperimentService':
        this.createService(owner, experiment, action);
        return;
      case 'deleteExperimentService': {
        const name = experimentServiceName(experiment.metadata.name, templateOf(experiment, action.template));
        const svc = this.services.get(key(owner.namespace, name));
        if (svc?.owner === ownerStateName(owner) && svc.experiment === experiment.metadata.name)
          this.services.delete(key(owner.namespace, name));
        return;
      }
    }
  }

  private ownReplicaSet(owner: ExperimentOwner, name: string): FakeExperimentReplicaSet {
    const rs = this.replicaSets.get(key(owner.namespace, name));
    if (rs?.owner !== ownerStateName(owner)) throw new Error(`replicasets "${name}" not found`);
    return rs;
  }

  private createReplicaSet(
    owner: ExperimentOwner,
    experiment: Experiment,
    action: Extract<ExperimentClusterAction, { kind: 'createExperimentReplicaSet' }>,
  ): void {
    const k = key(owner.namespace, action.name);
    const found = this.replicaSets.get(k);
    if (found !== undefined) {
      if (found.owner === ownerStateName(owner) && found.experiment === experiment.metadata.name) return;
      throw new Error(notOursMessage('ReplicaSet', action.name, experiment.metadata.name, action.template));
    }
    const template = templateOf(experiment, action.template);
    const rs: FakeExperimentReplicaSet = {
      name: action.name,
      namespace: owner.namespace,
      hash: experimentTemplateHash(experiment.metadata.name, template.name, template.template),
      owner: ownerStateName(owner),
      label: ownerLabel(owner),
      experiment: experiment.metadata.name,
      template: template.name,
      minReadySeconds: template.minReadySeconds,
      specReplicas: 0,
      pods: [],
      createdAt: this.now,
    };
    this.replicaSets.set(k, rs);
    this.scale(rs, action.replicas);
  }

  private createService(
    owner: ExperimentOwner,
    experiment: Experiment,
    action: Extract<ExperimentClusterAction, { kind: 'createExperimentService' }>,
  ): void {
    const k = key(owner.namespace, action.name);
    const found = this.services.get(k);
    const ours =
      found?.owner === ownerStateName(owner) &&
      found.experiment === experiment.metadata.name &&
      found.template === action.template;
    if (ours) return;
    if (found !== undefined || this.world.services.has(action.name))
      throw new Error(notOursMessage('Service', action.name, experiment.metadata.name, action.template));
    const template = templateOf(experiment, action.template);
    const rs = this.ownReplicaSet(owner, `${experiment.metadata.name}-${template.name}`);
    this.services.set(k, {
      name: action.name,
      namespace: owner.namespace,
      owner: ownerStateName(owner),
      experiment: experiment.metadata.name,
      template: template.name,
      selector: {
        ...template.template.metadata.labels,
        'rollouts-pod-template-hash': rs.hash,
        [rs.label[0]]: rs.label[1],
      },
      ports: experimentServicePorts(template.template),
    });
  }

  deleteExperiment(owner: ExperimentOwner, name: string): void {
    for (const [k, rs] of this.replicaSets)
      if (rs.owner === ownerStateName(owner) && rs.experiment === name) this.replicaSets.delete(k);
    for (const [k, svc] of this.services)
      if (svc.owner === ownerStateName(owner) && svc.experiment === name) this.services.delete(k);
  }

  /** Deleting an owner's state ConfigMap: the garbage collector removes what it owned. */
  collectGarbage(owner: ExperimentOwner): void {
    for (const [k, rs] of this.replicaSets)
      if (rs.owner === ownerStateName(owner)) this.replicaSets.delete(k);
    for (const [k, svc] of this.services) if (svc.owner === ownerStateName(owner)) this.services.delete(k);
  }
}

/** One driver's port onto the fake cluster, experiments included. */
export class FakeClusterWithExperiments extends FakeCluster implements ExperimentClusterPort {
  readonly experiments: FakeExperimentWorld;

  constructor(world: FakeWorld, me: string, experiments = new FakeExperimentWorld(world)) {
    super(world, me);
    this.experiments = experiments;
  }

  observeExperiment(owner: ExperimentOwner, experiment: Experiment): Promise<ExperimentObservation> {
    return Promise.resolve(structuredClone(this.experiments.observe(owner, experiment)));
  }

  applyExperimentAction(
    owner: ExperimentOwner,
    experiment: Experiment,
    action: ExperimentClusterAction,
  ): Promise<void> {
    try {
      this.experiments.apply(owner, experiment, action);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  deleteExperiment(owner: ExperimentOwner, name: string): Promise<void> {
    this.experiments.deleteExperiment(owner, name);
    return Promise.resolve();
  }

  /** The rollout's ReplicaSets and its step experiments', as the rollout label lists them. */
  override async observe(rollout: KubeObject, services: readonly string[]): Promise<Observation> {
    const seen = await super.observe(rollout, services);
    const e = this.experiments;
    const mine = [...e.replicaSets.values()].filter(
      (rs) => rs.label[0] === 'rollout-pilot.dev/rollout' && rs.label[1] === rollout.metadata.name,
    );
    return {
      ...seen,
      replicaSets: [
        ...seen.replicaSets,
        ...mine.map((rs) => ({
          ...e.view(rs),
          revision: 0,
          createdAt: new Date(rs.createdAt).toISOString(),
          podIssues: [],
          experiment: rs.experiment,
          experimentTemplate: rs.template,
        })),
      ],
    };
  }

  /** As FakeCluster's, but an experiment pod becoming ready or available also ends the wait. */
  override waitForChange(rollout: KubeObject, ms: number, signal?: AbortSignal): Promise<void> {
    const next = this.experiments.nextPodChange();
    const until = next === undefined ? ms : Math.min(ms, next - this.world.clock.ms);
    return super.waitForChange(rollout, until, signal);
  }

  waitForExperimentChange(owner: ExperimentOwner, ms: number, signal?: AbortSignal): Promise<void> {
    const name = owner.kind === 'rollout' ? owner.rollout : owner.name;
    const subject: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } };
    return this.waitForChange(subject, ms, signal);
  }
}
