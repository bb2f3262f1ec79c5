/** Reading the steps of a canary strategy, one reader per step kind. Pure. */
import { pauseDurationSeconds, parseGoDuration } from './duration.ts';
import { dryRuns, extraMetadata, InvalidModelError, opt, requireStr } from './model-common.ts';
import type { ManifestDoc } from './manifest-doc.ts';
import {
  DEFAULTS,
  type CanaryStep,
  type ExperimentStep,
  type SetCanaryScale,
  type SetHeaderRoute,
  type SetMirrorRoute,
  type StringMatch,
} from './rollout-model.ts';
import { labelSelector, rolloutAnalysis, rolloutArgs, stringMatch } from './rollout-readers.ts';
import { asInt, asList, asObj, asStr, isSet, type Obj } from './values.ts';

/** The typed step at `spec.strategy.canary.steps[index]`; the first kind set wins, as in Argo. */
export function canaryStep(raw: Obj, doc: ManifestDoc, index: number): CanaryStep {
  const where = `spec.strategy.canary.steps[${index}]`;
  const weight = asInt(raw.setWeight);
  if (weight !== undefined) return { kind: 'setWeight', setWeight: weight };
  if (isSet(raw.pause)) {
    const d = asObj(raw.pause)?.duration;
    const seconds = typeof d === 'number' || typeof d === 'string' ? pauseDurationSeconds(d) : undefined;
    return { kind: 'pause', pause: seconds === undefined ? {} : { duration: seconds } };
  }
  const scale = asObj(raw.setCanaryScale);
  if (scale) return { kind: 'setCanaryScale', setCanaryScale: setCanaryScale(scale) };
  const analysis = rolloutAnalysis(raw.analysis);
  if (analysis) return { kind: 'analysis', analysis };
  const exp = asObj(raw.experiment);
  if (exp) return { kind: 'experiment', experiment: experimentStep(exp) };
  const header = asObj(raw.setHeaderRoute);
  if (header) return { kind: 'setHeaderRoute', setHeaderRoute: setHeaderRoute(header) };
  const mirror = asObj(raw.setMirrorRoute);
  if (mirror) return { kind: 'setMirrorRoute', setMirrorRoute: setMirrorRoute(mirror) };
  const plugin = asObj(raw.plugin);
  if (plugin) {
    return {
      kind: 'plugin',
      plugin: { name: requireStr(plugin.name, doc, `${where}.plugin.name`), ...opt('config', plugin.config) },
    };
  }
  throw new InvalidModelError(`${doc.location.file}: ${where} has no step kind; validate first`);
}

function setCanaryScale(scale: Obj): SetCanaryScale {
  const replicas = asInt(scale.replicas);
  const w = asInt(scale.weight);
  return replicas !== undefined
    ? { mode: 'replicas', replicas }
    : w !== undefined
      ? { mode: 'weight', weight: w }
      : { mode: 'matchTrafficWeight' };
}

function experimentStep(exp: Obj): ExperimentStep {
  const duration = asStr(exp.duration);
  const seconds = duration === undefined ? undefined : parseGoDuration(duration);
  return {
    templates: asList(exp.templates).map((t) => {
      const o = asObj(t) ?? {};
      const service = asObj(o.service);
      const selector = labelSelector(o.selector);
      return {
        name: asStr(o.name) ?? '',
        specRef: asStr(o.specRef) === 'stable' ? 'stable' : 'canary',
        ...opt('replicas', asInt(o.replicas)),
        metadata: extraMetadata(o.metadata),
        ...opt('selector', selector),
        ...opt('weight', asInt(o.weight)),
        ...opt('service', service ? { ...opt('name', asStr(service.name)) } : undefined),
      };
    }),
    ...opt('duration', seconds === undefined ? undefined : Math.trunc(seconds)),
    analyses: asList(exp.analyses).map((a) => {
      const o = asObj(a) ?? {};
      return {
        name: asStr(o.name) ?? '',
        templateName: asStr(o.templateName) ?? '',
        clusterScope: o.clusterScope === true,
        args: rolloutArgs(o.args),
        requiredForCompletion: o.requiredForCompletion === true,
      };
    }),
    dryRun: dryRuns(exp.dryRun),
    analysisRunMetadata: extraMetadata(exp.analysisRunMetadata),
    ...opt('scaleDownDelaySeconds', asInt(exp.scaleDownDelaySeconds)),
  };
}

function setHeaderRoute(header: Obj): SetHeaderRoute {
  return {
    ...opt('name', asStr(header.name)),
    match: asList(header.match).map((m) => {
      const o = asObj(m);
      return { headerName: asStr(o?.headerName) ?? '', headerValue: stringMatch(o?.headerValue) };
    }),
  };
}

function setMirrorRoute(mirror: Obj): SetMirrorRoute {
  return {
    name: asStr(mirror.name) ?? '',
    match: asList(mirror.match).map((m) => {
      const o = asObj(m);
      const headers: Record<string, StringMatch> = {};
      for (const [k, v] of Object.entries(asObj(o?.headers) ?? {})) headers[k] = stringMatch(v);
      return {
        ...opt('method', isSet(o?.method) ? stringMatch(o?.method) : undefined),
        ...opt('path', isSet(o?.path) ? stringMatch(o?.path) : undefined),
        headers,
      };
    }),
    percentage: asInt(mirror.percentage) ?? DEFAULTS.mirrorPercentage,
  };
}
