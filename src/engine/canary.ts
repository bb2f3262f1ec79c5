import { canonicalJson } from './hash.ts';
import {
  atDesiredReplicaCountsForBasicCanary,
  desiredCanaryReplicasOrWeight,
  planBasicCanaryReconcile,
  type OlderReplicaSet,
} from './replicas.ts';
import { describeStep, type EngineRollout, type PodMetadata } from './spec.ts';
import type { AnalysisView, ObservedReplicaSet, Observation, Phase, RolloutStatus } from './state.ts';

/** One change to the cluster. Each is absolute (set X to Y), so applying it twice is harmless. */
export type Action =
  | { kind: 'createReplicaSet'; hash: string; revision: number; replicas: number }
  | { kind: 'scaleReplicaSet'; name: string; replicas: number; role: 'canary' | 'stable' | 'older' }
  | { kind: 'setRevision'; name: string; revision: number }
  | { kind: 'switchService'; service: string; hash: string }
  | { kind: 'deleteReplicaSet'; name: string }
  | { kind: 'setEphemeralMetadata'; name: string; metadata: PodMetadata }
  | { kind: 'scaleWorkload'; name: string; replicas: number }
  | { kind: 'startAnalysis'; analysis: 'Step' | 'Background'; stepIndex: number | undefined; id: string }
  | { kind: 'terminateAnalysis'; id: string };

export interface TickInput {
  rollout: EngineRollout;
  /** Hash of the desired pod template (after image overrides). */
  templateHash: string;
  stepsHash: string;
  status: RolloutStatus;
  observed: Observation;
  now: Date;
  /** Analysis runs of the current revision and attempt, by id (see analysisId). */
  analysis?: ReadonlyMap<string, AnalysisView> | undefined;
}

/** The id of an analysis run: one per revision, attempt, and step (or the background run). */
export function analysisId(podHash: string, attempt: number, stepIndex: number | undefined): string {
  return `${podHash}-${attempt}-${stepIndex === undefined ? 'background' : `step${stepIndex + 1}`}`;
}

const ANALYSIS_DONE = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

export interface Decision {
  actions: Action[];
  status: RolloutStatus;
  /** One line per decision, for the log. */
  log: string[];
  /** When to look again: 0 right away; otherwise how long nothing can change by itself. */
  requeueAfterMs: number;
  /**
   * The run can stop: Healthy, paused until a person acts, or Degraded and settled. `exitCode` 1
   * for aborts and timeouts.
   */
  done: { exitCode: 0 | 1 } | undefined;
}

/** How often to look while waiting for pods; the ReplicaSets' watch wakes the driver earlier. */
export const POLL_INTERVAL_MS = 5000;

const iso = (d: Date): string => d.toISOString();

function counts(rs: ObservedReplicaSet | undefined): string {
  return rs ? `${rs.availableReplicas}/${rs.specReplicas} ready` : 'none';
}

function stableMetadataFor(m: PodMetadata | undefined): PodMetadata {
  return { labels: m?.labels ?? {}, annotations: m?.annotations ?? {} };
}

/**
 * One reconcile of a canary Rollout, as Argo's controller does it: from the stored status, the
 * observed ReplicaSets and Services, and the clock, decide the next changes and the next status.
 * Pure: the driver applies the actions and persists the status.
 */
