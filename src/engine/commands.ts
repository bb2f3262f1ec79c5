import { asList, asObj } from '../manifests/values.ts';
import type { ControlRequest, RolloutStatus } from './state.ts';

/** The stored Rollout object, as JSON. */
type RolloutObject = { spec?: Record<string, unknown>; [key: string]: unknown };

export interface CommandOutcome<R> {
  rollout: R;
  status: RolloutStatus;
  /** What happened, in words, for the log and the `message` output. */
  message: string;
  /** False when the command could not apply (e.g. promote on a rollout that is not paused). */
  applied: boolean;
}

function withPaused<R extends RolloutObject>(rollout: R, paused: boolean): R {
  return { ...rollout, spec: { ...(rollout.spec ?? {}), paused } };
}

/** Whether the stored Rollout is blue-green: the commands' words then speak of its Services. */
function isBlueGreen(rollout: RolloutObject): boolean {
  const strategy = rollout.spec?.strategy;
  return typeof strategy === 'object' && strategy !== null && 'blueGreen' in strategy;
}

/** What each command did, in the strategy's terms. */
const WORDS = {
  canary: {
    promote: 'promoted: leaving the pause',
    promoteFull: 'full promotion: skipping the remaining steps',
    abort: 'aborted: traffic and replicas go back to stable',
    retry: 'retrying the update from the first step',
  },
  blueGreen: {
    promote:
      'promoted: leaving the pause; the active Service switches to the preview once its pre-promotion analysis (if any) passed',
    promoteFull:
      'full promotion: the active Service switches to the new revision as soon as it runs at full size, skipping the pause and the pre- and post-promotion analysis',
    abort:
      'aborted: the active Service stays on (or goes back to) the stable revision; the preview is scaled away after abortScaleDownDelaySeconds',
    retry: 'retrying the update: the preview comes up again, with fresh analysis runs',
  },
} as const;

/** Whether the stored canary's current step is an `experiment` step. */
function atExperimentStep(rollout: RolloutObject, s: RolloutStatus): boolean {
  const steps = asList(asObj(asObj(rollout.spec?.strategy)?.canary)?.steps);
  const step = asObj(steps[s.currentStepIndex ?? 0]);
  return step !== undefined && 'experiment' in step;
}

/**
 * Argo's promote with no pause condition on a canary moves `currentStepIndex` on by one
 * (`cmd/promote/promote.go`); the rollout then terminates the step's experiment.
 */
function skipExperimentStep<R extends RolloutObject>(rollout: R, status: RolloutStatus): CommandOutcome<R> {
  const s = structuredClone(status);
  s.currentStepIndex = (s.currentStepIndex ?? 0) + 1;
  return {
    rollout: withPaused(rollout, false),
    status: s,
    applied: true,
    message: 'promoted: skipping the experiment step; its experiment is terminated',
  };
}

function refuseWhileAborted<R extends RolloutObject>(rollout: R, status: RolloutStatus): CommandOutcome<R> {
  return {
    rollout,
    status,
    applied: false,
    message: 'the rollout is aborted: use retry to try the update again',
  };
}

/**
 * Applies promote, promote-full, abort, retry or pause to the stored Rollout and its status, as
 * `kubectl argo rollouts` does to a Rollout object. Pure; the driver persists the result.
 */
export function applyControlRequest<R extends RolloutObject>(
  rollout: R,
  status: RolloutStatus,
  request: Pick<ControlRequest, 'command'>,
  now: Date,
): CommandOutcome<R> {
  const s = structuredClone(status);
  const paused = rollout.spec?.paused === true;
  const words = isBlueGreen(rollout) ? WORDS.blueGreen : WORDS.canary;
  switch (request.command) {
    case 'promote': {
      if (s.abort) {
        return refuseWhileAborted(rollout, status);
      }
      if (s.pauseConditions.length === 0 && atExperimentStep(rollout, s)) {
        return skipExperimentStep(rollout, s);
      }
      if (!paused && s.pauseConditions.length === 0) {
        return { rollout, status, applied: false, message: 'nothing to promote: the rollout is not paused' };
      }
      // Clearing the pause conditions (and spec.paused) is Argo's promote; the step engine sees the
      // cleared CanaryPauseStep with controllerPause still set and moves past the pause step.
      s.pauseConditions = [];
      return {
        rollout: withPaused(rollout, false),
        status: s,
        applied: true,
        message: words.promote,
      };
    }
    case 'promote-full':
      if (s.abort) {
        return refuseWhileAborted(rollout, status);
      }
      s.promoteFull = true;
      return {
        rollout: withPaused(rollout, false),
        status: s,
        applied: true,
        message: words.promoteFull,
      };
    case 'abort':
      if (s.stableRS !== undefined && s.stableRS === s.currentPodHash) {
        return { rollout, status, applied: false, message: 'nothing to abort: no update is in progress' };
      }
      s.abort = true;
      s.abortedAt = now.toISOString();
      return {
        rollout,
        status: s,
        applied: true,
        message: words.abort,
      };
    case 'retry':
      if (!s.abort && s.firstDeploy?.verdict === 'Failed' && s.firstDeploy.podHash === s.currentPodHash) {
        return retryFirstDeploy(rollout, s, now);
      }
      if (!s.abort)
        return { rollout, status, applied: false, message: 'nothing to retry: the rollout is not aborted' };
      s.abort = false;
      s.abortedAt = undefined;
      s.abortMessage = undefined;
      // Fresh analysis runs for the new attempt.
      s.attempt = (s.attempt ?? 0) + 1;
      s.inconclusivePending = undefined;
      s.pauseConditions = [];
      s.controllerPause = false;
      s.progressDeadlineExceeded = false;
      s.currentStepIndex = 0;
      s.progressAt = now.toISOString();
      return { rollout, status: s, applied: true, message: words.retry };
    case 'pause':
      return {
        rollout: withPaused(rollout, true),
        status: s,
        applied: true,
        message: 'paused: promote to continue',
      };
  }
}

/** A failed first-deploy analysis measured again: a new attempt gets a fresh run; nothing is scaled. */
function retryFirstDeploy<R extends RolloutObject>(
  rollout: R,
  s: RolloutStatus,
  now: Date,
): CommandOutcome<R> {
  s.firstDeploy = { podHash: s.firstDeploy?.podHash ?? '' };
  s.attempt = (s.attempt ?? 0) + 1;
  s.inconclusivePending = undefined;
  s.pauseConditions = [];
  s.progressAt = now.toISOString();
  return { rollout, status: s, applied: true, message: 'retrying the first-deploy analysis' };
}
