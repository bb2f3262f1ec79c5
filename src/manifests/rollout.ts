/**
 * The typed model of a Rollout that the engine drives, built from a document that validated clean,
 * with Argo's defaults applied (`utils/defaults/defaults.go`): replicas 1, revisionHistoryLimit 10,
 * progressDeadlineSeconds 600, maxSurge and maxUnavailable 25%, analysis history limits 5 and 5,
 * maxTrafficWeight 100, and with traffic routing scaleDownDelaySeconds and abortScaleDownDelaySeconds
 * 30; blue-green: autoPromotionEnabled true, scaleDownDelaySeconds and abortScaleDownDelaySeconds 30.
 * Pause durations are already in seconds. Pure.
 */
import { pauseDurationSeconds, parseGoDuration } from './duration.ts';
import { ARGO_API_VERSION } from './kinds.ts';
import {
  dryRuns,
  extraMetadata,
  InvalidModelError,
  objectMeta,
  opt,
  requireObj,
  requireStr,
  retentions,
  templateRefs,
  type AnalysisTemplateRef,
  type DryRun,
  type ExtraMetadata,
  type MeasurementRetention,
  type ObjectMeta,
} from './model-common.ts';
import type { ManifestDoc } from './parse.ts';
import { asBool, asInt, asList, asObj, asStr, asStringMap, isSet, type Obj } from './values.ts';
import type { SourceLocation } from '../util/errors.ts';

export type {
  AnalysisTemplateRef,
  DryRun,
  ExtraMetadata,
  MeasurementRetention,
  ObjectMeta,
} from './model-common.ts';

/** A number of pods, or a percentage string such as "25%". */
export type IntOrPercent = number | string;

export const DEFAULTS = {
  replicas: 1,
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
  minReadySeconds: 0,
  maxSurge: '25%',
  maxUnavailable: '25%',
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
  maxTrafficWeight: 100,
  scaleDownDelaySeconds: 30,
  abortScaleDownDelaySeconds: 30,
  autoPromotionEnabled: true,
  mirrorPercentage: 100,
} as const;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