export function decideCanary(input: TickInput): Decision {
  const { rollout, templateHash, stepsHash, observed, now } = input;
  const prev = input.status;
  const s: RolloutStatus = structuredClone(prev);
  const actions: Action[] = [];
  const log: string[] = [];
  const steps = rollout.canary.steps;
  const stepCount = steps.length;
  const byHash = new Map(observed.replicaSets.map((rs) => [rs.hash, rs]));
  const maxRevision = Math.max(0, ...observed.replicaSets.map((rs) => rs.revision));

  // A new pod template or step list starts the update over (Argo's resetRolloutStatus).
  if (prev.currentPodHash !== templateHash || prev.currentStepHash !== stepsHash) {
    const templateChanged = prev.currentPodHash !== templateHash;
    s.currentPodHash = templateHash;
    s.currentStepHash = stepsHash;
    s.pauseConditions = [];
    s.controllerPause = false;
    s.abort = false;
    s.abortedAt = undefined;
    s.abortMessage = undefined;
    s.attempt = 0;
    s.inconclusivePending = undefined;
    s.inconclusiveAcked = [];
    s.promoteFull = false;
    s.progressDeadlineExceeded = false;
    s.progressAt = iso(now);
    s.currentStepIndex = 0;
    s.stepStartedAt = iso(now);
    s.stepHistory = [];
    if (prev.stableRS !== undefined && prev.stableRS === templateHash && stepCount > 0) {
      s.currentStepIndex = stepCount;
      log.push(`revision ${templateHash} is the stable ReplicaSet: rollback to stable, steps skipped`);
    } else if (templateChanged && prev.currentPodHash !== undefined) {
      log.push(`new revision ${templateHash} supersedes ${prev.currentPodHash}: steps start over`);
    } else if (!templateChanged) {
      log.push('the steps changed: steps start over');
    }
  }

  let newRS = byHash.get(templateHash);
  if (newRS === undefined) {
    const revision = maxRevision + 1;
    actions.push({ kind: 'createReplicaSet', hash: templateHash, revision, replicas: 0 });
    log.push(`create ReplicaSet ${rollout.name}-${templateHash} (revision ${revision})`);
    return finish(input, s, actions, log, 0);
  }
  if (newRS.revision < maxRevision) {
    // Going back to an older template makes it the newest revision again, as in Argo, the stable
    // one too (undo to stable): measured against Argo v1.10.2 by test/conformance.
    actions.push({ kind: 'setRevision', name: newRS.name, revision: maxRevision + 1 });
    newRS = { ...newRS, revision: maxRevision + 1 };
  }

  // No stable ReplicaSet: the first deploy goes straight to full scale, without steps.
  let stableRS = s.stableRS === undefined ? undefined : byHash.get(s.stableRS);
  if (stableRS === undefined) {
    s.stableRS = templateHash;
    s.currentStepIndex = stepCount;
    stableRS = newRS;
    log.push(`initial deploy of revision ${newRS.revision}: no stable ReplicaSet, steps skipped`);
  }
  const stableIsNew = s.stableRS === templateHash;
  const older: (OlderReplicaSet & { name: string; createdAt: string; replicas: number })[] =
    observed.replicaSets
      .filter((rs) => rs.hash !== templateHash && rs.hash !== s.stableRS)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.revision - b.revision)
      .map((rs) => ({ ...rs }));

  if (s.promoteFull) {
    s.pauseConditions = [];
    s.abort = false;
    s.currentStepIndex = stepCount;
  }

  const desired = desiredCanaryReplicasOrWeight({
    steps,
    currentStepIndex: s.currentStepIndex,
    aborted: s.abort,
    promoteFull: s.promoteFull,
    canaryInProgress: !stableIsNew,
    trafficRouted: false,
  });
  const weight = desired.weight;

  // At full weight all traffic belongs to the canary: the stable Service moves to it before the
  // old stable drains, so it never selects a ReplicaSet with no pods (Argo's basic canary drains
  // the stable first and can leave the stable Service empty for a moment).
  const finalWeight = !stableIsNew && !s.abort && weight >= 100 && newRS.availableReplicas > 0;
  reconcileServices(rollout, s, newRS, finalWeight ? newRS : stableRS, observed, actions, log);
  reconcileEphemeralMetadata(rollout, newRS, stableIsNew ? undefined : stableRS, actions);

  // One scaling per reconcile, then look again (Argo's reconcileCanaryReplicaSets).
  const basic = {
    replicas: rollout.replicas,
    desiredWeight: weight,
    maxSurge: rollout.canary.maxSurge,
    maxUnavailable: rollout.canary.maxUnavailable,
    canary: newRS,
    stable: stableIsNew ? null : stableRS,
    stableIsCanary: stableIsNew,
    older,
    replicaProgressThreshold: rollout.canary.replicaProgressThreshold,
  };
  const scaling = planBasicCanaryReconcile(basic);
  let scaled = false;
  const stableSvc = rollout.canary.stableService;
  const holdStable =
    finalWeight && stableSvc !== undefined && observed.services[stableSvc]?.selectedHash !== templateHash;
  if (scaling.action === 'scaleStable' && holdStable) {
    log.push(
      `hold stable ${stableRS.name} at ${stableRS.specReplicas} until Service ${stableSvc} selects the canary`,
    );
  } else if (scaling.action === 'scaleStable' && !stableIsNew) {
    actions.push({
      kind: 'scaleReplicaSet',
      name: stableRS.name,
      replicas: scaling.replicas,
      role: 'stable',
    });
    log.push(
      `scale stable ${stableRS.name} ${stableRS.specReplicas} → ${scaling.replicas} (weight ${weight})`,
    );
    scaled = true;
  } else if (scaling.action === 'scaleCanary') {
    actions.push({ kind: 'scaleReplicaSet', name: newRS.name, replicas: scaling.replicas, role: 'canary' });
    log.push(
      `scale ${stableIsNew ? 'stable' : 'canary'} ${newRS.name} ${newRS.specReplicas} → ${scaling.replicas} (weight ${weight})`,
    );
    scaled = true;
  } else if (scaling.action === 'scaleOlder') {
    scaling.replicas.forEach((replicas, i) => {
      const rs = older[i];
      if (rs && rs.specReplicas !== replicas) {
        actions.push({ kind: 'scaleReplicaSet', name: rs.name, replicas, role: 'older' });
        log.push(`scale down old ${rs.name} ${rs.specReplicas} → ${replicas}`);
      }
    });
    scaled = true;
  }

  if (!scaled) reconcilePause(rollout, s, now, log);
  const analysisDone = reconcileAnalysis(input, s, stableIsNew, scaled, actions, log);

  // Promote: the new ReplicaSet becomes stable once it is fully available after the last step.
  const allStepsDone = stepCount === 0 || s.currentStepIndex === stepCount;
  if (
    !stableIsNew &&
    !s.abort &&
    newRS.availableReplicas === rollout.replicas &&
    (s.promoteFull || allStepsDone)
  ) {
    log.push(
      `promoted: revision ${newRS.revision} (${templateHash}) is stable (${s.promoteFull ? 'full promotion' : `completed all ${stepCount} steps`})`,
    );
    s.stableRS = templateHash;
    s.pauseConditions = [];
    s.controllerPause = false;
    s.promoteFull = false;
    s.currentStepIndex = stepCount;
    // The promoted pods take the stable role's metadata now.
    reconcileEphemeralMetadata(rollout, newRS, undefined, actions);
  } else if (s.abort) {
    s.currentStepIndex = s.stableRS === templateHash ? stepCount : 0;
    // An abort ends every pause, as Argo's CalculatePauseStatus does: measured against Argo v1.10.2
    // by test/conformance, which found a kept CanaryPauseStep and controllerPause after an abort.
    s.pauseConditions = [];
    s.controllerPause = false;
  } else if (!scaled && completedCurrentStep(rollout, s, basic, now, analysisDone)) {
    const index = s.currentStepIndex ?? 0;
    log.push(
      `step ${index + 1}/${stepCount} ${describeStep(steps[index])} completed: canary ${counts(newRS)}, stable ${stableIsNew ? counts(newRS) : counts(stableRS)}`,
    );
    s.stepHistory = [
      ...(s.stepHistory ?? []),
      {
        step: index + 1,
        action: describeStep(steps[index]),
        weight,
        canary: newRS.availableReplicas,
        stable: stableIsNew ? 0 : stableRS.availableReplicas,
        startedAt: s.stepStartedAt,
        completedAt: iso(now),
      },
    ];
    s.stepStartedAt = iso(now);
    s.currentStepIndex = index + 1;
    s.pauseConditions = s.pauseConditions.filter((c) => c.reason !== 'CanaryPauseStep');
    s.controllerPause = false;
  }

  // Old ReplicaSets beyond revisionHistoryLimit go once they hold no pods.
  if (actions.length === 0) {
    const idle = older.filter((rs) => rs.specReplicas === 0 && rs.replicas === 0);
    const excess = idle.length - rollout.revisionHistoryLimit;
    for (const rs of idle.slice(0, Math.max(0, excess))) {
      actions.push({ kind: 'deleteReplicaSet', name: rs.name });
      log.push(`delete old ReplicaSet ${rs.name} (revisionHistoryLimit ${rollout.revisionHistoryLimit})`);
    }
  }

  if (actions.length === 0) reconcileWorkload(rollout, observed, s, actions, log);

  s.canaryWeight = stableIsNew || s.stableRS === templateHash ? (s.abort ? 0 : 100) : weight;
  trackProgress(rollout, prev, s, newRS, stableRS, observed, actions, now, log);
  return finish(input, s, actions, log, actions.length > 0 ? 0 : undefined);
}

