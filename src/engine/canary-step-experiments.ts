/**
 * The canary's `experiment` steps wired to the stored records (docs/design/experiments.md 3.2): from
 * the records in the state and the observed ReplicaSets, `reconcileCanaryExperiments` decides; this
 * file turns its decision into the next records, the status (currentExperiment, the
 * InconclusiveExperiment pause, the abort). The controller deletes what the records no longer need.
 * The records' phases are the experiment reconciler's (controller), run before the canary. Pure.
 */
import { POLL_INTERVAL_MS, type Action, type Decision, type TickInput } from './actions.ts';
import { reconcileCanaryExperiments, type OwnedExperiment } from './canary-experiment.ts';
import {
  experimentFromStep,
  StepExperimentError,
  type ExistingExperiment,
  type StepSource,
} from './experiment-from-step.ts';
import { emptyExperimentStatus, recordCompleted, type ExperimentRecord } from './experiment-record.ts';
import { canonicalJson } from './hash.ts';
import type { Experiment } from '../manifests/experiment.ts';
import type { ExperimentStep, LabelSelector, PodTemplate } from '../manifests/rollout-model.ts';
import { asInt, asObj, asStringMap, dig } from '../manifests/values.ts';
import type { CanaryEngineRollout } from './spec.ts';
import { POD_TEMPLATE_HASH_LABEL, type ObservedReplicaSet, type RolloutStatus } from './state.ts';

/** Argo's `spec.analysis` history limits: 5 successful and 5 unsuccessful experiments are kept. */
const HISTORY_LIMITS = { successful: 5, unsuccessful: 5 };

export interface StepExperimentTick {
  /** The tick's input with the experiments' ReplicaSets still in the observation. */
  input: TickInput<CanaryEngineRollout>;
  s: RolloutStatus;
  newRS: ObservedReplicaSet;
  stableRS: ObservedReplicaSet;
  stableIsNew: boolean;
  actions: Action[];
  log: string[];
}

export interface StepExperimentOutcome {
  /** The records to store; undefined: unchanged (the rollout has none and makes none). */
  records: ExperimentRecord[] | undefined;
  /** The current step is an experiment step whose experiment is Successful. */
  stepCompleted: boolean;
  /** An experiment's ReplicaSet still has pods, or a record is not finished: the run stays. */
  draining: boolean;
  /** The records changed this tick (created or asked to terminate): look again at once. */
  changed: boolean;
}

const owned = (r: ExperimentRecord): OwnedExperiment => ({
  name: r.name,
  podHash: r.podHash,
  createdAt: r.createdAt,
  terminate: r.terminate,
  phase: r.status.phase,
  message: r.status.message,
});

const hasPods = (rs: ObservedReplicaSet): boolean => rs.specReplicas > 0 || rs.replicas > 0;

/** The records to store; the run stays while an experiment's ReplicaSets still have pods. */
export function withExperimentRecords(decision: Decision, experiments: StepExperimentOutcome): Decision {
  if (experiments.records === undefined) return decision;
  decision.experiments = experiments.records;
  if (experiments.draining && decision.done !== undefined && decision.status.phase !== 'Paused') {
    decision.done = undefined;
    decision.requeueAfterMs = Math.min(decision.requeueAfterMs, POLL_INTERVAL_MS);
    decision.log.push('waiting for the experiments’ ReplicaSets to scale down before the run ends');
  }
  return decision;
}

/** reconcileExperiments for one canary reconcile, on the stored records. */
export function reconcileStepExperiments(t: StepExperimentTick): StepExperimentOutcome {
  const { input, s, log } = t;
  const records = input.experiments ?? [];
  const index = s.currentStepIndex ?? 0;
  const step = input.rollout.canary.steps[index];
  const experimentRSs = input.observed.replicaSets.filter((rs) => rs.experiment !== undefined);
  if (records.length === 0 && experimentRSs.length === 0 && (step === undefined || !('experiment' in step)))
    return { records: undefined, stepCompleted: false, draining: false, changed: false };
  const proposed =
    step !== undefined && 'experiment' in step ? propose(t, step.experiment, index) : undefined;
  const specText = proposed === undefined ? undefined : canonicalJson(proposed.spec);
  const taken = new Map<string, ExistingExperiment>(
    records.map((r) => [
      r.name,
      { ours: true, completed: recordCompleted(r), sameSpec: canonicalJson(r.spec) === specText },
    ]),
  );
  const decision = reconcileCanaryExperiments({
    step,
    aborted: s.abort,
    promoteFull: s.promoteFull,
    inconclusiveAnalysisPause: s.pauseConditions.some((c) => c.reason === 'InconclusiveAnalysisRun'),
    currentExperiment: input.status.currentExperiment,
    experiments: records.map(owned),
    proposed,
    taken,
    replicaSets: new Map(
      input.observed.replicaSets.filter((rs) => rs.experiment === undefined).map((rs) => [rs.hash, false]),
    ),
    historyLimits: HISTORY_LIMITS,
  });
  log.push(...decision.log);
  s.currentExperiment = decision.currentExperiment;
  if (decision.pause !== undefined && !s.pauseConditions.some((c) => c.reason === decision.pause)) {
    s.pauseConditions.push({ reason: decision.pause, startTime: input.now.toISOString() });
    s.controllerPause = true;
  }
  if (decision.abortMessage !== undefined && !s.abort) {
    s.abort = true;
    s.abortedAt = input.now.toISOString();
    s.abortMessage = decision.abortMessage;
    log.push(`${decision.abortMessage}; aborting: traffic and replicas go back to stable`);
  }
  const next = nextRecords(t, records, decision.actions, index, experimentRSs);
  return {
    records: next,
    stepCompleted: decision.stepCompleted,
    draining:
      experimentRSs.some((rs) => hasPods(rs) && next.some((r) => r.name === rs.experiment)) ||
      next.some((r) => !recordCompleted(r)),
    changed: decision.actions.some((a) => a.kind !== 'deleteExperiment'),
  };
}

