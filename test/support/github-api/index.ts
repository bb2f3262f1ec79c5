/** A local GitHub REST API for tests, validated against GitHub's OpenAPI description. */
export { GitHubApi, startGitHubApi } from './server.ts';
export {
  loadSpec,
  openApiDescriptionPath,
  type OpenApiSpec,
  type Operation,
  type SpecTimings,
} from './spec.ts';
export { EMPTY_TREE_SHA } from './git.ts';
export { GITHUB_ACTIONS_BOT } from './types.ts';
export type {
  AccessLevel,
  CheckRunAction,
  CheckRunAnnotation,
  CheckRunRecord,
  CommitInfo,
  CommitSeed,
  CommitStatusRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  FailureOptions,
  IssueCommentRecord,
  PermissionScope,
  PullRequestRecord,
  PullRequestSeed,
  RecordedRequest,
  RejectedRequest,
  RejectionReason,
  RepoSeed,
  StartOptions,
  TokenPermissions,
  UserRecord,
} from './types.ts';
