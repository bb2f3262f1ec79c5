/**
 * A local GitHub REST API for tests: a real `node:http` server on 127.0.0.1 that routes and
 * validates every request against GitHub's official OpenAPI description and keeps state in memory.
 *
 *   const api = await startGitHubApi({ repos: ['acme/shop'] });
 *   const octokit = getOctokit('t0ken', { baseUrl: api.url });
 *   ...
 *   assert.deepEqual(api.rejected, []);
 *   await api.close();
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, errorBody, OPERATIONS, type HandlerContext, type HandlerResult } from './handlers.ts';
import { Renderer } from './render.ts';
import { loadSpec, type OpenApiSpec, type Operation, type SpecTimings } from './spec.ts';
import { State, type RepoState } from './state.ts';
import {
  GITHUB_ACTIONS_BOT,
  type AccessLevel,
  type CheckRunRecord,
  type CommitInfo,
  type CommitSeed,
  type CommitStatusRecord,
  type DeploymentRecord,
  type DeploymentStatusRecord,
  type FailureOptions,
  type IssueCommentRecord,
  type PermissionScope,
  type PullRequestRecord,
  type PullRequestSeed,
  type RecordedRequest,
  type RejectedRequest,
  type RejectionReason,
  type RepoSeed,
  type StartOptions,
  type TokenPermissions,
  type UserRecord,
} from './types.ts';

const REDACTED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const RATE_LIMIT = 5000;

interface PendingFailure {
  remaining: number;
  status: number;
  options: FailureOptions;
}

interface Reply {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
}

export class GitHubApi {
  /** Base URL to give Octokit (`baseUrl`) or the action (`GITHUB_API_URL`), without a trailing slash. */
  readonly url: string;
  /** The OpenAPI description in use (route lookups, timings). */
  readonly spec: OpenApiSpec;
  readonly #server: Server;
  readonly #state: State;
  readonly #render: Renderer;
  readonly #validateResponses: boolean;
  readonly #defaultUser: UserRecord;
  readonly #requests: RecordedRequest[] = [];
  readonly #rejected: RejectedRequest[] = [];
  readonly #failures: PendingFailure[] = [];
  readonly #permissions = new Map<string, TokenPermissions>();
  readonly #users = new Map<string, UserRecord>();
  readonly #revoked = new Set<string>();
  #used = 0;

  /** Use {@link startGitHubApi}. */
  constructor(server: Server, spec: OpenApiSpec, options: StartOptions) {
    this.#server = server;
    this.spec = spec;
    const address = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    this.#state = new State(options.now ?? (() => new Date()), options.serverUrl ?? 'https://github.com');
    this.#render = new Renderer(this.#state, this.url);
    this.#validateResponses = options.validateResponses ?? true;
    this.#defaultUser = options.defaultUser ?? GITHUB_ACTIONS_BOT;
    for (const full of options.repos ?? []) {
      const [owner, repo] = full.split('/');
      if (!owner || !repo) throw new Error(`repos entries are owner/name, got ${full}`);
      this.addRepo(owner, repo);
    }
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((e: unknown) => {
        // Only reachable if reading the request fails (client went away); never leave it hanging.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({ message: `fake GitHub API: ${e instanceof Error ? e.message : String(e)}` }),
        );
      });
    });
  }

  /** Time to read and parse the description, and to index its routes (once per process). */
  get specTimings(): SpecTimings {
    return this.spec.timings;
  }

  /** Every request in order of arrival: method, path, status, bodies and headers (never Authorization). */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** Requests the fake refused (every 4xx/5xx it produced itself; `failNext` answers are not included). */
  get rejected(): readonly RejectedRequest[] {
    return this.#rejected;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => {
      this.#server.close((err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  // ------------------------------------------------------------------ tokens

  /** Scope a token: `'read'` makes every write answer 403 "Resource not accessible by integration". */
  setTokenPermissions(token: string, permissions: TokenPermissions): void {
    this.#permissions.set(token, typeof permissions === 'string' ? permissions : { ...permissions });
  }

  /** Who a token acts as (comment authors, creators). Default: `defaultUser`, github-actions[bot]. */
  setTokenUser(token: string, user: UserRecord): void {
    this.#users.set(token, { ...user });
  }

  /** Make a token invalid: its requests answer 401 "Bad credentials". */
  revokeToken(token: string): void {
    this.#revoked.add(token);
  }

  /**
   * The next `count` requests (only those for `options.operationId`, if given) answer `status`
   * instead of being processed. 403/429 look like GitHub's primary or secondary rate limit.
   * Calls queue up in order.
   */
  failNext(count: number, status: number, options: FailureOptions = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('failNext count must be a positive integer');
    if (options.operationId !== undefined && this.spec.operation(options.operationId) === undefined) {
      throw new Error(`failNext: unknown operationId ${options.operationId}`);
    }
    this.#failures.push({ remaining: count, status, options });
  }

  // ------------------------------------------------------------------ seeding

  /**
   * Adds a repository with an initial commit on its default branch. If it exists already, returns it
   * unchanged (the seed is ignored).
   */
  addRepo(
    owner: string,
    repo: string,
    seed?: RepoSeed,
  ): { owner: string; repo: string; defaultBranch: string; headSha: string } {
    const r = this.#state.addRepo(owner, repo, seed);
    return {
      owner: r.owner.login,
      repo: r.name,
      defaultBranch: r.defaultBranch,
      headSha: this.#branchSha(r, r.defaultBranch),
    };
  }

  /**
   * Adds a commit. With a `sha`, it is stored under that id (any 40 hex digits); without, the real
   * Git id is computed. Returns the sha.
   */
  addCommit(sha: string | undefined, seed?: CommitSeed): string {
    return this.#state.addCommit(sha, seed);
  }

  /** Points a ref (`heads/x`, `tags/v1` or `refs/heads/x`) at a commit. */
  setRef(repoFullName: string | undefined, ref: string, sha: string): void {
    const repo = this.#state.seedRepo(repoFullName);
    if (!this.#state.hasCommit(sha)) throw new Error(`commit ${sha} does not exist`);
    repo.refs.set(ref.startsWith('refs/') ? ref : `refs/${ref}`, sha);
  }

  /** Adds a pull request (and its head commit/branch if needed). Returns a copy of the record. */
  addPullRequest(seed: PullRequestSeed): PullRequestRecord {
    return structuredClone(this.#state.addPullRequest(seed));
  }

  /** Adds a plain issue that comments can be posted on. Returns its number. */
  addIssue(repoFullName?: string, number?: number): number {
    return this.#state.addIssue(repoFullName, number);
  }

  /** Posts a comment as someone else (e.g. a human, or an older run of the action). */
  addIssueComment(seed: {
    repo?: string;
    issueNumber: number;
    body: string;
    user?: UserRecord;
  }): IssueCommentRecord {
    const repo = this.#state.seedRepo(seed.repo);
    const key = this.#state.issueKey(repo, seed.issueNumber);
    const isPull = this.#state.pulls.has(key);
    if (!isPull && !this.#state.issues.has(key)) throw new Error(`#${seed.issueNumber} does not exist`);
    const id = this.#state.nextId('comment');
    const now = this.#state.now();
    const record: IssueCommentRecord = {
      id,
      owner: repo.owner.login,
      repo: repo.name,
      issueNumber: seed.issueNumber,
      body: seed.body,
      user: { ...(seed.user ?? { login: 'octocat', id: 583231, type: 'User' }) },
      createdAt: now,
      updatedAt: now,
      htmlUrl: `${this.#render.repoWeb(repo)}/${isPull ? 'pull' : 'issues'}/${seed.issueNumber}#issuecomment-${id}`,
    };
    this.#state.comments.set(id, record);
    return structuredClone(record);
  }

  /** Posts a commit status as another system (it counts for deployments' required contexts). */
  addCommitStatus(seed: {
    repo?: string;
    sha: string;
    state: CommitStatusRecord['state'];
    context: string;
    user?: UserRecord;
  }): void {
    const repo = this.#state.seedRepo(seed.repo);
    this.#state.commitStatuses.push({
      id: this.#state.nextId('status'),
      owner: repo.owner.login,
      repo: repo.name,
      sha: seed.sha,
      state: seed.state,
      context: seed.context,
      description: null,
      targetUrl: null,
      creator: { ...(seed.user ?? { login: 'ci-bot', id: 7000001, type: 'Bot' }) },
      createdAt: this.#state.now(),
    });
  }

  // ------------------------------------------------------------------ what the PR shows

  /** Current bodies of the comments on an issue or PR, oldest first. */
  commentsOn(owner: string, repo: string, number: number): string[] {
    return this.comments(owner, repo, number).map((c) => c.body);
  }

  /** Comment records (optionally of one repository / issue), oldest first. */
  comments(owner?: string, repo?: string, number?: number): IssueCommentRecord[] {
    return [...this.#state.comments.values()]
      .filter((c) => this.#inRepo(c, owner, repo) && (number === undefined || c.issueNumber === number))
      .sort((a, b) => a.id - b.id)
      .map((c) => structuredClone(c));
  }

  /** Check runs (optionally for one head sha), oldest first, each with every annotation it received. */
  checkRuns(headSha?: string): CheckRunRecord[] {
    return [...this.#state.checkRuns.values()]
      .filter((r) => headSha === undefined || r.headSha === headSha)
      .sort((a, b) => a.id - b.id)
      .map((r) => structuredClone(r));
  }

  /** Deployments (optionally of one repository), oldest first. */
  deployments(owner?: string, repo?: string): DeploymentRecord[] {
    return [...this.#state.deployments.values()]
      .filter((d) => this.#inRepo(d, owner, repo))
      .sort((a, b) => a.id - b.id)
      .map((d) => structuredClone(d));
  }

  /** A deployment's statuses, oldest first (including `inactive` ones GitHub added by itself). */
  deploymentStatuses(deploymentId: number): DeploymentStatusRecord[] {
    return structuredClone(this.#state.deploymentStatuses.get(deploymentId) ?? []);
  }

  /** Commit statuses (optionally for one sha), oldest first. */
  commitStatuses(sha?: string): CommitStatusRecord[] {
    return this.#state.commitStatuses
      .filter((s) => sha === undefined || s.sha === sha)
      .map((s) => structuredClone(s));
  }

  /** Pull requests, seeded and created, by repository and number. */
  pulls(owner?: string, repo?: string): PullRequestRecord[] {
    return [...this.#state.pulls.values()]
      .filter((p) => this.#inRepo(p, owner, repo))
      .sort((a, b) => a.owner.localeCompare(b.owner) || a.repo.localeCompare(b.repo) || a.number - b.number)
      .map((p) => structuredClone(p));
  }

  /** The sha a ref points at (`heads/main`, `refs/heads/main`), or undefined. */
  ref(owner: string, repo: string, ref: string): string | undefined {
    return this.#state.repo(owner, repo)?.refs.get(ref.startsWith('refs/') ? ref : `refs/${ref}`);
  }

  /** A commit's tree, parents, message and author, or undefined. */
  commit(sha: string): CommitInfo | undefined {
    const c = this.#state.git.commits.get(sha);
    return c
      ? structuredClone({ tree: c.tree, parents: c.parents, message: c.message, author: c.author })
      : undefined;
  }

  /** Text of every file in a tree or a commit's tree, by path. */
  files(treeOrCommitSha: string): Record<string, string> {
    const tree = this.#state.git.commits.get(treeOrCommitSha)?.tree ?? treeOrCommitSha;
    return this.#state.git.files(tree);
  }

  // ------------------------------------------------------------------ request handling

  #inRepo(r: { owner: string; repo: string }, owner?: string, repo?: string): boolean {
    return (
      (owner === undefined || r.owner.toLowerCase() === owner.toLowerCase()) &&
      (repo === undefined || r.repo.toLowerCase() === repo.toLowerCase())
    );
  }

  #branchSha(repo: RepoState, branch: string): string {
    return repo.refs.get(`refs/heads/${branch}`) ?? '';
  }

  #access(token: string, scope: PermissionScope): AccessLevel {
    const p = this.#permissions.get(token) ?? 'write';
    if (scope === 'metadata') return p === 'none' ? 'none' : 'read';
    if (typeof p === 'string') return p;
    return p[scope] ?? 'none';
  }

  #takeFailure(operationId: string | undefined): PendingFailure | undefined {
    const index = this.#failures.findIndex(
      (f) => f.options.operationId === undefined || f.options.operationId === operationId,
    );
    const failure = this.#failures[index];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining === 0) this.#failures.splice(index, 1);
    return failure;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const requestUrl = new URL(target, this.url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || REDACTED_HEADERS.has(k)) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    let body: unknown;
    let bodyIsJson = true;
    if (raw !== '') {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
        bodyIsJson = false;
      }
    }
    const match = this.spec.match(method, requestUrl.pathname);
    const operation = match?.operation;
    const record: RecordedRequest = {
      seq: this.#requests.length + 1,
      method,
      path: requestUrl.pathname + requestUrl.search,
      operationId: operation?.operationId,
      status: 0,
      headers,
      body,
      response: undefined,
      injected: false,
    };
    this.#requests.push(record);

    const failure = this.#takeFailure(operation?.operationId);
    let reply: Reply;
    if (failure) {
      reply = this.#injected(failure);
      record.injected = true;
    } else {
      try {
        reply = this.#process(req, requestUrl, operation, match?.params ?? {}, body, bodyIsJson, raw === '');
      } catch (e) {
        const error =
          e instanceof ApiError
            ? e
            : new ApiError(
                500,
                {
                  message: `fake GitHub API crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
                },
                'fake-bug',
              );
        reply = { status: error.status, body: error.body, headers: { ...error.headers } };
        this.#reject(record, error.reason, error.body);
      }
    }
    record.status = reply.status;
    record.response = reply.body;
    this.#send(res, reply);
  }

  #reject(record: RecordedRequest, reason: RejectionReason, body: Record<string, unknown>): void {
    const errors = Array.isArray(body['errors']) ? (body['errors'] as unknown[]) : [];
    // The same object as in `requests`: status and response are filled in once the reply is known.
    const rejected = record as RejectedRequest;
    rejected.reason = reason;
    rejected.message = typeof body['message'] === 'string' ? body['message'] : '';
    rejected.errors = errors;
    this.#rejected.push(rejected);
  }

  #process(
    req: IncomingMessage,
    requestUrl: URL,
    operation: Operation | undefined,
    rawParams: Record<string, string>,
    body: unknown,
    bodyIsJson: boolean,
    bodyEmpty: boolean,
  ): Reply {
    const docs = operation?.docsUrl ?? 'https://docs.github.com/rest';
    if (!operation) throw new ApiError(404, errorBody(404, 'Not Found', docs), 'unknown-route');

    const auth = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = auth?.[1];
    if (token === undefined)
      throw new ApiError(401, errorBody(401, 'Requires authentication', docs), 'unauthenticated');
    if (this.#revoked.has(token))
      throw new ApiError(401, errorBody(401, 'Bad credentials', docs), 'unauthenticated');

    const spec = OPERATIONS[operation.operationId];
    if (!spec) {
      throw new ApiError(
        501,
        {
          message:
            `the fake GitHub API does not implement ${operation.operationId} ` +
            `(${operation.method} ${operation.path}); add it to test/support/github-api/handlers.ts`,
          documentation_url: docs,
          status: '501',
        },
        'not-implemented',
      );
    }

    const checked = this.spec.validateParams(operation.operationId, rawParams, requestUrl.searchParams);
    if (!checked.ok) {
      if (checked.location === 'path')
        throw new ApiError(404, errorBody(404, 'Not Found', docs), 'invalid-params');
      throw new ApiError(
        422,
        errorBody(
          422,
          'Invalid request.',
          docs,
          checked.problems.map((p) => `query${p.message.startsWith('/') ? '' : ' '}${p.message}`),
        ),
        'invalid-params',
      );
    }

    const granted = spec.scopes.map((s) => this.#access(token, s));
    const needed = spec.access;
    const allowed = granted.some((g) => g === 'write' || (g === 'read' && needed === 'read'));
    if (!allowed) {
      throw new ApiError(403, errorBody(403, 'Resource not accessible by integration', docs), 'forbidden', {
        'x-accepted-github-permissions': spec.scopes
          .map((s) => `${s.replace('-', '_')}=${needed}`)
          .join('; '),
      });
    }

    let json: unknown = undefined;
    if (operation.hasRequestBody) {
      if (!bodyIsJson) throw new ApiError(400, errorBody(400, 'Problems parsing JSON', docs), 'invalid-json');
      json = bodyEmpty ? (operation.requestBodyRequired ? {} : undefined) : body;
      if (json !== undefined) {
        const problems = this.spec.validateBody(operation.operationId, json);
        if (problems.length > 0) {
          throw new ApiError(
            422,
            errorBody(
              422,
              'Invalid request.',
              docs,
              problems.map((p) => p.message),
            ),
            'invalid-body',
          );
        }
      }
    }

    const owner = checked.path['owner'];
    const repoName = checked.path['repo'];
    const repo =
      typeof owner === 'string' && typeof repoName === 'string'
        ? this.#state.repo(owner, repoName)
        : undefined;
    if (!repo) throw new ApiError(404, errorBody(404, 'Not Found', docs), 'not-found');

    const ctx: HandlerContext = {
      state: this.#state,
      render: this.#render,
      operationId: operation.operationId,
      docsUrl: docs,
      params: checked.path,
      query: checked.query,
      body: structuredClone(json),
      user: this.#users.get(token) ?? this.#defaultUser,
      repo,
      requestUrl,
      access: (scope) => this.#access(token, scope),
    };
    const result: HandlerResult = spec.handler(ctx);
    if (this.#validateResponses && result.body !== undefined) {
      const problems = this.spec.validateResponse(operation.operationId, result.status, result.body);
      if (problems.length > 0) {
        throw new ApiError(
          500,
          {
            message:
              `fake GitHub API bug: its ${result.status} response to ${operation.operationId} does not match ` +
              `GitHub's schema: ${problems
                .slice(0, 5)
                .map((p) => p.message)
                .join('; ')}`,
          },
          'fake-bug',
        );
      }
    }
    return { status: result.status, body: result.body, headers: result.headers ?? {} };
  }

  #injected(failure: PendingFailure): Reply {
    const { status, options } = failure;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {};
    let body: unknown;
    const kind = options.rateLimit ?? (status === 403 ? 'primary' : status === 429 ? 'secondary' : undefined);
    if (kind === 'primary') {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset'] = String(nowSeconds + (options.resetAfterSeconds ?? 1));
      body = {
        message: 'API rate limit exceeded for installation ID 1.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: String(status),
      };
    } else if (kind === 'secondary') {
      headers['retry-after'] = String(options.retryAfterSeconds ?? 1);
      body = {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(status),
      };
    } else if (status >= 500) {
      body = status === 502 ? { message: 'Server Error' } : { message: 'Service Unavailable' };
    } else {
      body = { message: `Injected ${status}`, status: String(status) };
    }
    if (options.body !== undefined) body = options.body;
    return { status, body, headers: { ...headers, ...(options.headers ?? {}) } };
  }

  #send(res: ServerResponse, reply: Reply): void {
    this.#used += 1;
    const reset = Math.floor(Date.now() / 1000) + 3600;
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID().toUpperCase().slice(0, 23),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - this.#used)),
      'x-ratelimit-used': String(this.#used),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }
}

/** Starts the fake on 127.0.0.1 (a free port). The OpenAPI description is loaded once per process. */
export async function startGitHubApi(options: StartOptions = {}): Promise<GitHubApi> {
  const spec = await loadSpec();
  const server = createServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    return new GitHubApi(server, spec, options);
  } catch (e) {
    server.close();
    throw e;
  }
}
