/**
 * Seed 4 (blue-green, workloadRef, an active and a preview Service, a plain Istio VirtualService in
 * its own namespace, manual promotion, post-promotion analysis) end to end on the local cluster,
 * with a real Prometheus whose series the test controls. The seed's 2m intervals and 300 s
 * scale-down delay become seconds so the test takes one minute, not twenty.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AppsV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { useDemoMetrics } from '../support/demo-metrics.ts';
import { startGitHubApi, type GitHubApi } from '../support/github-api/index.ts';
import { adminKubeConfig, eventually, namespaceWithRole, testNamespace } from '../support/cluster.ts';
import { actionIn, readyEndpoints, replicaSets, serviceHash, storedStatus } from '../support/rollout.ts';

const SEED = path.resolve(import.meta.dirname, '../fixtures/manifests/seeds/4-bluegreen-istio.yaml');
const SUCCESS_RATE = `(sum(rate(http_requests_total{version="canary",code!~"5.."}[4s])) / sum(rate(http_requests_total{version="canary"}[4s]))) or vector(1)`;

const demo = useDemoMetrics();

type Doc = Record<string, unknown> & {
  kind: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
};

/** Seed 4 as written, with its times shortened, Prometheus ours, and the plain objects it runs beside. */
async function seedManifests(gatewayNamespace: string): Promise<string> {
  const docs = parseAllDocuments(await readFile(SEED, 'utf8')).map((d) => d.toJS() as Doc);
  for (const doc of docs) {
    if (doc.kind === 'Rollout') {
      const bg = (doc.spec.strategy as { blueGreen: Record<string, unknown> }).blueGreen;
      bg.scaleDownDelaySeconds = 5;
    }
    if (doc.kind === 'AnalysisTemplate') {
      const metric = (doc.spec.metrics as Record<string, unknown>[])[0] as Record<string, unknown>;
      Object.assign(metric, { interval: '2s', count: 3, failureLimit: 1 });
      metric.provider = { prometheus: { address: demo.prom.url, query: SUCCESS_RATE } };
    }
    if (doc.kind === 'VirtualService') doc.metadata.namespace = gatewayNamespace;
  }
  const labels = { app: 'grpc-server' };
  const plain = [
    ...['service', 'service-preview'].map((name) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { selector: labels, ports: [{ port: 5050 }] },
    })),
  ];
  const repo = await mkdtemp(path.join(tmpdir(), 'rp-seed4-'));
  await writeFile(
    path.join(repo, 'rollout.yaml'),
    [...docs, ...plain].map((d) => stringify(d)).join('---\n'),
  );
  return repo;
}

const TOKEN = 'ghs_test_token_0123456789';

/** A runner's GitHub variables for a push of `sha` (a deploy) or a workflow_dispatch (a command). */
async function githubEnv(api: GitHubApi, sha: string, event: string): Promise<Record<string, string>> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-event-')), 'event.json');
  await writeFile(file, '{}');
  return {
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/grpc',
    GITHUB_SHA: sha,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: file,
    GITHUB_RUN_ID: String(2000 + Math.floor(Math.random() * 1000)),
    GITHUB_RUN_ATTEMPT: '1',
  };
}

/** Every distinct body the pull request's comment had while `during` ran, sampled every 100 ms. */
async function commentBodies<T>(
  api: GitHubApi,
  pr: number,
  during: Promise<T>,
): Promise<{ result: T; bodies: string[] }> {
  const bodies = new Set<string>();
  let done = false;
  const sampling = (async () => {
    while (!done) {
      for (const b of api.commentsOn('acme', 'grpc', pr)) bodies.add(b);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await during;
  done = true;
  await sampling;
  for (const b of api.commentsOn('acme', 'grpc', pr)) bodies.add(b);
  return { result, bodies: [...bodies] };
}

/** The Deployment the Rollout's workloadRef names: it exists before the first run, as in the seed's cluster. */
async function createDeployment(namespace: string): Promise<void> {
  const labels = { app: 'grpc-server' };
  await adminKubeConfig()
    .makeApiClient(AppsV1Api)
    .createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'grpc-server' },
        spec: {
          replicas: 0,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'grpc-server', image: 'example/grpc:1' }] },
          },
        },
      },
    });
}

