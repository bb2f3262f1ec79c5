import { KubeCluster } from '../adapters/k8s/cluster.ts';
import { GitHubReporter, type GitHubLink } from '../adapters/github/reporter.ts';
import { buildReport, publish, type PauseWatch } from '../controller/publish.ts';
import type { Config } from '../config/inputs.ts';
import { drive, type DriveResult } from '../controller/driver.ts';
import { toEngineRollout } from '../controller/engine-rollout.ts';
import { systemClock, type StoredState } from '../controller/ports.ts';
import { stepCount } from '../engine/spec.ts';
import { errorMessage } from '../util/errors.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { deadline } from './wiring.ts';
import { analysisOutput, analysisRunner } from './analysis.ts';
import { finish } from './outputs.ts';
import { CONTROL_WORKFLOW, runUrl } from './github.ts';

/** The GitHub reporter of the run, when it has a link and something to report to. */
export async function reporterFor(
  config: Config,
  ctx: CommandContext,
  link: GitHubLink | undefined,
  rollout: string,
): Promise<GitHubReporter | undefined> {
  const token = config.githubToken;
  if (link === undefined || token === undefined) return undefined;
  if (!config.comment && !config.checkRun && !config.environment) return undefined;
  return GitHubReporter.create({
    token,
    apiUrl: ctx.env.GITHUB_API_URL ?? 'https://api.github.com',
    link: { ...link, runUrl: runUrl(ctx.env) ?? link.runUrl },
    log: ctx.log,
    environment: config.environment,
    checkName: `rollout-pilot ${rollout}`,
    comment: config.comment,
    checkRun: config.checkRun,
  });
}

/**
 * Drives the rollout and tells people about it: the pull request comment and check run follow every
 * step; the job summary and the outputs say where it ended.
 */
export async function driveAndReport(
  config: Config,
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  name: string,
  identity: string,
  link: GitHubLink | undefined,
  /** Renew the Lease at the quiet pace while paused (a run of several Rollouts). */
  quietWhenPaused = false,
): Promise<CommandResult> {
  const reporter = await reporterFor(config, ctx, link, `${namespace}/${name}`);
  await reporter?.resolvePullRequest(ctx.env);
  const runDeadline = deadline(config);
  // While driving, the run watches paused rollouts (watch-pauses); once it stopped, nothing does.
  let watch: PauseWatch = { watching: config.watchPauses, deadline: runDeadline };
  const report = async (state: StoredState) =>
    publish(reporter, await buildReport(cluster, state, systemClock.now(), CONTROL_WORKFLOW, watch), state);
  let lastKnown: StoredState | undefined;
  let result: DriveResult;
  try {
    result = await drive(cluster, systemClock, ctx.log, {
      namespace,
      name,
      identity,
      analysis: analysisRunner(config, cluster, namespace, name, ctx.log),
      deadline: runDeadline,
      watchPauses: config.watchPauses,
      quietWhenPaused,
      toEngine: toEngineRollout,
      github: () => reporter?.link ?? link,
      onProgress: async (state) => {
        lastKnown = state;
        // Without a reporter the report goes nowhere until the end (the job summary, built below).
        if (reporter !== undefined) await report(state);
      },
    });
  } catch (e) {
    watch = { watching: false };
    return failedRun(
      e,
      cluster,
      lastKnown ?? (await cluster.readState(namespace, name).catch(() => undefined)),
      report,
      ctx,
    );
  }
  watch = { watching: false };
  const outcome = await finish(cluster, result, ctx);
  if (result.stoppedBecause === 'other-driver') return outcome;
  const final = await cluster.readState(namespace, name);
  if (
    final !== undefined &&
    reporter !== undefined &&
    config.onFailure === 'revert-pr' &&
    final.status.abort &&
    final.status.abortMessage !== 'aborted by a person'
  ) {
    await reporter.openRevertPr(final.status.abortMessage ?? final.status.message, `${namespace}/${name}`);
  }
  if (final !== undefined) {
    const published = await report({ ...final, github: reporter?.link ?? final.github });
    if (reporter !== undefined) {
      await cluster.writeState(namespace, name, { ...final, github: reporter.link }).catch(() => undefined); // the ids are saved again by the next run's ticks
    }
    outcome.summary = published.summary;
    if (published.commentUrl !== undefined) outcome.outputs['comment-url'] = published.commentUrl;
    if (published.checkRunUrl !== undefined) outcome.outputs['check-run-url'] = published.checkRunUrl;
  }
  return outcome;
}

/**
 * The run failed (the API server stayed away past the api-retry-budget, a refused write...): every
 * output still comes from the last state the run knew, and the report and summary say where the
 * rollout stands. Requests get a short budget now: the API server may still be away.
 */
export async function failedRun(
  e: unknown,
  cluster: KubeCluster,
  last: StoredState | undefined,
  report: (
    state: StoredState,
  ) => Promise<{ summary: string; commentUrl?: string | undefined; checkRunUrl?: string | undefined }>,
  ctx: CommandContext,
): Promise<CommandResult> {
  cluster.setRetryBudget(5000);
  const error = errorMessage(e);
  if (last === undefined) return { exitCode: 1, outputs: { message: error } };
  const s = last.status;
  const engine = toEngineRollout(last.rollout);
  const steps = stepCount(engine);
  const where = `${last.rollout.metadata.name} was ${s.phase} at step ${Math.min((s.currentStepIndex ?? 0) + 1, steps)}/${steps}, weight ${s.canaryWeight}`;
  const outputs: CommandResult['outputs'] = {
    phase: s.phase,
    aborted: String(s.abort),
    message: `${error} (${where})`,
    'step-index': String(s.currentStepIndex ?? 0),
    'step-count': String(steps),
    'canary-weight': String(s.canaryWeight),
    // The cluster may be away: the revisions' numbers are not read again, only the strategy is told.
    strategy: engine.strategy,
    analysis: JSON.stringify(analysisOutput(last.analysis)),
  };
  ctx.log.error(outputs.message ?? error);
  let summary = `## rollout-pilot: ${last.rollout.metadata.name} failed\n\n${error}\n\n${where}.\n`;
  try {
    const published = await report(last);
    summary = `${published.summary}\n\n**The run failed:** ${error}\n`;
    if (published.commentUrl !== undefined) outputs['comment-url'] = published.commentUrl;
    if (published.checkRunUrl !== undefined) outputs['check-run-url'] = published.checkRunUrl;
  } catch {
    // The report needs the cluster too; the summary above still says where the rollout stands.
  }
  return { exitCode: 1, outputs, summary };
}
