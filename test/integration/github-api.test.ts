/**
 * The local GitHub REST API used by the action's integration tests, driven by the same Octokit the
 * action uses (`@actions/github` getOctokit). Done when: the server rejects a malformed check-run
 * request and accepts a valid one.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it, type TestContext } from 'node:test';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { OPERATIONS } from '../support/github-api/handlers.ts';
import { loadSpec, startGitHubApi, type GitHubApi, type StartOptions } from '../support/github-api/index.ts';

const TOKEN = 'ghs_fakeTokenForTests0123456789';
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const OWNER = 'acme';
const REPO = 'shop';

interface HttpError {
  status: number;
  message: string;
  response?: { data: unknown; headers: Record<string, string | number | undefined> };
}

function isHttpError(e: unknown): e is HttpError {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
}

/** Awaits a request that must fail; returns the RequestError. */
async function failure(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (e) {
    if (isHttpError(e)) return e;
    throw e;
  }
  assert.fail('expected the request to fail');
}

async function setup(
  t: TestContext,
  options: StartOptions = { repos: [`${OWNER}/${REPO}`] },
): Promise<GitHubApi> {
  const api = await startGitHubApi(options);
  t.after(() => api.close());
  return api;
}

function client(api: GitHubApi, token = TOKEN): ReturnType<typeof getOctokit> {
  return getOctokit(token, { baseUrl: api.url });
}

const repo = { owner: OWNER, repo: REPO };

