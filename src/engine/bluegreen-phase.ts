/**
 * A blue-green rollout's phase (Argo's CalculateRolloutPhase for blue-green) and whether the run can
 * stop: the run that switches stays until the previous revision's pods are gone after
 * scaleDownDelaySeconds (an aborted preview's after abortScaleDownDelaySeconds), so nothing is
 * left for a later run.
 */
import {
  POLL_INTERVAL_MS,
  type Action,
  type AnalysisAction,
  type Decision,
  type TickInput,
} from './actions.ts';
import { autoPromotionDueAt } from './bluegreen-pause.ts';
import { earliest } from './bluegreen-tick.ts';
import type { BlueGreenEngineRollout } from './spec.ts';
import type { ObservedReplicaSet, Observation, Phase, RolloutStatus } from './state.ts';

export interface BlueGreenFinish {
  input: TickInput<BlueGreenEngineRollout>;
  s: RolloutStatus;
  actions: Action[];
  analysis: AnalysisAction[];
  log: string[];
  dueAt: Date | undefined;
  requeueNow?: boolean;
}

export function computeBlueGreenPhase(
  rollout: BlueGreenEngineRollout,
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
  if (rollout.paused) return { phase: 'Paused', message: 'manually paused' };
  const cond = s.pauseConditions[0];
  if (cond !== undefined) return { phase: 'Paused', message: cond.reason };
  const updated = newRS?.replicas ?? 0;
  if (updated < rollout.replicas)
    return { phase: 'Progressing', message: 'more replicas need to be updated' };
  const activeHash = s.blueGreen?.activeSelector;
  const activeRS = observed.replicaSets.find((rs) => rs.hash === activeHash);
  const available =
    activeRS?.availableReplicas ?? observed.replicaSets.reduce((n, rs) => n + rs.availableReplicas, 0);
  if (available < updated) {
    return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  if (activeHash === undefined || activeHash !== s.currentPodHash) {
    return { phase: 'Progressing', message: 'active service cutover pending' };
  }
  if (s.stableRS !== s.currentPodHash) {
    return { phase: 'Progressing', message: 'waiting for analysis to complete' };
  }
  return { phase: 'Healthy', message: '' };
}

/** Sets the phase, and decides whether the run is done and when to look again. */
export function finishBlueGreen(f: BlueGreenFinish): Decision {
  const { input, s, actions, analysis, log } = f;
  const { rollout, observed, now } = input;
  const newRS = observed.replicaSets.find((rs) => rs.hash === input.templateHash);
  const { phase, message } = computeBlueGreenPhase(rollout, s, newRS, observed);
  s.phase = phase;
  s.message = message;
  const gone = missingBlueGreenService(rollout, observed);
  if (gone !== undefined) {
    // Argo marks the Rollout InvalidSpec; waiting for the Service to come back would never end.
    s.phase = 'Degraded';
    s.message = `InvalidSpec: ${gone.field}: Service "${gone.name}" not found`;
    return { actions, analysis, status: s, log, requeueAfterMs: POLL_INTERVAL_MS, done: { exitCode: 1 } };
  }
  const due = earliest(f.dueAt, pauseDue(input, s));
  const wait = due === undefined ? POLL_INTERVAL_MS : Math.max(0, due.getTime() - now.getTime());
  const decision = (done: Decision['done'], requeueAfterMs = wait): Decision => ({
    actions,
    analysis,
    status: s,
    log,
    requeueAfterMs,
    done,
  });
  if (f.requeueNow === true || actions.length > 0 || analysis.length > 0) return decision(undefined, 0);
  // Old pods still up (their scale-down delay runs): the run waits for them.
  const othersUp = observed.replicaSets.some(
    (rs) => rs.hash !== input.templateHash && rs.hash !== s.stableRS && rs.specReplicas > 0,
  );
  if (phase === 'Healthy') return decision(othersUp ? undefined : { exitCode: 0 });
  if (s.abort) return decision(settledAbort(rollout, s, newRS, observed) ? { exitCode: 1 } : undefined);
  if (s.progressDeadlineExceeded === true) return decision({ exitCode: 1 });
  // Paused for a person: a superseded preview still within its delay is scaled down first, as
  // Argo does while paused, so no later run has to come back for it.
  if (phase === 'Paused' && pauseDue(input, s) === undefined)
    return decision(othersUp && f.dueAt !== undefined ? undefined : { exitCode: 0 });
  return decision(undefined);
}

/** When a pause with autoPromotionSeconds ends by itself. */
function pauseDue(input: TickInput<BlueGreenEngineRollout>, s: RolloutStatus): Date | undefined {
  if (input.rollout.paused) return undefined;
  return autoPromotionDueAt({ rollout: input.rollout, prev: s });
}

/** Aborted and settled: the active Service back on the stable revision, the preview scaled away. */
function settledAbort(
  rollout: BlueGreenEngineRollout,
  s: RolloutStatus,
  newRS: ObservedReplicaSet | undefined,
  observed: Observation,
): boolean {
  const stable = observed.replicaSets.find((rs) => rs.hash === s.stableRS);
  if (stable === undefined || stable.availableReplicas < rollout.replicas) return false;
  if (observed.services[rollout.blueGreen.activeService]?.selectedHash !== s.stableRS) return false;
  const previewGone =
    newRS === undefined ||
    newRS.hash === s.stableRS ||
    newRS.specReplicas === 0 ||
    rollout.blueGreen.abortScaleDownDelaySeconds === 0;
  return previewGone;
}

/** A Service the strategy names that the cluster was observed not to have. */
function missingBlueGreenService(
  rollout: BlueGreenEngineRollout,
  observed: Observation,
): { name: string; field: string } | undefined {
  const named: [string | undefined, string][] = [
    [rollout.blueGreen.activeService, 'spec.strategy.blueGreen.activeService'],
    [rollout.blueGreen.previewService, 'spec.strategy.blueGreen.previewService'],
  ];
  for (const [name, field] of named) {
    if (name !== undefined && Object.hasOwn(observed.services, name) && observed.services[name] === undefined)
      return { name, field };
  }
  return undefined;
}
