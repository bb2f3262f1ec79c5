import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1ReplicaSet,
  type V1Role,
} from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { clusterKubeconfig } from '../../support/cluster.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** The two clusters of the suite: `main` has no Argo CRDs; `argo` runs Argo Rollouts' controller. */
export type ClusterName = 'main' | 'argo';

let argoKubeconfig: string | undefined;

/**
 * The oracle's kubeconfig. `npm test` starts it (scripts/conformance/up.sh) and exports the path;
 * a test file run on its own starts it here (idempotent, quick when it is up).
 */
export function argoClusterKubeconfig(): string {
  argoKubeconfig ??=
    process.env.ROLLOUT_PILOT_ARGO_KUBECONFIG ??
    execFileSync('bash', [path.join(root, 'scripts/conformance/up.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .pop();
  if (!argoKubeconfig) throw new Error('the Argo Rollouts cluster did not start');
  return argoKubeconfig;
}

export function kubeconfigOf(cluster: ClusterName): string {
  return cluster === 'argo' ? argoClusterKubeconfig() : clusterKubeconfig();
}

const configs = new Map<ClusterName, KubeConfig>();

export function admin(cluster: ClusterName): KubeConfig {
  let kc = configs.get(cluster);
  if (kc === undefined) {
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfigOf(cluster));
    configs.set(cluster, kc);
  }
  return kc;
}

export interface Clients {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

export function clients(cluster: ClusterName): Clients {
  const kc = admin(cluster);
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** A fresh namespace on `cluster`, deleted when the test ends (unless the test failed, to look at). */
export async function freshNamespace(t: TestContext, cluster: ClusterName, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const { core } = clients(cluster);
  await core.createNamespace({
    body: { metadata: { name, labels: { 'rollout-pilot.dev/test': 'conformance' } } },
  });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/**
 * A kubeconfig for a ServiceAccount bound to exactly docs/rbac.yaml's Role in `namespace`, so
 * rollout-pilot runs with the least privilege the docs promise, on either cluster.
 */
export async function roleKubeconfig(cluster: ClusterName, namespace: string): Promise<string> {
  const kc = admin(cluster);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const role = parse(readFileSync(path.join(root, 'docs/rbac.yaml'), 'utf8')) as V1Role;
  await rbac.createNamespacedRole({ namespace, body: role });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'rollout-pilot' } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'rollout-pilot' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata?.name ?? '' },
      subjects: [{ kind: 'ServiceAccount', name: 'rollout-pilot', namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    name: 'rollout-pilot',
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const server = kc.getCurrentCluster();
  if (!server || !token.status?.token) throw new Error('no cluster or token');
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-conf-kc-')), 'kubeconfig');
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'local', cluster: { server: server.server, 'certificate-authority': server.caFile } },
      ],
      users: [{ name: 'rollout-pilot', user: { token: token.status.token } }],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'rollout-pilot', namespace } }],
      'current-context': 'local',
    }),
  );
  return file;
}

/** A ReplicaSet as the comparison needs it. */
export interface RSFacts {
  hash: string;
  revision: number;
  spec: number;
  replicas: number;
  ready: number;
  available: number;
  /** The ReplicaSet controller has seen its latest spec. */
  observed: boolean;
  /** It has pods and a scale-down deadline (traffic may still drain to it): not settled yet. */
  draining: boolean;
}

export function rsFacts(rs: V1ReplicaSet): RSFacts {
  return {
    hash: rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '',
    revision: Number(rs.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? 0),
    spec: rs.spec?.replicas ?? 0,
    replicas: rs.status?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    observed: (rs.status?.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0),
    draining: (rs.spec?.replicas ?? 0) > 0 && rs.metadata?.annotations?.['scale-down-deadline'] !== undefined,
  };
}

/** The hash a Service's selector picks, if it picks one. */
export async function selectedHash(
  cluster: ClusterName,
  namespace: string,
  service: string,
): Promise<string | undefined> {
  const svc = await clients(cluster).core.readNamespacedService({ name: service, namespace });
  return svc.spec?.selector?.['rollouts-pod-template-hash'];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
