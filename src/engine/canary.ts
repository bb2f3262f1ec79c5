import type { Action, AnalysisAction, Decision, TickInput } from './actions.ts';
import { reconcileAnalysis, terminateRunning } from './analysis.ts';
import { applyMove, firstCanarySize } from './canary-moves.ts';
import { reconcileStepExperiments, withExperimentRecords } from './canary-step-experiments.ts';
import { currentExperimentStep, weightDestinations } from './experiment-weights.ts';
import { markFirstDeploy, reconcileFirstDeploy } from './first-deploy.ts';
import { reconcileEphemeralMetadata } from './metadata.ts';
import { completedCurrentStep, reconcilePause } from './pause.ts';
import { finish } from './phase.ts';
import { trackProgress } from './progress.ts';
import {
  planBasicCanarySync,
  type BasicCanaryCompletionInput,
  type BasicCanaryPlanInput,
  type OlderReplicaSet,
} from './replicas.ts';
import { ownedByRollout, replicaSetRole } from './roles.ts';
import { canaryWeightOf, dueIn, reconcileTrafficRouting, routerWeights } from './routed.ts';
import { scaleRoutedOnce } from './routed-scaling.ts';
import { reconcileServices } from './services.ts';
import { canaryTarget, type CanaryTarget } from './traffic.ts';
import { describeStep, type CanaryEngineRollout } from './spec.ts';
import type { ObservedReplicaSet, Observation, RolloutStatus, WeightDestination } from './state.ts';
import { reconcileWorkload } from './workload.ts';

const iso = (d: Date): string => d.toISOString();

function counts(rs: ObservedReplicaSet | undefined): string {
  return rs ? `${rs.availableReplicas}/${rs.specReplicas} ready` : 'none';
}

/** What both the scaling plan and the step-completion check read. */
type BasicCanaryPlan = BasicCanaryPlanInput & BasicCanaryCompletionInput & { older: OlderObserved[] };

type OlderObserved = OlderReplicaSet & ObservedReplicaSet;

/** What one canary reconcile works on once the new ReplicaSet exists. */
interface CanaryTick {
  input: TickInput<CanaryEngineRollout>;
  rollout: CanaryEngineRollout;
  s: RolloutStatus;
  actions: Action[];
  analysis: AnalysisAction[];
  log: string[];
  newRS: ObservedReplicaSet;
  stableRS: ObservedReplicaSet;
  stableIsNew: boolean;
  older: OlderObserved[];
  /** The input with the experiments' ReplicaSets, which only the experiment step looks at. */
  withExperiments: TickInput<CanaryEngineRollout>;
}

/**
 * One reconcile of a canary Rollout, as Argo's controller does it: from the stored status, the
 * observed ReplicaSets and Services, and the clock, decide the next changes and the next status.
 * Pure: the driver applies the actions and persists the status.
 */
export function decideCanary(tickInput: TickInput<CanaryEngineRollout>): Decision {
  const input = withoutExperiments(tickInput);
  const { rollout, templateHash, stepsHash, observed, now } = input;
  const prev = input.status;
  const s: RolloutStatus = structuredClone(prev);
  const actions: Action[] = [];
  const analysis: AnalysisAction[] = [];
  const log: string[] = [];
  const stepCount = rollout.canary.steps.length;
  const byHash = new Map(observed.replicaSets.map((rs) => [rs.hash, rs]));
  const maxRevision = Math.max(0, ...observed.replicaSets.map((rs) => rs.revision));

  resetOnNewRevision(prev, s, templateHash, stepsHash, stepCount, now, log);

  let newRS = byHash.get(templateHash);
  if (newRS === undefined) {
    const revision = maxRevision + 1;
    const name = `${rollout.name}-${templateHash}`;
    const first = firstCanarySize(input, s, name, olderReplicaSets(observed, templateHash, s.stableRS));
    actions.push(...first.before);
    log.push(...first.log);
    actions.push({
      kind: 'createReplicaSet',
      hash: templateHash,
      revision,
      replicas: first.replicas,
      template: input.podTemplate,
    });
    log.push(`create ReplicaSet ${name} (revision ${revision}) at ${first.replicas}`);
    return finish(input, s, actions, analysis, log, 0);
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
    markFirstDeploy(rollout, s, templateHash);
  }
  const stableIsNew = s.stableRS === templateHash;
  const older = olderReplicaSets(observed, templateHash, s.stableRS);
  const tick: CanaryTick = {
    input,
    rollout,
    s,
    actions,
    analysis,
    log,
    newRS,
    stableRS,
    stableIsNew,
    older,
    withExperiments: tickInput,
  };
  return reconcileCanary(tick);
}

/**
 * An Experiment's ReplicaSets belong to the experiment: the canary neither counts, adopts nor
 * scales them, even when one runs the current template.
 */