/** A pod template as written; the PodSpec is passed through to the cluster untouched. */
export interface PodTemplate {
  metadata: Record<string, unknown> & { labels: Record<string, string>; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface WorkloadRef {
  apiVersion: string;
  kind: string;
  name: string;
  scaleDown?: 'never' | 'onsuccess' | 'progressively';
}

export interface RolloutAnalysisArg {
  name: string;
  /** Argo reads a missing value as "". */
  value: string;
  valueFrom?: { podTemplateHashValue: 'Stable' | 'Latest' } | { fieldRef: { fieldPath: string } };
}

export interface RolloutAnalysis {
  templates: AnalysisTemplateRef[];
  args: RolloutAnalysisArg[];
  dryRun: DryRun[];
  measurementRetention: MeasurementRetention[];
  analysisRunMetadata: ExtraMetadata;
}

export interface BackgroundAnalysis extends RolloutAnalysis {
  /** Step index from which the background run starts (default 0). */
  startingStep: number;
}

export interface PauseStep {
  /** Seconds; undefined = pause until promoted. */
  duration?: number;
}

export type SetCanaryScale =
  | { mode: 'replicas'; replicas: number }
  | { mode: 'weight'; weight: number }
  | { mode: 'matchTrafficWeight' };

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface SetHeaderRoute {
  name?: string;
  /** Empty: remove the route. */
  match: { headerName: string; headerValue: StringMatch }[];
}

export interface SetMirrorRoute {
  name: string;
  match: { method?: StringMatch; path?: StringMatch; headers: Record<string, StringMatch> }[];
  /** Percent of matching traffic mirrored (default 100). */
  percentage: number;
}

export interface ExperimentStep {
  templates: {
    name: string;
    specRef: 'stable' | 'canary';
    replicas?: number;
    metadata: ExtraMetadata;
    selector?: LabelSelector;
    weight?: number;
    service?: { name?: string };
  }[];
  /** Seconds; undefined = until the analyses end it. */
  duration?: number;
  analyses: {
    name: string;
    templateName: string;
    clusterScope: boolean;
    args: RolloutAnalysisArg[];
    requiredForCompletion: boolean;
  }[];
  dryRun: DryRun[];
  analysisRunMetadata: ExtraMetadata;
}

export interface PluginStep {
  name: string;
  config?: unknown;
}

export type CanaryStep =
  | { kind: 'setWeight'; setWeight: number }
  | { kind: 'pause'; pause: PauseStep }
  | { kind: 'setCanaryScale'; setCanaryScale: SetCanaryScale }
  | { kind: 'analysis'; analysis: RolloutAnalysis }
  | { kind: 'experiment'; experiment: ExperimentStep }
  | { kind: 'setHeaderRoute'; setHeaderRoute: SetHeaderRoute }
  | { kind: 'setMirrorRoute'; setMirrorRoute: SetMirrorRoute }
  | { kind: 'plugin'; plugin: PluginStep };

/** Router configurations are kept as written until the routers are built. */
export interface TrafficRouting {
  istio?: Record<string, unknown>;
  nginx?: Record<string, unknown>;
  alb?: Record<string, unknown>;
  smi?: Record<string, unknown>;
  ambassador?: Record<string, unknown>;
  appMesh?: Record<string, unknown>;
  traefik?: Record<string, unknown>;
  apisix?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
  managedRoutes: { name: string }[];
  maxTrafficWeight?: number;
}

export type AntiAffinity = { mode: 'preferred'; weight: number } | { mode: 'required' };

export interface CanaryStrategy {
  canaryService?: string;
  stableService?: string;
  steps: CanaryStep[];
  trafficRouting?: TrafficRouting;
  /** trafficRouting.maxTrafficWeight, or 100: the weight of "all traffic". */
  maxTrafficWeight: number;
  maxSurge: IntOrPercent;
  maxUnavailable: IntOrPercent;
  analysis?: BackgroundAnalysis;
  antiAffinity?: AntiAffinity;
  canaryMetadata?: ExtraMetadata;
  stableMetadata?: ExtraMetadata;
  /** 30 by default with traffic routing; not used by a basic canary. */
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  /** 30 by default with traffic routing (0 = never scale the canary down); not used by a basic canary. */
  abortScaleDownDelaySeconds?: number;
  dynamicStableScale: boolean;
  pingPong?: { pingService: string; pongService: string };
  minPodsPerReplicaSet?: number;
  replicaProgressThreshold?: { type: string; value: number };
}

export interface BlueGreenStrategy {
  activeService: string;
  previewService?: string;
  previewReplicaCount?: number;
  autoPromotionEnabled: boolean;
  autoPromotionSeconds: number;
  maxUnavailable: IntOrPercent;
  scaleDownDelaySeconds: number;
  scaleDownDelayRevisionLimit?: number;
  abortScaleDownDelaySeconds: number;
  prePromotionAnalysis?: RolloutAnalysis;
  postPromotionAnalysis?: RolloutAnalysis;
  antiAffinity?: AntiAffinity;
  previewMetadata?: ExtraMetadata;
  activeMetadata?: ExtraMetadata;
}

export type RolloutStrategy =
  { canary: CanaryStrategy; blueGreen?: undefined } | { blueGreen: BlueGreenStrategy; canary?: undefined };

export interface RolloutSpec {
  replicas: number;
  /** Absent only with workloadRef (then taken from the workload). */
  selector?: LabelSelector;
  /** Absent only with workloadRef. */
  template?: PodTemplate;
  workloadRef?: WorkloadRef;
  minReadySeconds: number;
  revisionHistoryLimit: number;
  paused: boolean;
  progressDeadlineSeconds: number;
  progressDeadlineAbort: boolean;
  /** RFC 3339 timestamp. */
  restartAt?: string;
  rollbackWindow?: { revisions: number };
  analysis: { successfulRunHistoryLimit: number; unsuccessfulRunHistoryLimit: number };
  strategy: RolloutStrategy;
}

export interface Rollout {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'Rollout';
  metadata: ObjectMeta;
  spec: RolloutSpec;
  /** Where the document starts, for messages about it. */
  source: SourceLocation;
}

// ---- readers ------------------------------------------------------------------------------------------

function labelSelector(v: unknown): LabelSelector | undefined {
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

function podTemplate(v: unknown): PodTemplate | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const meta = asObj(o.metadata) ?? {};
  return {
    metadata: { ...meta, labels: asStringMap(meta.labels), annotations: asStringMap(meta.annotations) },
    spec: asObj(o.spec) ?? {},
  };
}

function rolloutArgs(v: unknown): RolloutAnalysisArg[] {
  return asList(v).flatMap((a) => {
    const o = asObj(a);
    const name = asStr(o?.name);
    if (name === undefined) return [];
    const from = asObj(o?.valueFrom);
    const hash = asStr(from?.podTemplateHashValue);
    const fieldPath = asStr(asObj(from?.fieldRef)?.fieldPath);
    const valueFrom: RolloutAnalysisArg['valueFrom'] =
      hash === 'Stable' || hash === 'Latest'
        ? { podTemplateHashValue: hash }
        : fieldPath !== undefined
          ? { fieldRef: { fieldPath } }
          : undefined;
    return [{ name, value: asStr(o?.value) ?? '', ...opt('valueFrom', valueFrom) }];
  });
}

function rolloutAnalysis(v: unknown): RolloutAnalysis | undefined {
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

function antiAffinity(v: unknown): AntiAffinity | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const weight = asInt(asObj(o.preferredDuringSchedulingIgnoredDuringExecution)?.weight);
  if (weight !== undefined) return { mode: 'preferred', weight };
  return isSet(o.requiredDuringSchedulingIgnoredDuringExecution) ? { mode: 'required' } : undefined;
}

function stringMatch(v: unknown): StringMatch {
  const o = asObj(v);
  return {
    ...opt('exact', asStr(o?.exact)),
    ...opt('prefix', asStr(o?.prefix)),
    ...opt('regex', asStr(o?.regex)),
  };
}

function optionalMetadata(v: unknown): ExtraMetadata | undefined {
  return isSet(v) ? extraMetadata(v) : undefined;
}

function step(raw: Obj, doc: ManifestDoc, index: number): CanaryStep {
  const where = `spec.strategy.canary.steps[${index}]`;
  const weight = asInt(raw.setWeight);
  if (weight !== undefined) return { kind: 'setWeight', setWeight: weight };
  if (isSet(raw.pause)) {
    const d = asObj(raw.pause)?.duration;
    const seconds = typeof d === 'number' || typeof d === 'string' ? pauseDurationSeconds(d) : undefined;
    return { kind: 'pause', pause: seconds === undefined ? {} : { duration: seconds } };
  }
  const scale = asObj(raw.setCanaryScale);
  if (scale) {
    const replicas = asInt(scale.replicas);
    const w = asInt(scale.weight);
    const setCanaryScale: SetCanaryScale =
      replicas !== undefined
        ? { mode: 'replicas', replicas }
        : w !== undefined
          ? { mode: 'weight', weight: w }
          : { mode: 'matchTrafficWeight' };
    return { kind: 'setCanaryScale', setCanaryScale };
  }
  const analysis = rolloutAnalysis(raw.analysis);
  if (analysis) return { kind: 'analysis', analysis };
  const exp = asObj(raw.experiment);
  if (exp) {
    const duration = asStr(exp.duration);
    const seconds = duration === undefined ? undefined : parseGoDuration(duration);
    return {
      kind: 'experiment',
      experiment: {
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
      },
    };
  }
  const header = asObj(raw.setHeaderRoute);
  if (header) {
    return {
      kind: 'setHeaderRoute',
      setHeaderRoute: {
        ...opt('name', asStr(header.name)),
        match: asList(header.match).map((m) => {
          const o = asObj(m);
          return { headerName: asStr(o?.headerName) ?? '', headerValue: stringMatch(o?.headerValue) };
        }),
      },
    };
  }
  const mirror = asObj(raw.setMirrorRoute);
  if (mirror) {
    return {
      kind: 'setMirrorRoute',
      setMirrorRoute: {
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
      },
    };
  }
  const plugin = asObj(raw.plugin);
  if (plugin) {
    return {
      kind: 'plugin',
      plugin: { name: requireStr(plugin.name, doc, `${where}.plugin.name`), ...opt('config', plugin.config) },
    };
  }
  throw new InvalidModelError(`${doc.location.file}: ${where} has no step kind; validate first`);
}

function trafficRouting(v: unknown): TrafficRouting | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const routers: Omit<TrafficRouting, 'managedRoutes' | 'maxTrafficWeight'> = {};
  for (const key of [
    'istio',
    'nginx',
    'alb',
    'smi',
    'ambassador',
    'appMesh',
    'traefik',
    'apisix',
    'plugins',
  ] as const) {
    const r = asObj(o[key]);
    if (r) routers[key] = r;
  }
  return {
    ...routers,
    managedRoutes: asList(o.managedRoutes).flatMap((r) => {
      const name = asStr(asObj(r)?.name);
      return name === undefined ? [] : [{ name }];
    }),
    ...opt('maxTrafficWeight', asInt(o.maxTrafficWeight)),
  };
}

function canaryStrategy(c: Obj, doc: ManifestDoc): CanaryStrategy {
  const tr = trafficRouting(c.trafficRouting);
  const background = rolloutAnalysis(c.analysis);
  const pingPong = asObj(c.pingPong);
  const threshold = asObj(c.replicaProgressThreshold);
  const thresholdType = asStr(threshold?.type);
  const thresholdValue = asInt(threshold?.value);
  return {
    ...opt('canaryService', asStr(c.canaryService)),
    ...opt('stableService', asStr(c.stableService)),
    steps: asList(c.steps).map((s, i) => step(asObj(s) ?? {}, doc, i)),
    ...opt('trafficRouting', tr),
    maxTrafficWeight: tr?.maxTrafficWeight ?? DEFAULTS.maxTrafficWeight,
    maxSurge: intOrPercent(c.maxSurge) ?? DEFAULTS.maxSurge,
    maxUnavailable: intOrPercent(c.maxUnavailable) ?? DEFAULTS.maxUnavailable,
    ...opt(
      'analysis',
      background ? { ...background, startingStep: asInt(asObj(c.analysis)?.startingStep) ?? 0 } : undefined,
    ),
    ...opt('antiAffinity', antiAffinity(c.antiAffinity)),
    ...opt('canaryMetadata', optionalMetadata(c.canaryMetadata)),
    ...opt('stableMetadata', optionalMetadata(c.stableMetadata)),
    ...opt(
      'scaleDownDelaySeconds',
      asInt(c.scaleDownDelaySeconds) ?? (tr ? DEFAULTS.scaleDownDelaySeconds : undefined),
    ),
    ...opt('scaleDownDelayRevisionLimit', asInt(c.scaleDownDelayRevisionLimit)),
    ...opt(
      'abortScaleDownDelaySeconds',
      asInt(c.abortScaleDownDelaySeconds) ?? (tr ? DEFAULTS.abortScaleDownDelaySeconds : undefined),
    ),
    dynamicStableScale: asBool(c.dynamicStableScale) ?? false,
    ...opt(
      'pingPong',
      pingPong
        ? { pingService: asStr(pingPong.pingService) ?? '', pongService: asStr(pingPong.pongService) ?? '' }
        : undefined,
    ),
    ...opt('minPodsPerReplicaSet', asInt(c.minPodsPerReplicaSet)),
    ...opt(
      'replicaProgressThreshold',
      thresholdType !== undefined && thresholdValue !== undefined
        ? { type: thresholdType, value: thresholdValue }
        : undefined,
    ),
  };
}

function blueGreenStrategy(b: Obj, doc: ManifestDoc): BlueGreenStrategy {
  return {
    activeService: requireStr(b.activeService, doc, 'spec.strategy.blueGreen.activeService'),
    ...opt('previewService', asStr(b.previewService)),
    ...opt('previewReplicaCount', asInt(b.previewReplicaCount)),
    autoPromotionEnabled: asBool(b.autoPromotionEnabled) ?? DEFAULTS.autoPromotionEnabled,
    autoPromotionSeconds: asInt(b.autoPromotionSeconds) ?? 0,
    maxUnavailable: intOrPercent(b.maxUnavailable) ?? DEFAULTS.maxUnavailable,
    scaleDownDelaySeconds: asInt(b.scaleDownDelaySeconds) ?? DEFAULTS.scaleDownDelaySeconds,
    ...opt('scaleDownDelayRevisionLimit', asInt(b.scaleDownDelayRevisionLimit)),
    abortScaleDownDelaySeconds: asInt(b.abortScaleDownDelaySeconds) ?? DEFAULTS.abortScaleDownDelaySeconds,
    ...opt('prePromotionAnalysis', rolloutAnalysis(b.prePromotionAnalysis)),
    ...opt('postPromotionAnalysis', rolloutAnalysis(b.postPromotionAnalysis)),
    ...opt('antiAffinity', antiAffinity(b.antiAffinity)),
    ...opt('previewMetadata', optionalMetadata(b.previewMetadata)),
    ...opt('activeMetadata', optionalMetadata(b.activeMetadata)),
  };
}

function intOrPercent(v: unknown): IntOrPercent | undefined {
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

function workloadRef(v: unknown): WorkloadRef | undefined {
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

/**
 * The typed Rollout for a document that validated clean (`validateManifests` reported nothing for
 * it), with Argo's defaults applied. Throws InvalidModelError when essential parts are missing.
 */
export function toRollout(doc: ManifestDoc): Rollout {
  if (doc.object.apiVersion !== ARGO_API_VERSION || doc.object.kind !== 'Rollout') {
    throw new InvalidModelError(
      `${doc.location.file}:${doc.location.line}: not an ${ARGO_API_VERSION} Rollout`,
    );
  }
  const spec = requireObj(doc.object.spec, doc, 'spec');
  const strategyObj = requireObj(spec.strategy, doc, 'spec.strategy');
  const canary = asObj(strategyObj.canary);
  const blueGreen = asObj(strategyObj.blueGreen);
  let strategy: RolloutStrategy;
  if (canary) strategy = { canary: canaryStrategy(canary, doc) };
  else if (blueGreen) strategy = { blueGreen: blueGreenStrategy(blueGreen, doc) };
  else
    throw new InvalidModelError(
      `${doc.location.file}:${doc.location.line}: spec.strategy has no canary or blueGreen`,
    );
  const analysis = asObj(spec.analysis);
  const rollbackRevisions = asInt(asObj(spec.rollbackWindow)?.revisions);
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Rollout',
    metadata: objectMeta(doc),
    spec: {
      replicas: asInt(spec.replicas) ?? DEFAULTS.replicas,
      ...opt('selector', labelSelector(spec.selector)),
      ...opt('template', podTemplate(spec.template)),
      ...opt('workloadRef', workloadRef(spec.workloadRef)),
      minReadySeconds: asInt(spec.minReadySeconds) ?? DEFAULTS.minReadySeconds,
      revisionHistoryLimit: asInt(spec.revisionHistoryLimit) ?? DEFAULTS.revisionHistoryLimit,
      paused: asBool(spec.paused) ?? false,
      progressDeadlineSeconds: asInt(spec.progressDeadlineSeconds) ?? DEFAULTS.progressDeadlineSeconds,
      progressDeadlineAbort: asBool(spec.progressDeadlineAbort) ?? false,
      ...opt('restartAt', asStr(spec.restartAt)),
      ...opt(
        'rollbackWindow',
        rollbackRevisions === undefined ? undefined : { revisions: rollbackRevisions },
      ),
      analysis: {
        successfulRunHistoryLimit:
          asInt(analysis?.successfulRunHistoryLimit) ?? DEFAULTS.successfulRunHistoryLimit,
        unsuccessfulRunHistoryLimit:
          asInt(analysis?.unsuccessfulRunHistoryLimit) ?? DEFAULTS.unsuccessfulRunHistoryLimit,
      },
      strategy,
    },
    source: doc.location,
  };
}
