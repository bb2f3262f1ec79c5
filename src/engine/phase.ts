import {
  POLL_INTERVAL_MS,
  type Action,
  type AnalysisAction,
  type Decision,
  type TickInput,
} from './actions.ts';
import { analysisId } from './analysis.ts';
import {
  activeFirstDeploy,
  FIRST_DEPLOY_RUNNING,
  firstDeployFailed,
  firstDeployFailedMessage,
  firstDeployPending,
} from './first-deploy.ts';
import { missingService } from './services.ts';
import type { CanaryEngineRollout } from './spec.ts';
import type { ObservedReplicaSet, Observation, Phase, RolloutStatus } from './state.ts';

/** Sets the phase and decides whether the run is done and when to look again. */
export function finish(
  input: TickInput<CanaryEngineRollout>,
  s: RolloutStatus,
  actions: Action[],
  analysis: AnalysisAction[],
  log: string[],
  requeue: number | undefined,
): Decision {
  const { rollout, observed, now } = input;
  const newRS = observed.replicaSets.find((rs) => rs.hash === input.templateHash);
  const { phase, message } = computePhase(rollout, s, newRS, observed);
  s.phase = phase;
  s.message = message;
  const gone = missingService(rollout, observed);
  if (gone !== undefined) {
    // Argo marks the Rollout InvalidSpec; waiting for the Service to come back would never end.
    s.phase = 'Degraded';
    s.message = `InvalidSpec: ${gone.field}: Service "${gone.name}" not found`;
    return { actions, analysis, status: s, log, requeueAfterMs: POLL_INTERVAL_MS, done: { exitCode: 1 } };
  }
  let requeueAfterMs = requeue ?? POLL_INTERVAL_MS;
  let done: Decision['done'];
  let watchingPauseNow = false;
  if (actions.length === 0 && analysis.length === 0) {
    const settledAbort =
      s.abort &&
      (newRS === undefined ||
        newRS.hash === s.stableRS ||
        newRS.specReplicas === 0 ||
        // abortScaleDownDelaySeconds 0: the aborted canary stays up on purpose, with no traffic.
        rollout.canary.trafficRouting?.abortScaleDownDelaySeconds === 0) &&
      phaseSettled(rollout, s, observed);
    if (phase === 'Healthy') done = { exitCode: 0 };
    else if (settledAbort) done = { exitCode: 1 };
    else if (s.progressDeadlineExceeded === true && !s.abort) done = { exitCode: 1 };
    else if (firstDeployFailed(rollout, s)) done = { exitCode: 1 };
    else if (phase === 'Paused') {
      const step = rollout.canary.steps[s.currentStepIndex ?? 0];
      const cond = s.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
      const duration = step !== undefined && 'pause' in step ? step.pause.duration : undefined;
      if (cond !== undefined && duration !== undefined && !rollout.paused) {
        requeueAfterMs = Math.max(0, Date.parse(cond.startTime) + duration * 1000 - now.getTime());
      } else if (watchingPause(input, s)) {
        watchingPauseNow = true;
      } else {
        done = { exitCode: 0 };
      }
    }
  }
  const decision: Decision = { actions, analysis, status: s, log, requeueAfterMs, done };
  if (watchingPauseNow) decision.watchingPause = true;
  return decision;
}

/**
 * Whether the run stays at a pause without a duration: asked to, and this revision's background
 * analysis still measures, so a failing measurement aborts it (as Argo's controller would) and a
 * recorded promote or abort is taken up at the next look.
 */
export function watchingPause(input: TickInput<CanaryEngineRollout>, s: RolloutStatus): boolean {
  if (input.watchPauses !== true || input.rollout.canary.analysis === undefined) return false;
  const run = input.analysis?.get(analysisId(input.templateHash, s.attempt ?? 0, undefined));
  return run !== undefined && (run.phase === 'Pending' || run.phase === 'Running');
}

function phaseSettled(rollout: CanaryEngineRollout, s: RolloutStatus, observed: Observation): boolean {
  const stable = observed.replicaSets.find((rs) => rs.hash === s.stableRS);
  return stable !== undefined && stable.availableReplicas >= rollout.replicas;
}

/** Argo's CalculateRolloutPhase, for a canary. */
export function computePhase(
  rollout: CanaryEngineRollout,
  s: RolloutStatus,
  newRS: ObservedReplicaSet | undefined,
  observed: Observation,
): { phase: Phase; message: string } {
  const revision = newRS?.revision ?? 0;
  if (s.abort) {
    return {
      phase: 'Degraded',
      message: `RolloutAborted: Rollout aborted update to revision ${revision}${s.abortMessage ? `: ${s.abortMessage}` : ''}`,
    };
  }
  if (s.progressDeadlineExceeded === true) {
    const issues = newRS?.podIssues.length ? `: ${newRS.podIssues.join('; ')}` : '';
    return {
      phase: 'Degraded',
      message: `ProgressDeadlineExceeded: ReplicaSet "${newRS?.name ?? '?'}" has timed out progressing${issues}`,
    };
  }
  const firstDeploy = activeFirstDeploy(rollout, s);
  if (firstDeploy?.verdict === 'Failed') {
    return { phase: 'Degraded', message: firstDeployFailedMessage(rollout, firstDeploy, revision) };
  }
  if (rollout.paused) return { phase: 'Paused', message: 'manually paused' };
  const cond = s.pauseConditions[0];
  if (cond !== undefined) return { phase: 'Paused', message: cond.reason };
  const updated = newRS?.replicas ?? 0;
  const updatedAvailable = newRS?.availableReplicas ?? 0;
  if (updated < rollout.replicas || (newRS?.specReplicas ?? 0) < rollout.replicas) {
    return { phase: 'Progressing', message: 'more replicas need to be updated' };
  }
  if (updatedAvailable < updated) {
    return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  const oldPods = observed.replicaSets.filter((rs) => rs !== newRS).reduce((n, rs) => n + rs.replicas, 0);
  if (oldPods > 0) return { phase: 'Progressing', message: 'old replicas are pending termination' };
  if (s.stableRS !== s.currentPodHash) {
    return { phase: 'Progressing', message: 'waiting for all steps to complete' };
  }
  const stableSvc = rollout.canary.stableService;
  if (stableSvc !== undefined && observed.services[stableSvc]?.selectedHash !== s.stableRS) {
    return {
      phase: 'Progressing',
      message: `waiting for Service ${stableSvc} to select the stable ReplicaSet`,
    };
  }
  if (firstDeployPending(rollout, s)) return { phase: 'Progressing', message: FIRST_DEPLOY_RUNNING };
  return { phase: 'Healthy', message: '' };
}
