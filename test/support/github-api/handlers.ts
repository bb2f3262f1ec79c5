/**
 * The operations the fake implements, keyed by GitHub's operationId. Requests reach a handler only
 * after routing, authentication, permission and schema checks, so bodies have the documented shape.
 */
import { GitError, type TreeChange, type TreeEntryMode } from './git.ts';
import type { Renderer } from './render.ts';
import type { RepoState, State } from './state.ts';
import type {
  AccessLevel,
  CheckRunAction,
  CheckRunAnnotation,
  CheckRunRecord,
  CommitStatusRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueCommentRecord,
  PermissionScope,
  PullRequestRecord,
  RejectionReason,
  UserRecord,
} from './types.ts';
import { GITHUB_ACTIONS_BOT } from './types.ts';

export interface HandlerContext {
  state: State;
  render: Renderer;
  operationId: string;
  docsUrl: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** The JSON body, already validated against the operation's schema. */
  body: unknown;
  user: UserRecord;
  repo: RepoState;
  requestUrl: URL;
  access: (scope: PermissionScope) => AccessLevel;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: HandlerContext) => HandlerResult;

export interface OperationSpec {
  handler: Handler;
  /** The token needs `access` on any one of these scopes (e.g. issues OR pull-requests). */
  scopes: PermissionScope[];
  access: 'read' | 'write';
}

/** An answer other than success; the server records it as a rejection. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly reason: RejectionReason;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    body: Record<string, unknown>,
    reason: RejectionReason,
    headers: Record<string, string> = {},
  ) {
    super(typeof body['message'] === 'string' ? body['message'] : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.reason = reason;
    this.headers = headers;
  }
}

export function errorBody(
  status: number,
  message: string,
  docsUrl: string,
  errors?: unknown[],
): Record<string, unknown> {
  return { message, ...(errors ? { errors } : {}), documentation_url: docsUrl, status: String(status) };
}

function notFound(ctx: HandlerContext): ApiError {
  return new ApiError(404, errorBody(404, 'Not Found', ctx.docsUrl), 'not-found');
}

function unprocessable(ctx: HandlerContext, message: string): ApiError {
  return new ApiError(422, errorBody(422, message, ctx.docsUrl), 'unprocessable');
}

function validationFailed(
  ctx: HandlerContext,
  resource: string,
  field: string,
  code: string,
  message?: string,
): ApiError {
  const error: Record<string, string> = { resource, code, field };
  if (message !== undefined) error['message'] = message;
  return new ApiError(422, errorBody(422, 'Validation Failed', ctx.docsUrl, [error]), 'unprocessable');
}

function noCommit(ctx: HandlerContext, sha: string): ApiError {
  return unprocessable(ctx, `No commit found for SHA: ${sha}`);
}

function int(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function optStr(value: unknown): string | undefined {
  return value === undefined ? undefined : str(value);
}

/** Length in characters (code points), as GitHub counts them. */
function codePoints(s: string): number {
  return Array.from(s).length;
}

function truncate(s: string, max: number): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n++ === max) break;
    out += ch;
  }
  return out;
}

function sameRepo(ctx: HandlerContext, owner: string, repo: string): boolean {
  return ctx.state.repoKey(owner, repo) === ctx.state.repoKey(ctx.repo.owner.login, ctx.repo.name);
}

/** GitHub's pagination: `per_page` (default 30, at most 100), `page`, and a `Link` header. */
export function paginate<T>(
  ctx: HandlerContext,
  items: readonly T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(
    100,
    Math.max(1, ctx.query['per_page'] === undefined ? 30 : int(ctx.query['per_page'])),
  );
  const page = Math.max(1, ctx.query['page'] === undefined ? 1 : int(ctx.query['page']));
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number): string => {
    const url = new URL(ctx.requestUrl.pathname + ctx.requestUrl.search, `${ctx.render.api}/`);
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) links.push(`${link(1)}; rel="first"`);
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

function requireIssue(ctx: HandlerContext, number: number): { isPull: boolean } {
  const key = ctx.state.issueKey(ctx.repo, number);
  if (ctx.state.pulls.has(key)) return { isPull: true };
  if (ctx.state.issues.has(key)) return { isPull: false };
  throw notFound(ctx);
}

function commentOf(ctx: HandlerContext): IssueCommentRecord {
  const c = ctx.state.comments.get(int(ctx.params['comment_id']));
  if (!c || !sameRepo(ctx, c.owner, c.repo)) throw notFound(ctx);
  return c;
}

const COMMENT_MAX = 65536;

function checkCommentBody(ctx: HandlerContext, body: string): void {
  if (codePoints(body) > COMMENT_MAX) {
    throw validationFailed(
      ctx,
      'IssueComment',
      'data',
      'unprocessable',
      `Body is too long (maximum is ${COMMENT_MAX} characters)`,
    );
  }
}

// ---------------------------------------------------------------- issues

function createComment(ctx: HandlerContext): HandlerResult {
  const number = int(ctx.params['issue_number']);
  const { isPull } = requireIssue(ctx, number);
  const { body } = ctx.body as { body: string };
  checkCommentBody(ctx, body);
  const id = ctx.state.nextId('comment');
  const now = ctx.state.now();
  const record: IssueCommentRecord = {
    id,
    owner: ctx.repo.owner.login,
    repo: ctx.repo.name,
    issueNumber: number,
    body,
    user: { ...ctx.user },
    createdAt: now,
    updatedAt: now,
    htmlUrl: `${ctx.render.repoWeb(ctx.repo)}/${isPull ? 'pull' : 'issues'}/${number}#issuecomment-${id}`,
  };
  ctx.state.comments.set(id, record);
  const json = ctx.render.issueComment(record, ctx.repo);
  return { status: 201, body: json, headers: { location: str(json['url']) } };
}

