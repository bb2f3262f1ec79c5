import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { startGitHubApi, type GitHubApi } from '../support/github-api/index.ts';
import { githubEnv as runnerEnv } from '../support/github-env.ts';
import { CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, canaryManifests, writeManifests } from '../support/rollout.ts';

const TOKEN = 'ghs_test_token_0123456789';

/** `ROLLOUT_PILOT_WRITE_EXAMPLES=1` keeps what the pull request showed in docs/examples/. */
async function keepExample(name: string, text: string): Promise<void> {
  if (process.env.ROLLOUT_PILOT_WRITE_EXAMPLES !== '1') return;
  const dir = path.resolve(import.meta.dirname, '../../docs/examples');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), text.endsWith('\n') ? text : `${text}\n`);
}

/** A runner's GitHub variables for an event in acme/shop. */
const githubEnv = (api: GitHubApi, sha: string, event: string, payload: unknown = {}) =>
  runnerEnv(api, 'acme/shop', sha, event, payload);

test('the pull request shows the rollout: one comment and one check run, updated in place by a promote from another run', async (t) => {
  const api = await startGitHubApi({ repos: ['acme/shop'] });
  t.after(() => api.close());
  const v1 = api.addPullRequest({ number: 7, headSha: 'a'.repeat(40), merged: true, title: 'shop v1' });
  const v2 = api.addPullRequest({ number: 8, headSha: 'b'.repeat(40), merged: true, title: 'shop v2' });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(
    canaryManifests({ steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }] }),
  );
  const run = async (inputs: Record<string, string>, sha: string, event: string) =>
    actionIn(
      repo,
      namespace,
      { 'github-token': TOKEN, ...inputs },
      { kubeconfig, env: await githubEnv(api, sha, event) },
    );

  const first = await run({ manifests: 'rollout.yaml' }, v1.headSha, 'push');
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(api.commentsOn('acme', 'shop', 7).length, 1);
  assert.match(api.commentsOn('acme', 'shop', 7)[0] ?? '', /Healthy/);
  assert.equal(api.checkRuns(v1.headSha)[0]?.conclusion, 'success');

  const paused = await run(
    { manifests: 'rollout.yaml', image: 'web=example/web:2', environment: 'production' },
    v2.headSha,
    'push',
  );
  assert.equal(paused.outputs.phase, 'Paused', paused.stdout);
  const [comment] = api.commentsOn('acme', 'shop', 8);
  assert.ok(comment);
  assert.match(comment, /example\/web:1/);
  assert.match(comment, /example\/web:2/);
  assert.match(comment, /promote/);
  assert.equal(paused.outputs['comment-url'], api.comments('acme', 'shop', 8)[0]?.htmlUrl);
  const checkBefore = api.checkRuns(v2.headSha);
  assert.equal(checkBefore.length, 1);

  // workflow_dispatch from the Actions tab: its own GITHUB_SHA is main's head, not the deployed commit.
  const promoted = await run(
    { command: 'promote', rollout: 'web', environment: 'production' },
    'c'.repeat(40),
    'workflow_dispatch',
  );
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(api.commentsOn('acme', 'shop', 8).length, 1, 'the same comment, updated');
  await keepExample('pr-comment-promoted.md', api.commentsOn('acme', 'shop', 8)[0] ?? '');
  assert.match(api.commentsOn('acme', 'shop', 8)[0] ?? '', /Healthy/);
  const checks = api.checkRuns(v2.headSha);
  assert.equal(checks.length, 1, 'the same check run');
  assert.equal(checks[0]?.status, 'completed');
  assert.equal(checks[0]?.conclusion, 'success');
  assert.ok((checks[0]?.updates ?? 0) >= 1);
  assert.deepEqual(api.checkRuns('c'.repeat(40)), [], 'nothing was attached to the dispatch commit');
  // One GitHub Deployment for the deployed commit, in progress while paused, then success.
  const deployments = api.deployments('acme', 'shop');
  assert.deepEqual(
    deployments.map((d) => [d.sha, d.environment]),
    [[v2.headSha, 'production']],
  );
  const states = api.deploymentStatuses(deployments[0]?.id ?? 0).map((d) => d.state);
  assert.ok(states.includes('in_progress'), states.join(','));
  assert.equal(states.at(-1), 'success');
  assert.match(promoted.summary, /Healthy/);
  assert.deepEqual(
    api.rejected.filter((r) => r.reason !== 'not-found'),
    [],
    'GitHub would have accepted every request',
  );
});