/** The records after the decision: created ones added, terminated ones marked, deleted ones gone. */
function nextRecords(
  t: StepExperimentTick,
  records: readonly ExperimentRecord[],
  actions: ReturnType<typeof reconcileCanaryExperiments>['actions'],
  stepIndex: number,
  experimentRSs: readonly ObservedReplicaSet[],
): ExperimentRecord[] {
  let next = [...records];
  for (const a of actions) {
    if (a.kind === 'createExperiment') {
      next.push({
        name: a.experiment.metadata.name,
        stepIndex,
        podHash: a.experiment.metadata.labels[POD_TEMPLATE_HASH_LABEL] ?? t.newRS.hash,
        revision: String(t.newRS.revision),
        createdAt: t.input.now.toISOString(),
        terminate: false,
        spec: a.experiment.spec,
        status: emptyExperimentStatus(),
      });
    } else if (a.kind === 'terminateExperiment') {
      next = next.map((r) =>
        r.name === a.name ? { ...r, terminate: true, spec: { ...r.spec, terminate: true } } : r,
      );
    } else {
      // A deleted experiment's ReplicaSets go with it: the record stays until they have no pods.
      const busy = experimentRSs.some((rs) => rs.experiment === a.name && hasPods(rs));
      if (!busy) next = next.filter((r) => r.name !== a.name);
      t.log.push(
        busy ? `experiment ${a.name} is pruned once its pods are gone` : `experiment ${a.name} pruned`,
      );
    }
  }
  return next.map((r) => summarized(r, experimentRSs));
}

/**
 * A finished experiment whose ReplicaSets are gone keeps only its summary: the pod templates are
 * dropped from the stored spec (they are the bulk of a record).
 */
function summarized(r: ExperimentRecord, experimentRSs: readonly ObservedReplicaSet[]): ExperimentRecord {
  if (!recordCompleted(r) || experimentRSs.some((rs) => rs.experiment === r.name)) return r;
  if (r.spec.templates.every((tpl) => Object.keys(tpl.template.spec).length === 0)) return r;
  const templates = r.spec.templates.map((tpl) => ({
    ...tpl,
    template: { metadata: { labels: {}, annotations: {} }, spec: {} },
  }));
  return { ...r, spec: { ...r.spec, templates } };
}

/** The Experiment the step makes, or undefined while there is no stable ReplicaSet to copy. */
function propose(t: StepExperimentTick, step: ExperimentStep, stepIndex: number): Experiment | undefined {
  const { input, newRS, stableRS, stableIsNew, log } = t;
  if (stableIsNew) return undefined;
  const object = input.rolloutObject ?? {};
  const metadata = asObj(object.metadata) ?? {};
  const stable = stepSource(input, stableRS);
  const canary = stepSource(input, newRS);
  if (stable === undefined || canary === undefined) {
    log.push('experiment step: the stable or canary ReplicaSet has no recorded pod template yet');
    return undefined;
  }
  try {
    return experimentFromStep({
      rollout: {
        name: input.rollout.name,
        namespace: input.rollout.namespace,
        labels: asStringMap(metadata.labels),
        revision: String(newRS.revision),
        progressDeadlineSeconds: input.rollout.progressDeadlineSeconds,
        object,
        source: { file: `Rollout ${input.rollout.namespace}/${input.rollout.name}`, line: 1, column: 1 },
      },
      podHash: newRS.hash,
      stepIndex,
      step,
      stable,
      canary,
    });
  } catch (e) {
    if (!(e instanceof StepExperimentError)) throw e;
    log.push(`experiment step: ${e.message}`);
    return undefined;
  }
}

/**
 * What a template's `specRef` copies from a ReplicaSet: its pod template as the Rollout had it plus
 * the ephemeral metadata on its pods (Argo copies the live ReplicaSet's template), the Rollout's
 * selector with the ReplicaSet's hash, and the Rollout's minReadySeconds.
 */
function stepSource(input: TickInput<CanaryEngineRollout>, rs: ObservedReplicaSet): StepSource | undefined {
  const written = rs.podTemplate ?? (rs.hash === input.templateHash ? input.podTemplate : undefined);
  if (written === undefined) return undefined;
  const ephemeral = rs.ephemeralMetadata === undefined ? {} : (JSON.parse(rs.ephemeralMetadata) as unknown);
  const meta = written.metadata ?? {};
  const template: PodTemplate = {
    metadata: {
      ...meta,
      labels: { ...meta.labels, ...asStringMap(dig(ephemeral, 'labels')) },
      annotations: { ...meta.annotations, ...asStringMap(dig(ephemeral, 'annotations')) },
    },
    spec: asObj(written.spec) ?? {},
  };
  const spec = input.rolloutObject?.spec;
  const selector: LabelSelector = {
    matchLabels: { ...asStringMap(dig(spec, 'selector', 'matchLabels')), [POD_TEMPLATE_HASH_LABEL]: rs.hash },
    matchExpressions: [],
  };
  return { hash: rs.hash, template, selector, minReadySeconds: asInt(dig(spec, 'minReadySeconds')) ?? 0 };
}
