/**
 * The objects an Experiment template makes, as Argo's experiment controller shapes them
 * (experiments/replicaset.go newReplicaSetFromTemplate, experiments/service.go CreateService), with
 * rollout-pilot's owner in place of the Experiment object (design 3.1):
 *
 * - ReplicaSet `<experiment>-<template>`: the template's labels plus `rollouts-pod-template-hash`
 *   and the owner's label, on the ReplicaSet and its pods; the template's selector with the hash;
 *   the template's minReadySeconds; Argo's two annotations and no revision annotation.
 * - Service (`service.name`, or the ReplicaSet's name): selector = every label of the ReplicaSet,
 *   one port per container port, the same annotations.
 *
 * Both are controlled by the owner's state ConfigMap. Building them is pure; and `isOurs` says
 * whether a found object is this experiment template's.
 */
import type { V1ObjectMeta, V1OwnerReference, V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import { ownerLabel, ownerStateName, type ExperimentOwner } from '../../controller/experiment-ports.ts';
import { experimentTemplateHash } from '../../engine/experiment-hash.ts';
import { experimentServicePorts } from '../../engine/experiment-service.ts';
import { experimentReplicaSetName } from '../../engine/experiment-templates.ts';
import { MANAGED_BY_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from '../../engine/state.ts';
import type { Experiment, ExperimentTemplate } from '../../manifests/experiment.ts';
import { EXPERIMENT_NAME_ANNOTATION, EXPERIMENT_TEMPLATE_ANNOTATION } from './experiment-marks.ts';
import type { Labels } from './names.ts';

/** The template of that name; the engine only names templates of the experiment it was given. */
export function experimentTemplate(experiment: Experiment, name: string): ExperimentTemplate {
  const found = experiment.spec.templates.find((t) => t.name === name);
  if (found === undefined)
    throw new Error(`experiment ${experiment.metadata.name} has no template '${name}'`);
  return found;
}

/** The hash of the template's pods (never the stable's or the canary's: design 3.1). */
export function templateHash(experiment: Experiment, template: ExperimentTemplate): string {
  return experimentTemplateHash(experiment.metadata.name, template.name, template.template);
}

/** Labels of the ReplicaSet and of its pods; the Service selects by all of them. */
export function replicaSetLabels(
  owner: ExperimentOwner,
  experiment: Experiment,
  template: ExperimentTemplate,
): Labels {
  const [key, value] = ownerLabel(owner);
  return {
    ...template.template.metadata.labels,
    [POD_TEMPLATE_HASH_LABEL]: templateHash(experiment, template),
    [key]: value,
  };
}

function annotations(owner: ExperimentOwner, experiment: Experiment, template: string): Labels {
  return {
    [EXPERIMENT_NAME_ANNOTATION]: experiment.metadata.name,
    [EXPERIMENT_TEMPLATE_ANNOTATION]: template,
    [MANAGED_BY_ANNOTATION]: owner.kind === 'rollout' ? owner.rollout : owner.name,
  };
}

/** The ReplicaSet to create, at `replicas`. */
export function experimentReplicaSet(
  owner: ExperimentOwner,
  experiment: Experiment,
  template: ExperimentTemplate,
  replicas: number,
  ownerReference: V1OwnerReference,
): V1ReplicaSet {
  const labels = replicaSetLabels(owner, experiment, template);
  const hash = labels[POD_TEMPLATE_HASH_LABEL] ?? '';
  const { matchLabels, matchExpressions } = template.selector;
  return {
    metadata: {
      name: experimentReplicaSetName(experiment.metadata.name, template.name),
      namespace: owner.namespace,
      labels,
      annotations: annotations(owner, experiment, template.name),
      ownerReferences: [ownerReference],
    },
    spec: {
      replicas,
      minReadySeconds: template.minReadySeconds,
      selector: {
        matchLabels: { ...matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash },
        ...(matchExpressions.length === 0 ? {} : { matchExpressions }),
      },
      template: {
        metadata: { ...template.template.metadata, labels },
        spec: template.template.spec as never,
      },
    },
  };
}

/** The template's Service, named `name`, selecting the ReplicaSet's pods. */
export function experimentService(
  owner: ExperimentOwner,
  experiment: Experiment,
  template: ExperimentTemplate,
  name: string,
  ownerReference: V1OwnerReference,
): V1Service {
  const [key, value] = ownerLabel(owner);
  return {
    metadata: {
      name,
      namespace: owner.namespace,
      labels: { [key]: value },
      annotations: annotations(owner, experiment, template.name),
      ownerReferences: [ownerReference],
    },
    spec: {
      selector: replicaSetLabels(owner, experiment, template),
      ports: experimentServicePorts(template.template),
    },
  };
}

/**
 * Whether an object is the experiment's (and the template's, when given): Argo's two annotations,
 * and the owner's state ConfigMap as its controller.
 */
export function isOurs(
  meta: V1ObjectMeta | undefined,
  owner: ExperimentOwner,
  experiment: string,
  template?: string,
): boolean {
  const a = meta?.annotations ?? {};
  if (a[EXPERIMENT_NAME_ANNOTATION] !== experiment) return false;
  if (template !== undefined && a[EXPERIMENT_TEMPLATE_ANNOTATION] !== template) return false;
  const controller = meta?.ownerReferences?.find((o) => o.controller === true);
  return controller?.kind === 'ConfigMap' && controller.name === ownerStateName(owner);
}

/** Why an existing object of that name cannot be used. */
export function notOursMessage(kind: string, name: string, experiment: string, template: string): string {
  return `${kind} ${name} already exists and does not belong to template '${template}' of experiment ${experiment}`;
}
