import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import { clients, type ClusterName } from './kube.ts';

/** Argo's marks on an Experiment's ReplicaSets and Services (experiment_types.go). */
export const EXPERIMENT_NAME = 'experiment.argoproj.io/name';
export const TEMPLATE_NAME = 'experiment.argoproj.io/template-name';

/** An Experiment's status as Argo writes it (ExperimentStatus), which rollout-pilot stores too. */
export interface ExperimentStatusView {
  phase?: string;
  message?: string;
  availableAt?: string;
  templateStatuses?: {
    name: string;
    status: string;
    message?: string;
    replicas?: number;
    availableReplicas?: number;
    serviceName?: string;
  }[];
  analysisRuns?: { name: string; phase?: string; message?: string }[];
}

/**
 * One settle point of a standalone Experiment, in a shape both implementations map into: the
 * Experiment's status (Argo's object, or rollout-pilot's stored status) and the ReplicaSets and
 * Services that carry the experiment's annotation. Names are compared as they are: both name the
 * ReplicaSet `<experiment>-<template>`. Pod-template hashes differ by design and are left out.
 */
export interface ExperimentPoint {
  phase: string;
  message: string;
  /** `status.availableAt` is set. */
  availableAt: boolean;
  /** Per template: `<status> <replicas>/<available>[ (message)]`. */
  templates: string;
  /** Per ReplicaSet: `<name> <spec>/<ready>/<available> tmpl=<template>[ deadline]`. */
  replicaSets: string;
  /** Per Service: `<name> <selector without the hash and rollout-pilot's label> <ports>`. */
  services: string;
  /** Per analysis: `<name>=<phase>`. */
  analyses: string;
}

export const EXPERIMENT_FIELDS: (keyof ExperimentPoint)[] = [
  'phase',
  'message',
  'availableAt',
  'templates',
  'replicaSets',
  'services',
  'analyses',
];

/** A ReplicaSet of the experiment, as the settle rule needs it. */
export interface ExperimentRSFacts {
  name: string;
  spec: number;
  replicas: number;
  available: number;
  observed: boolean;
  deadline: boolean;
}

const COMPLETE = ['Successful', 'Failed', 'Error', 'Inconclusive'];

export function isComplete(phase: string): boolean {
  return COMPLETE.includes(phase);
}

function rsFacts(rs: V1ReplicaSet): ExperimentRSFacts {
  return {
    name: rs.metadata?.name ?? '',
    spec: rs.spec?.replicas ?? 0,
    replicas: rs.status?.replicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    observed: (rs.status?.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0),
    deadline: rs.metadata?.annotations?.['scale-down-deadline'] !== undefined,
  };
}

function rsLine(rs: V1ReplicaSet): string {
  const f = rsFacts(rs);
  const template = rs.metadata?.annotations?.[TEMPLATE_NAME] ?? '?';
  const ready = rs.status?.readyReplicas ?? 0;
  return `${f.name} ${f.spec}/${ready}/${f.available} tmpl=${template}${f.deadline ? ' deadline' : ''}`;
}

function serviceLine(svc: V1Service): string {
  const selector = Object.entries(svc.spec?.selector ?? {})
    .filter(([k]) => k !== 'rollouts-pod-template-hash' && !k.startsWith('rollout-pilot.dev/'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const ports = (svc.spec?.ports ?? []).map((p) => `${p.port}->${String(p.targetPort ?? '')}`).join(',');
  return `${svc.metadata?.name ?? ''} {${selector}} [${ports}]`;
}

/** The experiment's objects in `namespace` (by Argo's annotation, which both sides set). */
export async function experimentObjects(
  cluster: ClusterName,
  namespace: string,
  name: string,
): Promise<{ sets: V1ReplicaSet[]; services: V1Service[] }> {
  const k = clients(cluster);
  const mine = (o: { metadata?: { annotations?: Record<string, string> } }): boolean =>
    o.metadata?.annotations?.[EXPERIMENT_NAME] === name;
  const sets = (await k.apps.listNamespacedReplicaSet({ namespace })).items.filter(mine);
  const services = (await k.core.listNamespacedService({ namespace })).items.filter(mine);
  const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T): number =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  return { sets: sets.sort(byName), services: services.sort(byName) };
}

const ARGO_VERDICT = /^Metric "([^"]+)" assessed (\w+) due to \w+ \((\d+)\) > (\w+) \((\d+)\)$/;
const PILOT_VERDICT =
  /^(?:dry-run )?metric "([^"]+)" (failed|errored|inconclusive): .*; (\d+) [^;>]* > (\w+) (\d+)$/;
