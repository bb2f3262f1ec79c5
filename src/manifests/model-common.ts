/** Types and readers shared by the typed models of Rollouts and AnalysisTemplates. Pure. */
import { asInt, asList, asObj, asStr, asStringMap, type Obj } from './values.ts';
import type { ManifestDoc } from './manifest-doc.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Labels and annotations only (Argo's PodTemplateMetadata / AnalysisRunMetadata). */
export interface ExtraMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AnalysisTemplateRef {
  templateName: string;
  /** true: a ClusterAnalysisTemplate; false: an AnalysisTemplate in the same namespace. */
  clusterScope: boolean;
}

export interface DryRun {
  /** Metric name pattern (a regular expression; `*` means every metric). */
  metricName: string;
}

export interface MeasurementRetention {
  metricName: string;
  limit: number;
}

/** Thrown when a model is built from a document that did not validate: a programming error. */
export class InvalidModelError extends Error {
  override name = 'InvalidModelError';
}

export function requireObj(v: unknown, doc: ManifestDoc, what: string): Obj {
  const o = asObj(v);
  if (!o)
    throw new InvalidModelError(
      `${doc.location.file}:${doc.location.line}: ${what} is missing; validate first`,
    );
  return o;
}

export function requireStr(v: unknown, doc: ManifestDoc, what: string): string {
  const s = asStr(v);
  if (s === undefined) {
    throw new InvalidModelError(
      `${doc.location.file}:${doc.location.line}: ${what} is missing; validate first`,
    );
  }
  return s;
}

export function objectMeta(doc: ManifestDoc): ObjectMeta {
  const m = requireObj(doc.object.metadata, doc, 'metadata');
  const namespace = asStr(m.namespace);
  return {
    name: requireStr(m.name, doc, 'metadata.name'),
    ...(namespace === undefined ? {} : { namespace }),
    labels: asStringMap(m.labels),
    annotations: asStringMap(m.annotations),
  };
}

export function extraMetadata(v: unknown): ExtraMetadata {
  const o = asObj(v);
  return { labels: asStringMap(o?.labels), annotations: asStringMap(o?.annotations) };
}

export function templateRefs(v: unknown): AnalysisTemplateRef[] {
  return asList(v).flatMap((r) => {
    const o = asObj(r);
    const templateName = asStr(o?.templateName);
    return templateName === undefined ? [] : [{ templateName, clusterScope: o?.clusterScope === true }];
  });
}

export function dryRuns(v: unknown): DryRun[] {
  return asList(v).flatMap((r) => {
    const metricName = asStr(asObj(r)?.metricName);
    return metricName === undefined ? [] : [{ metricName }];
  });
}

export function retentions(v: unknown): MeasurementRetention[] {
  return asList(v).flatMap((r) => {
    const o = asObj(r);
    const metricName = asStr(o?.metricName);
    const limit = asInt(o?.limit);
    return metricName === undefined || limit === undefined ? [] : [{ metricName, limit }];
  });
}

/** Sets `key` only when `value` is defined (keeps optional fields absent rather than undefined). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** One analysis argument as written (a Rollout's or a template's): its name, object and `valueFrom`. */
export interface NamedArg {
  name: string;
  arg: Obj;
  from: Obj | undefined;
}

/** The arguments of an `args` list that have a name; the others are dropped. */
export function namedArgs(v: unknown): NamedArg[] {
  return asList(v).flatMap((a) => {
    const arg = asObj(a);
    const name = asStr(arg?.name);
    return arg === undefined || name === undefined ? [] : [{ name, arg, from: asObj(arg.valueFrom) }];
  });
}

/** `valueFrom.fieldRef`, which both Rollout and template arguments may use. */
export function fieldRefSource(from: Obj | undefined): { fieldRef: { fieldPath: string } } | undefined {
  const fieldPath = asStr(asObj(from?.fieldRef)?.fieldPath);
  return fieldPath !== undefined ? { fieldRef: { fieldPath } } : undefined;
}
