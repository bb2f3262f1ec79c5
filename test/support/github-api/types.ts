/** Public types of the fake GitHub REST API: options, seeds, and the records tests read back. */

export interface UserRecord {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

/** The identity behind `GITHUB_TOKEN`: what comments, check runs and statuses are attributed to. */
export const GITHUB_ACTIONS_BOT: Readonly<UserRecord> = Object.freeze({
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot',
});

/** Permission names as a workflow's `permissions:` block spells them. */
export type PermissionScope =
  'checks' | 'contents' | 'deployments' | 'issues' | 'metadata' | 'pull-requests' | 'statuses';

export type AccessLevel = 'none' | 'read' | 'write';

/**
 * `'write'` (the default for any token) and `'read'` grant that level on every scope: `'read'` is
 * what a workflow run from a fork gets. An object is a `permissions:` block: unlisted scopes are
 * `none`, except `metadata`, which is always readable.
 */
export type TokenPermissions = 'read' | 'write' | 'none' | Partial<Record<PermissionScope, AccessLevel>>;

export interface StartOptions {
  /** Repositories to seed, as `owner/name`. The first is the default for seeding helpers. */
  repos?: readonly string[];
  /** Who tokens act as unless {@link GitHubApi.setTokenUser} says otherwise. Default: github-actions[bot]. */
  defaultUser?: UserRecord;
  /** The web host used in `html_url`s (GITHUB_SERVER_URL). Default `https://github.com`. */
  serverUrl?: string;
  /** Clock for timestamps. Default: the real time. */
  now?: () => Date;
  /**
   * Check every response the fake sends against the description's response schema and answer 500
   * (naming the problem) if it does not match. Default true: the fake's bodies stay honest.
   */
  validateResponses?: boolean;
}

export interface RepoSeed {
  /** Default `main`. */
  defaultBranch?: string;
  private?: boolean;
  /** Files of the initial commit on the default branch. Default `{ 'README.md': '# <name>\n' }`. */
  files?: Record<string, string>;
  /**
   * The repository (or organization) setting "Allow GitHub Actions to create and approve pull
   * requests". When false, github-actions[bot] gets 403 on pulls.create, as on GitHub. Default true.
   */
  actionsCanCreatePullRequests?: boolean;
}

export interface CommitSeed {
  /** `owner/name`; only used to move `branch`. Default: the default repository. */
  repo?: string;
  /** Parent shas (must exist). Default none (a root commit). */
  parents?: string[];
  /** A tree sha, or files to build the tree from. Default: the first parent's tree, or the empty tree. */
  tree?: string | Record<string, string>;
  message?: string;
  author?: { name: string; email: string; date?: string };
  /** Point `refs/heads/<branch>` of `repo` at this commit. */
  branch?: string;
}

export interface CommitInfo {
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
}

export interface PullRequestSeed {
  /** `owner/name`. Default: the default repository (the first one added). */
  repo?: string;
  /** Default: the repository's next issue number. */
  number?: number;
  /** The PR's head commit. Created (on top of the base branch, same files) if it does not exist. */
  headSha: string;
  /** Head branch name. Default `feature/<number>`; the branch is pointed at `headSha`. */
  headRef?: string;
  /** Base branch name. Default: the repository's default branch (created if missing). */
  baseRef?: string;
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  draft?: boolean;
  merged?: boolean;
  mergeCommitSha?: string | null;
  /** Author. Default a human, `octocat`. */
  user?: UserRecord;
  /** Commits associated with the PR (for "list PRs for a commit"). Default: base..head, or `[headSha]`. */
  commits?: string[];
  labels?: string[];
}

export interface IssueCommentRecord {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: UserRecord;
  createdAt: string;
  updatedAt: string;
  htmlUrl: string;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRunRecord {
  id: number;
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Every annotation across all requests, in the order received. */
  annotations: CheckRunAnnotation[];
  actions: CheckRunAction[];
  htmlUrl: string;
  /** Number of successful update requests. */
  updates: number;
}

export interface DeploymentRecord {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  originalEnvironment: string;
  description: string | null;
  payload: unknown;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  creator: UserRecord;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentStatusRecord {
  id: number;
  deploymentId: number;
  state: 'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  creator: UserRecord;
  createdAt: string;
  /** True when GitHub added it (auto_inactive), not a client. */
  automatic: boolean;
}

export interface CommitStatusRecord {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: UserRecord;
  createdAt: string;
}

export interface PullRequestRecord {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  user: UserRecord;
  commits: string[];
  merged: boolean;
  mergeCommitSha: string | null;
  labels: string[];
  maintainerCanModify: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  /** `seed` for {@link GitHubApi.addPullRequest}, `api` for pulls.create. */
  origin: 'seed' | 'api';
  htmlUrl: string;
}

export type RejectionReason =
  | 'unknown-route'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-implemented'
  | 'invalid-params'
  | 'invalid-json'
  | 'invalid-body'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'fake-bug';

export interface RecordedRequest {
  /** 1-based order of arrival. */
  seq: number;
  method: string;
  /** Path and query string as sent. */
  path: string;
  operationId: string | undefined;
  status: number;
  /** Request headers, lower-case, without Authorization, Cookie or Proxy-Authorization. */
  headers: Record<string, string>;
  /** Parsed JSON request body (the raw text if it was not JSON; undefined if empty). */
  body: unknown;
  /** The JSON the fake answered with (undefined for 204). */
  response: unknown;
  /** Answered by {@link GitHubApi.failNext}, not by the fake's logic. */
  injected: boolean;
}

export interface RejectedRequest extends RecordedRequest {
  reason: RejectionReason;
  message: string;
  /** Validation errors, as sent in the response's `errors`. */
  errors: unknown[];
}

export interface FailureOptions {
  /** Only requests for this operationId (e.g. `checks/create`) are failed and counted. */
  operationId?: string;
  /**
   * For 403/429: `primary` sets `x-ratelimit-remaining: 0` and `x-ratelimit-reset`; `secondary`
   * sends the secondary-rate-limit message with `retry-after`. Default: `primary` for 403,
   * `secondary` for 429.
   */
  rateLimit?: 'primary' | 'secondary';
  /** Seconds until `x-ratelimit-reset` (primary). Default 1. */
  resetAfterSeconds?: number;
  /** The `retry-after` header (secondary). Default 1. */
  retryAfterSeconds?: number;
  /** Extra or overriding response headers. */
  headers?: Record<string, string>;
  /** The response body. Default: what GitHub sends for that status. */
  body?: unknown;
}