function updateComment(ctx: HandlerContext): HandlerResult {
  const c = commentOf(ctx);
  const { body } = ctx.body as { body: string };
  checkCommentBody(ctx, body);
  c.body = body;
  c.updatedAt = ctx.state.now();
  return { status: 200, body: ctx.render.issueComment(c, ctx.repo) };
}

function getComment(ctx: HandlerContext): HandlerResult {
  return { status: 200, body: ctx.render.issueComment(commentOf(ctx), ctx.repo) };
}

function deleteComment(ctx: HandlerContext): HandlerResult {
  const c = commentOf(ctx);
  ctx.state.comments.delete(c.id);
  return { status: 204 };
}

function listComments(ctx: HandlerContext): HandlerResult {
  const number = int(ctx.params['issue_number']);
  requireIssue(ctx, number);
  const since = optStr(ctx.query['since']);
  const all = [...ctx.state.comments.values()]
    .filter((c) => sameRepo(ctx, c.owner, c.repo) && c.issueNumber === number)
    .filter((c) => since === undefined || Date.parse(c.updatedAt) >= Date.parse(since))
    .sort((a, b) => a.id - b.id);
  const { page, headers } = paginate(ctx, all);
  return { status: 200, body: page.map((c) => ctx.render.issueComment(c, ctx.repo)), headers };
}

function addLabels(ctx: HandlerContext): HandlerResult {
  const number = int(ctx.params['issue_number']);
  const pr = ctx.state.pull(ctx.repo, number);
  if (!pr) throw notFound(ctx);
  const raw = ctx.body;
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : typeof raw === 'object' && raw !== null && Array.isArray((raw as { labels?: unknown }).labels)
      ? (raw as { labels: unknown[] }).labels
      : [];
  for (const item of list) {
    const name = typeof item === 'string' ? item : str((item as { name: unknown }).name);
    ctx.state.addLabel(ctx.repo, pr, name);
  }
  pr.updatedAt = ctx.state.now();
  return { status: 200, body: pr.labels.map((l) => ctx.render.label(ctx.repo, l)) };
}

// ---------------------------------------------------------------- checks

interface CheckRunBody {
  name?: string;
  head_sha?: string;
  details_url?: string;
  external_id?: string;
  status?: string;
  started_at?: string;
  conclusion?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: CheckRunAnnotation[] };
  actions?: CheckRunAction[];
}

function checkAnnotations(ctx: HandlerContext, annotations: readonly CheckRunAnnotation[]): void {
  for (const a of annotations) {
    if ((a.start_column !== undefined || a.end_column !== undefined) && a.start_line !== a.end_line) {
      throw validationFailed(
        ctx,
        'CheckRun',
        'annotations',
        'invalid',
        'start_column and end_column may only be given when start_line and end_line are the same',
      );
    }
    if (a.end_line < a.start_line) {
      throw validationFailed(
        ctx,
        'CheckRun',
        'annotations',
        'invalid',
        'end_line must not be before start_line',
      );
    }
  }
}

function applyCheckRun(ctx: HandlerContext, run: CheckRunRecord, body: CheckRunBody): void {
  if (body.conclusion === 'stale') {
    throw validationFailed(
      ctx,
      'CheckRun',
      'conclusion',
      'invalid',
      'conclusion stale can only be set by GitHub',
    );
  }
  const annotations = body.output?.annotations ?? [];
  checkAnnotations(ctx, annotations);
  if (body.name !== undefined) run.name = body.name;
  if (body.details_url !== undefined) run.detailsUrl = body.details_url;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.started_at !== undefined) run.startedAt = body.started_at;
  if (body.status !== undefined) {
    run.status = body.status;
    if (body.status !== 'completed') {
      run.conclusion = null;
      run.completedAt = null;
    }
  }
  if (body.conclusion !== undefined) {
    run.status = 'completed';
    run.conclusion = body.conclusion;
    run.completedAt = body.completed_at ?? run.completedAt ?? ctx.state.now();
  } else if (body.completed_at !== undefined) {
    run.completedAt = body.completed_at;
  }
  if (body.output) {
    // title/summary/text replace what was there; annotations are appended, as GitHub does.
    if (body.output.title !== undefined) run.output.title = body.output.title;
    if (body.output.summary !== undefined) run.output.summary = body.output.summary;
    if (body.output.text !== undefined) run.output.text = body.output.text;
    run.annotations.push(...annotations.map((a) => ({ ...a })));
  }
  if (body.actions !== undefined) run.actions = body.actions.map((a) => ({ ...a }));
}

function createCheckRun(ctx: HandlerContext): HandlerResult {
  const body = ctx.body as CheckRunBody & { name: string; head_sha: string };
  if (!ctx.state.hasCommit(body.head_sha)) throw noCommit(ctx, body.head_sha);
  if ((body.status === 'completed' || body.completed_at !== undefined) && body.conclusion === undefined) {
    throw validationFailed(
      ctx,
      'CheckRun',
      'conclusion',
      'missing_field',
      'conclusion is required when status is completed or completed_at is given',
    );
  }
  const id = ctx.state.nextId('check-run');
  const run: CheckRunRecord = {
    id,
    owner: ctx.repo.owner.login,
    repo: ctx.repo.name,
    headSha: body.head_sha,
    name: body.name,
    status: 'queued',
    conclusion: null,
    startedAt: ctx.state.now(),
    completedAt: null,
    detailsUrl: null,
    externalId: null,
    output: { title: null, summary: null, text: null },
    annotations: [],
    actions: [],
    htmlUrl: `${ctx.render.repoWeb(ctx.repo)}/runs/${id}`,
    updates: 0,
  };
  applyCheckRun(ctx, run, body);
  ctx.state.checkRuns.set(id, run);
  return { status: 201, body: renderCheckRun(ctx, run) };
}