function withoutExperiments(input: TickInput<CanaryEngineRollout>): TickInput<CanaryEngineRollout> {
  const own = input.observed.replicaSets.filter(ownedByRollout);
  if (own.length === input.observed.replicaSets.length) return input;
  return { ...input, observed: { ...input.observed, replicaSets: own } };
}

/** A new pod template or step list starts the update over (Argo's resetRolloutStatus). */
function resetOnNewRevision(
  prev: RolloutStatus,
  s: RolloutStatus,
  templateHash: string,
  stepsHash: string,
  stepCount: number,
  now: Date,
  log: string[],
): void {
  if (prev.currentPodHash === templateHash && prev.currentStepHash === stepsHash) return;
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
  if (templateChanged) s.firstDeploy = undefined;
  if (prev.stableRS !== undefined && prev.stableRS === templateHash && stepCount > 0) {
    s.currentStepIndex = stepCount;
    log.push(`revision ${templateHash} is the stable ReplicaSet: rollback to stable, steps skipped`);
  } else if (templateChanged && prev.currentPodHash !== undefined) {
    log.push(`new revision ${templateHash} supersedes ${prev.currentPodHash}: steps start over`);
  } else if (!templateChanged) {
    log.push('the steps changed: steps start over');
  }
}

/** ReplicaSets of the role `old` (neither the new, the stable nor an experiment's), oldest first. */
function olderReplicaSets(
  observed: Observation,
  templateHash: string,
  stableHash: string | undefined,
): OlderObserved[] {
  const context = { currentHash: templateHash, stableHash };
  return observed.replicaSets
    .filter((rs) => replicaSetRole(rs, context) === 'old')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.revision - b.revision)
    .map((rs) => ({ ...rs }));
}

function reconcileCanary(tick: CanaryTick): Decision {
  const { input, rollout, s, actions, analysis, log, newRS, stableRS, stableIsNew, older } = tick;
  const { templateHash, observed, now } = input;
  const stepCount = rollout.canary.steps.length;
  if (s.promoteFull) {
    s.pauseConditions = [];
    s.abort = false;
    s.currentStepIndex = stepCount;
  }

  const routing = rollout.canary.trafficRouting;
  const target = canaryTarget({
    replicas: rollout.replicas,
    steps: rollout.canary.steps,
    maxSurge: rollout.canary.maxSurge,
    maxUnavailable: rollout.canary.maxUnavailable,
    replicaProgressThreshold: rollout.canary.replicaProgressThreshold,
    trafficRouting:
      routing === undefined
        ? undefined
        : {
            maxTrafficWeight: routing.maxTrafficWeight,
            dynamicStableScale: routing.dynamicStableScale,
            minPodsPerReplicaSet: routing.minPodsPerReplicaSet,
            abortScaleDownDelaySeconds: routing.abortScaleDownDelaySeconds,
            currentWeights: routerWeights(s),
          },
    currentStepIndex: s.currentStepIndex,
    aborted: s.abort,
    promoteFull: s.promoteFull,
    canaryInProgress: !stableIsNew,
    canary: newRS,
    stable: stableIsNew ? null : stableRS,
    stableIsCanary: stableIsNew,
    older,
  });
  const { weight, atTarget } = target;

  // At full weight all traffic belongs to the canary: the stable Service moves to it before the
  // old stable drains, so it never selects a ReplicaSet with no pods (Argo's basic canary drains
  // the stable first and can leave the stable Service empty for a moment). With a router the
  // stable Service moves at promotion, as in Argo: the router carries the weight until then.
  const finalWeight =
    routing === undefined && !stableIsNew && !s.abort && weight >= 100 && newRS.availableReplicas > 0;
  reconcileServices(rollout, s, newRS, finalWeight ? newRS : stableRS, observed, actions, log);
  reconcileEphemeralMetadata(rollout, newRS, stableIsNew ? undefined : stableRS, actions);

  const { scaled, dueAt } = scaleThisTick(tick, target, finalWeight);

  if (!scaled) reconcilePause(rollout, s, now, log);
  const experiments = reconcileStepExperiments({ ...tick, input: tick.withExperiments });
  const analysisDone = reconcileAnalysis(input, s, stableIsNew, scaled, analysis, log);
  reconcileFirstDeploy({ input, s, newRS, analysis, log, scaled });
  advance(tick, atTarget, weight, scaled, analysisDone, experiments.stepCompleted);
  deleteExcessHistory(tick);

  // Starting or stopping an analysis run counts as acting, as a cluster action does.
  if (!acted(tick)) reconcileWorkload(rollout, observed, s, actions, log);

  s.canaryWeight = canaryWeightOf(s, stableIsNew, templateHash, weight, routing !== undefined);
  trackProgress(rollout, input.status, s, newRS, stableRS, observed, acted(tick), now, log);
  const requeue = acted(tick) || experiments.changed ? 0 : dueIn(dueAt, now);
  return withExperimentRecords(finish(input, s, actions, analysis, log, requeue), experiments);
}

