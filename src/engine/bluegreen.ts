/**
 * One reconcile of a blue-green Rollout, as Argo's rolloutBlueGreen does it: the preview Service on
 * the new revision, the ReplicaSets sized, the pause before the switch, the active Service switched
 * once the preview is fully available (and analysed, and promoted), the promotion analysis, and the
 * new revision marked stable. Pure: the driver applies the actions and persists the status.
 */
import type { Action, Decision, TickInput } from './actions.ts';
import { reconcileBlueGreenAnalysis } from './bluegreen-analysis.ts';
import { finishBlueGreen } from './bluegreen-phase.ts';
import {
  applyPauseChanges,
  completedBlueGreenPause,
  completedPrePromotionAnalysis,
  fastTracked,
  halted,
  isAborted,
  noPauseChanges,
  reconcileBlueGreenPause,
  type PauseChanges,
} from './bluegreen-pause.ts';
import { reconcileBlueGreenReplicaSets } from './bluegreen-replicas.ts';
import { readyForPause, saturated } from './bluegreen-sizes.ts';
import { syncBlueGreenStatus } from './bluegreen-status.ts';
import type { BlueGreenTick } from './bluegreen-tick.ts';
import { promotionAnalysisId } from './bluegreen-analysis.ts';
import { reconcileRoleMetadata } from './metadata.ts';
import { trackProgress } from './progress.ts';
import { ownedByRollout } from './roles.ts';
import type { BlueGreenEngineRollout } from './spec.ts';
import type { RolloutStatus } from './state.ts';
import { reconcileWorkload } from './workload.ts';

export function decideBlueGreen(tickInput: TickInput<BlueGreenEngineRollout>): Decision {
  // An Experiment's ReplicaSets belong to the experiment: never counted, adopted or scaled here.
  const observed = {
    ...tickInput.observed,
    replicaSets: tickInput.observed.replicaSets.filter(ownedByRollout),
  };
  const input = { ...tickInput, observed };
  const { rollout, templateHash, now } = input;
  const prev = input.status;
  const s: RolloutStatus = structuredClone(prev);
  const actions: Action[] = [];
  const log: string[] = [];
  const pause = noPauseChanges();
  const byHash = new Map(observed.replicaSets.map((rs) => [rs.hash, rs]));
  const maxRevision = Math.max(0, ...observed.replicaSets.map((rs) => rs.revision));
  const changed = prev.currentPodHash !== templateHash;
  if (changed) resetForNewRevision(prev, s, templateHash, now, pause, log);

  let newRS = byHash.get(templateHash);
  if (newRS === undefined) {
    const revision = maxRevision + 1;
    actions.push({
      kind: 'createReplicaSet',
      hash: templateHash,
      revision,
      replicas: 0,
      template: input.podTemplate,
    });
    log.push(`create ReplicaSet ${rollout.name}-${templateHash} (revision ${revision})`);
    applyPauseChanges(prev, s, pause, now);
    return finishBlueGreen({ input, s, actions, analysis: [], log, dueAt: undefined });
  }
  if (newRS.revision < maxRevision) {
    // Going back to an older template makes it the newest revision again, as in Argo.
    actions.push({ kind: 'setRevision', name: newRS.name, revision: maxRevision + 1 });
    newRS = { ...newRS, revision: maxRevision + 1 };
  }
  const stableRS = s.stableRS === undefined ? undefined : byHash.get(s.stableRS);
  const tick: BlueGreenTick = {
    input,
    rollout,
    prev,
    s,
    actions,
    analysis: [],
    log,
    now,
    newRS,
    stableRS,
    others: observed.replicaSets.filter((rs) => rs.hash !== newRS.hash && rs.hash !== stableRS?.hash),
    liveActive: observed.services[rollout.blueGreen.activeService]?.selectedHash,
    runs: promotionRuns(input, s.attempt ?? 0),
    acked: (id) => (s.inconclusiveAcked ?? []).includes(id),
    pause,
    dueAt: undefined,
  };
  const preview = reconcilePreviewService(tick);
  if (changed) {
    // A new pod template only resets the status in this reconcile, as Argo's does.
    syncBlueGreenStatus(tick, { active: tick.liveActive, preview });
    applyPauseChanges(prev, s, pause, now);
    return finishBlueGreen({ ...tick, requeueNow: true });
  }
  return reconcileUpdate(tick, preview);
}

