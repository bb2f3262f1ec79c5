/**
 * rollout-pilot's first-deploy analysis (`rollout-pilot.dev/first-deploy-analysis: "true"`). Argo
 * skips steps and analysis on a first deploy (no stable ReplicaSet yet, argoproj/argo-rollouts#3984),
 * so a broken first release reaches full scale unexamined. With the opt-in, once that revision is
 * fully up its analysis runs once; the rollout stays Progressing until the run ends, is Healthy when
 * it passes, and Degraded (the job fails) when it fails. Nothing is scaled down: there is no earlier
 * revision to go back to. Pure.
 */
import type { AnalysisAction, TickInput } from './actions.ts';
import type { CanaryEngineRollout } from './spec.ts';
import type { AnalysisView, FirstDeployStatus, ObservedReplicaSet, RolloutStatus } from './state.ts';

const RUN_SUFFIX = 'first-deploy';
const DONE = new Set<AnalysisView['phase']>(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** The id of a first-deploy run: one per revision and attempt (a retry measures again). */
export function firstDeployRunId(podHash: string, attempt: number): string {
  return `${podHash}-${attempt}-${RUN_SUFFIX}`;
}

export function isFirstDeployRun(id: string): boolean {
  return id.endsWith(`-${RUN_SUFFIX}`);
}

/** At the initial deploy of a rollout that opted in: the revision whose analysis is now due. */
export function markFirstDeploy(rollout: CanaryEngineRollout, s: RolloutStatus, templateHash: string): void {
  if (rollout.firstDeployAnalysis !== true || s.firstDeploy?.podHash === templateHash) return;
  s.firstDeploy = { podHash: templateHash };
}

/** The first deploy the analysis judges: opted in, and still the current and stable revision. */
export function activeFirstDeploy(
  rollout: CanaryEngineRollout,
  s: RolloutStatus,
): FirstDeployStatus | undefined {
  const fd = s.firstDeploy;
  if (rollout.firstDeployAnalysis !== true || fd === undefined) return undefined;
  return fd.podHash === s.currentPodHash && fd.podHash === s.stableRS ? fd : undefined;
}

/** Whether the first-deploy analysis failed: the rollout is Degraded and the job fails. */
export function firstDeployFailed(rollout: CanaryEngineRollout, s: RolloutStatus): boolean {
  return activeFirstDeploy(rollout, s)?.verdict === 'Failed';
}

/** Whether the rollout waits for its first-deploy analysis before it can be Healthy. */
export function firstDeployPending(rollout: CanaryEngineRollout, s: RolloutStatus): boolean {
  const fd = activeFirstDeploy(rollout, s);
  return fd !== undefined && fd.verdict === undefined && rollout.replicas > 0;
}

export const FIRST_DEPLOY_RUNNING = 'first-deploy analysis running';

/** The Degraded message: what failed, and what to do when there is nothing to roll back to. */
export function firstDeployFailedMessage(
  rollout: CanaryEngineRollout,
  fd: FirstDeployStatus,
  revision: number,
): string {
  const todo =
    rollout.replicas === 0
      ? 'it is scaled to 0; fix forward (deploy a fixed revision)'
      : 'fix forward (deploy a fixed revision) or scale to 0 with spec.replicas: 0 in the Rollout and run again';
  return `FirstDeployAnalysisFailed: revision ${revision} failed its first-deploy analysis: ${fd.message ?? 'failed'}; no earlier revision to roll back to: ${todo}`;
}

/** What the first-deploy reconcile reads and adds to. */
export interface FirstDeployTick {
  input: TickInput<CanaryEngineRollout>;
  s: RolloutStatus;
  newRS: ObservedReplicaSet;
  analysis: AnalysisAction[];
  log: string[];
  /** This reconcile scaled a ReplicaSet: look again before starting anything. */
  scaled: boolean;
}

/**
 * Starts the first-deploy run once the revision is fully up and the stable Service selects it, then
 * records its verdict once: Successful passes; Failed or Error fails; Inconclusive pauses for a
 * person, as an analysis step does, and a promote passes it. A verdict is never measured again but
 * by `retry` (a new attempt).
 */
export function reconcileFirstDeploy(t: FirstDeployTick): void {
  const { input, s, analysis, log } = t;
  const { rollout, templateHash } = input;
  const id = firstDeployRunId(templateHash, s.attempt ?? 0);
  const run = input.analysis?.get(id);
  const fd = activeFirstDeploy(rollout, s);
  if (fd === undefined) {
    // The annotation was removed while the run measured: nobody asks for its verdict any more.
    if (run !== undefined && !DONE.has(run.phase)) {
      analysis.push({ kind: 'terminateAnalysis', id });
      log.push(`analysis ${id}: terminated (first-deploy analysis turned off)`);
    }
    return;
  }
  if (fd.verdict !== undefined) return;
  if (run === undefined) {
    if (!rollout.paused && !t.scaled && fullyUp(input, t.newRS)) {
      analysis.push({ kind: 'startAnalysis', analysis: 'FirstDeploy', stepIndex: undefined, id });
      log.push(
        `revision ${t.newRS.revision} is fully up: start first-deploy analysis ${id} (rollout-pilot.dev/first-deploy-analysis)`,
      );
    }
    return;
  }
  judge(t, fd, run);
}

/** All replicas available, no other ReplicaSet with pods, and the stable Service selecting it. */
function fullyUp(input: TickInput<CanaryEngineRollout>, newRS: ObservedReplicaSet): boolean {
  const { rollout, observed, templateHash } = input;
  const svc = rollout.canary.stableService;
  return (
    rollout.replicas > 0 &&
    newRS.specReplicas === rollout.replicas &&
    newRS.availableReplicas >= rollout.replicas &&
    observed.replicaSets.every((rs) => rs.hash === templateHash || rs.replicas === 0) &&
    (svc === undefined || observed.services[svc]?.selectedHash === templateHash)
  );
}

function judge(t: FirstDeployTick, fd: FirstDeployStatus, run: AnalysisView): void {
  const { s, log, newRS } = t;
  const why = run.message ? `: ${run.message}` : '';
  if (run.phase === 'Successful') {
    fd.verdict = 'Passed';
    log.push(`first-deploy analysis ${run.id} Successful: revision ${newRS.revision} passed`);
  } else if (run.phase === 'Failed' || run.phase === 'Error') {
    fd.verdict = 'Failed';
    fd.message = `analysis ${run.id} ${run.phase}${why}`;
    log.push(
      `first-deploy analysis ${run.id} ${run.phase}${why}; no earlier revision to roll back to: revision ${newRS.revision} keeps its pods`,
    );
  } else if (run.phase === 'Inconclusive') {
    const acked = s.inconclusiveAcked ?? [];
    const pausedForIt = s.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun');
    if (acked.includes(run.id) || (s.inconclusivePending === run.id && !pausedForIt)) {
      // The pause was cleared by a promote: a person looked and accepted the revision.
      s.inconclusiveAcked = acked.includes(run.id) ? acked : [...acked, run.id];
      s.inconclusivePending = undefined;
      fd.verdict = 'Passed';
      log.push(`first-deploy analysis ${run.id} was inconclusive; promoted past it`);
    } else if (!pausedForIt) {
      s.pauseConditions.push({ reason: 'InconclusiveAnalysisRun', startTime: t.input.now.toISOString() });
      s.inconclusivePending = run.id;
      log.push(
        `first-deploy analysis ${run.id} Inconclusive${why}; paused until a person promotes (accepts it)`,
      );
    }
  }
}