/**
 * workloadRef scaleDown: `progressively` hands pods over as the rollout's own become available;
 * `onsuccess` scales the Deployment to 0 once the rollout is fully available on its stable revision.
 */
function reconcileWorkload(
  rollout: EngineRollout,
  observed: Observation,
  s: RolloutStatus,
  actions: Action[],
  log: string[],
): void {
  const ref = rollout.workloadRef;
  const workload = observed.workload;
  if (ref === undefined || workload === undefined || ref.scaleDown === 'never' || workload.specReplicas === 0)
    return;
  const available = observed.replicaSets.reduce((n, rs) => n + rs.availableReplicas, 0);
  const stable = observed.replicaSets.find((rs) => rs.hash === s.stableRS);
  const stableSvc = rollout.canary.stableService;
  const serviceMoved = stableSvc === undefined || observed.services[stableSvc]?.selectedHash === s.stableRS;
  let want = workload.specReplicas;
  if (ref.scaleDown === 'progressively') want = Math.max(0, rollout.replicas - available);
  if (
    ref.scaleDown === 'onsuccess' &&
    stable !== undefined &&
    stable.availableReplicas >= rollout.replicas &&
    serviceMoved
  ) {
    want = 0;
  }
  // Never take the Deployment's pods away before the Service has moved to the rollout's.
  if (!serviceMoved) want = workload.specReplicas;
  if (want < workload.specReplicas) {
    actions.push({ kind: 'scaleWorkload', name: workload.name, replicas: want });
    log.push(
      `scale Deployment ${workload.name} ${workload.specReplicas} → ${want} (workloadRef scaleDown ${ref.scaleDown})`,
    );
  }
}

