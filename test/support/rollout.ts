import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { runAction, type ActionRun } from './action.ts';
import { adminKubeConfig, clusterKubeconfig } from './cluster.ts';

export interface CanaryOptions {
  name?: string;
  replicas?: number;
  image?: string;
  steps?: unknown[];
  podAnnotations?: Record<string, string>;
  canary?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}

/** The reference rollout: 5 replicas, 20 → 5s → 40 → pause → 70 → 5s. */
export const REFERENCE_STEPS = [
  { setWeight: 20 },
  { pause: { duration: '5s' } },
  { setWeight: 40 },
  { pause: {} },
  { setWeight: 70 },
  { pause: { duration: '5s' } },
];

export function canaryManifests(o: CanaryOptions = {}): unknown[] {
  const name = o.name ?? 'web';
  const labels = { app: name };
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        replicas: o.replicas ?? 5,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, ...(o.podAnnotations ? { annotations: o.podAnnotations } : {}) },
          spec: { containers: [{ name, image: o.image ?? 'example/web:1' }] },
        },
        ...o.spec,
        strategy: {
          canary: {
            stableService: `${name}-stable`,
            canaryService: `${name}-canary`,
            steps: o.steps ?? REFERENCE_STEPS,
            ...o.canary,
          },
        },
      },
    },
    ...['stable', 'canary'].map((role) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-${role}` },
      spec: { selector: labels, ports: [{ port: 80 }] },
    })),
  ];
}

export interface BlueGreenOptions {
  name?: string;
  replicas?: number;
  image?: string;
  /** Merged into `strategy.blueGreen` (activeService and previewService are `<name>-active`, `-preview`). */
  blueGreen?: Record<string, unknown>;
}

/** A blue-green Rollout with its active and preview Services. */
export function blueGreenManifests(o: BlueGreenOptions = {}): unknown[] {
  const name = o.name ?? 'web';
  const labels = { app: name };
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        replicas: o.replicas ?? 5,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name, image: o.image ?? 'example/web:1' }] },
        },
        strategy: {
          blueGreen: { activeService: `${name}-active`, previewService: `${name}-preview`, ...o.blueGreen },
        },
      },
    },
    ...['active', 'preview'].map((role) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-${role}` },
      spec: { selector: labels, ports: [{ port: 80 }] },
    })),
  ];
}

/** Writes manifests into a fresh directory (the "repository") and returns it. */
export async function writeManifests(docs: unknown[], file = 'rollout.yaml'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-repo-'));
  await writeFile(path.join(dir, file), docs.map((d) => stringify(d)).join('---\n'));
  return dir;
}

export interface RunOptions {
  kubeconfig?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/** Runs the bundled action in `repo` against the local cluster. */
export function actionIn(
  repo: string,
  namespace: string,
  inputs: Record<string, string>,
  o: RunOptions = {},
): Promise<ActionRun> {
  return runAction(
    { namespace, kubeconfig: o.kubeconfig ?? clusterKubeconfig(), ...inputs },
    { cwd: repo, env: { ROLLOUT_PILOT_DRIVER_ID: `test-${namespace}#1`, ...o.env }, signal: o.signal },
  );
}

export interface RSView {
  hash: string;
  revision: number;
  spec: number;
  available: number;
  image: string;
}

/** The rollout's ReplicaSets, oldest revision first. */
export async function replicaSets(
  namespace: string,
  name = 'web',
  kc: KubeConfig = adminKubeConfig(),
): Promise<RSView[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const list = await apps.listNamespacedReplicaSet({
    namespace,
    labelSelector: `rollout-pilot.dev/rollout=${name}`,
  });
  return list.items
    .map((rs) => ({
      hash: rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '',
      revision: Number(rs.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? 0),
      spec: rs.spec?.replicas ?? 0,
      available: rs.status?.availableReplicas ?? 0,
      image: rs.spec?.template?.spec?.containers[0]?.image ?? '',
    }))
    .sort((a, b) => a.revision - b.revision);
}

export async function serviceHash(namespace: string, service: string): Promise<string | undefined> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const svc = await core.readNamespacedService({ name: service, namespace });
  return svc.spec?.selector?.['rollouts-pod-template-hash'];
}

/** Ready endpoints behind a Service right now. */
export async function readyEndpoints(namespace: string, service: string): Promise<number> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const svc = await core.readNamespacedService({ name: service, namespace });
  const selector = Object.entries(svc.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
  return pods.items.filter((p) =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

export interface StoredStatus {
  phase: string;
  currentStepIndex?: number;
  stableRS?: string;
  currentPodHash?: string;
  abort: boolean;
  pauseConditions: { reason: string }[];
}

export async function storedStatus(namespace: string, name = 'web'): Promise<StoredStatus | undefined> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  try {
    const cm = await core.readNamespacedConfigMap({ name: `rollout-pilot.${name}`, namespace });
    return JSON.parse(cm.data?.['status.json'] ?? '{}') as StoredStatus;
  } catch {
    return undefined;
  }
}