function renderCheckRun(ctx: HandlerContext, run: CheckRunRecord): Record<string, unknown> {
  return ctx.render.checkRun(run, ctx.repo, ctx.state.checkSuiteId(ctx.repo, run.headSha));
}

function checkRunOf(ctx: HandlerContext): CheckRunRecord {
  const run = ctx.state.checkRuns.get(int(ctx.params['check_run_id']));
  if (!run || !sameRepo(ctx, run.owner, run.repo)) throw notFound(ctx);
  return run;
}

function updateCheckRun(ctx: HandlerContext): HandlerResult {
  const run = checkRunOf(ctx);
  // Validate a copy first so a rejected update leaves the run untouched.
  const draft: CheckRunRecord = structuredClone(run);
  applyCheckRun(ctx, draft, ctx.body as CheckRunBody);
  draft.updates += 1;
  Object.assign(run, draft);
  return { status: 200, body: renderCheckRun(ctx, run) };
}

function getCheckRun(ctx: HandlerContext): HandlerResult {
  return { status: 200, body: renderCheckRun(ctx, checkRunOf(ctx)) };
}

function listAnnotations(ctx: HandlerContext): HandlerResult {
  const run = checkRunOf(ctx);
  const { page, headers } = paginate(ctx, run.annotations);
  return { status: 200, body: page.map((a) => ctx.render.annotation(a, run, ctx.repo)), headers };
}

/** A `{ref}` path parameter → sha; unknown shas answer 422 and unknown names 404, as GitHub does. */
function resolveRef(ctx: HandlerContext, ref: string): string {
  const sha = ctx.state.resolveCommitish(ctx.repo, ref);
  if (sha !== undefined) return sha;
  if (/^[0-9a-f]{7,40}$/i.test(ref)) throw noCommit(ctx, ref);
  throw notFound(ctx);
}

function listCheckRunsForRef(ctx: HandlerContext): HandlerResult {
  const sha = resolveRef(ctx, str(ctx.params['ref']));
  const name = optStr(ctx.query['check_name']);
  const status = optStr(ctx.query['status']);
  const filter = optStr(ctx.query['filter']) ?? 'latest';
  const appId = ctx.query['app_id'] === undefined ? undefined : int(ctx.query['app_id']);
  let runs = [...ctx.state.checkRuns.values()]
    .filter((r) => sameRepo(ctx, r.owner, r.repo) && r.headSha === sha)
    .sort((a, b) => b.id - a.id);
  if (filter === 'latest') {
    const seen = new Set<string>();
    runs = runs.filter((r) => {
      if (seen.has(r.name)) return false;
      seen.add(r.name);
      return true;
    });
  }
  if (name !== undefined) runs = runs.filter((r) => r.name === name);
  if (status !== undefined) runs = runs.filter((r) => r.status === status);
  if (appId !== undefined && appId !== 15368) runs = [];
  const { page, headers } = paginate(ctx, runs);
  return {
    status: 200,
    body: { total_count: runs.length, check_runs: page.map((r) => renderCheckRun(ctx, r)) },
    headers,
  };
}

// ---------------------------------------------------------------- deployments

interface DeploymentBody {
  ref: string;
  task?: string;
  auto_merge?: boolean;
  required_contexts?: string[];
  payload?: unknown;
  environment?: string;
  description?: string | null;
  transient_environment?: boolean;
  production_environment?: boolean;
}

function latestStatuses(ctx: HandlerContext, sha: string): Map<string, string> {
  const latest = new Map<string, { id: number; context: string; state: string }>();
  for (const s of ctx.state.commitStatuses) {
    if (!sameRepo(ctx, s.owner, s.repo) || s.sha !== sha) continue;
    const key = s.context.toLowerCase();
    const prev = latest.get(key);
    if (!prev || prev.id < s.id) latest.set(key, { id: s.id, context: s.context, state: s.state });
  }
  const out = new Map<string, string>();
  for (const v of latest.values()) out.set(v.context, v.state);
  return out;
}

/** Commit statuses and check runs of a sha, as the contexts a deployment verifies (latest per name). */
function contextsOf(ctx: HandlerContext, sha: string): Map<string, string> {
  const out = latestStatuses(ctx, sha);
  const runs = [...ctx.state.checkRuns.values()]
    .filter((r) => sameRepo(ctx, r.owner, r.repo) && r.headSha === sha)
    .sort((a, b) => a.id - b.id);
  for (const r of runs) {
    const ok = r.status === 'completed' && ['success', 'neutral', 'skipped'].includes(r.conclusion ?? '');
    out.set(r.name, r.status !== 'completed' ? 'pending' : ok ? 'success' : (r.conclusion ?? 'failure'));
  }
  return out;
}

