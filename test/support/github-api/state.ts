/** In-memory state of the fake GitHub: repositories, their Git data, and what the PR shows. */
import { EMPTY_TREE_SHA, GitStore } from './git.ts';
import type {
  CheckRunRecord,
  CommitSeed,
  CommitStatusRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueCommentRecord,
  PullRequestRecord,
  PullRequestSeed,
  RepoSeed,
  UserRecord,
} from './types.ts';

export interface RepoState {
  id: number;
  owner: UserRecord;
  name: string;
  defaultBranch: string;
  private: boolean;
  createdAt: string;
  actionsCanCreatePullRequests: boolean;
  /** Full ref name (`refs/heads/main`) → commit sha. */
  refs: Map<string, string>;
  /** Labels known to the repository, by lower-case name. */
  labels: Map<string, { id: number; name: string; color: string }>;
  nextNumber: number;
}

export const OCTOCAT: Readonly<UserRecord> = Object.freeze({ login: 'octocat', id: 583231, type: 'User' });

/** ISO 8601 at seconds precision, as GitHub prints timestamps. */
export function githubTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class SeedError extends Error {
  override name = 'SeedError';
}

export class State {
  readonly git = new GitStore();
  readonly repos = new Map<string, RepoState>();
  readonly comments = new Map<number, IssueCommentRecord>();
  readonly checkRuns = new Map<number, CheckRunRecord>();
  readonly deployments = new Map<number, DeploymentRecord>();
  readonly deploymentStatuses = new Map<number, DeploymentStatusRecord[]>();
  readonly commitStatuses: CommitStatusRecord[] = [];
  /** Key `owner/repo#number` (lower-case repo key). */
  readonly pulls = new Map<string, PullRequestRecord>();
  /** Plain issues (not PRs) that comments may be posted on; key as for pulls. */
  readonly issues = new Set<string>();
  /** The check suite GitHub Actions files check runs under, per repository and head sha. */
  readonly checkSuites = new Map<string, number>();
  readonly #now: () => Date;
  readonly #serverUrl: string;
  #ids = new Map<string, number>();
  #defaultRepo: string | undefined;

  constructor(now: () => Date, serverUrl: string) {
    this.#now = now;
    this.#serverUrl = serverUrl;
  }

  get serverUrl(): string {
    return this.#serverUrl;
  }

