/**
 * The cluster side of an Experiment, as the experiment drivers use it (design 3.1, 3.4): observe a
 * template's ReplicaSet and Service, and carry out the engine's cluster actions. The Kubernetes
 * adapter implements it (src/adapters/k8s/experiment-*.ts); so does test/support/fake-experiment-cluster.ts.
 *
 * Who owns what: a step experiment's ReplicaSets and Services are owned by the rollout's state
 * ConfigMap (`rollout-pilot.<rollout>`) and labelled `rollout-pilot.dev/rollout=<rollout>`; a standalone
 * experiment's by its own state ConfigMap (`rollout-pilot-experiment.<name>`) and labelled
 * `rollout-pilot.dev/experiment=<name>`. Both carry Argo's annotations `experiment.argoproj.io/name`
 * and `experiment.argoproj.io/template-name`, which tell the experiments of one owner apart.
 */
import type { ExperimentAction, ExperimentReplicaSet } from '../engine/experiment-types.ts';
import type { Experiment } from '../manifests/experiment.ts';
import { EXPERIMENT_LABEL, experimentStateName, ROLLOUT_LABEL, stateName } from '../adapters/k8s/names.ts';

/** The subject whose state ConfigMap owns the experiment's objects. */
export type ExperimentOwner =
  | { kind: 'rollout'; namespace: string; rollout: string }
  | { kind: 'experiment'; namespace: string; name: string };

/** The engine's actions the cluster carries out; the analysis ones go to the analysis runner. */
export type ExperimentClusterAction = Extract<
  ExperimentAction,
  {
    kind:
      | 'createExperimentReplicaSet'
      | 'scaleExperimentReplicaSet'
      | 'setExperimentScaleDownDeadline'
      | 'createExperimentService'
      | 'deleteExperimentService';
  }
>;

const CLUSTER_ACTIONS: ReadonlySet<ExperimentAction['kind']> = new Set([
  'createExperimentReplicaSet',
  'scaleExperimentReplicaSet',
  'setExperimentScaleDownDeadline',
  'createExperimentService',
  'deleteExperimentService',
]);

export function isExperimentClusterAction(action: ExperimentAction): action is ExperimentClusterAction {
  return CLUSTER_ACTIONS.has(action.kind);
}

/** What `ExperimentInput` needs from the cluster, by template name. */
export interface ExperimentObservation {
  /** The template's ReplicaSet (`<experiment>-<template>`), undefined when it does not exist. */
  replicaSets: Record<string, ExperimentReplicaSet | undefined>;
  /** Whether the template's Service exists and is this experiment's. */
  services: Record<string, boolean>;
  /**
   * Templates the cluster already says are broken (a ReplicaSet of that name that is not this
   * experiment's), with why; empty when none. Merge with the failures of the last actions.
   */
  failures: Record<string, string>;
}

export interface ExperimentClusterPort {
  /** The experiment's ReplicaSets and Services as they are now. */
  observeExperiment(owner: ExperimentOwner, experiment: Experiment): Promise<ExperimentObservation>;
  /**
   * Carries out one action. Throws when it fails; the error's message is what the engine gets back
   * as `failures[action.template]` on the next tick (Argo then marks the template Error).
   * Creating what already exists as ours is not an error (a tick interrupted after the write).
   */
  applyExperimentAction(
    owner: ExperimentOwner,
    experiment: Experiment,
    action: ExperimentClusterAction,
  ): Promise<void>;
  /** Deletes every ReplicaSet and Service of the experiment `name` under `owner` (none: no error). */
  deleteExperiment(owner: ExperimentOwner, name: string): Promise<void>;
  /**
   * Resolves when the owner's ReplicaSets or state ConfigMap may have changed, or after `ms`. For a
   * rollout owner this is the rollout's own `waitForChange`; a standalone experiment watches its own.
   */
  waitForExperimentChange(owner: ExperimentOwner, ms: number, signal?: AbortSignal): Promise<void>;
}

/** The state ConfigMap that owns the experiment's objects. */
export function ownerStateName(owner: ExperimentOwner): string {
  return owner.kind === 'rollout' ? stateName(owner.rollout) : experimentStateName(owner.name);
}

/** The label every object of the owner carries: `[key, value]`. */
export function ownerLabel(owner: ExperimentOwner): [string, string] {
  return owner.kind === 'rollout' ? [ROLLOUT_LABEL, owner.rollout] : [EXPERIMENT_LABEL, owner.name];
}