test('a failing canary: a failed check run at the metric’s template line, values in the comment, and a revert PR', async (t) => {
  const api = await startGitHubApi({ repos: ['acme/shop'] });
  t.after(() => api.close());
  const pr = api.addPullRequest({ number: 12, headSha: 'd'.repeat(40), merged: true, title: 'shop v2' });
  api.setRef('acme/shop', 'heads/main', pr.headSha); // merged: main's head is the deployed commit
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const docs = [
    ...canaryManifests({
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'smoke' }] } }, { setWeight: 60 }],
    }),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'smoke' },
      spec: {
        metrics: [
          {
            name: 'smoke-test',
            provider: {
              job: {
                spec: {
                  backoffLimit: 0,
                  template: {
                    metadata: { annotations: { 'rollout-pilot.dev/exit-code': '1' } },
                    spec: {
                      restartPolicy: 'Never',
                      containers: [{ name: 'smoke', image: 'example/smoke:1' }],
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  ];
  const repo = await writeManifests(docs);
  const previous = api.addPullRequest({
    number: 11,
    headSha: 'e'.repeat(40),
    merged: true,
    title: 'shop v1',
  });
  const env = await githubEnv(api, previous.headSha, 'push');
  const first = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', 'github-token': TOKEN },
    { kubeconfig, env },
  );
  assert.equal(first.exitCode, 0, first.stdout);
  const failed = await actionIn(
    repo,
    namespace,
    {
      manifests: 'rollout.yaml',
      image: 'web=example/web:2',
      'github-token': TOKEN,
      'on-failure': 'revert-pr',
    },
    { kubeconfig, env: await githubEnv(api, pr.headSha, 'push') },
  );
  assert.equal(failed.exitCode, 1, failed.stdout);
  assert.equal(failed.outputs.aborted, 'true');
  const [check] = api.checkRuns(pr.headSha);
  assert.equal(check?.conclusion, 'failure');
  const annotation = check?.annotations.find((a) => a.annotation_level === 'failure');
  assert.ok(annotation, 'an annotation on the failing metric');
  assert.equal(annotation.path, 'rollout.yaml');
  // The metric `smoke-test` starts at this line of the written manifest.
  const text = (await import('node:fs')).readFileSync(path.join(repo, 'rollout.yaml'), 'utf8').split('\n');
  assert.equal(annotation.start_line, text.findIndex((l) => l.includes('name: smoke-test')) + 1);
  const comment = api.commentsOn('acme', 'shop', 12)[0] ?? '';
  await keepExample('pr-comment-aborted.md', comment);
  await keepExample(
    'check-run-aborted.md',
    `# ${check?.output.title ?? ''}\n\n${check?.output.summary ?? ''}\n\n${check?.output.text ?? ''}`,
  );
  assert.match(comment, /smoke-test/);
  assert.match(comment, /Failed/);
  assert.match(comment, /retry|undo/);
  const revert = api.pulls('acme', 'shop').find((p) => p.title.startsWith('Revert'));
  assert.ok(revert, 'a revert pull request was opened');
  assert.equal(revert.baseRef, 'main');
  assert.match(comment, new RegExp(`#${revert.number}|pull/${revert.number}`));
});

test('plan on a pull request posts the plan there; a read-only token degrades to the job summary', async (t) => {
  const api = await startGitHubApi({ repos: ['acme/shop'] });
  t.after(() => api.close());
  const pr = api.addPullRequest({ number: 21, headSha: 'f'.repeat(40), title: 'shop v2' });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const repo = await writeManifests(canaryManifests());
  const env = await githubEnv(api, 'e'.repeat(40), 'pull_request', {
    pull_request: { number: 21, head: { sha: pr.headSha } },
  });
  const plan = await actionIn(
    repo,
    namespace,
    { command: 'plan', manifests: 'rollout.yaml', image: 'web=example/web:2', 'github-token': TOKEN },
    { kubeconfig, env },
  );
  assert.equal(plan.exitCode, 0, plan.stdout);
  const [comment] = api.commentsOn('acme', 'shop', 21);
  assert.match(comment ?? '', /Plan for Rollout `web`/);
  assert.match(comment ?? '', /first deploy: no stable ReplicaSet yet/);
  assert.equal(plan.outputs['comment-url'], api.comments('acme', 'shop', 21)[0]?.htmlUrl);

  // A fork's pull request: the token may read but not write. The rollout still runs and says why.
  api.setTokenPermissions('ghs_read_only', 'read');
  const run = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', 'github-token': 'ghs_read_only' },
    {
      kubeconfig,
      env: await githubEnv(api, pr.headSha, 'pull_request', {
        pull_request: { number: 21, head: { sha: pr.headSha } },
      }),
    },
  );
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(run.outputs.phase, 'Healthy');
  assert.match(run.stdout, /::warning::GitHub refused the (comment|check run) \(403/);
  assert.match(run.summary, /Healthy/);
  assert.equal(api.commentsOn('acme', 'shop', 21).length, 1, 'only the plan comment');
});

test('a Secret-backed analysis arg never appears in logs, outputs, comment, check run or the stored state', async (t) => {
  const secret = 'sk-live-7f3a9c2e41d84b6b';
  // A metrics endpoint that wants the secret in a header and in the query string.
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok = req.headers.authorization === `Bearer ${secret}` && url.searchParams.get('key') === secret;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok, rate: 0.01 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const api = await startGitHubApi({ repos: ['acme/shop'] });
  t.after(() => api.close());
  const previous = api.addPullRequest({ number: 30, headSha: '1'.repeat(40), merged: true });
  const pr = api.addPullRequest({ number: 31, headSha: '2'.repeat(40), merged: true });
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'metrics-api' }, stringData: { token: secret } },
  });
  const repo = await writeManifests([
    ...canaryManifests({
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'api-check' }] } }],
    }),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'api-check' },
      spec: {
        args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'metrics-api', key: 'token' } } }],
        metrics: [
          {
            name: 'api',
            count: 2,
            interval: '1s',
            successCondition: 'result.ok == true && result.rate < 0.05',
            provider: {
              web: {
                url: `http://127.0.0.1:${port}/check?key={{args.token}}`,
                headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
                jsonPath: '{$}',
              },
            },
          },
        ],
      },
    },
  ]);
  const first = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', 'github-token': TOKEN },
    { kubeconfig, env: await githubEnv(api, previous.headSha, 'push') },
  );
  assert.equal(first.exitCode, 0, first.stdout);
  const run = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2', 'github-token': TOKEN },
    { kubeconfig, env: await githubEnv(api, pr.headSha, 'push') },
  );
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(run.outputs.phase, 'Healthy', 'the analysis authenticated with the secret and passed');
  const measurements = (
    JSON.parse(run.outputs.analysis ?? '[]') as {
      metrics: { measurements: { phase: string; query?: string }[] }[];
    }[]
  )[0]?.metrics[0]?.measurements;
  assert.deepEqual(
    measurements?.map((m) => m.phase),
    ['Successful', 'Successful'],
  );
  assert.match(measurements?.[0]?.query ?? '', /key=\*\*\*/, 'the query as sent is shown, redacted');
  const state = await core.readNamespacedConfigMap({ name: 'rollout-pilot.web', namespace });
  const everything = [
    run.stdout,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    ...api.commentsOn('acme', 'shop', 31),
    JSON.stringify(api.checkRuns(pr.headSha)),
    JSON.stringify(state.data),
  ].join('\n');
  assert.ok(!everything.includes(secret), 'the secret appears nowhere');
});