describe('fake GitHub API', () => {
  it('loads the OpenAPI description once and validates quickly', async (t) => {
    const t0 = performance.now();
    const spec = await loadSpec();
    const firstLoad = performance.now() - t0;
    assert.ok(spec.operationCount > 1000, `only ${spec.operationCount} operations`);
    const t1 = performance.now();
    assert.equal(await loadSpec(), spec, 'the description is parsed once per process');
    assert.ok(performance.now() - t1 < 50, 'the second loadSpec is a cache hit');

    const t2 = performance.now();
    const problems = spec.validateBody('checks/create', { name: 'x', head_sha: HEAD, status: 'bogus' });
    const firstValidation = performance.now() - t2;
    assert.equal(problems.length, 1);
    const t3 = performance.now();
    assert.deepEqual(spec.validateBody('checks/create', { name: 'x', head_sha: HEAD }), []);
    const cachedValidation = performance.now() - t3;
    t.diagnostic(
      `spec read+parse ${spec.timings.loadMs.toFixed(0)} ms, route index ${spec.timings.indexMs.toFixed(0)} ms ` +
        `(loadSpec call ${firstLoad.toFixed(0)} ms); first checks/create validation (compile) ` +
        `${firstValidation.toFixed(1)} ms, cached ${cachedValidation.toFixed(2)} ms`,
    );
  });

  it('accepts a valid checks.create and records it', async (t) => {
    const api = await setup(t);
    api.addCommit(HEAD, { branch: 'main' });
    const octokit = client(api);
    const { status, data } = await octokit.rest.checks.create({
      ...repo,
      name: 'rollout-pilot',
      head_sha: HEAD,
      status: 'in_progress',
      started_at: new Date().toISOString(),
      output: { title: 'Canary 10%', summary: 'Rolling out' },
    });
    assert.equal(status, 201);
    assert.equal(data.name, 'rollout-pilot');
    assert.equal(data.status, 'in_progress');
    assert.equal(data.conclusion, null);
    assert.equal(data.html_url, `https://github.com/acme/shop/runs/${data.id}`);
    assert.equal(data.app?.slug, 'github-actions');

    const runs = api.checkRuns(HEAD);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.id, data.id);
    assert.equal(runs[0]?.output.title, 'Canary 10%');
    assert.deepEqual(api.rejected, []);
    const logged = api.requests.at(-1);
    assert.equal(logged?.operationId, 'checks/create');
    assert.equal(logged?.status, 201);
    assert.equal((logged?.body as { name: string }).name, 'rollout-pilot');
    assert.ok(!JSON.stringify(api.requests).includes(TOKEN), 'the token is never stored');
    assert.equal(logged?.headers['authorization'], undefined);
  });

  it('rejects malformed check-run requests with 422 and records nothing', async (t) => {
    const api = await setup(t);
    api.addCommit(HEAD);
    const octokit = client(api);

    const badStatus = await failure(
      octokit.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD, status: 'bogus' as 'queued' }),
    );
    assert.equal(badStatus.status, 422);
    assert.deepEqual(badStatus.response?.data, {
      message: 'Invalid request.',
      errors: ['/status must be equal to one of the allowed values: "queued", "in_progress", "completed"'],
      documentation_url: 'https://docs.github.com/rest/reference/checks#create-a-check-run',
      status: '422',
    });

    const missingName = await failure(
      octokit.request('POST /repos/{owner}/{repo}/check-runs', { ...repo, head_sha: HEAD } as never),
    );
    assert.equal(missingName.status, 422);
    assert.match(JSON.stringify(missingName.response?.data), /must have required property 'name'/);

    const badConclusion = await failure(
      octokit.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD, conclusion: 'passed' as 'success' }),
    );
    assert.equal(badConclusion.status, 422);
    assert.match(badConclusion.message, /\/conclusion must be equal to one of the allowed values/);

    assert.deepEqual(api.checkRuns(), []);
    assert.deepEqual(
      api.rejected.map((r) => [r.operationId, r.status, r.reason]),
      [
        ['checks/create', 422, 'invalid-body'],
        ['checks/create', 422, 'invalid-body'],
        ['checks/create', 422, 'invalid-body'],
      ],
    );
    assert.match(String(api.rejected[1]?.errors[0]), /name/);

    // GitHub-side rules beyond the schema: the commit must exist.
    const unknownSha = await failure(
      octokit.rest.checks.create({ ...repo, name: 'x', head_sha: 'f'.repeat(40) }),
    );
    assert.equal(unknownSha.status, 422);
    assert.match(unknownSha.message, /No commit found for SHA: f{40}/);
  });

  it('appends annotations across check-run updates, at most 50 per request', async (t) => {
    const api = await setup(t);
    api.addCommit(HEAD);
    const octokit = client(api);
    const annotation = (line: number) => ({
      path: 'deploy/rollout.yaml',
      start_line: line,
      end_line: line,
      annotation_level: 'failure' as const,
      message: `problem on line ${line}`,
    });
    const { data: run } = await octokit.rest.checks.create({
      ...repo,
      name: 'rollout-pilot',
      head_sha: HEAD,
      output: { title: 'Lint', summary: 'first batch', annotations: [annotation(1), annotation(2)] },
    });
    assert.equal(run.output.annotations_count, 2);

    const tooMany = await failure(
      octokit.rest.checks.update({
        ...repo,
        check_run_id: run.id,
        output: {
          title: 'Lint',
          summary: 'too many',
          annotations: Array.from({ length: 51 }, (_, i) => annotation(i + 1)),
        },
      }),
    );
    assert.equal(tooMany.status, 422);
    assert.match(tooMany.message, /annotations must NOT have more than 50 items/);

    const incomplete = await failure(
      octokit.rest.checks.update({ ...repo, check_run_id: run.id, status: 'completed' }),
    );
    assert.equal(incomplete.status, 422, 'completed needs a conclusion');

    const columnsAcrossLines = await failure(
      octokit.rest.checks.update({
        ...repo,
        check_run_id: run.id,
        output: {
          title: 'Lint',
          summary: 's',
          annotations: [{ ...annotation(3), end_line: 4, start_column: 1, end_column: 2 }],
        },
      }),
    );
    assert.equal(columnsAcrossLines.status, 422);

    const { data: updated } = await octokit.rest.checks.update({
      ...repo,
      check_run_id: run.id,
      conclusion: 'failure',
      output: {
        title: 'Lint failed',
        summary: 'second batch',
        annotations: Array.from({ length: 50 }, (_, i) => annotation(i + 3)),
      },
    });
    assert.equal(updated.status, 'completed');
    assert.equal(updated.conclusion, 'failure');
    assert.ok(updated.completed_at);
    assert.equal(updated.output.annotations_count, 52);
    assert.equal(updated.output.summary, 'second batch');

    const [recorded] = api.checkRuns(HEAD);
    assert.equal(recorded?.annotations.length, 52);
    assert.equal(recorded?.annotations[0]?.start_line, 1);
    assert.equal(recorded?.annotations[51]?.start_line, 52);
    assert.equal(recorded?.updates, 1, 'rejected updates change nothing');

    const all = await octokit.paginate(octokit.rest.checks.listAnnotations, {
      ...repo,
      check_run_id: run.id,
      per_page: 20,
    });
    assert.equal(all.length, 52);
    assert.equal(all[0]?.blob_href, `https://github.com/acme/shop/blob/${HEAD}/deploy/rollout.yaml`);

    const { data: got } = await octokit.rest.checks.get({ ...repo, check_run_id: run.id });
    assert.equal(got.output.title, 'Lint failed');

    await octokit.rest.checks.create({ ...repo, name: 'rollout-pilot', head_sha: HEAD });
    const { data: forRef } = await octokit.rest.checks.listForRef({ ...repo, ref: HEAD });
    assert.equal(forRef.total_count, 1, 'filter=latest keeps the newest run per name');
    const { data: allForRef } = await octokit.rest.checks.listForRef({ ...repo, ref: HEAD, filter: 'all' });
    assert.equal(allForRef.total_count, 2);
    assert.deepEqual(
      api.rejected.map((r) => r.reason),
      ['invalid-body', 'invalid-body', 'unprocessable'],
    );
  });

  it('round-trips PR comments with pagination and a GitHub-style Link header', async (t) => {
    const api = await setup(t);
    api.addPullRequest({ number: 7, headSha: HEAD, title: 'Bump image' });
    const octokit = client(api);

    const { data: created } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: 7,
      body: '<!-- rollout-pilot -->\nStarting',
    });
    assert.equal(created.html_url, `https://github.com/acme/shop/pull/7#issuecomment-${created.id}`);
    assert.equal(created.user?.login, 'github-actions[bot]');
    assert.equal(created.user?.type, 'Bot');
    assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const { data: edited } = await octokit.rest.issues.updateComment({
      ...repo,
      comment_id: created.id,
      body: '<!-- rollout-pilot -->\n50%',
    });
    assert.equal(edited.body, '<!-- rollout-pilot -->\n50%');
    const { data: fetched } = await octokit.rest.issues.getComment({ ...repo, comment_id: created.id });
    assert.equal(fetched.body, edited.body);

    for (let i = 0; i < 4; i++)
      await octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: `note ${i}` });
    assert.deepEqual(api.commentsOn(OWNER, REPO, 7), [
      '<!-- rollout-pilot -->\n50%',
      'note 0',
      'note 1',
      'note 2',
      'note 3',
    ]);

    const page2 = await octokit.rest.issues.listComments({ ...repo, issue_number: 7, per_page: 2, page: 2 });
    assert.deepEqual(
      page2.data.map((c) => c.body),
      ['note 1', 'note 2'],
    );
    const base = `${api.url}/repos/acme/shop/issues/7/comments?per_page=2`;
    assert.equal(
      page2.headers.link,
      `<${base}&page=1>; rel="prev", <${base}&page=3>; rel="next", <${base}&page=3>; rel="last", <${base}&page=1>; rel="first"`,
    );
    const everything = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: 7,
      per_page: 2,
    });
    assert.equal(everything.length, 5);
    assert.equal(api.requests.filter((r) => r.operationId === 'issues/list-comments').length, 1 + 3);

    await octokit.rest.issues.deleteComment({ ...repo, comment_id: created.id });
    assert.equal(api.commentsOn(OWNER, REPO, 7).length, 4);
    const gone = await failure(octokit.rest.issues.getComment({ ...repo, comment_id: created.id }));
    assert.equal(gone.status, 404);

    const tooLong = await failure(
      octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: 'x'.repeat(65537) }),
    );
    assert.equal(tooLong.status, 422);
    assert.match(tooLong.message, /Body is too long \(maximum is 65536 characters\)/);
    const noSuchPr = await failure(
      octokit.rest.issues.createComment({ ...repo, issue_number: 99, body: 'hi' }),
    );
    assert.equal(noSuchPr.status, 404);
  });

  it('answers 401 without a token and for a revoked one', async (t) => {
    const api = await setup(t);
    const res = await fetch(`${api.url}/repos/acme/shop`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { message: string }).message, 'Requires authentication');

    const malformed = await fetch(`${api.url}/repos/acme/shop`, { headers: { authorization: 'Basic' } });
    assert.equal(malformed.status, 401);

    api.revokeToken('old-token');
    const revoked = await failure(client(api, 'old-token').rest.repos.get(repo));
    assert.equal(revoked.status, 401);
    assert.equal(
      revoked.response?.data && (revoked.response.data as { message: string }).message,
      'Bad credentials',
    );
    assert.deepEqual(
      api.rejected.map((r) => r.reason),
      ['unauthenticated', 'unauthenticated', 'unauthenticated'],
    );

    const { data } = await client(api).rest.repos.get(repo);
    assert.equal(data.full_name, 'acme/shop');
    assert.equal(data.default_branch, 'main');
    assert.equal(data.permissions?.push, true);
  });

  it('answers 404 for unknown paths and repositories, 501 for known but unimplemented operations', async (t) => {
    const api = await setup(t);
    const octokit = client(api);
    const res = await fetch(`${api.url}/no/such/endpoint`, { headers: { authorization: `token ${TOKEN}` } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { message: string }).message, 'Not Found');

    const wrongMethod = await failure(octokit.request('DELETE /repos/{owner}/{repo}/check-runs', repo));
    assert.equal(wrongMethod.status, 404);

    const unknownRepo = await failure(octokit.rest.repos.get({ owner: 'acme', repo: 'nope' }));
    assert.equal(unknownRepo.status, 404);

    const badId = await failure(octokit.request('GET /repos/acme/shop/check-runs/abc'));
    assert.equal(badId.status, 404, 'a non-numeric id matches no route on GitHub');

    const unimplemented = await failure(octokit.rest.issues.lock({ ...repo, issue_number: 1 }));
    assert.equal(unimplemented.status, 501);
    assert.match(unimplemented.message, /does not implement issues\/lock/);

    assert.deepEqual(
      api.rejected.map((r) => [r.method, r.reason]),
      [
        ['GET', 'unknown-route'],
        ['DELETE', 'unknown-route'],
        ['GET', 'not-found'],
        ['GET', 'invalid-params'],
        ['PUT', 'not-implemented'],
      ],
    );
  });

  it('answers 400 for a body that is not JSON and 422 for bad query parameters', async (t) => {
    const api = await setup(t);
    const res = await fetch(`${api.url}/repos/acme/shop/check-runs`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { message: string }).message, 'Problems parsing JSON');

    const badQuery = await failure(client(api).rest.pulls.list({ ...repo, state: 'merged' as 'open' }));
    assert.equal(badQuery.status, 422);
    assert.match(badQuery.message, /state must be equal to one of the allowed values/);
  });

  it('answers 403 "Resource not accessible by integration" to writes from a read-only token', async (t) => {
    const api = await setup(t);
    api.addPullRequest({ number: 3, headSha: HEAD });
    api.setTokenPermissions('fork-token', 'read');
    const fork = client(api, 'fork-token');

    const denied = await failure(fork.rest.issues.createComment({ ...repo, issue_number: 3, body: 'hi' }));
    assert.equal(denied.status, 403);
    assert.equal(
      (denied.response?.data as { message: string }).message,
      'Resource not accessible by integration',
    );
    assert.equal(
      denied.response?.headers['x-accepted-github-permissions'],
      'issues=write; pull_requests=write',
    );
    const deniedCheck = await failure(fork.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD }));
    assert.equal(deniedCheck.status, 403);
    assert.deepEqual(api.comments(), []);
    assert.deepEqual(api.checkRuns(), []);

    const { data: pr } = await fork.rest.pulls.get({ ...repo, pull_number: 3 });
    assert.equal(pr.head.sha, HEAD, 'reads still work');

    // A `permissions:` block: only what is listed.
    api.setTokenPermissions('scoped', { checks: 'write', 'pull-requests': 'read' });
    const scoped = client(api, 'scoped');
    await scoped.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD });
    const noDeployments = await failure(
      scoped.rest.repos.createDeployment({ ...repo, ref: HEAD, required_contexts: [] }),
    );
    assert.equal(noDeployments.status, 403);
    const noStatuses = await failure(scoped.rest.repos.listCommitStatusesForRef({ ...repo, ref: HEAD }));
    assert.equal(noStatuses.status, 403, 'unlisted scopes are none, even for reads');
    assert.equal(api.rejected.filter((r) => r.reason === 'forbidden').length, 4);
  });

  it('failNext: injected 5xx and rate limits, retried by the Octokit plugins', async (t) => {
    const api = await setup(t);
    const plain = client(api);

    api.failNext(1, 502);
    const bad = await failure(plain.rest.repos.get(repo));
    assert.equal(bad.status, 502);
    assert.equal((await plain.rest.repos.get(repo)).status, 200, 'only the next request fails');

    const retrying = getOctokit(TOKEN, { baseUrl: api.url, retry: { retryAfterBaseValue: 1 } }, retry);
    api.failNext(2, 502);
    const before = api.requests.length;
    assert.equal((await retrying.rest.repos.get(repo)).status, 200);
    assert.deepEqual(
      api.requests.slice(before).map((r) => [r.status, r.injected]),
      [
        [502, true],
        [502, true],
        [200, false],
      ],
    );

    const limited: number[] = [];
    const throttled = getOctokit(
      TOKEN,
      {
        baseUrl: api.url,
        throttle: {
          retryAfterBaseValue: 1,
          onRateLimit: (retryAfter: number) => {
            limited.push(retryAfter);
            return true;
          },
          onSecondaryRateLimit: (retryAfter: number) => {
            limited.push(-retryAfter);
            return true;
          },
        },
      },
      throttling,
    );
    // Reset 1 s ahead: with 0, a reply sent at x.999 s and read after the next whole second gives
    // the plugin a reset in the past and a wait of 0.
    api.failNext(1, 403, { resetAfterSeconds: 1 });
    api.failNext(1, 429, { retryAfterSeconds: 2 });
    assert.equal((await throttled.rest.repos.get(repo)).status, 200);
    assert.equal(limited.length, 2);
    assert.ok((limited[0] ?? 0) >= 1, 'primary limit: retry after x-ratelimit-reset');
    assert.equal(limited[1], -2, 'secondary limit: retry-after header');

    // Scoped to one operation: other requests pass untouched.
    api.failNext(1, 503, { operationId: 'checks/create' });
    assert.equal((await plain.rest.repos.get(repo)).status, 200);
    api.addCommit(HEAD);
    const scoped = await failure(plain.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD }));
    assert.equal(scoped.status, 503);
    assert.deepEqual(api.rejected, [], 'injected failures are not rejections');
  });

  it('lists the pull requests associated with a commit', async (t) => {
    const api = await setup(t);
    const pr = api.addPullRequest({
      number: 12,
      headSha: HEAD,
      headRef: 'bump-image',
      title: 'Bump image to v2',
    });
    assert.equal(pr.baseRef, 'main');
    api.addPullRequest({ number: 13, headSha: 'b'.repeat(40) });
    const octokit = client(api);

    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: HEAD,
    });
    assert.deepEqual(
      data.map((p) => [p.number, p.title, p.head.sha, p.head.ref, p.base.ref]),
      [[12, 'Bump image to v2', HEAD, 'bump-image', 'main']],
    );
    assert.equal(data[0]?.html_url, 'https://github.com/acme/shop/pull/12');

    const unknown = await failure(
      octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: 'c'.repeat(40) }),
    );
    assert.equal(unknown.status, 422);

    const { data: open } = await octokit.rest.pulls.list({ ...repo, head: 'acme:bump-image' });
    assert.deepEqual(
      open.map((p) => p.number),
      [12],
    );
    const { data: full } = await octokit.rest.pulls.get({ ...repo, pull_number: 12 });
    assert.equal(full.commits, 1);
    assert.equal(full.merged, false);
  });

  it('creates deployments and statuses the way GitHub verifies and deactivates them', async (t) => {
    const api = await setup(t);
    api.addCommit(HEAD, { parents: [api.addRepo(OWNER, REPO).headSha], branch: 'main' });
    const octokit = client(api);
    await octokit.rest.checks.create({
      ...repo,
      name: 'rollout-pilot',
      head_sha: HEAD,
      status: 'in_progress',
    });

    // Without required_contexts GitHub verifies every context, including the action's own running check.
    const conflict = await failure(
      octokit.rest.repos.createDeployment({ ...repo, ref: HEAD, environment: 'staging' }),
    );
    assert.equal(conflict.status, 409);
    assert.match(conflict.message, /Conflict: Commit status checks failed for a1b2c3d/);

    const first = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: HEAD,
      environment: 'staging',
      required_contexts: [],
    });
    assert.equal(first.status, 201);
    if (!('id' in first.data)) assert.fail('expected a deployment');
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: first.data.id,
      state: 'success',
      environment_url: 'https://staging.shop.example',
      log_url: 'https://github.com/acme/shop/actions/runs/1',
    });
    const second = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: 'main',
      environment: 'staging',
      required_contexts: [],
    });
    if (!('id' in second.data)) assert.fail('expected a deployment');
    assert.equal(second.data.sha, HEAD, 'a branch ref resolves to its head');
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: second.data.id,
      state: 'in_progress',
      description: 'd'.repeat(200),
    });
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: second.data.id,
      state: 'success',
    });

    assert.deepEqual(
      api.deploymentStatuses(first.data.id).map((s) => [s.state, s.automatic]),
      [
        ['success', false],
        ['inactive', true],
      ],
    );
    const secondStatuses = api.deploymentStatuses(second.data.id);
    assert.equal(secondStatuses[0]?.description.length, 140, 'GitHub keeps 140 characters');
    const { data: listed } = await octokit.rest.repos.listDeploymentStatuses({
      ...repo,
      deployment_id: first.data.id,
    });
    assert.deepEqual(
      listed.map((s) => s.state),
      ['inactive', 'success'],
    );
    assert.equal(listed[1]?.environment_url, 'https://staging.shop.example');
    const { data: deployments } = await octokit.rest.repos.listDeployments({
      ...repo,
      environment: 'staging',
    });
    assert.deepEqual(
      deployments.map((d) => d.id),
      [second.data.id, first.data.id],
    );
    assert.equal(api.deployments().length, 2);

    const missing = await failure(
      octokit.rest.repos.createDeployment({ ...repo, ref: 'no-such-branch', required_contexts: [] }),
    );
    assert.equal(missing.status, 422);
  });

  it('creates commit statuses, lists them, and combines them', async (t) => {
    const api = await setup(t);
    api.addCommit(HEAD, { branch: 'main' });
    const octokit = client(api);
    await octokit.rest.repos.createCommitStatus({
      ...repo,
      sha: HEAD,
      state: 'pending',
      context: 'rollout-pilot/canary',
    });
    await octokit.rest.repos.createCommitStatus({
      ...repo,
      sha: HEAD,
      state: 'success',
      context: 'rollout-pilot/canary',
      target_url: 'https://example.test/run',
    });
    api.addCommitStatus({ sha: HEAD, state: 'failure', context: 'ci/other' });

    const { data: list } = await octokit.rest.repos.listCommitStatusesForRef({ ...repo, ref: 'main' });
    assert.deepEqual(
      list.map((s) => [s.context, s.state]),
      [
        ['ci/other', 'failure'],
        ['rollout-pilot/canary', 'success'],
        ['rollout-pilot/canary', 'pending'],
      ],
    );
    const { data: combined } = await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: HEAD });
    assert.equal(combined.state, 'failure');
    assert.equal(combined.total_count, 2);

    const tooLong = await failure(
      octokit.rest.repos.createCommitStatus({
        ...repo,
        sha: HEAD,
        state: 'success',
        description: 'x'.repeat(141),
      }),
    );
    assert.equal(tooLong.status, 422);
    assert.equal(api.commitStatuses(HEAD).length, 3);
  });

  it('supports a revert pull request through the Git database API', async (t) => {
    const api = await setup(t, {});
    const { headSha: base } = api.addRepo(OWNER, REPO, {
      files: { 'deploy/rollout.yaml': 'image: shop:v1\n' },
    });
    const bad = api.addCommit(undefined, {
      parents: [base],
      tree: { 'deploy/rollout.yaml': 'image: shop:v2\n' },
      message: 'Bump image to v2',
      branch: 'main',
    });
    const octokit = client(api);

    const { data: ref } = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
    assert.equal(ref.object.sha, bad);
    const { data: badCommit } = await octokit.rest.git.getCommit({ ...repo, commit_sha: bad });
    assert.equal(badCommit.parents[0]?.sha, base);
    const { data: parent } = await octokit.rest.git.getCommit({ ...repo, commit_sha: base });
    const { data: tree } = await octokit.rest.git.getTree({
      ...repo,
      tree_sha: parent.tree.sha,
      recursive: 'true',
    });
    assert.deepEqual(
      tree.tree.map((e) => [e.path, e.type]),
      [
        ['deploy', 'tree'],
        ['deploy/rollout.yaml', 'blob'],
      ],
    );
    const { data: changes } = await octokit.rest.repos.getCommit({ ...repo, ref: bad });
    assert.deepEqual(
      changes.files?.map((f) => [f.filename, f.status, f.additions, f.deletions]),
      [['deploy/rollout.yaml', 'modified', 1, 1]],
    );

    const { data: newTree } = await octokit.rest.git.createTree({
      ...repo,
      base_tree: badCommit.tree.sha,
      tree: [
        { path: 'deploy/rollout.yaml', mode: '100644', type: 'blob', content: 'image: shop:v1\n' },
        { path: 'REVERTED.md', mode: '100644', type: 'blob', content: 'reverted by rollout-pilot\n' },
      ],
    });
    const { data: revert } = await octokit.rest.git.createCommit({
      ...repo,
      message: `Revert "Bump image to v2"\n\nThis reverts commit ${bad}.`,
      tree: newTree.sha,
      parents: [bad],
    });
    assert.equal(revert.author.name, 'github-actions[bot]');
    assert.match(revert.sha, /^[0-9a-f]{40}$/);
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/rollout-pilot/revert-1', sha: revert.sha });
    const exists = await failure(
      octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/rollout-pilot/revert-1', sha: revert.sha }),
    );
    assert.equal(exists.status, 422);
    const { data: slashed } = await octokit.rest.git.getRef({ ...repo, ref: 'heads/rollout-pilot/revert-1' });
    assert.equal(slashed.object.sha, revert.sha);

    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      title: 'Revert "Bump image to v2"',
      head: 'rollout-pilot/revert-1',
      base: 'main',
      body: 'Automatic abort',
    });
    assert.equal(pr.number, 1);
    assert.equal(pr.html_url, 'https://github.com/acme/shop/pull/1');
    assert.equal(pr.changed_files, 2);
    assert.deepEqual(
      api.pulls().map((p) => [p.number, p.origin, p.headRef, p.baseRef]),
      [[1, 'api', 'rollout-pilot/revert-1', 'main']],
    );
    assert.deepEqual(api.files(revert.sha), {
      'REVERTED.md': 'reverted by rollout-pilot\n',
      'deploy/rollout.yaml': 'image: shop:v1\n',
    });

    const again = await failure(
      octokit.rest.pulls.create({ ...repo, title: 't', head: 'rollout-pilot/revert-1', base: 'main' }),
    );
    assert.equal(again.status, 422);
    assert.match(again.message, /A pull request already exists for acme:rollout-pilot\/revert-1/);
    const nonFastForward = await failure(
      octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: base }),
    );
    assert.match(nonFastForward.message, /Update is not a fast forward/);
    assert.equal(api.rejected.length, 3);
    assert.ok(api.rejected.every((r) => r.status === 422));
  });

  it('refuses pulls.create by github-actions[bot] when the repository does not allow it', async (t) => {
    const api = await setup(t, {});
    api.addRepo(OWNER, REPO, { actionsCanCreatePullRequests: false });
    api.addCommit(undefined, { parents: [api.addRepo(OWNER, REPO).headSha], branch: 'topic' });
    const denied = await failure(
      client(api).rest.pulls.create({ ...repo, title: 't', head: 'topic', base: 'main' }),
    );
    assert.equal(denied.status, 403);
    assert.match(denied.message, /GitHub Actions is not permitted to create or approve pull requests/);
  });

  it("answers every implemented operation with a body that matches GitHub's response schema", async (t) => {
    const spec = await loadSpec();
    for (const id of Object.keys(OPERATIONS))
      assert.ok(spec.operation(id), `${id} is not in the description`);

    const api = await setup(t);
    const main = api.addRepo(OWNER, REPO).headSha;
    api.addPullRequest({ number: 5, headSha: HEAD, headRef: 'topic' });
    api.setTokenUser('human', { login: 'mona', id: 9001, type: 'User' });
    const octokit = client(api);
    const human = client(api, 'human');

    const { data: comment } = await human.rest.issues.createComment({
      ...repo,
      issue_number: 5,
      body: 'first',
    });
    assert.equal(comment.user?.login, 'mona');
    await octokit.rest.issues.updateComment({ ...repo, comment_id: comment.id, body: 'edited' });
    await octokit.rest.issues.getComment({ ...repo, comment_id: comment.id });
    await octokit.rest.issues.listComments({ ...repo, issue_number: 5 });
    const { data: labels } = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: 5,
      labels: ['rollout-pilot', 'revert'],
    });
    assert.deepEqual(
      labels.map((l) => l.name),
      ['rollout-pilot', 'revert'],
    );
    await octokit.rest.issues.deleteComment({ ...repo, comment_id: comment.id });

    const { data: run } = await octokit.rest.checks.create({
      ...repo,
      name: 'c',
      head_sha: HEAD,
      conclusion: 'success',
    });
    assert.equal(run.status, 'completed');
    assert.deepEqual(
      run.pull_requests.map((p) => p.number),
      [5],
    );
    await octokit.rest.checks.update({ ...repo, check_run_id: run.id, name: 'c2' });
    await octokit.rest.checks.get({ ...repo, check_run_id: run.id });
    const { data: byBranch } = await octokit.rest.checks.listForRef({
      ...repo,
      ref: 'topic',
      check_name: 'c2',
    });
    assert.equal(byBranch.total_count, 1);
    await octokit.rest.checks.listAnnotations({ ...repo, check_run_id: run.id });

    const created = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: HEAD,
      payload: { image: 'shop:v2' },
    });
    if (!('id' in created.data)) assert.fail('expected a deployment');
    const { data: deployment } = await octokit.rest.repos.getDeployment({
      ...repo,
      deployment_id: created.data.id,
    });
    assert.deepEqual(deployment.payload, { image: 'shop:v2' });
    assert.equal(deployment.production_environment, true);
    await octokit.rest.repos.listDeployments(repo);
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: deployment.id,
      state: 'queued',
    });
    await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: deployment.id });

    await octokit.rest.repos.createCommitStatus({ ...repo, sha: HEAD, state: 'success' });
    await octokit.rest.repos.listCommitStatusesForRef({ ...repo, ref: HEAD });
    const { data: combined } = await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: 'topic' });
    assert.equal(combined.state, 'success');
    await octokit.rest.repos.get(repo);
    await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: HEAD });
    const { data: commit } = await octokit.rest.repos.getCommit({ ...repo, ref: 'topic' });
    assert.equal(commit.sha, HEAD);

    await octokit.rest.pulls.get({ ...repo, pull_number: 5 });
    const { data: all } = await octokit.rest.pulls.list({ ...repo, state: 'all' });
    assert.deepEqual(
      all.map((p) => p.number),
      [5],
    );

    const { data: tree } = await octokit.rest.git.getTree({ ...repo, tree_sha: 'main' });
    const { data: newTree } = await octokit.rest.git.createTree({
      ...repo,
      base_tree: tree.sha,
      tree: [{ path: 'README.md', mode: '100644', type: 'blob', sha: null }],
    });
    assert.deepEqual(newTree.tree, []);
    const { data: next } = await octokit.rest.git.createCommit({
      ...repo,
      message: 'm',
      tree: tree.sha,
      parents: [main],
    });
    await octokit.rest.git.getCommit({ ...repo, commit_sha: next.sha });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/x/one', sha: main });
    const { data: moved } = await octokit.rest.git.updateRef({ ...repo, ref: 'heads/x/one', sha: next.sha });
    assert.equal(moved.object.sha, next.sha, 'a fast-forward needs no force');
    await octokit.rest.git.getRef({ ...repo, ref: 'heads/x/one' });
    const { data: matching } = await octokit.rest.git.listMatchingRefs({ ...repo, ref: 'heads/x/' });
    assert.deepEqual(
      matching.map((r) => r.ref),
      ['refs/heads/x/one'],
    );
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/x/one' });
    assert.equal(api.ref(OWNER, REPO, 'heads/x/one'), undefined);
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/feature-b', sha: next.sha });
    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      title: 'b',
      head: 'acme:feature-b',
      base: 'main',
      draft: true,
    });
    assert.equal(pr.draft, true);

    assert.deepEqual(api.rejected, []);
    const answered = new Set(api.requests.filter((r) => r.status < 300).map((r) => r.operationId));
    assert.deepEqual(
      Object.keys(OPERATIONS).filter((id) => !answered.has(id)),
      [],
      'every operation was exercised',
    );
  });

  it('keeps its own responses honest: the response validator does fail on a wrong body', async () => {
    const spec = await loadSpec();
    assert.notDeepEqual(spec.validateResponse('checks/get', 200, { id: 'not a number' }), []);
    assert.notDeepEqual(spec.validateResponse('issues/get-comment', 200, { id: 1 }), []);
  });
});
