/**
 * What a canary does about its Experiments each reconcile, with the facts of Argo's
 * reconcileExperiments (`rollout/experiment.go`), the experiment case of completedCurrentCanaryStep
 * (`rollout/canary.go`) and FilterExperimentsToDelete (`utils/experiment/filter.go`). Pure and not
 * wired yet: the `step.experiment` gate in features.ts keeps every rollout with such a step out.
 */
import type { Experiment } from '../manifests/experiment.ts';
import type { ExistingExperiment } from './experiment-from-step.ts';
import { experimentNameFor } from './experiment-from-step.ts';
import type { ExperimentPhase } from './experiment-types.ts';
import type { EngineStep } from './spec.ts';
import { POD_TEMPLATE_HASH_LABEL, type PauseReason } from './state.ts';

/** An Experiment the rollout owns, as observed. */
export interface OwnedExperiment {
  name: string;
  /** Its `rollouts-pod-template-hash` label: the new ReplicaSet's hash when it was made. */
  podHash: string;
  /** ISO time; the newest are kept first in the history. */
  createdAt: string;
  terminate: boolean;
  /** Undefined until the experiment's first reconcile. */
  phase?: ExperimentPhase | undefined;
  message?: string | undefined;
}

export interface CanaryExperimentInput {
  /** The current step (undefined past the last) and its 0-based index. */
  step: EngineStep | undefined;
  aborted: boolean;
  promoteFull: boolean;
  /** An `InconclusiveAnalysisRun` pause holds. */
  inconclusiveAnalysisPause: boolean;
  /** `status.canary.currentExperiment` as the reconcile found it. */
  currentExperiment: string | undefined;
  /** Every Experiment the rollout owns. */
  experiments: readonly OwnedExperiment[];
  /**
   * The Experiment the current step makes (experimentFromStep), or undefined when there is no
   * stable ReplicaSet yet, which Argo waits for.
   */
  proposed: Experiment | undefined;
  /** Every Experiment name taken in the namespace, for the `-N` collision rule. */
  taken: ReadonlyMap<string, ExistingExperiment>;
  /** The rollout's ReplicaSets by pod hash: whether each is being deleted. */
  replicaSets: ReadonlyMap<string, boolean>;
  /** `spec.analysis.successfulRunHistoryLimit` and `unsuccessfulRunHistoryLimit` (5 and 5). */
  historyLimits: { successful: number; unsuccessful: number };
}

export type CanaryExperimentAction =
  | { kind: 'createExperiment'; experiment: Experiment }
  | { kind: 'terminateExperiment'; name: string }
  | { kind: 'deleteExperiment'; name: string };

export interface CanaryExperimentDecision {
  actions: CanaryExperimentAction[];
  /** The new `status.canary.currentExperiment`: Argo rebuilds it every reconcile. */
  currentExperiment: string | undefined;
  /** Set: abort the rollout with this message. */
  abortMessage?: string | undefined;
  /** Set: add the `InconclusiveExperiment` pause condition. */
  pause?: Extract<PauseReason, 'InconclusiveExperiment'> | undefined;
  /** The experiment step is complete: the experiment found current is Successful. */
  stepCompleted: boolean;
  log: string[];
}

const COMPLETED: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);
const UNSUCCESSFUL: ReadonlySet<string> = new Set(['Failed', 'Error', 'Inconclusive']);

const isCompleted = (e: OwnedExperiment): boolean => e.phase !== undefined && COMPLETED.has(e.phase);

/** Argo's abort message for a Failed or Error experiment. */
export function experimentAbortMessage(message: string | undefined): string {
  const base = 'Experiment analysis phase is error/failed';
  return message ? `${base}: ${message}` : base;
}

