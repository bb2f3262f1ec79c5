import { readFileSync } from 'node:fs';
import type { getOctokit } from '@actions/github';
import type { Logger } from '../../util/logger.ts';

/** Where a rollout is reported on GitHub; kept in the rollout's state so any later run updates the same things. */
export interface GitHubLink {
  repository: string;
  /** The deployed commit: check runs and deployments attach to it. */
  sha: string;
  prNumber?: number | undefined;
  commentId?: number | undefined;
  checkRunId?: number | undefined;
  deploymentId?: number | undefined;
  runUrl?: string | undefined;
  /** The pull request that reverts the deployed commit, opened after an automatic abort. */
  revertPr?: { number: number; url: string } | undefined;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
}

export interface CheckRunContent {
  title: string;
  summary: string;
  text?: string | undefined;
  status: 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral' | 'action_required' | undefined;
}

export interface ReportOutcome {
  commentUrl?: string | undefined;
  checkRunUrl?: string | undefined;
}

type Octokit = ReturnType<typeof getOctokit>;

export interface ReporterOptions {
  token: string;
  apiUrl: string;
  link: GitHubLink;
  log: Logger;
  environment?: string | undefined;
  checkName: string;
  comment: boolean;
  checkRun: boolean;
}

function status(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/**
 * The pull request side of a rollout: one comment updated in place, one check run, and optionally a
 * Deployment with statuses. Every write that GitHub refuses for lack of permission (fork pull
 * requests, read-only tokens) is a warning, never a failure: the job summary still tells the story.
 */
export class GitHubReporter {
  private readonly octokit: Octokit;
  private readonly log: Logger;
  readonly link: GitHubLink;
  private readonly owner: string;
  private readonly repo: string;
  private readonly environment: string | undefined;
  private readonly checkName: string;
  private disabled = new Set<'comment' | 'check' | 'deployment'>();

  /**
   * Loads the GitHub client only when there is something to report: it is a third of the bundle,
   * and a command run without a token or a pull request never needs it.
   */
  static async create(opts: ReporterOptions): Promise<GitHubReporter> {
    const [{ getOctokit }, { retry }, { throttling }] = await Promise.all([
      import('@actions/github'),
      import('@octokit/plugin-retry'),
      import('@octokit/plugin-throttling'),
    ]);
    const octokit = getOctokit(
      opts.token,
      {
        baseUrl: opts.apiUrl,
        throttle: {
          // Secondary and primary rate limits: wait and try again, twice.
          onRateLimit: (_after: number, _options: unknown, _octokit: unknown, count: number) => count < 2,
          onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, count: number) =>
            count < 2,
        },
        retry: { retries: 3 },
      },
      retry,
      throttling,
    );
    return new GitHubReporter(opts, octokit);
  }

  private constructor(opts: ReporterOptions, octokit: Octokit) {
    this.octokit = octokit;
    this.log = opts.log;
    this.link = opts.link;
    const [owner, repo] = opts.link.repository.split('/');
    this.owner = owner ?? '';
    this.repo = repo ?? '';
    this.environment = opts.environment;
    this.checkName = opts.checkName;
    if (!opts.comment) this.disabled.add('comment');
    if (!opts.checkRun) this.disabled.add('check');
    if (opts.environment === undefined) this.disabled.add('deployment');
  }

  /** Finds the pull request behind the deployed commit, unless one is known already. */
  async resolvePullRequest(env: NodeJS.ProcessEnv): Promise<void> {
    if (this.link.prNumber !== undefined) return;
    const fromEvent = pullRequestFromEvent(env);
    if (fromEvent !== undefined) {
      this.link.prNumber = fromEvent;
      return;
    }
    try {
      const prs = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        owner: this.owner,
        repo: this.repo,
        commit_sha: this.link.sha,
      });
      const pr = prs.data.find((p) => p.merged_at !== null) ?? prs.data[0];
      if (pr !== undefined) this.link.prNumber = pr.number;
    } catch (e) {
      this.log.warn(`could not find the pull request of ${this.link.sha}: ${message(e)}`);
    }
  }

  private async guarded<T>(
    what: 'comment' | 'check' | 'deployment',
    body: () => Promise<T>,
  ): Promise<T | undefined> {
    if (this.disabled.has(what)) return undefined;
    try {
      return await body();
    } catch (e) {
      const code = status(e);
      if (code === 403 || code === 404 || code === 401) {
        this.disabled.add(what);
        this.log.warn(
          `GitHub refused the ${what === 'check' ? 'check run' : what} (${code}: ${message(e)}); the job summary carries the report. A fork pull request or a token without write permission does this.`,
        );
        return undefined;
      }
      this.log.warn(`GitHub ${what} update failed: ${message(e)}`);
      return undefined;
    }
  }

  /** Creates the comment once and updates it in place afterwards; the marker finds it again. */
  async upsertComment(body: string, marker: string): Promise<string | undefined> {
    const pr = this.link.prNumber;
    if (pr === undefined) return undefined;
    return this.guarded('comment', async () => {
      if (this.link.commentId === undefined) {
        const existing = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
          owner: this.owner,
          repo: this.repo,
          issue_number: pr,
          per_page: 100,
        });
        this.link.commentId = existing.find((c) => c.body?.includes(marker) === true)?.id;
      }
      if (this.link.commentId !== undefined) {
        try {
          const r = await this.octokit.rest.issues.updateComment({
            owner: this.owner,
            repo: this.repo,
            comment_id: this.link.commentId,
            body,
          });
          return r.data.html_url;
        } catch (e) {
          if (status(e) !== 404) throw e;
          this.link.commentId = undefined; // deleted by someone: post a new one
        }
      }
      const r = await this.octokit.rest.issues.createComment({
        owner: this.owner,
        repo: this.repo,
        issue_number: pr,
        body,
      });
      this.link.commentId = r.data.id;
      return r.data.html_url;
    });
  }

  async upsertCheckRun(
    content: CheckRunContent,
    annotations: readonly Annotation[],
  ): Promise<string | undefined> {
    return this.guarded('check', async () => {
      const output = {
        title: content.title,
        summary: content.summary.slice(0, 65_000),
        ...(content.text === undefined ? {} : { text: content.text.slice(0, 65_000) }),
        // GitHub takes at most 50 annotations per request.
        ...(annotations.length > 0 ? { annotations: annotations.slice(0, 50) } : {}),
      };
      const state = {
        status: content.status,
        ...(content.status === 'completed'
          ? { conclusion: content.conclusion ?? 'neutral', completed_at: new Date().toISOString() }
          : {}),
        ...(this.link.runUrl === undefined ? {} : { details_url: this.link.runUrl }),
      };
      if (this.link.checkRunId !== undefined) {
        const r = await this.octokit.rest.checks.update({
          owner: this.owner,
          repo: this.repo,
          check_run_id: this.link.checkRunId,
          output,
          ...state,
        });
        return r.data.html_url ?? undefined;
      }
      const r = await this.octokit.rest.checks.create({
        owner: this.owner,
        repo: this.repo,
        name: this.checkName,
        head_sha: this.link.sha,
        output,
        ...state,
      });
      this.link.checkRunId = r.data.id;
      return r.data.html_url ?? undefined;
    });
  }

  /**
   * `on-failure: revert-pr`: a pull request that reverts the deployed commit, so git and the cluster
   * agree again. Done through the Git data API (no checkout needed) when the deployed commit is still
   * the head of the default branch; otherwise the revert needs a merge, and the warning says how.
   */
  async openRevertPr(reason: string, rollout: string): Promise<void> {
    if (this.link.revertPr !== undefined) return;
    try {
      const { data: repo } = await this.octokit.rest.repos.get({ owner: this.owner, repo: this.repo });
      const base = repo.default_branch;
      const { data: ref } = await this.octokit.rest.git.getRef({
        owner: this.owner,
        repo: this.repo,
        ref: `heads/${base}`,
      });
      if (ref.object.sha !== this.link.sha) {
        this.log.warn(
          `not opening a revert pull request: ${base} has moved past ${this.link.sha.slice(0, 7)}; revert it with \`git revert ${this.link.sha}\``,
        );
        return;
      }
      const { data: deployed } = await this.octokit.rest.git.getCommit({
        owner: this.owner,
        repo: this.repo,
        commit_sha: this.link.sha,
      });
      const parent = deployed.parents[0]?.sha;
      if (parent === undefined) {
        this.log.warn('not opening a revert pull request: the deployed commit has no parent');
        return;
      }
      const { data: before } = await this.octokit.rest.git.getCommit({
        owner: this.owner,
        repo: this.repo,
        commit_sha: parent,
      });
      const subject = deployed.message.split('\n')[0] ?? this.link.sha.slice(0, 7);
      const body = `This reverts commit ${this.link.sha}.\n\nrollout-pilot aborted the rollout of \`${rollout}\` and rolled it back: ${reason}`;
      const { data: commit } = await this.octokit.rest.git.createCommit({
        owner: this.owner,
        repo: this.repo,
        message: `Revert "${subject}"\n\n${body}`,
        tree: before.tree.sha,
        parents: [this.link.sha],
      });
      const branch = `rollout-pilot/revert-${this.link.sha.slice(0, 7)}`;
      await this.octokit.rest.git.createRef({
        owner: this.owner,
        repo: this.repo,
        ref: `refs/heads/${branch}`,
        sha: commit.sha,
      });
      const { data: pr } = await this.octokit.rest.pulls.create({
        owner: this.owner,
        repo: this.repo,
        title: `Revert "${subject}"`,
        head: branch,
        base,
        body: `${body}\n\nMerging this makes the repository match what runs in the cluster again.`,
      });
      this.link.revertPr = { number: pr.number, url: pr.html_url };
      this.log.info(`opened revert pull request #${pr.number}: ${pr.html_url}`);
    } catch (e) {
      this.log.warn(`could not open a revert pull request: ${message(e)}`);
    }
  }

  async deploymentStatus(
    state: 'in_progress' | 'success' | 'failure' | 'inactive',
    description: string,
  ): Promise<void> {
    const environment = this.environment;
    if (environment === undefined) return;
    await this.guarded('deployment', async () => {
      if (this.link.deploymentId === undefined) {
        const d = await this.octokit.rest.repos.createDeployment({
          owner: this.owner,
          repo: this.repo,
          ref: this.link.sha,
          environment,
          auto_merge: false,
          // The rollout's own check run is in progress: it must not block the deployment.
          required_contexts: [],
          description: description.slice(0, 140),
        });
        if (!('id' in d.data))
          throw new Error(`GitHub did not create the deployment: ${JSON.stringify(d.data)}`);
        this.link.deploymentId = d.data.id;
      }
      await this.octokit.rest.repos.createDeploymentStatus({
        owner: this.owner,
        repo: this.repo,
        deployment_id: this.link.deploymentId,
        state,
        description: description.slice(0, 140),
        ...(this.link.runUrl === undefined ? {} : { log_url: this.link.runUrl }),
      });
    });
  }
}

function message(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

/** The pull request number of a `pull_request` event, read from the event file. */
export function pullRequestFromEvent(env: NodeJS.ProcessEnv): number | undefined {
  const file = env.GITHUB_EVENT_PATH;
  if (file === undefined || file === '') return undefined;
  try {
    const event = JSON.parse(readFileSync(file, 'utf8')) as { pull_request?: { number?: number } };
    return event.pull_request?.number;
  } catch {
    return undefined;
  }
}

/** The deployed commit: a pull_request event deploys its head, anything else GITHUB_SHA. */
export function deployedSha(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.GITHUB_EVENT_PATH;
  if (file !== undefined && file !== '') {
    try {
      const event = JSON.parse(readFileSync(file, 'utf8')) as { pull_request?: { head?: { sha?: string } } };
      const head = event.pull_request?.head?.sha;
      if (head !== undefined) return head;
    } catch {
      // no event file: fall through
    }
  }
  return env.GITHUB_SHA;
}
