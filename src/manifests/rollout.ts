/**
 * The typed model of a Rollout that the engine drives, built from a document that validated clean,
 * with Argo's defaults applied (`utils/defaults/defaults.go`): replicas 1, revisionHistoryLimit 10,
 * progressDeadlineSeconds 600, maxSurge and maxUnavailable 25%, analysis history limits 5 and 5,
 * maxTrafficWeight 100, and with traffic routing scaleDownDelaySeconds and abortScaleDownDelaySeconds
 * 30; blue-green: autoPromotionEnabled true, scaleDownDelaySeconds and abortScaleDownDelaySeconds 30.
 * Pause durations are already in seconds. Pure.
 */
import { TRAFFIC_ROUTERS } from './argo-schema.ts';
import { ARGO_API_VERSION } from './kinds.ts';
import { InvalidModelError, objectMeta, opt, requireObj, requireStr } from './model-common.ts';
import type { ManifestDoc } from './manifest-doc.ts';
import type { SourceLocation } from '../util/errors.ts';
import { canaryStep } from './rollout-steps.ts';
import {
  DEFAULTS,
  type BlueGreenStrategy,
  type CanaryStrategy,
  type Rollout,
  type RolloutStrategy,
  type TrafficRouting,
} from './rollout-model.ts';
import {
  antiAffinity,
  intOrPercent,
  labelSelector,
  optionalMetadata,
  podTemplate,
  rolloutAnalysis,
  workloadRef,
} from './rollout-readers.ts';
import { asBool, asInt, asList, asObj, asStr, type Obj } from './values.ts';

// The model's entry module: its types live in rollout-model.ts, re-exported so importers need one path.
export type {
  AnalysisTemplateRef,
  DryRun,
  ExtraMetadata,
  MeasurementRetention,
  ObjectMeta,
} from './model-common.ts';
export * from './rollout-model.ts';

function trafficRouting(v: unknown): TrafficRouting | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const routers: Omit<TrafficRouting, 'managedRoutes' | 'maxTrafficWeight'> = {};
  for (const key of TRAFFIC_ROUTERS) {
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
    steps: asList(c.steps).map((s, i) => canaryStep(asObj(s) ?? {}, doc, i)),
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
    // As written: whether it was set changes Argo's behaviour with dynamicStableScale.
    ...opt('abortScaleDownDelaySeconds', asInt(c.abortScaleDownDelaySeconds)),
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
    ...opt('scaleDownDelaySeconds', asInt(b.scaleDownDelaySeconds)),
    ...opt('scaleDownDelayRevisionLimit', asInt(b.scaleDownDelayRevisionLimit)),
    abortScaleDownDelaySeconds: asInt(b.abortScaleDownDelaySeconds) ?? DEFAULTS.abortScaleDownDelaySeconds,
    ...opt('prePromotionAnalysis', rolloutAnalysis(b.prePromotionAnalysis)),
    ...opt('postPromotionAnalysis', rolloutAnalysis(b.postPromotionAnalysis)),
    ...opt('antiAffinity', antiAffinity(b.antiAffinity)),
    ...opt('previewMetadata', optionalMetadata(b.previewMetadata)),
    ...opt('activeMetadata', optionalMetadata(b.activeMetadata)),
  };
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

/**
 * `toRollout` for an object that validated clean but is no longer in its file (the copy a run
 * stored); `location` stands in for the document's start in messages.
 */
export function toRolloutObject(object: Record<string, unknown>, location: SourceLocation): Rollout {
  return toRollout({ file: location.file, index: 0, object, positions: new Map(), location });
}