/** reconcileExperiments and the step's completion, for one reconcile. */
export function reconcileCanaryExperiments(input: CanaryExperimentInput): CanaryExperimentDecision {
  const found = input.experiments.find((e) => e.name === input.currentExperiment);
  const atStep = input.step !== undefined && 'experiment' in input.step;
  const out: CanaryExperimentDecision = {
    actions: [],
    currentExperiment: undefined,
    stepCompleted: atStep && found?.phase === 'Successful',
    log: [],
  };
  if (input.aborted || input.promoteFull) {
    terminate(input.experiments, out, input.aborted ? 'rollout aborted' : 'full promotion');
    return out;
  }
  if (input.inconclusiveAnalysisPause) return out;
  let others = input.experiments.filter((e) => e !== found);
  let current = found;
  if (atStep) {
    if (current === undefined) current = create(input, out);
    if (current !== undefined) {
      others = others.filter((e) => e.name !== current?.name);
      judge(current, out);
    }
  }
  if (current !== undefined && !atStep) others = [...others, current];
  terminate(others, out, 'not the current step’s experiment');
  for (const name of experimentsToDelete(others, input.replicaSets, input.historyLimits))
    out.actions.push({ kind: 'deleteExperiment', name });
  return out;
}

/** The step's Experiment: created under a free name, or an unfinished equal one of ours reused. */
function create(input: CanaryExperimentInput, out: CanaryExperimentDecision): OwnedExperiment | undefined {
  const proposed = input.proposed;
  if (proposed === undefined) {
    out.log.push('experiment step: waiting for a stable ReplicaSet before creating the experiment');
    return undefined;
  }
  const { name, reuse } = experimentNameFor(proposed.metadata.name, input.taken);
  const podHash = proposed.metadata.labels[POD_TEMPLATE_HASH_LABEL] ?? '';
  if (reuse) {
    out.log.push(`experiment ${name} exists already: taken as the step's`);
    const existing = input.experiments.find((e) => e.name === name);
    return existing ?? { name, podHash, createdAt: '', terminate: false };
  }
  const experiment = { ...proposed, metadata: { ...proposed.metadata, name } };
  out.actions.push({ kind: 'createExperiment', experiment });
  out.log.push(`Created Experiment '${name}'`);
  return {
    name,
    podHash,
    createdAt: '',
    terminate: false,
  };
}

/** What the current experiment's phase means for the rollout. */
function judge(current: OwnedExperiment, out: CanaryExperimentDecision): void {
  switch (current.phase) {
    case 'Inconclusive':
      out.pause = 'InconclusiveExperiment';
      out.log.push(`experiment ${current.name} is Inconclusive: paused until promoted`);
      return;
    case 'Failed':
    case 'Error':
      out.abortMessage = experimentAbortMessage(current.message);
      out.log.push(`experiment ${current.name} is ${current.phase}: aborting`);
      return;
    case 'Successful':
      // Argo no longer names a Successful experiment as current.
      return;
    default:
      out.currentExperiment = current.name;
  }
}

/** cancelExperiments: every one not asked already and not finished gets `terminate`. */
function terminate(exs: readonly OwnedExperiment[], out: CanaryExperimentDecision, why: string): void {
  for (const e of exs) {
    if (e.terminate || isCompleted(e)) continue;
    out.actions.push({ kind: 'terminateExperiment', name: e.name });
    out.log.push(`terminating experiment ${e.name}: ${why}`);
  }
}

/**
 * FilterExperimentsToDelete: newest first, an experiment whose pod hash has no ReplicaSet (or one
 * being deleted) goes; of the rest, Successful ones past the successful limit and Failed, Error or
 * Inconclusive ones past the unsuccessful limit go. Unfinished ones stay.
 */
export function experimentsToDelete(
  exs: readonly OwnedExperiment[],
  replicaSets: ReadonlyMap<string, boolean>,
  limits: { successful: number; unsuccessful: number },
): string[] {
  const newestFirst = [...exs].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const kept = { successful: 0, unsuccessful: 0 };
  const out: string[] = [];
  for (const e of newestFirst) {
    const deleting = replicaSets.get(e.podHash);
    if (e.podHash === '' || deleting === undefined || deleting) {
      out.push(e.name);
      continue;
    }
    const kind =
      e.phase === 'Successful'
        ? 'successful'
        : e.phase && UNSUCCESSFUL.has(e.phase)
          ? 'unsuccessful'
          : undefined;
    if (kind === undefined) continue;
    if (kept[kind] < limits[kind]) kept[kind]++;
    else out.push(e.name);
  }
  return out;
}