  now(): string {
    return githubTime(this.#now());
  }

  /** A fresh id per kind; kinds start at different bases so ids of different things never collide. */
  nextId(
    kind:
      | 'repo'
      | 'comment'
      | 'check-run'
      | 'check-suite'
      | 'deployment'
      | 'deployment-status'
      | 'status'
      | 'pull'
      | 'label',
  ): number {
    const bases = {
      repo: 700_000_000,
      comment: 2_100_000_000,
      'check-run': 24_000_000_000,
      'check-suite': 23_000_000_000,
      deployment: 1_900_000_000,
      'deployment-status': 2_400_000_000,
      status: 31_000_000_000,
      pull: 1_800_000_000,
      label: 6_000_000_000,
    } as const;
    const next = (this.#ids.get(kind) ?? bases[kind]) + 1;
    this.#ids.set(kind, next);
    return next;
  }

  repoKey(owner: string, repo: string): string {
    return `${owner}/${repo}`.toLowerCase();
  }

  repo(owner: string, repo: string): RepoState | undefined {
    return this.repos.get(this.repoKey(owner, repo));
  }

  /** The repository a seeding helper means when it was not told (`owner/name` or the first added). */
  seedRepo(fullName: string | undefined): RepoState {
    const key = fullName ?? this.#defaultRepo;
    if (key === undefined) throw new SeedError('add a repository first (addRepo or the repos option)');
    const [owner, name, extra] = key.split('/');
    if (!owner || !name || extra !== undefined)
      throw new SeedError(`repository must be owner/name, got ${key}`);
    const repo = this.repo(owner, name);
    if (!repo) throw new SeedError(`unknown repository ${key}: addRepo it first`);
    return repo;
  }

  addRepo(owner: string, name: string, seed: RepoSeed = {}): RepoState {
    if (!/^[A-Za-z0-9-]+$/.test(owner) || !/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new SeedError(`invalid repository name ${owner}/${name}`);
    }
    const key = this.repoKey(owner, name);
    const existing = this.repos.get(key);
    if (existing) return existing;
    const createdAt = this.now();
    const repo: RepoState = {
      id: this.nextId('repo'),
      owner: { login: owner, id: ownerId(owner), type: 'Organization' },
      name,
      defaultBranch: seed.defaultBranch ?? 'main',
      private: seed.private ?? false,
      createdAt,
      actionsCanCreatePullRequests: seed.actionsCanCreatePullRequests ?? true,
      refs: new Map(),
      labels: new Map(),
      nextNumber: 1,
    };
    const tree = this.git.writeFiles(seed.files ?? { 'README.md': `# ${name}\n` });
    const identity = { name: 'Octocat', email: 'octocat@github.com', date: createdAt };
    const sha = this.git.writeCommit({
      tree,
      parents: [],
      message: 'Initial commit',
      author: identity,
      committer: identity,
    });
    repo.refs.set(`refs/heads/${repo.defaultBranch}`, sha);
    this.repos.set(key, repo);
    this.#defaultRepo ??= `${owner}/${name}`;
    return repo;
  }

  addCommit(sha: string | undefined, seed: CommitSeed = {}): string {
    if (sha !== undefined && !/^[0-9a-f]{40}$/.test(sha))
      throw new SeedError(`a commit sha is 40 lower-case hex digits, got ${sha}`);
    const parents = seed.parents ?? [];
    for (const p of parents) if (!this.git.commits.has(p)) throw new SeedError(`parent ${p} does not exist`);
    let tree: string;
    if (typeof seed.tree === 'string') {
      if (!this.git.trees.has(seed.tree)) throw new SeedError(`tree ${seed.tree} does not exist`);
      tree = seed.tree;
    } else if (seed.tree !== undefined) {
      tree = this.git.writeFiles(seed.tree);
    } else {
      const first = parents[0];
      tree = first !== undefined ? (this.git.commits.get(first)?.tree ?? EMPTY_TREE_SHA) : EMPTY_TREE_SHA;
    }
    const date = seed.author?.date ?? this.now();
    const author = {
      name: seed.author?.name ?? 'Octocat',
      email: seed.author?.email ?? 'octocat@github.com',
      date,
    };
    const commit = { tree, parents, message: seed.message ?? 'Commit', author, committer: author };
    let result: string;
    if (sha === undefined) {
      result = this.git.writeCommit(commit);
    } else {
      this.git.putCommit({ ...commit, sha });
      result = sha;
    }
    if (seed.branch !== undefined) this.seedRepo(seed.repo).refs.set(`refs/heads/${seed.branch}`, result);
    return result;
  }

  addPullRequest(seed: PullRequestSeed): PullRequestRecord {
    const repo = this.seedRepo(seed.repo);
    const number = seed.number ?? repo.nextNumber;
    const key = this.issueKey(repo, number);
    if (this.pulls.has(key) || this.issues.has(key))
      throw new SeedError(`#${number} already exists in ${repo.owner.login}/${repo.name}`);
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const baseRef = seed.baseRef ?? repo.defaultBranch;
    let baseSha = repo.refs.get(`refs/heads/${baseRef}`);
    if (baseSha === undefined) {
      baseSha = this.branchSha(repo, repo.defaultBranch) ?? this.addCommit(undefined, {});
      repo.refs.set(`refs/heads/${baseRef}`, baseSha);
    }
    if (!this.git.commits.has(seed.headSha)) {
      this.addCommit(seed.headSha, { parents: [baseSha], message: seed.title ?? `Change #${number}` });
    }
    const headRef = seed.headRef ?? `feature/${number}`;
    repo.refs.set(`refs/heads/${headRef}`, seed.headSha);
    let commits = seed.commits;
    if (commits === undefined) {
      const between = this.git.commitsBetween(baseSha, seed.headSha);
      commits = between.length > 0 ? between : [seed.headSha];
    }
    const createdAt = this.now();
    const merged = seed.merged ?? false;
    const state = seed.state ?? (merged ? 'closed' : 'open');
    const pr: PullRequestRecord = {
      id: this.nextId('pull'),
      owner: repo.owner.login,
      repo: repo.name,
      number,
      title: seed.title ?? `Pull request #${number}`,
      body: seed.body ?? null,
      state,
      draft: seed.draft ?? false,
      headRef,
      headSha: seed.headSha,
      baseRef,
      baseSha,
      user: seed.user ?? OCTOCAT,
      commits: [...commits],
      merged,
      mergeCommitSha: seed.mergeCommitSha ?? null,
      labels: [],
      maintainerCanModify: false,
      createdAt,
      updatedAt: createdAt,
      closedAt: state === 'closed' ? createdAt : null,
      mergedAt: merged ? createdAt : null,
      origin: 'seed',
      htmlUrl: `${this.#serverUrl}/${repo.owner.login}/${repo.name}/pull/${number}`,
    };
    for (const label of seed.labels ?? []) this.addLabel(repo, pr, label);
    this.pulls.set(key, pr);
    return pr;
  }

  addIssue(repoName: string | undefined, number: number | undefined): number {
    const repo = this.seedRepo(repoName);
    const n = number ?? repo.nextNumber;
    const key = this.issueKey(repo, n);
    if (this.pulls.has(key) || this.issues.has(key)) throw new SeedError(`#${n} already exists`);
    repo.nextNumber = Math.max(repo.nextNumber, n + 1);
    this.issues.add(key);
    return n;
  }

  addLabel(repo: RepoState, pr: PullRequestRecord, name: string): void {
    const key = name.toLowerCase();
    let label = repo.labels.get(key);
    if (!label) {
      label = { id: this.nextId('label'), name, color: 'ededed' };
      repo.labels.set(key, label);
    }
    if (!pr.labels.some((l) => l.toLowerCase() === key)) pr.labels.push(label.name);
  }

  issueKey(repo: RepoState, number: number): string {
    return `${this.repoKey(repo.owner.login, repo.name)}#${number}`;
  }

  pull(repo: RepoState, number: number): PullRequestRecord | undefined {
    return this.pulls.get(this.issueKey(repo, number));
  }

  pullsOf(repo: RepoState): PullRequestRecord[] {
    return [...this.pulls.values()].filter(
      (p) => this.repoKey(p.owner, p.repo) === this.repoKey(repo.owner.login, repo.name),
    );
  }

  branchSha(repo: RepoState, branch: string): string | undefined {
    return repo.refs.get(`refs/heads/${branch}`);
  }

  /**
   * A commit-ish as GitHub accepts it in `{ref}` parameters: a full or abbreviated sha, a branch or
   * tag name, `heads/x`, `tags/x` or `refs/...`.
   */
  resolveCommitish(repo: RepoState, ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/i.test(ref))
      return this.git.commits.has(ref.toLowerCase()) ? ref.toLowerCase() : undefined;
    for (const candidate of [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`]) {
      const sha = repo.refs.get(candidate);
      if (sha !== undefined) return sha;
    }
    if (/^[0-9a-f]{7,39}$/i.test(ref)) {
      const matches = [...this.git.commits.keys()].filter((sha) => sha.startsWith(ref.toLowerCase()));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  checkSuiteId(repo: RepoState, headSha: string): number {
    const key = `${this.repoKey(repo.owner.login, repo.name)}@${headSha}`;
    let id = this.checkSuites.get(key);
    if (id === undefined) {
      id = this.nextId('check-suite');
      this.checkSuites.set(key, id);
    }
    return id;
  }

  /** Whether `sha` is a commit of `repo` (the object store is shared; see the report). */
  hasCommit(sha: string): boolean {
    return this.git.commits.has(sha);
  }
}

function ownerId(login: string): number {
  let h = 0;
  for (const ch of login) h = (h * 31 + ch.charCodeAt(0)) % 90_000_000;
  return 10_000_000 + h;
}
