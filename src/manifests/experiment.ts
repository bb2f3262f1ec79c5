/**
 * The typed model of a standalone Experiment (`kind: Experiment`), built from a document that
 * validated clean, with Argo's defaults (`utils/defaults`): template replicas 1,
 * progressDeadlineSeconds 600, scaleDownDelaySeconds 30. Pure.
 */
import { parseGoDuration } from './duration.ts';
import { ARGO_API_VERSION } from './kinds.ts';
import {
  dryRuns,
  extraMetadata,
  InvalidModelError,
  namedArgs,
  objectMeta,
  opt,
  requireObj,
  retentions,
  type DryRun,
  type ExtraMetadata,
  type MeasurementRetention,
  type ObjectMeta,
} from './model-common.ts';
import type { ManifestDoc } from './manifest-doc.ts';
import type { LabelSelector, PodTemplate } from './rollout-model.ts';
import { labelSelector, podTemplate } from './rollout-readers.ts';
import { asBool, asInt, asList, asObj, asStr } from './values.ts';
import type { SourceLocation } from '../util/errors.ts';

export const EXPERIMENT_DEFAULTS = {
  replicas: 1,
  progressDeadlineSeconds: 600,
  scaleDownDelaySeconds: 30,
} as const;

export interface ExperimentTemplate {
  name: string;
  replicas: number;
  minReadySeconds: number;
  selector: LabelSelector;
  template: PodTemplate;
  /** Set: a Service per template (named `name`, or else after the ReplicaSet). */
  service?: { name?: string };
}

/**
 * An argument an Experiment passes to its analysis. Argo keeps only `value` when it creates the run
 * (`valueFrom` is dropped), so the model keeps only that.
 */
export interface ExperimentArg {
  name: string;
  value?: string;
}

export interface ExperimentAnalysis {
  name: string;
  templateName: string;
  clusterScope: boolean;
  args: ExperimentArg[];
  requiredForCompletion: boolean;
}

export interface ExperimentSpec {
  templates: ExperimentTemplate[];
  /** Seconds from availability to the end; undefined = until analyses or terminate end it. */
  duration?: number;
  progressDeadlineSeconds: number;
  terminate: boolean;
  analyses: ExperimentAnalysis[];
  scaleDownDelaySeconds: number;
  dryRun: DryRun[];
  measurementRetention: MeasurementRetention[];
  analysisRunMetadata: ExtraMetadata;
}

export interface Experiment {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'Experiment';
  metadata: ObjectMeta;
  spec: ExperimentSpec;
  source: SourceLocation;
}

function fail(doc: ManifestDoc, what: string): never {
  throw new InvalidModelError(`${doc.location.file}:${doc.location.line}: ${what}; validate first`);
}

function experimentTemplate(raw: unknown, doc: ManifestDoc, at: string): ExperimentTemplate {
  const o = asObj(raw) ?? fail(doc, `${at} is not an object`);
  const selector = labelSelector(o.selector) ?? fail(doc, `${at}.selector is missing`);
  const template = podTemplate(o.template) ?? fail(doc, `${at}.template is missing`);
  const service = asObj(o.service);
  return {
    name: asStr(o.name) ?? fail(doc, `${at}.name is missing`),
    replicas: asInt(o.replicas) ?? EXPERIMENT_DEFAULTS.replicas,
    minReadySeconds: asInt(o.minReadySeconds) ?? 0,
    selector,
    template,
    ...opt('service', service ? { ...opt('name', asStr(service.name)) } : undefined),
  };
}

function experimentAnalysis(raw: unknown): ExperimentAnalysis {
  const o = asObj(raw) ?? {};
  return {
    name: asStr(o.name) ?? '',
    templateName: asStr(o.templateName) ?? '',
    clusterScope: o.clusterScope === true,
    args: namedArgs(o.args).map(({ name, arg }) => ({ name, ...opt('value', asStr(arg.value)) })),
    requiredForCompletion: o.requiredForCompletion === true,
  };
}

/** The typed Experiment for a document that validated clean. Throws InvalidModelError otherwise. */
export function toExperiment(doc: ManifestDoc): Experiment {
  if (doc.object.apiVersion !== ARGO_API_VERSION || doc.object.kind !== 'Experiment') {
    fail(doc, `not an ${ARGO_API_VERSION} Experiment`);
  }
  const spec = requireObj(doc.object.spec, doc, 'spec');
  const duration = asStr(spec.duration);
  const seconds = duration === undefined ? undefined : parseGoDuration(duration);
  if (duration !== undefined && seconds === undefined) fail(doc, `spec.duration "${duration}" is invalid`);
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Experiment',
    metadata: objectMeta(doc),
    spec: {
      templates: asList(spec.templates).map((t, i) => experimentTemplate(t, doc, `spec.templates[${i}]`)),
      ...opt('duration', seconds),
      progressDeadlineSeconds:
        asInt(spec.progressDeadlineSeconds) ?? EXPERIMENT_DEFAULTS.progressDeadlineSeconds,
      terminate: asBool(spec.terminate) ?? false,
      analyses: asList(spec.analyses).map(experimentAnalysis),
      scaleDownDelaySeconds: asInt(spec.scaleDownDelaySeconds) ?? EXPERIMENT_DEFAULTS.scaleDownDelaySeconds,
      dryRun: dryRuns(spec.dryRun),
      measurementRetention: retentions(spec.measurementRetention),
      analysisRunMetadata: extraMetadata(spec.analysisRunMetadata),
    },
    source: doc.location,
  };
}

/**
 * The typed Experiment of a stored object that validated clean before it was stored (the state
 * ConfigMap's `experiment.json`): no document positions, `location` names where it came from.
 */
export function toExperimentObject(object: Record<string, unknown>, location: SourceLocation): Experiment {
  return toExperiment({ file: location.file, index: 0, object, positions: new Map(), location });
}