function reconcileServices(
  rollout: EngineRollout,
  s: RolloutStatus,
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet,
  observed: Observation,
  actions: Action[],
  log: string[],
): void {
  const byHash = new Map(observed.replicaSets.map((rs) => [rs.hash, rs]));
  const point = (serviceName: string | undefined, target: ObservedReplicaSet, why: string): void => {
    if (serviceName === undefined) return;
    const svc = observed.services[serviceName];
    if (svc === undefined || svc.selectedHash === target.hash) return;
    const current = svc.selectedHash === undefined ? undefined : byHash.get(svc.selectedHash);
    if (current === undefined) {
      // A Service not managed by us yet may be serving other pods (a Deployment being migrated, or
      // a ReplicaSet of Argo's own controller): take it over only once the ReplicaSet is fully
      // available, as Argo does for adopted Services.
      if (target.availableReplicas === 0 || target.availableReplicas < target.specReplicas) return;
    }
    const currentServes = current !== undefined && current.availableReplicas > 0;
    // Never move a Service that has ready endpoints onto a ReplicaSet that has none (Argo waits
    // for at least partial availability); when nothing serves yet, point it at once.
    if (currentServes && target.availableReplicas === 0) return;
    actions.push({ kind: 'switchService', service: serviceName, hash: target.hash });
    log.push(`point Service ${serviceName} at ${target.name} (${why})`);
  };
  point(rollout.canary.stableService, stableRS, 'stable');
  if (s.abort) point(rollout.canary.canaryService, stableRS, 'aborted: canary traffic back to stable');
  else point(rollout.canary.canaryService, newRS, 'canary');
}

/** canaryMetadata/stableMetadata: labels and annotations that follow the role, not the revision. */
function reconcileEphemeralMetadata(
  rollout: EngineRollout,
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet | undefined,
  actions: Action[],
): void {
  const { canaryMetadata, stableMetadata } = rollout.canary;
  if (canaryMetadata === undefined && stableMetadata === undefined) return;
  const want = (rs: ObservedReplicaSet, m: PodMetadata | undefined): void => {
    const metadata = stableMetadataFor(m);
    if (canonicalJson(metadata) !== (rs.ephemeralMetadata ?? canonicalJson(stableMetadataFor(undefined)))) {
      actions.push({ kind: 'setEphemeralMetadata', name: rs.name, metadata });
    }
  };
  if (stableRS === undefined) {
    want(newRS, stableMetadata);
  } else {
    want(newRS, canaryMetadata);
    want(stableRS, stableMetadata);
  }
}

