/**
 * The hostile-manifest corpus (hostile-cases.ts) through `lint` and through `run` against the local
 * cluster with an admin kubeconfig: every case is refused at its file and line, and `run` changes
 * nothing: no object in the namespace, no state ConfigMap, no Lease, nothing cluster-scoped, nothing
 * in kube-system.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { runAction, type ActionRun } from '../support/action.ts';
import { adminKubeConfig, clusterKubeconfig, testNamespace } from '../support/cluster.ts';
import { canaryManifests } from '../support/rollout.ts';
import { expectedLine, hostileCases, type HostileCase } from './hostile-cases.ts';

const cases = hostileCases();

async function writeCorpus(): Promise<{ dir: string; files: Map<string, HostileCase> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-hostile-'));
  const files = new Map<string, HostileCase>();
  await mkdir(path.join(dir, 'cases'));
  await Promise.all(
    cases.map(async (c, i) => {
      const file = `${String(i).padStart(3, '0')}-${c.id}.yaml`;
      files.set(file, c);
      await writeFile(path.join(dir, 'cases', file), c.content);
    }),
  );
  await writeFile(
    path.join(dir, 'base.yaml'),
    canaryManifests()
      .map((d) => stringify(d))
      .join('---\n'),
  );
  return { dir, files };
}

/** The `::error` annotations the run printed, as `file:line message`. */
function annotations(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error '))
    .map((l) => {
      const m = /^::error (?:title=[^,]*,)?file=([^,]+),line=(\d+)[^:]*::(.*)$/.exec(l);
      return m ? `${decodeURIComponent(m[1] ?? '')}:${m[2] ?? ''} ${m[3] ?? ''}` : l;
    });
}

function assertRefused(run: ActionRun, file: string, c: HostileCase): void {
  const line = expectedLine(c);
  const found = annotations(run).filter((a) => a.startsWith(`cases/${file}:${line} `));
  assert.ok(
    found.some((a) => c.message.test(a)),
    `${c.id}: expected an error at cases/${file}:${line} matching ${String(c.message)}; got:\n${annotations(
      run,
    )
      .filter((a) => a.includes(file))
      .join('\n')
      .slice(0, 2000)}`,
  );
}

test(`lint refuses each of the ${cases.length} hostile cases at its file and line`, async () => {
  assert.ok(cases.length >= 80, `the corpus has ${cases.length} cases`);
  const { dir, files } = await writeCorpus();
  const run = await runAction({ command: 'lint', manifests: 'cases/' }, { cwd: dir });
  assert.equal(run.exitCode, 1, run.stderr);
  const failures: string[] = [];
  for (const [file, c] of files) {
    try {
      assertRefused(run, file, c);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  assert.deepEqual(failures, []);
  // Each file is refused on its own; a valid file next to them lints clean.
  const clean = await runAction({ command: 'lint', manifests: 'base.yaml' }, { cwd: dir });
  assert.equal(clean.exitCode, 0, clean.stdout);
});

/** Names of everything `run` could have created, in the namespace, in kube-system and cluster-wide. */
async function snapshot(namespace: string): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  const namespaced: [string, string][] = [
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['v1', 'Secret'],
    ['v1', 'ServiceAccount'],
    ['v1', 'Pod'],
    ['v1', 'Endpoints'],
    ['v1', 'ResourceQuota'],
    ['v1', 'LimitRange'],
    ['apps/v1', 'ReplicaSet'],
    ['apps/v1', 'Deployment'],
    ['apps/v1', 'DaemonSet'],
    ['apps/v1', 'StatefulSet'],
    ['batch/v1', 'Job'],
    ['batch/v1', 'CronJob'],
    ['coordination.k8s.io/v1', 'Lease'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['networking.k8s.io/v1', 'Ingress'],
    ['networking.k8s.io/v1', 'NetworkPolicy'],
    ['policy/v1', 'PodDisruptionBudget'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ];
  const cluster: [string, string][] = [
    ['v1', 'Namespace'],
    ['v1', 'PersistentVolume'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
    ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'],
    ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'],
    ['storage.k8s.io/v1', 'StorageClass'],
    ['scheduling.k8s.io/v1', 'PriorityClass'],
  ];
  const out: string[] = [];
  const list = async (apiVersion: string, kind: string, ns?: string): Promise<void> => {
    const items = (await api.list(apiVersion, kind, ns)).items;
    for (const o of items) {
      // Namespaces of other tests come and go (one deleted by an earlier test may vanish halfway
      // through this one); only ours and the ones hostile manifests name matter.
      const otherTest =
        o.metadata?.name !== namespace &&
        (o.metadata?.labels?.['rollout-pilot.dev/test'] === 'true' ||
          o.metadata?.deletionTimestamp !== undefined);
      if (kind === 'Namespace' && (otherTest || !/^(other-team|hostile)/.test(o.metadata?.name ?? '')))
        continue;
      out.push(`${kind} ${ns ?? ''}/${o.metadata?.name ?? ''}`);
    }
  };
  await Promise.all([
    ...namespaced.map(([v, k]) => list(v, k, namespace)),
    ...namespaced.slice(0, 3).map(([v, k]) => list(v, k, 'kube-system')),
    ...cluster.map(([v, k]) => list(v, k)),
  ]);
  return out.sort();
}

const hasRollout = (c: HostileCase): boolean =>
  typeof c.content === 'string' && c.content.includes('kind: Rollout');

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

test('run refuses the hostile cases before changing anything in the cluster', async (t) => {
  const namespace = await testNamespace(t, 'hostile');
  const { dir, files } = await writeCorpus();
  const before = await snapshot(namespace);
  const runCases = [...files].filter(([, c]) => c.run === true);
  assert.ok(runCases.length >= 60, `${runCases.length} cases through run`);
  const failures: string[] = [];
  await pool(runCases, 4, async ([file, c]) => {
    const run = await runAction(
      {
        command: 'run',
        // A case with its own Rollout runs alone; the others next to a valid Rollout and its Services.
        manifests: hasRollout(c) ? `cases/${file}` : `base.yaml\ncases/${file}`,
        namespace,
        kubeconfig: clusterKubeconfig(),
      },
      { cwd: dir, env: { ROLLOUT_PILOT_DRIVER_ID: `hostile-${c.id}#1` } },
    );
    try {
      assert.notEqual(run.exitCode, 0, `${c.id}: run exited 0`);
      assertRefused(run, file, c);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(await snapshot(namespace), before, 'run changed the cluster');
});

test('run dry-runs the ReplicaSet and the state it would create before its first write', async (t) => {
  const namespace = await testNamespace(t, 'hostile');
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-preflight-'));
  // Only the API server knows container names must be DNS labels: lint passes, run must change nothing.
  const docs = canaryManifests();
  const rollout = docs[0] as { spec: { template: { spec: { containers: { name: string }[] } } } };
  const container = rollout.spec.template.spec.containers[0];
  assert.ok(container);
  container.name = 'Web_1';
  await writeFile(path.join(dir, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  const before = await snapshot(namespace);
  const run = await runAction(
    { command: 'run', manifests: 'rollout.yaml', namespace, kubeconfig: clusterKubeconfig() },
    { cwd: dir, env: { ROLLOUT_PILOT_DRIVER_ID: `preflight-${namespace}#1` } },
  );
  assert.equal(run.exitCode, 1, run.stdout);
  assert.match(run.stdout, /dry run\) ReplicaSet .*web-[a-z0-9]+ failed: HTTP 422.*containers\[0\]\.name/);
  assert.deepEqual(await snapshot(namespace), before, 'run changed the namespace');
});
