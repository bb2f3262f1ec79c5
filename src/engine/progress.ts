import { canonicalJson } from './hash.ts';
import { stepsOf, type EngineRollout, type EngineStep } from './spec.ts';
import type { ObservedReplicaSet, Observation, RolloutStatus } from './state.ts';

const iso = (d: Date): string => d.toISOString();

/**
 * Argo's isIndefiniteStep (`rollout/sync.go`): a pause, analysis or experiment step may last as long
 * as it needs, so time spent at one never counts against progressDeadlineSeconds.
 */
export function isIndefiniteStep(step: EngineStep | undefined): boolean {
  return step !== undefined && ('pause' in step || 'analysis' in step || 'experiment' in step);
}

/** progressDeadlineSeconds: any change in the ReplicaSets or the step counts as progress. */
export function trackProgress(
  rollout: EngineRollout,
  prev: RolloutStatus,
  s: RolloutStatus,
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet,
  observed: Observation,
  /** Whether this reconcile acted (on the cluster or on analysis runs). */
  acted: boolean,
  now: Date,
  log: string[],
): void {
  const mark = canonicalJson({
    rs: observed.replicaSets.map((rs) => [rs.hash, rs.specReplicas, rs.availableReplicas]),
    step: s.currentStepIndex,
    stable: s.stableRS,
  });
  if (mark !== prev.progressMark || acted) {
    s.progressMark = mark;
    s.progressAt = iso(now);
    if (s.progressDeadlineExceeded === true && newRS.availableReplicas > 0)
      s.progressDeadlineExceeded = false;
  }
  const complete = s.stableRS === s.currentPodHash && newRS.availableReplicas === rollout.replicas;
  const step = stepsOf(rollout)[s.currentStepIndex ?? 0];
  const waiting = s.pauseConditions.length > 0 || rollout.paused || isIndefiniteStep(step);
  if (complete || waiting || s.abort || s.progressDeadlineExceeded === true) return;
  const since = Date.parse(s.progressAt ?? iso(now));
  if (now.getTime() - since <= rollout.progressDeadlineSeconds * 1000) return;
  s.progressDeadlineExceeded = true;
  const issues = [...newRS.podIssues, ...(stableRS === newRS ? [] : stableRS.podIssues)];
  log.push(
    `ReplicaSet ${newRS.name} has timed out progressing (progressDeadlineSeconds ${rollout.progressDeadlineSeconds})${issues.length ? `: ${issues.join('; ')}` : ''}`,
  );
  if (rollout.progressDeadlineAbort) {
    s.abort = true;
    s.abortedAt = iso(now);
    s.abortMessage = `ReplicaSet ${newRS.name} has timed out progressing${issues.length ? `: ${issues.join('; ')}` : ''}`;
    log.push('progressDeadlineAbort: aborting, traffic and replicas go back to stable');
  }
}
