/** Readers of the parts of a Rollout spec shared by its strategies and steps. Pure. */
import {
  dryRuns,
  extraMetadata,
  fieldRefSource,
  namedArgs,
  opt,
  retentions,
  templateRefs,
  type ExtraMetadata,
} from './model-common.ts';
import type {
  AntiAffinity,
  IntOrPercent,
  LabelSelector,
  PodTemplate,
  RolloutAnalysis,
  RolloutAnalysisArg,
  StringMatch,
  WorkloadRef,
} from './rollout-model.ts';
import { asInt, asList, asObj, asStr, asStringMap, isSet } from './values.ts';

export function labelSelector(v: unknown): LabelSelector | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  return {
    matchLabels: asStringMap(o.matchLabels),
    matchExpressions: asList(o.matchExpressions).flatMap((e) => {
      const x = asObj(e);
      const key = asStr(x?.key);
      const operator = asStr(x?.operator);
      if (
        key === undefined ||
        !(operator === 'In' || operator === 'NotIn' || operator === 'Exists' || operator === 'DoesNotExist')
      ) {
        return [];
      }
      return [{ key, operator, values: asList(x?.values).filter((s): s is string => typeof s === 'string') }];
    }),
  };
}

export function podTemplate(v: unknown): PodTemplate | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const meta = asObj(o.metadata) ?? {};
  return {
    metadata: { ...meta, labels: asStringMap(meta.labels), annotations: asStringMap(meta.annotations) },
    spec: asObj(o.spec) ?? {},
  };
}

export function rolloutArgs(v: unknown): RolloutAnalysisArg[] {
  return namedArgs(v).map(({ name, arg, from }) => {
    const hash = asStr(from?.podTemplateHashValue);
    const valueFrom: RolloutAnalysisArg['valueFrom'] =
      hash === 'Stable' || hash === 'Latest' ? { podTemplateHashValue: hash } : fieldRefSource(from);
    return { name, value: asStr(arg.value) ?? '', ...opt('valueFrom', valueFrom) };
  });
}

export function rolloutAnalysis(v: unknown): RolloutAnalysis | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  return {
    templates: templateRefs(o.templates),
    args: rolloutArgs(o.args),
    dryRun: dryRuns(o.dryRun),
    measurementRetention: retentions(o.measurementRetention),
    analysisRunMetadata: extraMetadata(o.analysisRunMetadata),
  };
}

export function antiAffinity(v: unknown): AntiAffinity | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const weight = asInt(asObj(o.preferredDuringSchedulingIgnoredDuringExecution)?.weight);
  if (weight !== undefined) return { mode: 'preferred', weight };
  return isSet(o.requiredDuringSchedulingIgnoredDuringExecution) ? { mode: 'required' } : undefined;
}

export function stringMatch(v: unknown): StringMatch {
  const o = asObj(v);
  return {
    ...opt('exact', asStr(o?.exact)),
    ...opt('prefix', asStr(o?.prefix)),
    ...opt('regex', asStr(o?.regex)),
  };
}

export function optionalMetadata(v: unknown): ExtraMetadata | undefined {
  return isSet(v) ? extraMetadata(v) : undefined;
}

export function intOrPercent(v: unknown): IntOrPercent | undefined {
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

export function workloadRef(v: unknown): WorkloadRef | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const scaleDown = asStr(o.scaleDown);
  const ref: WorkloadRef = {
    apiVersion: asStr(o.apiVersion) ?? '',
    kind: asStr(o.kind) ?? '',
    name: asStr(o.name) ?? '',
  };
  if (scaleDown === 'never' || scaleDown === 'onsuccess' || scaleDown === 'progressively')
    ref.scaleDown = scaleDown;
  return ref;
}
