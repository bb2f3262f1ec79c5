import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeObject, SubjectKind } from '../../controller/ports.ts';
import { asInt, asObj, asStringMap, dig } from '../../manifests/values.ts';

export const FIELD_MANAGER = 'rollout-pilot';
/** Every object rollout-pilot creates for a rollout carries this label with the rollout's name. */
export const ROLLOUT_LABEL = 'rollout-pilot.dev/rollout';
export const EPHEMERAL_ANNOTATION = 'rollout-pilot.dev/ephemeral-metadata';
/** The pod template exactly as the Rollout had it (the API server adds defaults to the RS's copy). */
export const TEMPLATE_ANNOTATION = 'rollout-pilot.dev/pod-template';
/**
 * Argo Rollouts' mark on a Service it manages. Its controller (v1.10.2, service/service.go) strips
 * the hash selector from a Service that carries it when no Rollout object of that name exists, so
 * rollout-pilot never lets a Service it manages carry it (docs/compatibility.md, Coexistence).
 */
export const ARGO_MANAGED_BY_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';
/** On a ReplicaSet adopted from Argo Rollouts: the rollout-pilot hash of the template it runs. */
export const SAME_TEMPLATE_ANNOTATION = 'rollout-pilot.dev/same-template-as';
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** RFC 6902: a list of operations, with `test` as a precondition (router-objects.ts). */
export const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export function stateName(rollout: string): string {
  return `rollout-pilot.${rollout}`;
}

export type Labels = Record<string, string>;

export interface RolloutParts {
  name: string;
  namespace: string;
  matchLabels: Labels;
  template: { metadata?: { labels?: Labels; annotations?: Labels }; spec?: unknown };
  minReadySeconds: number | undefined;
}

export function parts(rollout: KubeObject): RolloutParts {
  const spec = rollout.spec;
  return {
    name: rollout.metadata.name,
    namespace: rollout.metadata.namespace ?? 'default',
    matchLabels: asStringMap(dig(spec, 'selector', 'matchLabels')),
    template: asObj(dig(spec, 'template')) ?? {},
    minReadySeconds: asInt(dig(spec, 'minReadySeconds')),
  };
}

/**
 * On a standalone Experiment's ReplicaSets and Services: the experiment's name (a step experiment's
 * carry ROLLOUT_LABEL instead, so the rollout's list and watch see them).
 */
export const EXPERIMENT_LABEL = 'rollout-pilot.dev/experiment';

/**
 * A standalone Experiment's state ConfigMap (and Lease). The `-` after the prefix keeps it apart
 * from every rollout's `rollout-pilot.<rollout>` (design 3.1).
 */
export function experimentStateName(experiment: string): string {
  return `rollout-pilot-experiment.${experiment}`;
}

/** The state ConfigMap (and Lease) of a subject: a Rollout's, or a standalone Experiment's. */
export function subjectStateName(name: string, kind: SubjectKind = 'Rollout'): string {
  return kind === 'Experiment' ? experimentStateName(name) : stateName(name);
}

/** The label that names the subject on its state ConfigMap, its Lease and its objects. */
export function subjectLabel(kind: SubjectKind = 'Rollout'): string {
  return kind === 'Experiment' ? EXPERIMENT_LABEL : ROLLOUT_LABEL;
}
