import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Role } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
let kubeconfigPath: string | undefined;

/**
 * The kubeconfig of the local control plane. `npm test` starts it and exports its path; a test file
 * run on its own starts it here (up.sh is idempotent and quick when the cluster is already up).
 */
export function clusterKubeconfig(): string {
  kubeconfigPath ??=
    process.env.ROLLOUT_PILOT_KUBECONFIG ??
    execFileSync('bash', [path.join(root, 'scripts/cluster/up.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
  if (!kubeconfigPath) throw new Error('the local cluster did not start');
  return kubeconfigPath;
}

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(clusterKubeconfig());
  return kc;
}

/** A fresh namespace for one test, deleted when the test ends, so tests can run in parallel. */
export async function testNamespace(t: TestContext, prefix = 't'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels: { 'rollout-pilot.dev/test': 'true' } } } });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A namespace plus a kubeconfig for a ServiceAccount bound to exactly docs/rbac.yaml's Role, so
 * the action runs with the least privilege the docs promise.
 */
export async function namespaceWithRole(
  t: TestContext,
  prefix = 'e2e',
): Promise<{ namespace: string; kubeconfig: string }> {
  const namespace = await testNamespace(t, prefix);
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const role = parse(readFileSync(path.join(root, 'docs/rbac.yaml'), 'utf8')) as V1Role;
  await rbac.createNamespacedRole({ namespace, body: role });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'rollout-pilot' } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'rollout-pilot' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: role.metadata?.name ?? 'rollout-pilot',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'rollout-pilot', namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    name: 'rollout-pilot',
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const cluster = kc.getCurrentCluster();
  if (!cluster || !token.status?.token) throw new Error('no cluster or token');
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-kc-')), 'kubeconfig');
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'local', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } },
      ],
      users: [{ name: 'rollout-pilot', user: { token: token.status.token } }],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'rollout-pilot', namespace } }],
      'current-context': 'local',
    }),
  );
  return { namespace, kubeconfig: file };
}