const PHASE_OF: Record<string, string> = { failed: 'Failed', errored: 'Error', inconclusive: 'Inconclusive' };

/**
 * An analysis verdict as both sides agree on it: which metric ended which phase, and the limit it
 * crossed. Argo says `Metric "x" assessed Failed due to failed (2) > failureLimit (1)`; ours also says
 * what was measured and how the conditions judged it (docs/compatibility.md, Analysis). Other
 * messages are compared as they are.
 */
export function verdictOf(message: string): string {
  const a = ARGO_VERDICT.exec(message);
  if (a !== null) return `metric "${a[1]}" ${a[2]}: ${a[3]} > ${a[4]} ${a[5]}`;
  const p = PILOT_VERDICT.exec(message);
  if (p !== null) return `metric "${p[1]}" ${PHASE_OF[p[2] ?? ''] ?? p[2]}: ${p[3]} > ${p[4]} ${p[5]}`;
  return message;
}

/** Maps a status and the objects into the shared point. */
export function toExperimentPoint(
  st: ExperimentStatusView,
  sets: V1ReplicaSet[],
  services: V1Service[],
): { point: ExperimentPoint; facts: ExperimentRSFacts[] } {
  const templates = (st.templateStatuses ?? [])
    .map(
      (t) =>
        `${t.name}=${t.status} ${t.replicas ?? 0}/${t.availableReplicas ?? 0}${t.message ? ` (${t.message})` : ''}`,
    )
    .sort()
    .join('; ');
  const point: ExperimentPoint = {
    phase: st.phase ?? '',
    availableAt: st.availableAt !== undefined && st.availableAt !== null,
    templates,
    replicaSets: sets.map(rsLine).join('; '),
    services: services.map(serviceLine).join('; '),
    message: verdictOf(st.message ?? ''),
    analyses: (st.analysisRuns ?? [])
      .map((r) => `${r.name}=${r.phase ?? ''}`)
      .sort()
      .join(' '),
  };
  return { point, facts: sets.map(rsFacts) };
}

/** The experiment waits for somebody with its templates up: Running, every template available. */
export function runningSettled(
  point: ExperimentPoint,
  facts: ExperimentRSFacts[],
  analyses: number,
  unphased = false,
): boolean {
  // `unphased`: an entry without a phase counts as started (Argo's Experiment may keep one so).
  const listed = point.analyses === '' ? [] : point.analyses.split(' ');
  const started = unphased ? listed.length : listed.filter((a) => !a.endsWith('=')).length;
  return (
    point.phase === 'Running' &&
    point.availableAt &&
    facts.length > 0 &&
    facts.every((f) => f.observed && f.spec > 0 && f.available === f.spec && f.replicas === f.spec) &&
    started === analyses
  );
}

/**
 * The experiment is over: a completed phase, no pods, no Service left. A ReplicaSet scaled down after
 * scaleDownDelaySeconds keeps its `scale-down-deadline` annotation in Argo (experiments/replicaset.go
 * removes it only when the delay is 0): the annotation is compared, not waited for.
 */
export function finalSettled(point: ExperimentPoint, facts: ExperimentRSFacts[]): boolean {
  return (
    isComplete(point.phase) &&
    facts.every((f) => f.observed && f.spec === 0 && f.replicas === 0) &&
    point.services === ''
  );
}
