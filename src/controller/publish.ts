import type { GitHubReporter } from '../adapters/github/reporter.ts';
import { planRollout } from '../engine/plan.ts';
import { podTemplateHash } from '../engine/hash.ts';
import { analysisAnnotations } from '../report/annotations.ts';
import { commentMarker, renderCheckRun, renderComment, renderJobSummary } from '../report/pr.ts';
import type { RolloutReport } from '../report/report-model.ts';
import { stepExperimentReports } from '../report/experiment-step-report.ts';
import { stepCount } from '../engine/spec.ts';
import { containerImages, podTemplateOf, toEngineRollout } from './engine-rollout.ts';
import type { ClusterPort, KubeObject, StoredState } from './ports.ts';
import { pauseWatchLine } from './tick.ts';
import { buildBlueGreenReport } from './bluegreen-report.ts';

/** The report model from the rollout's state: what the comment, the check run and the summary show. */
export async function buildReport(
  cluster: ClusterPort,
  state: StoredState,
  now: Date,
  controlWorkflow: string | undefined,
  watch?: PauseWatch,
): Promise<RolloutReport> {
  const rollout: KubeObject = state.rollout;
  const engine = toEngineRollout(rollout);
  const s = state.status;
  const template = podTemplateOf(rollout);
  const revisions = await cluster.revisions(rollout);
  const stable = [...revisions.values()].find((r) => r.hash === s.stableRS && r.hash !== s.currentPodHash);
  const before = containerImages(stable?.template);
  const plan = planRollout(engine, podTemplateHash(template), { ...s, stableRS: stable?.hash ?? '(none)' });
  return {
    rollout: rollout.metadata.name,
    namespace: rollout.metadata.namespace ?? 'default',
    repository: state.github?.repository,
    sha: state.github?.sha,
    runUrl: state.github?.runUrl,
    phase: s.phase,
    message: s.message,
    aborted: s.abort,
    pauseWatch: watch === undefined ? undefined : pauseWatchNote(state, watch),
    images: [...containerImages(template)].map(([container, to]) => ({
      container,
      from: before.get(container),
      to,
    })),
    stepCount: stepCount(engine),
    currentStepIndex: s.currentStepIndex ?? 0,
    weight: s.canaryWeight,
    router:
      plan.router === undefined
        ? undefined
        : {
            ...plan.router,
            weight: s.trafficWeights?.canary.weight ?? 0,
            routes: s.managedRoutes ?? [],
          },
    steps: s.stepHistory ?? [],
    plannedSteps: plan.rows
      .filter((r) => r.step !== undefined)
      .map((r) => ({
        step: r.step ?? 0,
        action: r.action,
        weight: r.weight,
        canary: r.canary,
        stable: r.stable,
      })),
    analysis: state.analysis,
    ...(engine.strategy !== 'canary' || engine.canary.analysis === undefined
      ? {}
      : { backgroundTemplates: engine.canary.analysis.templates.map((t) => t.templateName) }),
    ...(engine.firstDeployAnalysis === true && s.firstDeploy?.podHash === s.currentPodHash
      ? { firstDeploy: true }
      : {}),
    controlWorkflow,
    updatedAt: now.toISOString(),
    ...(state.github?.revertPr === undefined ? {} : { revertPr: state.github.revertPr }),
    ...(engine.strategy === 'blueGreen'
      ? { blueGreen: await buildBlueGreenReport(cluster, rollout, engine, s) }
      : {}),
    ...(await experimentsReport(cluster, state, now)),
  };
}

/** The step experiments of this revision, with their ReplicaSets as observed now (none: nothing). */
async function experimentsReport(
  cluster: ClusterPort,
  state: StoredState,
  now: Date,
): Promise<Pick<RolloutReport, 'experiments'>> {
  const s = state.status;
  const records = (state.experiments ?? []).filter((r) => r.podHash === s.currentPodHash);
  if (records.length === 0) return {};
  const engine = toEngineRollout(state.rollout);
  const observed = await cluster.observe(state.rollout, []);
  const experiments = stepExperimentReports({
    rollout: state.rollout.metadata.name,
    namespace: state.rollout.metadata.namespace ?? 'default',
    podHash: s.currentPodHash,
    steps: engine.strategy === 'canary' ? engine.canary.steps : [],
    records,
    replicaSets: observed.replicaSets,
    analysis: state.analysis,
    now,
  });
  return { experiments };
}

/** What the run does at a pause: watching (up to its deadline), or it ended or hands over. */
export interface PauseWatch {
  /** The run goes on (the watch-pauses input) and has not ended. */
  watching: boolean;
  deadline?: Date | undefined;
}

/** The plain line for a pause without a duration; undefined elsewhere. */
function pauseWatchNote(state: StoredState, watch: PauseWatch): string | undefined {
  const s = state.status;
  if (s.phase !== 'Paused' || s.abort) return undefined;
  const engine = toEngineRollout(state.rollout);
  const step = engine.strategy === 'canary' ? engine.canary.steps[s.currentStepIndex ?? 0] : undefined;
  if (engine.strategy === 'blueGreen' && !engine.paused && engine.blueGreen.autoPromotionSeconds > 0)
    if (s.pauseConditions.some((c) => c.reason === 'BlueGreenPause')) return undefined;
  const timed =
    !engine.paused &&
    step !== undefined &&
    'pause' in step &&
    step.pause.duration !== undefined &&
    s.pauseConditions.some((c) => c.reason === 'CanaryPauseStep');
  if (timed) return undefined;
  const measuring = state.analysis.some(
    (r) =>
      r.kind === 'Background' &&
      r.podHash === s.currentPodHash &&
      (r.state.phase === 'Running' || r.state.phase === 'Pending'),
  );
  return pauseWatchLine(watch.watching && measuring, watch.deadline);
}

/**
 * Puts the report where people look: the pull request comment, the check run (with annotations at
 * the failing metric's template line) and the deployment status. Returns the job summary.
 */
export async function publish(
  reporter: GitHubReporter | undefined,
  report: RolloutReport,
  state: StoredState,
): Promise<{ summary: string; commentUrl?: string | undefined; checkRunUrl?: string | undefined }> {
  const summary = renderJobSummary(report);
  if (reporter === undefined) return { summary };
  const commentUrl = await reporter.upsertComment(
    renderComment(report),
    commentMarker(report.namespace, report.rollout),
  );
  const annotations = analysisAnnotations(report, (templateName, metricName) => {
    const t = state.templates.find((x) => x.name === templateName);
    if (t?.source === undefined) return undefined;
    return { path: t.source.file, line: t.source.metrics[metricName] ?? t.source.line };
  });
  const checkRunUrl = await reporter.upsertCheckRun(renderCheckRun(report), annotations);
  const deployment =
    report.phase === 'Healthy'
      ? 'success'
      : report.phase === 'Degraded' || report.aborted
        ? 'failure'
        : 'in_progress';
  await reporter.deploymentStatus(deployment, report.message || report.phase);
  return { summary, commentUrl, checkRunUrl };
}
