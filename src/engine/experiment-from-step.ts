/**
 * The Experiment a canary `experiment` step makes, with the facts of Argo's GetExperimentFromTemplate
 * (`rollout/experiment.go`) and the name rule of its createExperimentWithCollisionHandling. Pure: the
 * caller passes the live stable and canary ReplicaSets' templates and the Rollout's fields.
 */
import { fieldRef } from '../analysis/templates.ts';
import { EXPERIMENT_DEFAULTS, type Experiment, type ExperimentTemplate } from '../manifests/experiment.ts';
import { ARGO_API_VERSION } from '../manifests/kinds.ts';
import type {
  ExperimentStep,
  LabelSelector,
  PodTemplate,
  RolloutAnalysisArg,
} from '../manifests/rollout-model.ts';
import type { SourceLocation } from '../util/errors.ts';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from './state.ts';

/** A live ReplicaSet a template's `specRef` names: its hash, pod template, selector and minReadySeconds. */
export interface StepSource {
  hash: string;
  template: PodTemplate;
  selector: LabelSelector;
  minReadySeconds: number;
}

export interface StepExperimentInput {
  rollout: {
    name: string;
    namespace: string;
    labels: Readonly<Record<string, string>>;
    /** The Rollout's `rollout.argoproj.io/revision` ("" when unset, as Argo reads it). */
    revision: string;
    progressDeadlineSeconds: number;
    /** The Rollout object, for args' `valueFrom.fieldRef`. */
    object: Record<string, unknown>;
    /** Where the Rollout was written: the Experiment's diagnostics point there. */
    source: SourceLocation;
  };
  /** The hash of the Rollout's current pod template (the new ReplicaSet's). */
  podHash: string;
  /** 0-based, as `status.currentStepIndex`. */
  stepIndex: number;
  step: ExperimentStep;
  stable: StepSource;
  canary: StepSource;
}

/** Argo cannot build the Experiment (an arg's fieldRef the Rollout does not have). */
export class StepExperimentError extends Error {}

/** Argo's name before collisions: `<rollout>-<podHash>-<revision>-<stepIndex>`. */
export function stepExperimentBaseName(
  rollout: string,
  podHash: string,
  revision: string,
  stepIndex: number,
): string {
  return `${rollout}-${podHash}-${revision}-${stepIndex}`;
}

/** The Experiment the step at `stepIndex` makes. Throws StepExperimentError when an arg cannot be resolved. */
export function experimentFromStep(input: StepExperimentInput): Experiment {
  const { rollout, podHash, step } = input;
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Experiment',
    metadata: {
      name: stepExperimentBaseName(rollout.name, podHash, rollout.revision, input.stepIndex),
      namespace: rollout.namespace,
      labels: { ...rollout.labels, [POD_TEMPLATE_HASH_LABEL]: podHash },
      annotations: { [REVISION_ANNOTATION]: rollout.revision },
    },
    spec: {
      templates: step.templates.map((t) =>
        stepTemplate(t, t.specRef === 'stable' ? input.stable : input.canary),
      ),
      ...(step.duration === undefined ? {} : { duration: step.duration }),
      progressDeadlineSeconds: rollout.progressDeadlineSeconds,
      terminate: false,
      analyses: step.analyses.map((a) => ({
        name: a.name,
        templateName: a.templateName,
        clusterScope: a.clusterScope,
        args: a.args.map((arg) => ({ name: arg.name, value: resolveArg(arg, input) })),
        requiredForCompletion: a.requiredForCompletion,
      })),
      scaleDownDelaySeconds: step.scaleDownDelaySeconds ?? EXPERIMENT_DEFAULTS.scaleDownDelaySeconds,
      dryRun: step.dryRun,
      // The step has no measurementRetention (Argo's Rollout CRD), so the Experiment has none.
      measurementRetention: [],
      analysisRunMetadata: step.analysisRunMetadata,
    },
    source: rollout.source,
  };
}

type StepTemplate = ExperimentStep['templates'][number];

/**
 * The source ReplicaSet's pod template and minReadySeconds; the step's selector or else the
 * ReplicaSet's; `metadata.labels` added to both the pod labels and the selector, and
 * `metadata.annotations` to the pod. A `weight` or a `service` asks for a Service.
 */
function stepTemplate(t: StepTemplate, source: StepSource): ExperimentTemplate {
  const selector = t.selector ?? source.selector;
  const meta = source.template.metadata;
  const wantsService = t.weight !== undefined || t.service !== undefined;
  const serviceName = t.service?.name;
  return {
    name: t.name,
    replicas: t.replicas ?? EXPERIMENT_DEFAULTS.replicas,
    minReadySeconds: source.minReadySeconds,
    selector: {
      matchLabels: { ...selector.matchLabels, ...t.metadata.labels },
      matchExpressions: selector.matchExpressions.map((e) => ({ ...e, values: [...e.values] })),
    },
    template: {
      metadata: {
        ...meta,
        labels: { ...meta.labels, ...t.metadata.labels },
        annotations: { ...meta.annotations, ...t.metadata.annotations },
      },
      spec: structuredClone(source.template.spec),
    },
    ...(wantsService ? { service: serviceName ? { name: serviceName } : {} } : {}),
  };
}

/**
 * Argo's BuildArgumentsForRolloutAnalysisRun: `podTemplateHashValue` Stable or Latest and `fieldRef`
 * are resolved now; `{{templates.<t>.podTemplateHash}}` stays for the Experiment to expand.
 */
function resolveArg(arg: RolloutAnalysisArg, input: StepExperimentInput): string {
  const from = arg.valueFrom;
  if (from === undefined) return arg.value;
  if ('podTemplateHashValue' in from)
    return from.podTemplateHashValue === 'Stable' ? input.stable.hash : input.canary.hash;
  const value = fieldRef(input.rollout.object, from.fieldRef.fieldPath);
  if (value === undefined)
    throw new StepExperimentError(
      `arg "${arg.name}": fieldRef ${from.fieldRef.fieldPath} is not set on the Rollout`,
    );
  return value;
}

/** What is known of an existing Experiment (or record) that holds a candidate name. */
export interface ExistingExperiment {
  /** Made by this rollout (Argo: its controllerRef's UID is the Rollout's). */
  ours: boolean;
  /** Its phase is Successful, Failed, Error or Inconclusive. */
  completed: boolean;
  /** Argo's IsSemanticallyEqual of the specs. */
  sameSpec: boolean;
}

/**
 * createExperimentWithCollisionHandling: the base name, or `-1`, `-2`, ... past every name taken by
 * an Experiment that is not ours, is complete, or differs. An unfinished equal one of ours is reused.
 */
export function experimentNameFor(
  base: string,
  existing: ReadonlyMap<string, ExistingExperiment>,
): { name: string; reuse: boolean } {
  for (let n = 0; ; n++) {
    const name = n === 0 ? base : `${base}-${n}`;
    const found = existing.get(name);
    if (found === undefined) return { name, reuse: false };
    if (found.ours && found.sameSpec && !found.completed) return { name, reuse: true };
  }
}
