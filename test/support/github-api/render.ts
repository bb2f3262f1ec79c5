/** Turns the fake's records into the JSON GitHub sends (shapes checked against the description). */
import type { GitCommit } from './git.ts';
import type { RepoState, State } from './state.ts';
import type {
  CheckRunAnnotation,
  CheckRunRecord,
  CommitStatusRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueCommentRecord,
  PullRequestRecord,
  UserRecord,
} from './types.ts';
import { GITHUB_ACTIONS_BOT } from './types.ts';

type JsonObject = Record<string, unknown>;

/** The GitHub App that GITHUB_TOKEN acts through. */
const ACTIONS_APP_ID = 15368;

export class Renderer {
  readonly #state: State;
  readonly api: string;
  readonly web: string;

  constructor(state: State, apiUrl: string) {
    this.#state = state;
    this.api = apiUrl.replace(/\/$/, '');
    this.web = state.serverUrl.replace(/\/$/, '');
  }

  repoApi(repo: RepoState): string {
    return `${this.api}/repos/${repo.owner.login}/${repo.name}`;
  }

  repoWeb(repo: RepoState): string {
    return `${this.web}/${repo.owner.login}/${repo.name}`;
  }

  user(u: UserRecord): JsonObject {
    const api = `${this.api}/users/${encodeURIComponent(u.login)}`;
    return {
      login: u.login,
      id: u.id,
      node_id: nodeId(u.type === 'Bot' ? 'BOT' : u.type === 'Organization' ? 'O' : 'U', u.id),
      avatar_url: `https://avatars.githubusercontent.com/${u.type === 'Bot' ? 'in/' + String(ACTIONS_APP_ID) : 'u/' + String(u.id)}?v=4`,
      gravatar_id: '',
      url: api,
      html_url:
        u.type === 'Bot' ? `${this.web}/apps/${u.login.replace(/\[bot\]$/, '')}` : `${this.web}/${u.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** The github-actions app (`performed_via_github_app`, a check run's `app`). */
  actionsApp(): JsonObject {
    return {
      id: ACTIONS_APP_ID,
      slug: 'github-actions',
      node_id: 'MDM6QXBwMTUzNjg=',
      client_id: 'Iv1.05c79e9ad1f6bdfa',
      owner: this.user({ login: 'github', id: 9919, type: 'Organization' }),
      name: 'GitHub Actions',
      description: 'Automate your workflow from idea to production',
      external_url: 'https://help.github.com/en/actions',
      html_url: `${this.web}/apps/github-actions`,
      created_at: '2018-07-30T09:30:17Z',
      updated_at: '2024-04-10T20:33:16Z',
      permissions: {
        actions: 'write',
        checks: 'write',
        contents: 'write',
        deployments: 'write',
        issues: 'write',
        metadata: 'read',
        pull_requests: 'write',
        statuses: 'write',
      },
      events: ['check_run', 'check_suite', 'deployment', 'pull_request', 'push', 'status'],
    };
  }

  /** `repository` (PR head/base) or, with `full`, `full-repository` (repos.get). */
  repository(repo: RepoState, full = false, permissions?: JsonObject): JsonObject {
    const api = this.repoApi(repo);
    const web = this.repoWeb(repo);
    const fullName = `${repo.owner.login}/${repo.name}`;
    const pushedSha = repo.refs.get(`refs/heads/${repo.defaultBranch}`);
    const pushedAt = pushedSha
      ? (this.#state.git.commits.get(pushedSha)?.committer.date ?? repo.createdAt)
      : repo.createdAt;
    const openIssues = this.#state.pullsOf(repo).filter((p) => p.state === 'open').length;
    const out: JsonObject = {
      id: repo.id,
      node_id: nodeId('R_kgDO', repo.id),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      owner: this.user(repo.owner),
      html_url: web,
      description: null,
      fork: false,
      url: api,
      forks_url: `${api}/forks`,
      keys_url: `${api}/keys{/key_id}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      teams_url: `${api}/teams`,
      hooks_url: `${api}/hooks`,
      issue_events_url: `${api}/issues/events{/number}`,
      events_url: `${api}/events`,
      assignees_url: `${api}/assignees{/user}`,
      branches_url: `${api}/branches{/branch}`,
      tags_url: `${api}/tags`,
      blobs_url: `${api}/git/blobs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      trees_url: `${api}/git/trees{/sha}`,
      statuses_url: `${api}/statuses/{sha}`,
      languages_url: `${api}/languages`,
      stargazers_url: `${api}/stargazers`,
      contributors_url: `${api}/contributors`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      commits_url: `${api}/commits{/sha}`,
      git_commits_url: `${api}/git/commits{/sha}`,
      comments_url: `${api}/comments{/number}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      contents_url: `${api}/contents/{+path}`,
      compare_url: `${api}/compare/{base}...{head}`,
      merges_url: `${api}/merges`,
      archive_url: `${api}/{archive_format}{/ref}`,
      downloads_url: `${api}/downloads`,
      issues_url: `${api}/issues{/number}`,
      pulls_url: `${api}/pulls{/number}`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      labels_url: `${api}/labels{/name}`,
      releases_url: `${api}/releases{/id}`,
      deployments_url: `${api}/deployments`,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      pushed_at: pushedAt,
      git_url: `git://${new URL(this.web).host}/${fullName}.git`,
      ssh_url: `git@${new URL(this.web).host}:${fullName}.git`,
      clone_url: `${web}.git`,
      svn_url: web,
      homepage: null,
      size: 1,
      stargazers_count: 0,
      watchers_count: 0,
      language: null,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: false,
      has_discussions: false,
      forks_count: 0,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: openIssues,
      license: null,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: [],
      visibility: repo.private ? 'private' : 'public',
      forks: 0,
      open_issues: openIssues,
      watchers: 0,
      default_branch: repo.defaultBranch,
    };
    if (permissions) out['permissions'] = permissions;
    if (full) {
      Object.assign(out, {
        allow_squash_merge: true,
        allow_merge_commit: true,
        allow_rebase_merge: true,
        allow_auto_merge: false,
        delete_branch_on_merge: false,
        allow_update_branch: false,
        use_squash_pr_title_as_default: false,
        squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
        squash_merge_commit_message: 'COMMIT_MESSAGES',
        merge_commit_title: 'MERGE_MESSAGE',
        merge_commit_message: 'PR_TITLE',
        organization: this.user(repo.owner),
        network_count: 0,
        subscribers_count: 0,
      });
    }
    return out;
  }

