import { deployedSha, type GitHubLink } from '../adapters/github/reporter.ts';
import type { Config } from '../config/inputs.ts';

/** The workflow_dispatch workflow people run to promote or abort; docs/workflows/control.yml. */
export const CONTROL_WORKFLOW = 'rollout-control.yml';

export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_RUN_ID === undefined || env.GITHUB_REPOSITORY === undefined) return undefined;
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/**
 * The commit this run deploys and where it is discussed; a run of the same commit keeps the ids of
 * the comment and check run that an earlier run made (`before`).
 */
export function githubLink(
  config: Config,
  env: NodeJS.ProcessEnv,
  before: GitHubLink | undefined,
): GitHubLink | undefined {
  const sha = deployedSha(env);
  const repository = env.GITHUB_REPOSITORY;
  return repository === undefined || sha === undefined
    ? undefined
    : before !== undefined && before.sha === sha && before.repository === repository
      ? { ...before, runUrl: runUrl(env), prNumber: config.prNumber ?? before.prNumber }
      : { repository, sha, prNumber: config.prNumber, runUrl: runUrl(env) };
}