/** The Role docs/security.md asks for in the gateway namespace: the VirtualService only. */
async function grantVirtualServices(gateway: string, namespace: string): Promise<void> {
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: gateway,
    body: {
      metadata: { name: 'rollout-pilot-objects' },
      rules: [
        {
          apiGroups: ['networking.istio.io'],
          resources: ['virtualservices'],
          verbs: ['get', 'create', 'patch'],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: gateway,
    body: {
      metadata: { name: 'rollout-pilot-objects' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rollout-pilot-objects' },
      subjects: [{ kind: 'ServiceAccount', name: 'rollout-pilot', namespace }],
    },
  });
}

/** Samples the active Service's ready endpoints until stopped: the smallest count seen once it had some. */
function watchActive(namespace: string): { stop: () => Promise<number> } {
  let min = Infinity;
  let running = true;
  const loop = (async () => {
    while (running) {
      const ready = await readyEndpoints(namespace, 'service').catch(() => 0);
      if (ready > 0 || min !== Infinity) min = Math.min(min, ready);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return min;
    },
  };
}

test('seed 4: preview beside active, promote, post-promotion analysis passes, old stack gone; then a failing one rolls back', async (t) => {
  demo.app.setVersion('canary', { errorRate: 0 });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const gateway = await testNamespace(t, 'gw');
  await grantVirtualServices(gateway, namespace);
  await createDeployment(namespace);
  const repo = await seedManifests(gateway);
  const api = await startGitHubApi({ repos: ['acme/grpc'] });
  t.after(() => api.close());
  const prs = [1, 2, 3].map((n) =>
    api.addPullRequest({ number: n, headSha: String(n).repeat(40), merged: true, title: `grpc v${n}` }),
  );
  const dispatch = 'c'.repeat(40);
  let deployed = prs[0]?.headSha ?? '';
  // A deploy is a push of its pull request's commit; a command is a workflow_dispatch from main.
  const run = async (inputs: Record<string, string>) =>
    actionIn(
      repo,
      namespace,
      { 'allow-namespaces': gateway, 'github-token': TOKEN, ...inputs },
      {
        kubeconfig,
        env: await githubEnv(
          api,
          inputs.command === undefined ? deployed : dispatch,
          inputs.command === undefined ? 'push' : 'workflow_dispatch',
        ),
      },
    );
  const watcher = watchActive(namespace);
  t.after(() => watcher.stop());

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout);
  assert.equal(first.outputs.phase, 'Healthy');
  const v1 = (await replicaSets(namespace, 'rollout'))[0];
  assert.equal(await serviceHash(namespace, 'service'), v1?.hash);

  assert.equal(first.outputs.strategy, 'blueGreen');
  assert.equal(first.outputs['active-revision'], '1');

  // v2: the preview comes up beside the active revision and waits for a person.
  deployed = prs[1]?.headSha ?? '';
  const paused = await run({ manifests: 'rollout.yaml', image: 'grpc-server=example/grpc:2' });
  assert.equal(paused.exitCode, 0, paused.stdout);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.deepEqual(
    [paused.outputs.strategy, paused.outputs['active-revision'], paused.outputs['preview-revision']],
    ['blueGreen', '1', '2'],
  );
  // What the pull request shows: the preview, where each Service points, and the promote line.
  const pausedComment = api.commentsOn('acme', 'grpc', 2)[0] ?? '';
  for (const re of [
    /Paused: preview `example\/grpc:2` is up, waiting for promote to switch the active Service `service`/,
    /active Service `service` → revision 1 \(`[a-z0-9]+`\) · preview Service `service-preview` → revision 2/,
    /\| 2 \| preview \| `[a-z0-9]+` \| `example\/grpc:2` \| 1\/1 \| `service-preview` \|/,
    /\| 1 \| active, stable \| `[a-z0-9]+` \| `example\/grpc:1` \| 1\/1 \| `service` \|/,
    /then the post-promotion analysis \(`success-rate`\) runs/,
    /gh workflow run rollout-control\.yml -f command=promote -f rollout=rollout --repo acme\/grpc/,
    /gh workflow run rollout-control\.yml -f command=promote-full -f rollout=rollout --repo acme\/grpc/,
  ])
    assert.match(pausedComment, re);
  assert.doesNotMatch(pausedComment, /canary|### Steps/i);
  const pausedCheck = api.checkRuns(prs[1]?.headSha)[0];
  assert.equal(pausedCheck?.status, 'in_progress');
  assert.match(pausedCheck?.output.title ?? '', /^Waiting for promote: preview example\/grpc:2 is up/);
  assert.match(paused.summary, /### Blue-green/);
  let sets = await replicaSets(namespace, 'rollout');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec, rs.available]),
    [
      ['example/grpc:1', 1, 1],
      ['example/grpc:2', 1, 1],
    ],
  );
  assert.equal(await serviceHash(namespace, 'service'), sets[0]?.hash, 'active stays on v1');
  assert.equal(await serviceHash(namespace, 'service-preview'), sets[1]?.hash, 'preview on v2');

  // promote: the switch, post-promotion analysis on real measurements, then v1 scaled away after the delay.
  const { result: promoted, bodies } = await commentBodies(
    api,
    2,
    run({ command: 'promote', rollout: 'rollout' }),
  );
  assert.equal(promoted.exitCode, 0, promoted.stdout);
  // The comment followed the switch and the old revision's countdown, then settled on Healthy.
  assert.ok(
    bodies.some((b) => /Progressing: switched service to `example\/grpc:2`/.test(b)),
    `a comment showed the switch:\n${bodies.map((b) => b.split('\n')[1]).join('\n')}`,
  );
  assert.ok(
    bodies.some((b) => /Revision 1 scales down in \d+s, at [\d:]+ UTC \(scaleDownDelaySeconds 5\)/.test(b)),
    'a comment counted down to the old revision scaling down',
  );
  assert.equal(api.commentsOn('acme', 'grpc', 2).length, 1, 'one comment, edited in place');
  const healthyComment = api.commentsOn('acme', 'grpc', 2)[0] ?? '';
  assert.match(healthyComment, /Healthy: `rollout` rolled out `example\/grpc:2`/);
  assert.match(healthyComment, /### Analysis/);
  assert.match(healthyComment, /Post-promotion analysis \(success-rate\)/);
  assert.match(healthyComment, /command=undo/);
  assert.equal(api.checkRuns(prs[1]?.headSha)[0]?.conclusion, 'success');
  assert.deepEqual([promoted.outputs['active-revision'], promoted.outputs['preview-revision']], ['2', '2']);
  assert.equal(promoted.outputs.phase, 'Healthy', promoted.stdout);
  const analysis = JSON.parse(promoted.outputs.analysis ?? '[]') as { kind: string; phase: string }[];
  assert.deepEqual(
    analysis.map((a) => [a.kind, a.phase]),
    [['PostPromotion', 'Successful']],
  );
  sets = await replicaSets(namespace, 'rollout');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['example/grpc:1', 0],
      ['example/grpc:2', 1],
    ],
  );
  assert.equal(await serviceHash(namespace, 'service'), sets[1]?.hash);
  assert.equal((await storedStatus(namespace, 'rollout'))?.stableRS, sets[1]?.hash);

  // v3 measures badly after the switch: aborted, the active Service back on v2, v3 scaled away.
  demo.app.setVersion('canary', { errorRate: 0.6 });
  await demo.prom.waitForValue(SUCCESS_RATE, (v) => v < 0.9, { timeoutMs: 20_000 });
  deployed = prs[2]?.headSha ?? '';
  const paused3 = await run({ manifests: 'rollout.yaml', image: 'grpc-server=example/grpc:3' });
  assert.equal(paused3.outputs.phase, 'Paused', paused3.stdout);
  const abortStarted = Date.now();
  const failed = await run({ command: 'promote', rollout: 'rollout' });
  assert.equal(failed.exitCode, 1, failed.stdout);
  assert.equal(failed.outputs.aborted, 'true');
  assert.match(
    failed.outputs.message ?? '',
    /RolloutAborted: .*post-promotion.*Failed: .*measured \[0\.\d+\]/,
  );
  sets = await replicaSets(namespace, 'rollout');
  assert.deepEqual(
    sets.map((rs) => [rs.image, rs.spec]),
    [
      ['example/grpc:1', 0],
      ['example/grpc:2', 1],
      ['example/grpc:3', 0],
    ],
  );
  assert.equal(await serviceHash(namespace, 'service'), sets[1]?.hash, 'active back on v2');
  assert.deepEqual([failed.outputs['active-revision'], failed.outputs['preview-revision']], ['2', '3']);
  const abortedComment = api.commentsOn('acme', 'grpc', 3)[0] ?? '';
  assert.match(abortedComment, /Aborted and rolled back: analysis \S+-post-promotion Failed/);
  assert.match(abortedComment, /`service` is back on revision 2, which serves all traffic/);
  assert.match(abortedComment, /\| 3 \| aborted preview \|/);
  assert.match(abortedComment, /gh workflow run rollout-control\.yml -f command=retry /);
  assert.equal(api.checkRuns(prs[2]?.headSha)[0]?.conclusion, 'failure');
  assert.ok(
    Date.now() - abortStarted >= 30_000,
    'the aborted revision kept its pods for abortScaleDownDelaySeconds',
  );
  const min = await watcher.stop();
  assert.ok(min > 0, `the active Service had ready endpoints throughout (fewest seen: ${min})`);
  await eventually('the stored state names the abort', async () =>
    (await storedStatus(namespace, 'rollout'))?.abort === true ? true : undefined,
  );
});
