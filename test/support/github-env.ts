// A runner's GitHub variables for the local GitHub API server (test/support/github-api): what the
// action reads on a runner to find the repository, the deployed commit and the event.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitHubApi } from './github-api/index.ts';

/** The variables of a run for `event` at `sha` in `repository`; the event payload goes to a file. */
export async function githubEnv(
  api: GitHubApi,
  repository: string,
  sha: string,
  event = 'push',
  payload: unknown = {},
): Promise<Record<string, string>> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-event-')), 'event.json');
  await writeFile(file, JSON.stringify(payload));
  return {
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: repository,
    GITHUB_SHA: sha,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: file,
    GITHUB_RUN_ID: String(3000 + Math.floor(Math.random() * 1000)),
    GITHUB_RUN_ATTEMPT: '1',
  };
}