/**
 * The running experiment's weighted templates, as the reconcile found them (Argo routes traffic
 * before it reconciles the experiments).
 */
function experimentDestinations(input: TickInput<CanaryEngineRollout>): WeightDestination[] {
  const { rollout, status } = input;
  const current = input.experiments?.find((e) => e.name === status.currentExperiment);
  return weightDestinations(
    currentExperimentStep(rollout.canary.steps, status.currentStepIndex),
    current?.status,
  );
}

/** One scaling per reconcile: with a router by its weights, else by the basic canary's plan. */
function scaleThisTick(
  tick: CanaryTick,
  target: CanaryTarget,
  finalWeight: boolean,
): { scaled: boolean; dueAt: Date | undefined } {
  const { input, rollout, s, actions, log, newRS, stableRS, stableIsNew, older } = tick;
  const routing = rollout.canary.trafficRouting;
  if (routing !== undefined && target.routed !== undefined) {
    const additional = experimentDestinations(tick.withExperiments);
    const routedTick = { rollout, routing, prev: input.status, s, newRS, stableRS, actions, log, additional };
    reconcileTrafficRouting(routedTick, target.routerWeight ?? 0);
    return scaleRoutedOnce({
      tick: routedTick,
      stableIsNew,
      older,
      counts: target.routed,
      servedHashes: Object.values(input.observed.services).map((svc) => svc?.selectedHash),
      now: input.now,
    });
  }
  const basic: BasicCanaryPlan = {
    replicas: rollout.replicas,
    desiredWeight: target.weight,
    maxSurge: rollout.canary.maxSurge,
    maxUnavailable: rollout.canary.maxUnavailable,
    canary: newRS,
    stable: stableIsNew ? null : stableRS,
    stableIsCanary: stableIsNew,
    older,
    replicaProgressThreshold: rollout.canary.replicaProgressThreshold,
  };
  return { scaled: scaleOnce(tick, basic, target.weight, finalWeight), dueAt: undefined };
}

/** Whether this reconcile has acted so far: on the cluster or on analysis runs. */
function acted(tick: CanaryTick): boolean {
  return tick.actions.length > 0 || tick.analysis.length > 0;
}

/**
 * The scalings of one sync of Argo's (reconcileCanaryReplicaSets and the reconcile the stable's
 * update starts at once): the stable and then the canary in one tick, else one other move.
 */
function scaleOnce(tick: CanaryTick, basic: BasicCanaryPlan, weight: number, finalWeight: boolean): boolean {
  const { input, rollout, log, stableRS } = tick;
  const moves = planBasicCanarySync(basic);
  const stableSvc = rollout.canary.stableService;
  const holdStable =
    finalWeight &&
    stableSvc !== undefined &&
    input.observed.services[stableSvc]?.selectedHash !== input.templateHash;
  if (moves[0]?.action === 'scaleStable' && holdStable) {
    log.push(
      `hold stable ${stableRS.name} at ${stableRS.specReplicas} until Service ${stableSvc} selects the canary`,
    );
    return false;
  }
  let scaled = false;
  for (const move of moves) scaled = applyMove(tick, move, weight) || scaled;
  return scaled;
}

/** Promote, settle an abort, or move past a completed step. */
function advance(
  tick: CanaryTick,
  atTarget: boolean,
  weight: number,
  scaled: boolean,
  analysisDone: boolean,
  experimentDone: boolean,
): void {
  const { input, rollout, s, actions, log, newRS, stableRS, stableIsNew } = tick;
  const { templateHash, now } = input;
  const steps = rollout.canary.steps;
  const stepCount = steps.length;
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
    // A promotion can end the run in this very tick: what still measures stops now, not next tick.
    terminateRunning(input, 'rollout promoted', tick.analysis, log);
  } else if (s.abort) {
    s.currentStepIndex = s.stableRS === templateHash ? stepCount : 0;
    // An abort ends every pause, as Argo's CalculatePauseStatus does: measured against Argo v1.10.2
    // by test/conformance, which found a kept CanaryPauseStep and controllerPause after an abort.
    s.pauseConditions = [];
    s.controllerPause = false;
  } else if (!scaled && completedCurrentStep(rollout, s, atTarget, now, analysisDone, experimentDone)) {
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
}

/** Old ReplicaSets beyond revisionHistoryLimit go once they hold no pods. */
function deleteExcessHistory(tick: CanaryTick): void {
  const { rollout, actions, log, older } = tick;
  if (acted(tick)) return;
  const idle = older.filter((rs) => rs.specReplicas === 0 && rs.replicas === 0);
  const excess = idle.length - rollout.revisionHistoryLimit;
  for (const rs of idle.slice(0, Math.max(0, excess))) {
    actions.push({ kind: 'deleteReplicaSet', name: rs.name });
    log.push(`delete old ReplicaSet ${rs.name} (revisionHistoryLimit ${rollout.revisionHistoryLimit})`);
  }
}