function createDeployment(ctx: HandlerContext): HandlerResult {
  const body = ctx.body as DeploymentBody;
  const sha = ctx.state.resolveCommitish(ctx.repo, body.ref);
  if (sha === undefined) throw unprocessable(ctx, `No ref found for: ${body.ref}`);
  const isBranch = ctx.repo.refs.has(`refs/heads/${body.ref}`) || ctx.repo.refs.has(`refs/${body.ref}`);
  const defaultSha = ctx.state.branchSha(ctx.repo, ctx.repo.defaultBranch);
  if (
    body.auto_merge !== false &&
    isBranch &&
    defaultSha !== undefined &&
    !ctx.state.git.isAncestor(defaultSha, sha)
  ) {
    throw new ApiError(
      501,
      {
        message:
          `the fake GitHub API does not simulate auto_merge: ${body.ref} is behind ${ctx.repo.defaultBranch}, so GitHub ` +
          `would try to merge ${ctx.repo.defaultBranch} into it. Pass auto_merge: false or deploy a sha.`,
      },
      'not-implemented',
    );
  }
  const contexts = contextsOf(ctx, sha);
  const required = body.required_contexts ?? [...contexts.keys()];
  const failing = required
    .map((context) => ({ context, state: contexts.get(context) ?? 'missing' }))
    .filter((c) => c.state !== 'success');
  if (failing.length > 0) {
    throw new ApiError(
      409,
      errorBody(409, `Conflict: Commit status checks failed for ${body.ref}.`, ctx.docsUrl, [
        { contexts: failing, resource: 'Deployment', field: 'required_contexts', code: 'invalid' },
      ]),
      'conflict',
    );
  }
  const environment = body.environment ?? 'production';
  const now = ctx.state.now();
  const d: DeploymentRecord = {
    id: ctx.state.nextId('deployment'),
    owner: ctx.repo.owner.login,
    repo: ctx.repo.name,
    sha,
    ref: body.ref,
    task: body.task ?? 'deploy',
    environment,
    originalEnvironment: environment,
    description: body.description === undefined ? '' : body.description,
    payload: body.payload === undefined ? {} : body.payload,
    transientEnvironment: body.transient_environment ?? false,
    productionEnvironment: body.production_environment ?? environment === 'production',
    creator: { ...ctx.user },
    createdAt: now,
    updatedAt: now,
  };
  ctx.state.deployments.set(d.id, d);
  ctx.state.deploymentStatuses.set(d.id, []);
  return { status: 201, body: ctx.render.deployment(d, ctx.repo) };
}

function deploymentOf(ctx: HandlerContext): DeploymentRecord {
  const d = ctx.state.deployments.get(int(ctx.params['deployment_id']));
  if (!d || !sameRepo(ctx, d.owner, d.repo)) throw notFound(ctx);
  return d;
}

function listDeployments(ctx: HandlerContext): HandlerResult {
  const f = {
    sha: optStr(ctx.query['sha']),
    ref: optStr(ctx.query['ref']),
    task: optStr(ctx.query['task']),
    environment: optStr(ctx.query['environment']),
  };
  const all = [...ctx.state.deployments.values()]
    .filter((d) => sameRepo(ctx, d.owner, d.repo))
    .filter((d) => (f.sha === undefined || d.sha === f.sha) && (f.ref === undefined || d.ref === f.ref))
    .filter(
      (d) =>
        (f.task === undefined || d.task === f.task) &&
        (f.environment === undefined || d.environment === f.environment),
    )
    .sort((a, b) => b.id - a.id);
  const { page, headers } = paginate(ctx, all);
  return { status: 200, body: page.map((d) => ctx.render.deployment(d, ctx.repo)), headers };
}

function getDeployment(ctx: HandlerContext): HandlerResult {
  return { status: 200, body: ctx.render.deployment(deploymentOf(ctx), ctx.repo) };
}

interface DeploymentStatusBody {
  state: DeploymentStatusRecord['state'];
  target_url?: string;
  log_url?: string;
  description?: string;
  environment?: string;
  environment_url?: string;
  auto_inactive?: boolean;
}

function createDeploymentStatus(ctx: HandlerContext): HandlerResult {
  const d = deploymentOf(ctx);
  const body = ctx.body as DeploymentStatusBody;
  const now = ctx.state.now();
  if (body.environment !== undefined) d.environment = body.environment;
  const url = body.log_url ?? body.target_url ?? '';
  const status: DeploymentStatusRecord = {
    id: ctx.state.nextId('deployment-status'),
    deploymentId: d.id,
    state: body.state,
    // GitHub keeps at most 140 characters of the description.
    description: truncate(body.description ?? '', 140),
    environment: d.environment,
    targetUrl: url,
    logUrl: url,
    environmentUrl: body.environment_url ?? '',
    creator: { ...ctx.user },
    createdAt: now,
    automatic: false,
  };
  const list = ctx.state.deploymentStatuses.get(d.id) ?? [];
  list.push(status);
  ctx.state.deploymentStatuses.set(d.id, list);
  d.updatedAt = now;
  if (body.state === 'success' && body.auto_inactive !== false) {
    for (const other of ctx.state.deployments.values()) {
      if (other.id === d.id || other.id > d.id || !sameRepo(ctx, other.owner, other.repo)) continue;
      if (other.environment !== d.environment || other.transientEnvironment || other.productionEnvironment)
        continue;
      const statuses = ctx.state.deploymentStatuses.get(other.id) ?? [];
      if (statuses[statuses.length - 1]?.state !== 'success') continue;
      statuses.push({
        ...status,
        id: ctx.state.nextId('deployment-status'),
        deploymentId: other.id,
        state: 'inactive',
        description: '',
        environment: other.environment,
        targetUrl: '',
        logUrl: '',
        environmentUrl: '',
        automatic: true,
      });
      other.updatedAt = now;
    }
  }
  return { status: 201, body: ctx.render.deploymentStatus(status, ctx.repo) };
}

