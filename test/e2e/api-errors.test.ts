import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CoordinationV1Api, CoreV1Api, RbacAuthorizationV1Api, type V1Role } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { adminKubeConfig, clusterKubeconfig, testNamespace } from '../support/cluster.ts';
import { actionIn, canaryManifests, writeManifests } from '../support/rollout.ts';

/** Case 10 of issue 16: every API error is one line saying what failed, the status and what to do. */
const root = path.resolve(import.meta.dirname, '../..');

function assertOneLine(message: string | undefined, output: string): void {
  assert.ok(message !== undefined && message !== '', 'a message output');
  assert.equal(message.includes('\n'), false, `one line: ${message}`);
  assert.doesNotMatch(output, /HTTP-Code:|Headers: \{|"content-type"/, 'no raw dump of the response');
}

test('a namespace that does not exist: create it, or set the namespace input', async () => {
  const repo = await writeManifests(canaryManifests());
  const r = await actionIn(repo, 'no-such-ns-16', { manifests: 'rollout.yaml' });
  assert.equal(r.exitCode, 1);
  assertOneLine(r.outputs.message, r.stdout + r.stderr);
  assert.match(
    r.outputs.message ?? '',
    /failed: HTTP 404 NotFound: namespaces "no-such-ns-16" not found; namespace no-such-ns-16 does not exist: create it, or set the namespace input/,
  );
});

test('a ServiceAccount that may not update ConfigMaps: which verb on which resource, docs/rbac.yaml; outputs set and the Lease released', async (t) => {
  const namespace = await testNamespace(t, 'forbidden');
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  // docs/rbac.yaml without `update` on ConfigMaps: the run takes the Lease and creates its state,
  // then its first compare-and-swap write of the state is refused.
  const role = parse(readFileSync(path.join(root, 'docs/rbac.yaml'), 'utf8')) as V1Role;
  for (const rule of role.rules ?? []) {
    if (rule.resources?.includes('configmaps') === true)
      rule.verbs = rule.verbs.filter((v) => v !== 'update');
  }

  await rbac.createNamespacedRole({ namespace, body: role });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'deployer' } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'deployer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata?.name ?? '' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    name: 'deployer',
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const cluster = kc.getCurrentCluster();
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-kc-')), 'kubeconfig');
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'l', cluster: { server: cluster?.server, 'certificate-authority': cluster?.caFile } },
      ],
      users: [{ name: 'd', user: { token: token.status?.token } }],
      contexts: [{ name: 'l', context: { cluster: 'l', user: 'd', namespace } }],
      'current-context': 'l',
    }),
  );
  const repo = await writeManifests(canaryManifests());
  const r = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig: file });
  assert.equal(r.exitCode, 1, r.stdout);
  assertOneLine(r.outputs.message, r.stdout + r.stderr);
  assert.match(
    r.outputs.message ?? '',
    new RegExp(
      `replace ConfigMap ${namespace}/rollout-pilot\\.web failed: HTTP 403 Forbidden: .*cannot update resource "configmaps".*may not update configmaps in ${namespace}: bind it to the Role in docs/rbac\\.yaml`,
    ),
  );
  assert.ok(r.outputs.phase !== undefined && r.outputs.phase !== '', 'outputs from the last known state');
  assert.equal(r.outputs['step-index'], '0');
  assert.equal(r.outputs.aborted, 'false');
  assert.match(r.summary, /failed.*HTTP 403 Forbidden/s, 'the job summary says where it stands and why');
  const lease = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: 'rollout-pilot.web', namespace });
  assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released on the handled error');
});

test('a 5 MB object: the API server refuses it as too large, nothing is applied', async (t) => {
  const namespace = await testNamespace(t, 'large');
  const big = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big' },
    data: { blob: 'x'.repeat(5_000_000) },
  };
  const repo = await writeManifests([...canaryManifests(), big]);
  const r = await actionIn(repo, namespace, { manifests: 'rollout.yaml' });
  assert.equal(r.exitCode, 1);
  assertOneLine(r.outputs.message, r.stdout.slice(0, 20_000) + r.stderr.slice(0, 20_000));
  assert.match(r.outputs.message ?? '', /ConfigMap .*big failed: HTTP 413 .*the object is too large/);
  assert.ok(r.outputs.message !== undefined && r.outputs.message.length < 600, 'a short message');
  const cms = await adminKubeConfig().makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace });
  assert.equal(
    cms.items.filter(
      (c) => c.metadata?.name?.startsWith('rollout-pilot') === true || c.metadata?.name === 'big',
    ).length,
    0,
  );
});

test('an unreachable API server: the address and the cause, after the retry budget', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const kc = parse(readFileSync(clusterKubeconfig(), 'utf8')) as {
    clusters: { cluster: { server: string } }[];
  };
  for (const c of kc.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-kc-')), 'kubeconfig');
  await writeFile(file, stringify(kc));
  const repo = await writeManifests(canaryManifests());
  const started = Date.now();
  const r = await actionIn(
    repo,
    'default',
    { manifests: 'rollout.yaml', 'api-retry-budget': '2s' },
    { kubeconfig: file },
  );
  assert.equal(r.exitCode, 1);
  assertOneLine(r.outputs.message, r.stdout + r.stderr);
  assert.match(
    r.outputs.message ?? '',
    new RegExp(
      `cannot reach the API server at https://127\\.0\\.0\\.1:${port}: ECONNREFUSED.*gave up after retrying`,
    ),
  );
  assert.ok(Date.now() - started < 30_000, 'the budget bounds the wait');
});