function reconcileUpdate(tick: BlueGreenTick, preview: string | undefined): Decision {
  const { input, rollout, prev, s, newRS, stableRS, actions, log, now } = tick;
  reconcileBlueGreenReplicaSets(tick);
  reconcileBlueGreenPause(tick);
  const active = reconcileActiveService(tick);
  reconcileBlueGreenAnalysis(tick);
  const fullyRolledOut = prev.stableRS === undefined || prev.stableRS === newRS.hash;
  reconcileRoleMetadata(
    { current: rollout.blueGreen.previewMetadata, stable: rollout.blueGreen.activeMetadata },
    newRS,
    fullyRolledOut ? undefined : stableRS,
    actions,
  );
  syncBlueGreenStatus(tick, { active, preview });
  applyPauseChanges(prev, s, tick.pause, now);
  const acted = actions.length > 0 || tick.analysis.length > 0;
  if (!acted) reconcileWorkload(rollout, input.observed, s, actions, log);
  trackProgress(rollout, prev, s, newRS, stableRS ?? newRS, input.observed, acted, now, log);
  return finishBlueGreen(tick);
}

/** A new pod template: the update starts over (Argo's resetRolloutStatus). */
function resetForNewRevision(
  prev: RolloutStatus,
  s: RolloutStatus,
  templateHash: string,
  now: Date,
  pause: PauseChanges,
  log: string[],
): void {
  pause.clear = true;
  pause.removeAbort = true;
  s.currentPodHash = templateHash;
  s.promoteFull = false;
  s.attempt = 0;
  s.inconclusivePending = undefined;
  s.inconclusiveAcked = [];
  s.progressDeadlineExceeded = false;
  s.progressAt = now.toISOString();
  s.stepStartedAt = now.toISOString();
  s.stepHistory = [];
  s.blueGreen = { ...s.blueGreen, scaleUpPreviewCheckPoint: false };
  if (prev.currentPodHash !== undefined)
    log.push(`new revision ${templateHash} supersedes ${prev.currentPodHash}: the update starts over`);
}

function promotionRuns(input: TickInput<BlueGreenEngineRollout>, attempt: number): BlueGreenTick['runs'] {
  const runs = input.analysis;
  return {
    pre: runs?.get(promotionAnalysisId(input.templateHash, attempt, 'pre')),
    post: runs?.get(promotionAnalysisId(input.templateHash, attempt, 'post')),
  };
}

/** The preview Service always selects the newest revision (Argo's reconcilePreviewService). */
function reconcilePreviewService(tick: BlueGreenTick): string | undefined {
  const name = tick.rollout.blueGreen.previewService;
  if (name === undefined) return undefined;
  const live = tick.input.observed.services[name]?.selectedHash;
  if (halted(tick) || live === tick.newRS.hash || tick.input.observed.services[name] === undefined)
    return live;
  tick.actions.push({ kind: 'switchService', service: name, hash: tick.newRS.hash });
  tick.log.push(`point preview Service ${name} at ${tick.newRS.name}`);
  return tick.newRS.hash;
}

/**
 * The switch (Argo's reconcileActiveService): to the new revision once it runs the full count, all
 * available, and its pause and pre-promotion analysis are over; back to the stable one on abort.
 * Never onto a ReplicaSet without available pods. Returns what the active Service selects after.
 */
function reconcileActiveService(tick: BlueGreenTick): string | undefined {
  const { rollout, newRS, prev, input, liveActive } = tick;
  const name = rollout.blueGreen.activeService;
  if (input.observed.services[name] === undefined || halted(tick)) return liveActive;
  if (!readyForPause(tick) || !saturated(tick)) return liveActive;
  let target = liveActive;
  if (fastTracked(tick)) target = newRS.hash;
  if (completedBlueGreenPause(tick) && completedPrePromotionAnalysis(tick)) target = newRS.hash;
  if (isAborted(tick)) target = prev.stableRS;
  if (target === undefined || target === liveActive) return liveActive;
  const rs = input.observed.replicaSets.find((r) => r.hash === target);
  if (rs === undefined || rs.availableReplicas === 0) return liveActive;
  tick.actions.push({ kind: 'switchService', service: name, hash: target });
  tick.log.push(
    `switch active Service ${name} to ${rs.name}${isAborted(tick) ? ' (aborted: back to stable)' : ''}`,
  );
  return target;
}