function reconcilePause(rollout: EngineRollout, s: RolloutStatus, now: Date, log: string[]): void {
  if (rollout.paused || s.promoteFull || s.abort) return;
  const index = s.currentStepIndex ?? 0;
  const step = rollout.canary.steps[index];
  if (step === undefined || !('pause' in step)) return;
  const cond = s.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
  if (cond === undefined && !s.controllerPause) {
    s.pauseConditions.push({ reason: 'CanaryPauseStep', startTime: iso(now) });
    s.controllerPause = true;
    log.push(
      `step ${index + 1}/${rollout.canary.steps.length} ${describeStep(step)}: paused${step.pause.duration === undefined ? ' until promoted' : ''}`,
    );
  }
}

/**
 * Analysis as Argo's rollout controller treats it: background analysis from `startingStep` on, an
 * analysis step blocks until its run succeeds; Failed or Error aborts; Inconclusive pauses for a
 * person, and a promote goes on past it. Returns whether the current analysis step has completed.
 */
function reconcileAnalysis(
  input: TickInput,
  s: RolloutStatus,
  stableIsNew: boolean,
  scaled: boolean,
  actions: Action[],
  log: string[],
): boolean {
  const { rollout, templateHash } = input;
  const runs = input.analysis ?? new Map<string, AnalysisView>();
  const attempt = s.attempt ?? 0;
  const index = s.currentStepIndex ?? 0;
  const step = rollout.canary.steps[index];
  const stepId =
    step !== undefined && 'analysis' in step ? analysisId(templateHash, attempt, index) : undefined;
  const background = rollout.canary.analysis;
  const backgroundId = background === undefined ? undefined : analysisId(templateHash, attempt, undefined);
  const acked = s.inconclusiveAcked ?? [];

  if (stableIsNew || s.abort) {
    // Promoted or aborted: whatever still measures stops (a background run ends Successful unless a
    // limit was already crossed, as Argo's termination does).
    for (const [id, run] of runs) {
      if (!ANALYSIS_DONE.has(run.phase)) {
        actions.push({ kind: 'terminateAnalysis', id });
        log.push(`analysis ${id}: terminated (${s.abort ? 'rollout aborted' : 'rollout promoted'})`);
      }
    }
    return false;
  }
  if (!rollout.paused) {
    if (
      backgroundId !== undefined &&
      background !== undefined &&
      index >= background.startingStep &&
      !runs.has(backgroundId)
    ) {
      actions.push({ kind: 'startAnalysis', analysis: 'Background', stepIndex: undefined, id: backgroundId });
      log.push(`analysis ${backgroundId}: start background analysis`);
    }
    if (stepId !== undefined && !scaled && !runs.has(stepId)) {
      actions.push({ kind: 'startAnalysis', analysis: 'Step', stepIndex: index, id: stepId });
      log.push(
        `step ${index + 1}/${rollout.canary.steps.length} ${describeStep(step)}: start analysis ${stepId}`,
      );
    }
  }
  for (const id of [stepId, backgroundId]) {
    const run = id === undefined ? undefined : runs.get(id);
    if (id === undefined || run === undefined) continue;
    if (run.phase === 'Failed' || run.phase === 'Error') {
      s.abort = true;
      s.abortedAt = input.now.toISOString();
      s.abortMessage = `analysis ${id} ${run.phase}${run.message ? `: ${run.message}` : ''}`;
      log.push(`${s.abortMessage}; aborting: traffic and replicas go back to stable`);
      return false;
    }
    if (run.phase === 'Inconclusive' && !acked.includes(id)) {
      const pausedForIt = s.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun');
      if (s.inconclusivePending === id && !pausedForIt) {
        // The pause was cleared by a promote: a person looked and let it go on.
        s.inconclusiveAcked = [...acked, id];
        s.inconclusivePending = undefined;
        log.push(`analysis ${id} was inconclusive; promoted past it`);
      } else if (!pausedForIt) {
        s.pauseConditions.push({ reason: 'InconclusiveAnalysisRun', startTime: input.now.toISOString() });
        s.inconclusivePending = id;
        log.push(
          `analysis ${id} Inconclusive${run.message ? `: ${run.message}` : ''}; paused until a person promotes or aborts`,
        );
      }
    }
  }
  const stepRun = stepId === undefined ? undefined : runs.get(stepId);
  return (
    stepRun !== undefined &&
    (stepRun.phase === 'Successful' ||
      (stepRun.phase === 'Inconclusive' && (s.inconclusiveAcked ?? []).includes(stepRun.id)))
  );
}