function listDeploymentStatuses(ctx: HandlerContext): HandlerResult {
  const d = deploymentOf(ctx);
  const all = [...(ctx.state.deploymentStatuses.get(d.id) ?? [])].sort((a, b) => b.id - a.id);
  const { page, headers } = paginate(ctx, all);
  return { status: 200, body: page.map((s) => ctx.render.deploymentStatus(s, ctx.repo)), headers };
}

// ---------------------------------------------------------------- commit statuses

function createCommitStatus(ctx: HandlerContext): HandlerResult {
  const sha = str(ctx.params['sha']);
  const body = ctx.body as {
    state: CommitStatusRecord['state'];
    target_url?: string | null;
    description?: string | null;
    context?: string;
  };
  if (!ctx.state.hasCommit(sha)) throw noCommit(ctx, sha);
  if (body.description != null && codePoints(body.description) > 140) {
    throw validationFailed(
      ctx,
      'Status',
      'description',
      'custom',
      'description is too long (maximum is 140 characters)',
    );
  }
  const context = body.context ?? 'default';
  const same = ctx.state.commitStatuses.filter(
    (s) =>
      sameRepo(ctx, s.owner, s.repo) && s.sha === sha && s.context.toLowerCase() === context.toLowerCase(),
  );
  if (same.length >= 1000) {
    throw validationFailed(
      ctx,
      'Status',
      'context',
      'custom',
      'This SHA and context has reached the maximum number of statuses.',
    );
  }
  const record: CommitStatusRecord = {
    id: ctx.state.nextId('status'),
    owner: ctx.repo.owner.login,
    repo: ctx.repo.name,
    sha,
    state: body.state,
    context,
    description: body.description ?? null,
    targetUrl: body.target_url ?? null,
    creator: { ...ctx.user },
    createdAt: ctx.state.now(),
  };
  ctx.state.commitStatuses.push(record);
  return { status: 201, body: ctx.render.commitStatus(record, ctx.repo) };
}

function statusesForRef(ctx: HandlerContext): CommitStatusRecord[] | undefined {
  const ref = str(ctx.params['ref']);
  const sha = ctx.state.resolveCommitish(ctx.repo, ref);
  if (sha === undefined) return /^[0-9a-f]{40}$/i.test(ref) ? [] : undefined;
  return ctx.state.commitStatuses
    .filter((s) => sameRepo(ctx, s.owner, s.repo) && s.sha === sha)
    .sort((a, b) => b.id - a.id);
}

function listCommitStatuses(ctx: HandlerContext): HandlerResult {
  const all = statusesForRef(ctx);
  if (all === undefined) throw notFound(ctx);
  const { page, headers } = paginate(ctx, all);
  return { status: 200, body: page.map((s) => ctx.render.commitStatus(s, ctx.repo)), headers };
}

