/**
 * How a ReplicaSet is known to belong to an Experiment. Argo's experiment controller owns its
 * ReplicaSets (a controller ownerReference of kind Experiment) and annotates them with the
 * experiment's and the template's names (`experiment.argoproj.io/name`, `.../template-name`,
 * experiment_types.go); rollout-pilot's own experiment ReplicaSets are owned by the state ConfigMap,
 * so the name annotation alone marks them. Pure.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { ARGO_API_VERSION } from '../../manifests/kinds.ts';

export const EXPERIMENT_NAME_ANNOTATION = 'experiment.argoproj.io/name';
export const EXPERIMENT_TEMPLATE_ANNOTATION = 'experiment.argoproj.io/template-name';

export interface ExperimentMarks {
  /** The Experiment the ReplicaSet belongs to; undefined for a rollout's own ReplicaSet. */
  experiment: string | undefined;
  /** The template of that Experiment it runs, when annotated. */
  experimentTemplate: string | undefined;
}

/** The experiment and template a ReplicaSet belongs to, by Argo's owner or by the annotations. */
export function experimentMarks(
  meta: Pick<V1ObjectMeta, 'annotations' | 'ownerReferences'> | undefined,
): ExperimentMarks {
  const owner = meta?.ownerReferences?.find(
    (o) => o.kind === 'Experiment' && o.apiVersion === ARGO_API_VERSION,
  )?.name;
  const annotated = meta?.annotations?.[EXPERIMENT_NAME_ANNOTATION];
  const experiment = owner ?? (annotated === '' ? undefined : annotated);
  return {
    experiment,
    experimentTemplate:
      experiment === undefined ? undefined : meta?.annotations?.[EXPERIMENT_TEMPLATE_ANNOTATION],
  };
}