function completedCurrentStep(
  rollout: EngineRollout,
  s: RolloutStatus,
  basic: Parameters<typeof atDesiredReplicaCountsForBasicCanary>[0],
  now: Date,
  analysisDone: boolean,
): boolean {
  if (rollout.paused) return false;
  const step = rollout.canary.steps[s.currentStepIndex ?? 0];
  if (step === undefined) return false;
  if ('analysis' in step) return analysisDone;
  if (s.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun')) return false;
  if ('pause' in step) {
    const cond = s.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
    // A promote removes the condition but leaves controllerPause: the person let it go.
    if (cond === undefined) return s.controllerPause;
    const duration = step.pause.duration;
    if (duration === undefined) return false;
    return now.getTime() >= Date.parse(cond.startTime) + duration * 1000;
  }
  return atDesiredReplicaCountsForBasicCanary(basic);
}

/** progressDeadlineSeconds: any change in the ReplicaSets or the step counts as progress. */
function trackProgress(
  rollout: EngineRollout,
  prev: RolloutStatus,
  s: RolloutStatus,
  newRS: ObservedReplicaSet,
  stableRS: ObservedReplicaSet,
  observed: Observation,
  actions: Action[],
  now: Date,
  log: string[],
): void {
  const mark = canonicalJson({
    rs: observed.replicaSets.map((rs) => [rs.hash, rs.specReplicas, rs.availableReplicas]),
    step: s.currentStepIndex,
    stable: s.stableRS,
  });
  if (mark !== prev.progressMark || actions.length > 0) {
    s.progressMark = mark;
    s.progressAt = iso(now);
    if (s.progressDeadlineExceeded === true && newRS.availableReplicas > 0)
      s.progressDeadlineExceeded = false;
  }
  const complete = s.stableRS === s.currentPodHash && newRS.availableReplicas === rollout.replicas;
  const step = rollout.canary.steps[s.currentStepIndex ?? 0];
  const waitingOnPerson =
    s.pauseConditions.length > 0 || rollout.paused || (step !== undefined && 'pause' in step);
  if (complete || waitingOnPerson || s.abort || s.progressDeadlineExceeded === true) return;
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

function finish(
  input: TickInput,
  s: RolloutStatus,
  actions: Action[],
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
    return { actions, status: s, log, requeueAfterMs: POLL_INTERVAL_MS, done: { exitCode: 1 } };
  }
  let requeueAfterMs = requeue ?? POLL_INTERVAL_MS;
  let done: Decision['done'];
  if (actions.length === 0) {
    const settledAbort =
      s.abort &&
      (newRS === undefined || newRS.hash === s.stableRS || newRS.specReplicas === 0) &&
      phaseSettled(rollout, s, observed);
    if (phase === 'Healthy') done = { exitCode: 0 };
    else if (settledAbort) done = { exitCode: 1 };
    else if (s.progressDeadlineExceeded === true && !s.abort) done = { exitCode: 1 };
    else if (phase === 'Paused') {
      const step = rollout.canary.steps[s.currentStepIndex ?? 0];
      const cond = s.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
      const duration = step !== undefined && 'pause' in step ? step.pause.duration : undefined;
      if (cond !== undefined && duration !== undefined && !rollout.paused) {
        requeueAfterMs = Math.max(0, Date.parse(cond.startTime) + duration * 1000 - now.getTime());
      } else {
        done = { exitCode: 0 };
      }
    }
  }
  return { actions, status: s, log, requeueAfterMs, done };
}

/** A Service the strategy names that the cluster was observed not to have. */
function missingService(
  rollout: EngineRollout,
  observed: Observation,
): { name: string; field: string } | undefined {
  const named: [string | undefined, string][] = [
    [rollout.canary.stableService, 'spec.strategy.canary.stableService'],
    [rollout.canary.canaryService, 'spec.strategy.canary.canaryService'],
  ];
  for (const [name, field] of named) {
    if (
      name !== undefined &&
      Object.hasOwn(observed.services, name) &&
      observed.services[name] === undefined
    ) {
      return { name, field };
    }
  }
  return undefined;
}

function phaseSettled(rollout: EngineRollout, s: RolloutStatus, observed: Observation): boolean {
  const stable = observed.replicaSets.find((rs) => rs.hash === s.stableRS);
  return stable !== undefined && stable.availableReplicas >= rollout.replicas;
}

/** Argo's CalculateRolloutPhase, for a canary. */
export function computePhase(
  rollout: EngineRollout,
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
  return { phase: 'Healthy', message: '' };
}
