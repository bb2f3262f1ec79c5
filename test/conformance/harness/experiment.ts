import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PatchStrategy, setHeaderOptions, type V1ReplicaSet } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { runAction, type ActionRun } from '../../support/action.ts';
import {
  experimentObjects,
  toExperimentPoint,
  type ExperimentPoint,
  type ExperimentRSFacts,
  type ExperimentStatusView,
} from './experiment-observe.ts';
import { clients, type ClusterName } from './kube.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const ARGO = { group: 'argoproj.io', version: 'v1alpha1' } as const;

/** One change seen while polling, `t` seconds after the experiment was created. */
export interface TimelineEntry {
  t: number;
  what: string;
}

/**
 * What a side saw over time: each poll's changes of phase, availableAt, template statuses,
 * ReplicaSets and analyses, so scenarios can compare when things happened, not only where they
 * ended.
 */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  private start = Date.now();
  private last: Partial<Record<keyof ExperimentPoint, string>> = {};

  restart(): void {
    this.start = Date.now();
  }

  /** `status.availableAt` as the side stored it (RFC 3339, whole seconds on both sides), first seen. */
  private storedAvailableAt: number | undefined;

  /** The earliest creationTimestamp of the side's ReplicaSets (whole seconds, the API server's clock). */
  private storedCreatedAt: number | undefined;

  record(point: ExperimentPoint, status: ExperimentStatusView = {}, sets: V1ReplicaSet[] = []): void {
    if (this.storedAvailableAt === undefined && typeof status.availableAt === 'string')
      this.storedAvailableAt = Date.parse(status.availableAt);
    for (const rs of sets) {
      const at = rs.metadata?.creationTimestamp?.getTime();
      if (at !== undefined && (this.storedCreatedAt === undefined || at < this.storedCreatedAt))
        this.storedCreatedAt = at;
    }
    const t = Math.round((Date.now() - this.start) / 100) / 10;
    for (const [field, value] of Object.entries(point) as [keyof ExperimentPoint, unknown][]) {
      const v = String(value);
      if (this.last[field] === v) continue;
      this.last[field] = v;
      this.entries.push({ t, what: `${field}: ${v}` });
    }
  }

  /**
   * When the side says every template became available (its stored availableAt), in seconds on this
   * timeline: a poll may see it seconds late on a loaded machine, the timestamp does not.
   */
  availableAt(): number | undefined {
    return this.storedAvailableAt === undefined ? undefined : (this.storedAvailableAt - this.start) / 1000;
  }

  /**
   * When the side created its first ReplicaSet, in seconds on this timeline, from the objects'
   * creationTimestamp: a loaded machine's poll may first see them seconds later (measured: 5 s).
   * The same machine's clock for both; the timestamp's whole seconds are well inside the tolerance.
   */
  createdAt(): number | undefined {
    return this.storedCreatedAt === undefined ? undefined : (this.storedCreatedAt - this.start) / 1000;
  }

  /** The first time (at or after `from` seconds) a field took a value matching `pattern`. */
  firstTime(field: keyof ExperimentPoint, pattern: RegExp, from = 0): number | undefined {
    return this.entries.find(
      (e) => e.t >= from && e.what.startsWith(`${field}: `) && pattern.test(e.what.slice(field.length + 2)),
    )?.t;
  }

  /**
   * The ReplicaSets that had pods: a non-zero spec at some poll (`<name> <spec>/...` lines), or the
   * side's own status counting an available pod for the template (`<template>=<status> <n>/<available>`;
   * the ReplicaSet is `<experiment>-<template>`). A loaded machine may poll a quick experiment's
   * ReplicaSets only after they went back to 0; the status said it saw the pods.
   */
  hadPods(experiment: string): string[] {
    const names = new Set<string>();
    for (const e of this.entries) {
      if (e.what.startsWith('replicaSets: '))
        for (const m of e.what.matchAll(/(\S+) ([1-9]\d*)\//g)) if (m[1] !== undefined) names.add(m[1]);
      if (e.what.startsWith('templates: '))
        for (const m of e.what.matchAll(/([^\s;=]+)=\w+ \d+\/([1-9]\d*)/g))
          if (m[1] !== undefined) names.add(`${experiment}-${m[1]}`);
    }
    return [...names].sort();
  }

  toString(): string {
    return this.entries.map((e) => `  +${e.t.toFixed(1)}s ${e.what}`).join('\n');
  }
}

/** A side of an experiment scenario: where the status comes from, and how it is created and ended. */
export interface ExperimentSide {
  readonly label: string;
  readonly cluster: ClusterName;
  readonly namespace: string;
  readonly name: string;
  readonly timeline: Timeline;
  observe(): Promise<{ point: ExperimentPoint; facts: ExperimentRSFacts[]; note: string }>;
  terminate(): Promise<void>;
}

/** The oracle: an Experiment object that Argo Rollouts' controller runs. */
export class ArgoExperimentSide implements ExperimentSide {
  readonly label = 'Argo Rollouts';
  readonly cluster: ClusterName = 'argo';
  readonly namespace: string;
  readonly name: string;
  readonly timeline = new Timeline();
  private readonly k = clients('argo');

  constructor(namespace: string, name: string) {
    this.namespace = namespace;
    this.name = name;
  }

  /** Creates the AnalysisTemplates, then the Experiment. */
  async create(docs: { kind: string; metadata: { name: string } }[]): Promise<void> {
    for (const doc of docs) {
      if (doc.kind !== 'AnalysisTemplate') continue;
      const body = { ...doc, metadata: { ...doc.metadata, namespace: this.namespace } };
      await this.k.custom.createNamespacedCustomObject({
        ...ARGO,
        plural: 'analysistemplates',
        namespace: this.namespace,
        body,
      });
    }
    const experiment = docs.find((d) => d.kind === 'Experiment');
    if (experiment === undefined) throw new Error('no Experiment among the manifests');
    this.timeline.restart();
    await this.k.custom.createNamespacedCustomObject({
      ...ARGO,
      plural: 'experiments',
      namespace: this.namespace,
      body: { ...experiment, metadata: { ...experiment.metadata, namespace: this.namespace } },
    });
  }

  /** `kubectl argo rollouts terminate experiment`: `spec.terminate: true`. */
  async terminate(): Promise<void> {
    await this.k.custom.patchNamespacedCustomObject(
      {
        ...ARGO,
        plural: 'experiments',
        namespace: this.namespace,
        name: this.name,
        body: { spec: { terminate: true } },
      },
      mergePatch,
    );
  }

  async observe(): Promise<{ point: ExperimentPoint; facts: ExperimentRSFacts[]; note: string }> {
    const ex = (await this.k.custom.getNamespacedCustomObject({
      ...ARGO,
      plural: 'experiments',
      namespace: this.namespace,
      name: this.name,
    })) as { status?: ExperimentStatusView };
    const { sets, services } = await experimentObjects('argo', this.namespace, this.name);
    const r = toExperimentPoint(ex.status ?? {}, sets, services);
    this.timeline.record(r.point, ex.status, sets);
    return { ...r, note: '' };
  }

  /** The AnalysisRun objects' phases, `<name>=<phase>`: the experiment's status copies them. */
  async runPhases(): Promise<string> {
    const list = (await this.k.custom.listNamespacedCustomObject({
      ...ARGO,
      plural: 'analysisruns',
      namespace: this.namespace,
    })) as { items: { metadata: { name: string }; status?: { phase?: string } }[] };
    return list.items
      .map((r) => `${r.metadata.name}=${r.status?.phase ?? ''}`)
      .sort()
      .join(' ');
  }
}

/**
 * rollout-pilot as a runner runs it: `run` with the Experiment and its AnalysisTemplates in a
 * checkout, as a ServiceAccount bound to docs/rbac.yaml's Role. The run drives the experiment to
 * its end; the status is read from the experiment's state ConfigMap while it runs.
 */
export class PilotExperimentSide implements ExperimentSide {
  readonly label = 'rollout-pilot';
  readonly cluster: ClusterName;
  readonly namespace: string;
  readonly name: string;
  readonly kubeconfig: string;
  readonly timeline = new Timeline();
  private readonly k: ReturnType<typeof clients>;
  private repo: string | undefined;
  /** The `run` that drives the experiment, once started. */
  running: Promise<ActionRun> | undefined;
  private lastRun: ActionRun | undefined;

  constructor(cluster: ClusterName, namespace: string, name: string, kubeconfig: string) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.name = name;
    this.kubeconfig = kubeconfig;
    this.k = clients(cluster);
  }

  private action(inputs: Record<string, string>): Promise<ActionRun> {
    return runAction(
      { namespace: this.namespace, kubeconfig: this.kubeconfig, ...inputs },
      {
        cwd: this.repo ?? tmpdir(),
        env: { ROLLOUT_PILOT_DRIVER_ID: `conformance-${this.cluster}-${this.namespace}#1` },
      },
    );
  }

  /** Starts `run` with the manifests; it returns at once, the run goes on in the background. */
  async start(docs: unknown[]): Promise<void> {
    this.repo ??= await mkdtemp(path.join(tmpdir(), 'rp-conf-exp-'));
    await writeFile(path.join(this.repo, 'experiment.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    this.timeline.restart();
    this.running = this.action({ manifests: 'experiment.yaml' }).then((run) => {
      this.lastRun = run;
      return run;
    });
  }

  /** `abort` by name, which terminates a standalone experiment (Argo's `terminate experiment`). */
  async terminate(): Promise<void> {
    const run = await this.action({ command: 'abort', rollout: this.name });
    if (run.exitCode !== 0)
      throw new Error(`abort failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  }

  async observe(): Promise<{ point: ExperimentPoint; facts: ExperimentRSFacts[]; note: string }> {
    const run = this.lastRun;
    if (run !== undefined && run.exitCode !== 0 && !run.outputs.phase) {
      throw new Error(
        `rollout-pilot failed before it drove (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`,
      );
    }
    const cm = await this.k.core.readNamespacedConfigMap({
      name: `rollout-pilot-experiment.${this.name}`,
      namespace: this.namespace,
    });
    const st = JSON.parse(cm.data?.['status.json'] ?? '{}') as ExperimentStatusView;
    const { sets, services } = await experimentObjects(this.cluster, this.namespace, this.name);
    const r = toExperimentPoint(st, sets, services);
    this.timeline.record(r.point, st, sets);
    const note =
      run === undefined ? '' : `\n--- run (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}\n${run.stderr}`;
    return { ...r, note };
  }
}