  /** `minimal-repository` (combined status). */
  minimalRepository(repo: RepoState): JsonObject {
    const full = this.repository(repo);
    const keep = [
      'id',
      'node_id',
      'name',
      'full_name',
      'owner',
      'private',
      'html_url',
      'description',
      'fork',
      'url',
      'archive_url',
      'assignees_url',
      'blobs_url',
      'branches_url',
      'collaborators_url',
      'comments_url',
      'commits_url',
      'compare_url',
      'contents_url',
      'contributors_url',
      'deployments_url',
      'downloads_url',
      'events_url',
      'forks_url',
      'git_commits_url',
      'git_refs_url',
      'git_tags_url',
      'issue_comment_url',
      'issue_events_url',
      'issues_url',
      'keys_url',
      'labels_url',
      'languages_url',
      'merges_url',
      'milestones_url',
      'notifications_url',
      'pulls_url',
      'releases_url',
      'stargazers_url',
      'statuses_url',
      'subscribers_url',
      'subscription_url',
      'tags_url',
      'teams_url',
      'trees_url',
      'hooks_url',
    ];
    return Object.fromEntries(keep.map((k) => [k, full[k]]));
  }

  issueComment(c: IssueCommentRecord, repo: RepoState): JsonObject {
    const api = this.repoApi(repo);
    return {
      id: c.id,
      node_id: nodeId('IC_kwDO', c.id),
      url: `${api}/issues/comments/${c.id}`,
      html_url: c.htmlUrl,
      body: c.body,
      user: this.user(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      issue_url: `${api}/issues/${c.issueNumber}`,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      performed_via_github_app: c.user.id === GITHUB_ACTIONS_BOT.id ? this.actionsApp() : null,
      reactions: {
        url: `${api}/issues/comments/${c.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
  }

  checkRun(run: CheckRunRecord, repo: RepoState, checkSuiteId: number): JsonObject {
    const api = this.repoApi(repo);
    const prs = this.#state
      .pullsOf(repo)
      .filter((p) => p.state === 'open' && p.headSha === run.headSha)
      .map((p) => this.pullRequestMinimal(p, repo));
    return {
      id: run.id,
      name: run.name,
      node_id: nodeId('CR_kwDO', run.id),
      head_sha: run.headSha,
      external_id: run.externalId ?? '',
      url: `${api}/check-runs/${run.id}`,
      html_url: run.htmlUrl,
      details_url: run.detailsUrl ?? run.htmlUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.annotations.length,
        annotations_url: `${api}/check-runs/${run.id}/annotations`,
      },
      check_suite: { id: checkSuiteId },
      app: this.actionsApp(),
      pull_requests: prs,
    };
  }

  annotation(a: CheckRunAnnotation, run: CheckRunRecord, repo: RepoState): JsonObject {
    return {
      path: a.path,
      blob_href: `${this.repoWeb(repo)}/blob/${run.headSha}/${a.path}`,
      start_line: a.start_line,
      end_line: a.end_line,
      start_column: a.start_column ?? null,
      end_column: a.end_column ?? null,
      annotation_level: a.annotation_level,
      title: a.title ?? null,
      message: a.message,
      raw_details: a.raw_details ?? null,
    };
  }

  deployment(d: DeploymentRecord, repo: RepoState): JsonObject {
    const api = this.repoApi(repo);
    return {
      url: `${api}/deployments/${d.id}`,
      id: d.id,
      node_id: nodeId('DE_kwDO', d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      original_environment: d.originalEnvironment,
      environment: d.environment,
      description: d.description,
      creator: this.user(d.creator),
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      statuses_url: `${api}/deployments/${d.id}/statuses`,
      repository_url: api,
      transient_environment: d.transientEnvironment,
      production_environment: d.productionEnvironment,
      performed_via_github_app: d.creator.id === GITHUB_ACTIONS_BOT.id ? this.actionsApp() : null,
    };
  }

  deploymentStatus(s: DeploymentStatusRecord, repo: RepoState): JsonObject {
    const api = this.repoApi(repo);
    return {
      url: `${api}/deployments/${s.deploymentId}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId('DES_kwDO', s.id),
      state: s.state,
      creator: this.user(s.creator),
      description: s.description,
      environment: s.environment,
      target_url: s.targetUrl,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      deployment_url: `${api}/deployments/${s.deploymentId}`,
      repository_url: api,
      environment_url: s.environmentUrl,
      log_url: s.logUrl,
      performed_via_github_app: s.creator.id === GITHUB_ACTIONS_BOT.id ? this.actionsApp() : null,
    };
  }

  commitStatus(s: CommitStatusRecord, repo: RepoState): JsonObject {
    return {
      url: `${this.repoApi(repo)}/statuses/${s.sha}`,
      avatar_url: this.user(s.creator)['avatar_url'],
      id: s.id,
      node_id: nodeId('SC_kwDO', s.id),
      state: s.state,
      description: s.description,
      target_url: s.targetUrl,
      context: s.context,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      creator: this.user(s.creator),
    };
  }

  label(repo: RepoState, name: string): JsonObject {
    const label = repo.labels.get(name.toLowerCase());
    const id = label?.id ?? 0;
    return {
      id,
      node_id: nodeId('LA_kwDO', id),
      url: `${this.repoApi(repo)}/labels/${encodeURIComponent(name)}`,
      name,
      // The description types a PR's label descriptions as plain strings (not nullable).
      description: '',
      color: label?.color ?? 'ededed',
      default: false,
    };
  }

  pullRequestMinimal(p: PullRequestRecord, repo: RepoState): JsonObject {
    const repoRef = { id: repo.id, url: this.repoApi(repo), name: repo.name };
    return {
      id: p.id,
      number: p.number,
      url: `${this.repoApi(repo)}/pulls/${p.number}`,
      head: { ref: p.headRef, sha: p.headSha, repo: repoRef },
      base: { ref: p.baseRef, sha: p.baseSha, repo: repoRef },
    };
  }

  /** `pull-request-simple` (lists); with `full`, `pull-request` (get, create). */
  pullRequest(p: PullRequestRecord, repo: RepoState, full: boolean): JsonObject {
    const api = this.repoApi(repo);
    const self = `${api}/pulls/${p.number}`;
    const repoJson = this.repository(repo);
    const owner = this.user(repo.owner);
    const out: JsonObject = {
      url: self,
      id: p.id,
      node_id: nodeId('PR_kwDO', p.id),
      html_url: p.htmlUrl,
      diff_url: `${p.htmlUrl}.diff`,
      patch_url: `${p.htmlUrl}.patch`,
      issue_url: `${api}/issues/${p.number}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.user(p.user),
      body: p.body,
      labels: p.labels.map((l) => this.label(repo, l)),
      milestone: null,
      active_lock_reason: null,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      merged_at: p.mergedAt,
      merge_commit_sha: p.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      draft: p.draft,
      commits_url: `${self}/commits`,
      review_comments_url: `${self}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${p.number}/comments`,
      statuses_url: `${api}/statuses/${p.headSha}`,
      head: {
        label: `${repo.owner.login}:${p.headRef}`,
        ref: p.headRef,
        sha: p.headSha,
        user: owner,
        repo: repoJson,
      },
      base: {
        label: `${repo.owner.login}:${p.baseRef}`,
        ref: p.baseRef,
        sha: p.baseSha,
        user: owner,
        repo: repoJson,
      },
      _links: {
        self: { href: self },
        html: { href: p.htmlUrl },
        issue: { href: `${api}/issues/${p.number}` },
        comments: { href: `${api}/issues/${p.number}/comments` },
        review_comments: { href: `${self}/comments` },
        review_comment: { href: `${api}/pulls/comments{/number}` },
        commits: { href: `${self}/commits` },
        statuses: { href: `${api}/statuses/${p.headSha}` },
      },
      author_association: p.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      auto_merge: null,
    };
    if (full) {
      const diff =
        this.#state.git.commits.has(p.baseSha) && this.#state.git.commits.has(p.headSha)
          ? diffTrees(
              this.#state,
              this.#state.git.commits.get(p.baseSha)?.tree,
              this.#state.git.commits.get(p.headSha)?.tree,
            )
          : [];
      const comments = [...this.#state.comments.values()].filter(
        (c) => c.issueNumber === p.number && c.owner === repo.owner.login && c.repo === repo.name,
      ).length;
      Object.assign(out, {
        merged: p.merged,
        mergeable: p.state === 'open' ? true : null,
        rebaseable: p.state === 'open' ? true : null,
        mergeable_state: p.state === 'open' ? 'clean' : 'unknown',
        merged_by: null,
        comments,
        review_comments: 0,
        maintainer_can_modify: p.maintainerCanModify,
        commits: p.commits.length,
        additions: diff.reduce((n, f) => n + f.additions, 0),
        deletions: diff.reduce((n, f) => n + f.deletions, 0),
        changed_files: diff.length,
      });
    }
    return out;
  }

  gitRef(repo: RepoState, ref: string, sha: string): JsonObject {
    const api = this.repoApi(repo);
    return {
      ref,
      node_id: nodeId('REF_kwDO', hashString(`${repo.id}:${ref}`)),
      url: `${api}/git/${ref}`,
      object: { sha, type: 'commit', url: `${api}/git/commits/${sha}` },
    };
  }

  gitCommit(c: GitCommit, repo: RepoState): JsonObject {
    const api = this.repoApi(repo);
    return {
      sha: c.sha,
      node_id: nodeId('C_kwDO', hashString(c.sha)),
      url: `${api}/git/commits/${c.sha}`,
      html_url: `${this.repoWeb(repo)}/commit/${c.sha}`,
      author: { ...c.author },
      committer: { ...c.committer },
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      message: c.message,
      parents: c.parents.map((sha) => ({
        sha,
        url: `${api}/git/commits/${sha}`,
        html_url: `${this.repoWeb(repo)}/commit/${sha}`,
      })),
      verification: unsigned(),
    };
  }

  /** `commit` (repos.getCommit): the commit with its diff against the first parent. */
  commit(c: GitCommit, repo: RepoState): JsonObject {
    const api = this.repoApi(repo);
    const parentTree =
      c.parents[0] !== undefined ? this.#state.git.commits.get(c.parents[0])?.tree : undefined;
    const files = diffTrees(this.#state, parentTree, c.tree);
    const additions = files.reduce((n, f) => n + f.additions, 0);
    const deletions = files.reduce((n, f) => n + f.deletions, 0);
    return {
      sha: c.sha,
      node_id: nodeId('C_kwDO', hashString(c.sha)),
      url: `${api}/commits/${c.sha}`,
      html_url: `${this.repoWeb(repo)}/commit/${c.sha}`,
      comments_url: `${api}/commits/${c.sha}/comments`,
      commit: {
        url: `${api}/git/commits/${c.sha}`,
        author: { ...c.author },
        committer: { ...c.committer },
        message: c.message,
        tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
        comment_count: 0,
        verification: unsigned(),
      },
      author: null,
      committer: null,
      parents: c.parents.map((sha) => ({
        sha,
        url: `${api}/commits/${sha}`,
        html_url: `${this.repoWeb(repo)}/commit/${sha}`,
      })),
      stats: { total: additions + deletions, additions, deletions },
      files: files.map((f) => ({
        sha: f.sha,
        filename: f.filename,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        changes: f.additions + f.deletions,
        blob_url: `${this.repoWeb(repo)}/blob/${c.sha}/${encodePath(f.filename)}`,
        raw_url: `${this.repoWeb(repo)}/raw/${c.sha}/${encodePath(f.filename)}`,
        contents_url: `${api}/contents/${encodePath(f.filename)}?ref=${c.sha}`,
      })),
    };
  }
}

export interface FileDiff {
  filename: string;
  status: 'added' | 'removed' | 'modified';
  sha: string | null;
  additions: number;
  deletions: number;
}

/** Per-file changes between two trees, with line counts. */
export function diffTrees(
  state: State,
  fromTree: string | undefined,
  toTree: string | undefined,
): FileDiff[] {
  const from = fromTree !== undefined ? state.git.flatten(fromTree) : new Map<string, { sha: string }>();
  const to = toTree !== undefined ? state.git.flatten(toTree) : new Map<string, { sha: string }>();
  const lines = (sha: string | undefined): string[] => {
    if (sha === undefined) return [];
    const text = state.git.blobs.get(sha)?.toString('utf8') ?? '';
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  };
  const out: FileDiff[] = [];
  for (const name of [...new Set([...from.keys(), ...to.keys()])].sort()) {
    const a = from.get(name)?.sha;
    const b = to.get(name)?.sha;
    if (a === b) continue;
    const { additions, deletions } = countLineChanges(lines(a), lines(b));
    out.push({
      filename: name,
      status: a === undefined ? 'added' : b === undefined ? 'removed' : 'modified',
      sha: b ?? null,
      additions,
      deletions,
    });
  }
  return out;
}

/** Lines added and removed, from the longest common subsequence (files here are small). */
function countLineChanges(a: string[], b: string[]): { additions: number; deletions: number } {
  if (a.length * b.length > 4_000_000) return { additions: b.length, deletions: a.length };
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] ?? 0) + 1 : Math.max(prev[j] ?? 0, row[j - 1] ?? 0);
    }
    prev = row;
  }
  const common = prev[b.length] ?? 0;
  return { additions: b.length - common, deletions: a.length - common };
}

function unsigned(): JsonObject {
  return { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}${Buffer.from(`0${id}`).toString('base64').replace(/=+$/, '')}`;
}

function hashString(s: string): number {
  let h = 7;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) % 2_000_000_000;
  return h;
}