function combinedStatus(ctx: HandlerContext): HandlerResult {
  const ref = str(ctx.params['ref']);
  const sha = ctx.state.resolveCommitish(ctx.repo, ref);
  if (sha === undefined) throw notFound(ctx);
  const seen = new Set<string>();
  const latest = (statusesForRef(ctx) ?? []).filter((s) => {
    const key = s.context.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const states = latest.map((s) => s.state);
  const state =
    states.includes('error') || states.includes('failure')
      ? 'failure'
      : states.length === 0 || states.includes('pending')
        ? 'pending'
        : 'success';
  const { page, headers } = paginate(ctx, latest);
  const api = ctx.render.repoApi(ctx.repo);
  return {
    status: 200,
    headers,
    body: {
      state,
      statuses: page.map((s) => {
        const json = ctx.render.commitStatus(s, ctx.repo);
        delete json['creator'];
        return { ...json, required: false };
      }),
      sha,
      total_count: latest.length,
      repository: ctx.render.minimalRepository(ctx.repo),
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    },
  };
}

// ---------------------------------------------------------------- repos

function getRepo(ctx: HandlerContext): HandlerResult {
  const canWrite = ctx.access('contents') === 'write';
  const permissions = { admin: false, maintain: false, push: canWrite, triage: canWrite, pull: true };
  return { status: 200, body: ctx.render.repository(ctx.repo, true, permissions) };
}

function pullsForCommit(ctx: HandlerContext): HandlerResult {
  const sha = str(ctx.params['commit_sha']);
  const resolved = ctx.state.resolveCommitish(ctx.repo, sha);
  if (resolved === undefined) throw noCommit(ctx, sha);
  const prs = ctx.state
    .pullsOf(ctx.repo)
    .filter((p) => p.headSha === resolved || p.commits.includes(resolved) || p.mergeCommitSha === resolved)
    .sort((a, b) => b.number - a.number);
  const { page, headers } = paginate(ctx, prs);
  return { status: 200, body: page.map((p) => ctx.render.pullRequest(p, ctx.repo, false)), headers };
}

function getCommit(ctx: HandlerContext): HandlerResult {
  const sha = resolveRef(ctx, str(ctx.params['ref']));
  const commit = ctx.state.git.commits.get(sha);
  if (!commit) throw notFound(ctx);
  return { status: 200, body: ctx.render.commit(commit, ctx.repo) };
}

// ---------------------------------------------------------------- pulls

function pullOf(ctx: HandlerContext): PullRequestRecord {
  const pr = ctx.state.pull(ctx.repo, int(ctx.params['pull_number']));
  if (!pr) throw notFound(ctx);
  return pr;
}

function getPull(ctx: HandlerContext): HandlerResult {
  return { status: 200, body: ctx.render.pullRequest(pullOf(ctx), ctx.repo, true) };
}

function createPull(ctx: HandlerContext): HandlerResult {
  const body = ctx.body as {
    title?: string;
    head: string;
    base: string;
    body?: string;
    draft?: boolean;
    maintainer_can_modify?: boolean;
    issue?: number;
  };
  if (ctx.user.id === GITHUB_ACTIONS_BOT.id && !ctx.repo.actionsCanCreatePullRequests) {
    throw new ApiError(
      403,
      errorBody(403, 'GitHub Actions is not permitted to create or approve pull requests.', ctx.docsUrl),
      'forbidden',
    );
  }
  if (body.issue !== undefined) {
    throw new ApiError(
      501,
      { message: 'the fake GitHub API does not implement pulls.create from an issue' },
      'not-implemented',
    );
  }
  if (body.title === undefined) throw validationFailed(ctx, 'PullRequest', 'title', 'missing_field');
  let headRef = body.head;
  const colon = headRef.indexOf(':');
  if (colon >= 0) {
    if (headRef.slice(0, colon).toLowerCase() !== ctx.repo.owner.login.toLowerCase()) {
      throw validationFailed(ctx, 'PullRequest', 'head', 'invalid');
    }
    headRef = headRef.slice(colon + 1);
  }
  const headSha = ctx.state.branchSha(ctx.repo, headRef);
  if (headSha === undefined) throw validationFailed(ctx, 'PullRequest', 'head', 'invalid');
  const baseSha = ctx.state.branchSha(ctx.repo, body.base);
  if (baseSha === undefined) throw validationFailed(ctx, 'PullRequest', 'base', 'invalid');
  const commits = ctx.state.git.commitsBetween(baseSha, headSha);
  if (commits.length === 0) {
    throw validationFailed(
      ctx,
      'PullRequest',
      'base',
      'custom',
      `No commits between ${body.base} and ${headRef}`,
    );
  }
  const duplicate = ctx.state
    .pullsOf(ctx.repo)
    .find((p) => p.state === 'open' && p.headRef === headRef && p.baseRef === body.base);
  if (duplicate) {
    throw validationFailed(
      ctx,
      'PullRequest',
      'base',
      'custom',
      `A pull request already exists for ${ctx.repo.owner.login}:${headRef}.`,
    );
  }
  const number = ctx.repo.nextNumber++;
  const now = ctx.state.now();
  const pr: PullRequestRecord = {
    id: ctx.state.nextId('pull'),
    owner: ctx.repo.owner.login,
    repo: ctx.repo.name,
    number,
    title: body.title,
    body: body.body ?? null,
    state: 'open',
    draft: body.draft ?? false,
    headRef,
    headSha,
    baseRef: body.base,
    baseSha,
    user: { ...ctx.user },
    commits,
    merged: false,
    mergeCommitSha: null,
    labels: [],
    maintainerCanModify: body.maintainer_can_modify ?? false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    origin: 'api',
    htmlUrl: `${ctx.render.repoWeb(ctx.repo)}/pull/${number}`,
  };
  ctx.state.pulls.set(ctx.state.issueKey(ctx.repo, number), pr);
  const json = ctx.render.pullRequest(pr, ctx.repo, true);
  return { status: 201, body: json, headers: { location: str(json['url']) } };
}

function listPulls(ctx: HandlerContext): HandlerResult {
  const state = optStr(ctx.query['state']) ?? 'open';
  const head = optStr(ctx.query['head']);
  const base = optStr(ctx.query['base']);
  const sort = optStr(ctx.query['sort']) ?? 'created';
  const direction = optStr(ctx.query['direction']) ?? (sort === 'created' ? 'desc' : 'asc');
  let prs = ctx.state.pullsOf(ctx.repo).filter((p) => state === 'all' || p.state === state);
  if (head !== undefined) {
    const [owner, ref] = head.includes(':') ? head.split(':', 2) : [head, undefined];
    prs = prs.filter(
      (p) => owner?.toLowerCase() === p.owner.toLowerCase() && (ref === undefined || p.headRef === ref),
    );
  }
  if (base !== undefined) prs = prs.filter((p) => p.baseRef === base);
  const key = (p: PullRequestRecord): number =>
    sort === 'updated' ? Date.parse(p.updatedAt) * 1e6 + p.number : p.number;
  prs.sort((a, b) => (direction === 'asc' ? key(a) - key(b) : key(b) - key(a)));
  const { page, headers } = paginate(ctx, prs);
  return { status: 200, body: page.map((p) => ctx.render.pullRequest(p, ctx.repo, false)), headers };
}

// ---------------------------------------------------------------- git

function getRef(ctx: HandlerContext): HandlerResult {
  const ref = `refs/${str(ctx.params['ref'])}`;
  const sha = ctx.repo.refs.get(ref);
  if (sha === undefined) throw notFound(ctx);
  return { status: 200, body: ctx.render.gitRef(ctx.repo, ref, sha) };
}

function listMatchingRefs(ctx: HandlerContext): HandlerResult {
  const prefix = `refs/${str(ctx.params['ref'])}`;
  const refs = [...ctx.repo.refs.entries()]
    .filter(([name]) => name.startsWith(prefix))
    .sort(([a], [b]) => a.localeCompare(b));
  return { status: 200, body: refs.map(([name, sha]) => ctx.render.gitRef(ctx.repo, name, sha)) };
}

function createRef(ctx: HandlerContext): HandlerResult {
  const body = ctx.body as { ref: string; sha: string };
  if (
    !body.ref.startsWith('refs/') ||
    body.ref.split('/').length < 3 ||
    body.ref.split('/').some((s) => s === '')
  ) {
    throw unprocessable(ctx, `${body.ref} is not a valid ref name.`);
  }
  if (ctx.repo.refs.has(body.ref)) throw unprocessable(ctx, 'Reference already exists');
  if (!ctx.state.hasCommit(body.sha)) throw unprocessable(ctx, 'Object does not exist');
  ctx.repo.refs.set(body.ref, body.sha);
  const json = ctx.render.gitRef(ctx.repo, body.ref, body.sha);
  return { status: 201, body: json, headers: { location: str(json['url']) } };
}

function updateRef(ctx: HandlerContext): HandlerResult {
  const ref = `refs/${str(ctx.params['ref'])}`;
  const body = ctx.body as { sha: string; force?: boolean };
  const current = ctx.repo.refs.get(ref);
  if (current === undefined) throw unprocessable(ctx, 'Reference does not exist');
  if (!ctx.state.hasCommit(body.sha)) throw unprocessable(ctx, 'Object does not exist');
  if (body.force !== true && !ctx.state.git.isAncestor(current, body.sha))
    throw unprocessable(ctx, 'Update is not a fast forward');
  ctx.repo.refs.set(ref, body.sha);
  return { status: 200, body: ctx.render.gitRef(ctx.repo, ref, body.sha) };
}

function deleteRef(ctx: HandlerContext): HandlerResult {
  const ref = `refs/${str(ctx.params['ref'])}`;
  if (!ctx.repo.refs.has(ref)) throw unprocessable(ctx, 'Reference does not exist');
  ctx.repo.refs.delete(ref);
  return { status: 204 };
}

function getGitCommit(ctx: HandlerContext): HandlerResult {
  const commit = ctx.state.git.commits.get(str(ctx.params['commit_sha']));
  if (!commit) throw notFound(ctx);
  return { status: 200, body: ctx.render.gitCommit(commit, ctx.repo) };
}

function createGitCommit(ctx: HandlerContext): HandlerResult {
  const body = ctx.body as {
    message: string;
    tree: string;
    parents?: string[];
    author?: { name: string; email: string; date?: string };
    committer?: { name?: string; email?: string; date?: string };
    signature?: string;
  };
  if (!ctx.state.git.trees.has(body.tree)) throw unprocessable(ctx, 'Tree SHA does not exist');
  for (const p of body.parents ?? []) {
    if (!ctx.state.hasCommit(p))
      throw unprocessable(ctx, 'Parent SHA does not exist or is not a commit object');
  }
  const now = ctx.state.now();
  const self =
    ctx.user.type === 'Bot'
      ? { name: ctx.user.login, email: `${ctx.user.id}+${ctx.user.login}@users.noreply.github.com` }
      : { name: ctx.user.login, email: `${ctx.user.login}@users.noreply.github.com` };
  const author = {
    name: body.author?.name ?? self.name,
    email: body.author?.email ?? self.email,
    date: normalizeDate(body.author?.date) ?? now,
  };
  const committer = {
    name: body.committer?.name ?? author.name,
    email: body.committer?.email ?? author.email,
    date: normalizeDate(body.committer?.date) ?? author.date,
  };
  const sha = ctx.state.git.writeCommit({
    tree: body.tree,
    parents: body.parents ?? [],
    message: body.message,
    author,
    committer,
  });
  const commit = ctx.state.git.commits.get(sha);
  if (!commit) throw new Error('commit vanished');
  const json = ctx.render.gitCommit(commit, ctx.repo);
  return { status: 201, body: json, headers: { location: str(json['url']) } };
}

function normalizeDate(date: string | undefined): string | undefined {
  return date === undefined ? undefined : new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function getTree(ctx: HandlerContext): HandlerResult {
  const id = str(ctx.params['tree_sha']);
  let treeSha: string | undefined = ctx.state.git.trees.has(id) ? id : undefined;
  if (treeSha === undefined) {
    const commitSha = ctx.state.resolveCommitish(ctx.repo, id);
    treeSha = commitSha !== undefined ? ctx.state.git.commits.get(commitSha)?.tree : undefined;
  }
  if (treeSha === undefined) throw notFound(ctx);
  const recursive = ctx.query['recursive'] !== undefined;
  const api = ctx.render.repoApi(ctx.repo);
  const entries: Record<string, unknown>[] = [];
  const walk = (sha: string, prefix: string): void => {
    for (const e of ctx.state.git.trees.get(sha) ?? []) {
      const path = prefix + e.name;
      const entry: Record<string, unknown> = { path, mode: e.mode, type: e.type, sha: e.sha };
      if (e.type === 'blob') {
        entry['size'] = ctx.state.git.blobs.get(e.sha)?.length ?? 0;
        entry['url'] = `${api}/git/blobs/${e.sha}`;
      } else if (e.type === 'tree') {
        entry['url'] = `${api}/git/trees/${e.sha}`;
      }
      entries.push(entry);
      if (recursive && e.type === 'tree') walk(e.sha, `${path}/`);
    }
  };
  walk(treeSha, '');
  return {
    status: 200,
    body: { sha: treeSha, url: `${api}/git/trees/${treeSha}`, tree: entries, truncated: false },
  };
}

function createTree(ctx: HandlerContext): HandlerResult {
  const body = ctx.body as {
    tree: {
      path?: string;
      mode?: TreeEntryMode;
      type?: 'blob' | 'tree' | 'commit';
      sha?: string | null;
      content?: string;
    }[];
    base_tree?: string;
  };
  if (body.base_tree !== undefined && !ctx.state.git.trees.has(body.base_tree)) {
    throw unprocessable(ctx, `base_tree ${body.base_tree} is not a valid tree`);
  }
  const changes: TreeChange[] = [];
  for (const [i, e] of body.tree.entries()) {
    if (e.path === undefined || e.mode === undefined || e.type === undefined) {
      throw unprocessable(ctx, `tree.${i} must have path, mode and type`);
    }
    if (e.content !== undefined && e.sha != null)
      throw unprocessable(ctx, `tree.${i}: give either sha or content, not both`);
    if ((e.type === 'tree') !== (e.mode === '040000'))
      throw unprocessable(ctx, `tree.${i}: mode ${e.mode} does not fit type ${e.type}`);
    const change: TreeChange = { path: e.path, mode: e.mode, type: e.type };
    if (e.sha !== undefined) change.sha = e.sha;
    if (e.content !== undefined) change.content = e.content;
    changes.push(change);
  }
  let sha: string;
  try {
    sha = ctx.state.git.writeTreeWithChanges(body.base_tree, changes);
  } catch (e) {
    if (e instanceof GitError) throw unprocessable(ctx, e.message);
    throw e;
  }
  ctx.params['tree_sha'] = sha;
  const result = getTree({ ...ctx, query: {} });
  return {
    status: 201,
    body: result.body,
    headers: { location: `${ctx.render.repoApi(ctx.repo)}/git/trees/${sha}` },
  };
}

export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  'issues/create-comment': { handler: createComment, scopes: ['issues', 'pull-requests'], access: 'write' },
  'issues/update-comment': { handler: updateComment, scopes: ['issues', 'pull-requests'], access: 'write' },
  'issues/get-comment': { handler: getComment, scopes: ['issues', 'pull-requests'], access: 'read' },
  'issues/delete-comment': { handler: deleteComment, scopes: ['issues', 'pull-requests'], access: 'write' },
  'issues/list-comments': { handler: listComments, scopes: ['issues', 'pull-requests'], access: 'read' },
  'issues/add-labels': { handler: addLabels, scopes: ['issues', 'pull-requests'], access: 'write' },
  'checks/create': { handler: createCheckRun, scopes: ['checks'], access: 'write' },
  'checks/update': { handler: updateCheckRun, scopes: ['checks'], access: 'write' },
  'checks/get': { handler: getCheckRun, scopes: ['checks'], access: 'read' },
  'checks/list-for-ref': { handler: listCheckRunsForRef, scopes: ['checks'], access: 'read' },
  'checks/list-annotations': { handler: listAnnotations, scopes: ['checks'], access: 'read' },
  'repos/create-deployment': { handler: createDeployment, scopes: ['deployments'], access: 'write' },
  'repos/list-deployments': { handler: listDeployments, scopes: ['deployments'], access: 'read' },
  'repos/get-deployment': { handler: getDeployment, scopes: ['deployments'], access: 'read' },
  'repos/create-deployment-status': {
    handler: createDeploymentStatus,
    scopes: ['deployments'],
    access: 'write',
  },
  'repos/list-deployment-statuses': {
    handler: listDeploymentStatuses,
    scopes: ['deployments'],
    access: 'read',
  },
  'repos/create-commit-status': { handler: createCommitStatus, scopes: ['statuses'], access: 'write' },
  'repos/list-commit-statuses-for-ref': { handler: listCommitStatuses, scopes: ['statuses'], access: 'read' },
  'repos/get-combined-status-for-ref': { handler: combinedStatus, scopes: ['statuses'], access: 'read' },
  'repos/get': { handler: getRepo, scopes: ['metadata'], access: 'read' },
  'repos/list-pull-requests-associated-with-commit': {
    handler: pullsForCommit,
    scopes: ['contents', 'pull-requests'],
    access: 'read',
  },
  'repos/get-commit': { handler: getCommit, scopes: ['contents'], access: 'read' },
  'pulls/get': { handler: getPull, scopes: ['pull-requests'], access: 'read' },
  'pulls/create': { handler: createPull, scopes: ['pull-requests'], access: 'write' },
  'pulls/list': { handler: listPulls, scopes: ['pull-requests'], access: 'read' },
  'git/get-ref': { handler: getRef, scopes: ['contents'], access: 'read' },
  'git/list-matching-refs': { handler: listMatchingRefs, scopes: ['contents'], access: 'read' },
  'git/create-ref': { handler: createRef, scopes: ['contents'], access: 'write' },
  'git/update-ref': { handler: updateRef, scopes: ['contents'], access: 'write' },
  'git/delete-ref': { handler: deleteRef, scopes: ['contents'], access: 'write' },
  'git/get-commit': { handler: getGitCommit, scopes: ['contents'], access: 'read' },
  'git/create-commit': { handler: createGitCommit, scopes: ['contents'], access: 'write' },
  'git/get-tree': { handler: getTree, scopes: ['contents'], access: 'read' },
  'git/create-tree': { handler: createTree, scopes: ['contents'], access: 'write' },
};
