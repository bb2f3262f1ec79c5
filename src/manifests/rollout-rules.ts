/**
 * Argo Rollouts' validation rules for a Rollout that can be checked offline
 * (`pkg/apis/rollouts/validation/validation.go` and the reference checks that do not need the
 * cluster), plus a few that make an obviously broken spec fail here rather than at run time.
 * Runs after the schema check and reads values defensively: a field of the wrong type is skipped
 * (the schema has already reported it). Pure.
 */
import { pauseDurationSeconds } from './duration.ts';
import { checkIntOrPercent, checkPodTemplate, checkSelector, intOrPercentValue } from './k8s-rules.ts';
import { diagnosticAt, type ManifestDoc } from './parse.ts';
import { asBool, asInt, asList, asObj, asStr, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

const CANARY = 'spec.strategy.canary';
const BLUE_GREEN = 'spec.strategy.blueGreen';

/** Routers that need both canaryService and stableService (Argo's `requireCanaryStableServices`). */
function requiresCanaryAndStable(canary: Obj, tr: Obj): boolean {
  const istio = asObj(tr.istio);
  return (
    (isSet(tr.alb) && !isSet(canary.pingPong)) ||
    (istio !== undefined && !isSet(istio.destinationRule)) ||
    isSet(tr.smi) ||
    isSet(tr.apisix) ||
    isSet(tr.ambassador) ||
    isSet(tr.nginx) ||
    isSet(tr.appMesh) ||
    isSet(tr.traefik)
  );
}

const hasPlugins = (tr: Obj): boolean => Object.keys(asObj(tr.plugins) ?? {}).length > 0;

/** Downward-API style paths Argo accepts for `valueFrom.fieldRef` under `metadata`. */
const METADATA_FIELD =
  /^metadata\.(name|namespace|uid|labels|annotations)$|^metadata\.(labels|annotations)\['[^']+'\]$/;

export function rolloutRules(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const d = (path: string, message: string): void => {
    out.push(diagnosticAt(doc, path, message));
  };
  const spec = asObj(doc.object.spec);
  if (!spec) return out;

  // template / workloadRef / selector
  const workloadRef = isSet(spec.workloadRef);
  const hasTemplate = isSet(spec.template);
  if (!workloadRef && !hasTemplate) {
    d(
      'spec',
      'missing required field "template" (the pods to run); alternatively set workloadRef to take the pod template from an existing Deployment, ReplicaSet or PodTemplate',
    );
  }
  if (workloadRef && hasTemplate) {
    d(
      'spec.template',
      'template and workloadRef cannot both be set: with workloadRef the pod template comes from the referenced workload; remove one of them',
    );
  }
  if (!workloadRef && !isSet(spec.selector)) {
    d('spec', 'missing required field "selector" (matchLabels that match spec.template.metadata.labels)');
  }
  if (isSet(spec.selector)) {
    out.push(
      ...checkSelector(
        doc,
        'spec.selector',
        hasTemplate && !workloadRef ? 'spec.template.metadata.labels' : undefined,
      ),
    );
  }
  if (hasTemplate) out.push(...checkPodTemplate(doc, 'spec.template'));

  // deadlines and limits
  const minReady = asInt(spec.minReadySeconds) ?? 0;
  const deadline = asInt(spec.progressDeadlineSeconds) ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  if (deadline <= minReady) {
    d(
      isSet(spec.progressDeadlineSeconds) ? 'spec.progressDeadlineSeconds' : 'spec.minReadySeconds',
      `progressDeadlineSeconds (${deadline}) must be greater than minReadySeconds (${minReady})`,
    );
  }
  const historyLimit = asInt(spec.revisionHistoryLimit) ?? DEFAULT_REVISION_HISTORY_LIMIT;

  const strategy = asObj(spec.strategy);
  const canary = asObj(strategy?.canary);
  const blueGreen = asObj(strategy?.blueGreen);
  for (const [s, base] of [
    [canary, CANARY],
    [blueGreen, BLUE_GREEN],
  ] as const) {
    const limit = asInt(s?.scaleDownDelayRevisionLimit);
    if (limit !== undefined && limit > historyLimit) {
      d(
        `${base}.scaleDownDelayRevisionLimit`,
        `scaleDownDelayRevisionLimit (${limit}) cannot be larger than revisionHistoryLimit (${historyLimit}${isSet(spec.revisionHistoryLimit) ? '' : ', the default'})`,
      );
    }
  }
  if (canary) out.push(...canaryRules(doc, canary));
  if (blueGreen) out.push(...blueGreenRules(doc, blueGreen));
  return out;
}

function blueGreenRules(doc: ManifestDoc, bg: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const active = asStr(bg.activeService);
  if (active !== undefined && active !== '' && active === asStr(bg.previewService)) {
    out.push(
      diagnosticAt(
        doc,
        `${BLUE_GREEN}.previewService`,
        `activeService and previewService are both "${active}"; they must name two different Services`,
      ),
    );
  }
  out.push(...checkIntOrPercent(doc, `${BLUE_GREEN}.maxUnavailable`, bg.maxUnavailable, { max100: true }));
  for (const key of ['prePromotionAnalysis', 'postPromotionAnalysis']) {
    out.push(...analysisArgRules(doc, `${BLUE_GREEN}.${key}`, asObj(bg[key])));
  }
  return out;
}

function canaryRules(doc: ManifestDoc, canary: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const d = (path: string, message: string): void => {
    out.push(diagnosticAt(doc, path, message));
  };
  const tr = asObj(canary.trafficRouting);
  const steps = asList(canary.steps);

  // maxSurge / maxUnavailable
  out.push(...checkIntOrPercent(doc, `${CANARY}.maxSurge`, canary.maxSurge));
  out.push(...checkIntOrPercent(doc, `${CANARY}.maxUnavailable`, canary.maxUnavailable, { max100: true }));
  const surge = isSet(canary.maxSurge) ? intOrPercentValue(canary.maxSurge) : 25;
  const unavailable = isSet(canary.maxUnavailable) ? intOrPercentValue(canary.maxUnavailable) : 25;
  if (surge === 0 && unavailable === 0) {
    d(
      `${CANARY}.maxSurge`,
      'maxSurge and maxUnavailable cannot both be 0: the rollout could neither add a pod nor remove one; set one of them above 0',
    );
  }

  // services
  const canarySvc = asStr(canary.canaryService);
  const stableSvc = asStr(canary.stableService);
  if (canarySvc && stableSvc && canarySvc === stableSvc) {
    d(
      `${CANARY}.stableService`,
      `canaryService and stableService are both "${stableSvc}"; they must name two different Services`,
    );
  }
  if (tr && requiresCanaryAndStable(canary, tr)) {
    const missing = [!canarySvc ? 'canaryService' : '', !stableSvc ? 'stableService' : ''].filter(Boolean);
    if (missing.length > 0) {
      d(
        `${CANARY}.trafficRouting`,
        `traffic routing needs both canaryService and stableService; missing ${missing.join(' and ')}`,
      );
    }
  }

  // ping-pong
  const pingPong = asObj(canary.pingPong);
  if (pingPong) {
    const ping = asStr(pingPong.pingService);
    if (ping && ping === asStr(pingPong.pongService)) {
      d(`${CANARY}.pingPong.pongService`, `pingService and pongService are both "${ping}"; they must differ`);
    }
    if (tr && !isSet(tr.alb) && !isSet(tr.istio) && !hasPlugins(tr)) {
      d(`${CANARY}.pingPong`, 'pingPong works only with the alb or istio traffic routers or a router plugin');
    }
    const alb = asObj(tr?.alb);
    if (alb && !asStr(alb.rootService)) {
      d(`${CANARY}.trafficRouting.alb`, 'alb.rootService is required when pingPong is used');
    }
  }

  // fields that only mean something with traffic routing
  if (!tr) {
    const needsRouting: [string, boolean][] = [
      ['scaleDownDelaySeconds', isSet(canary.scaleDownDelaySeconds)],
      ['dynamicStableScale', asBool(canary.dynamicStableScale) === true],
      ['minPodsPerReplicaSet', isSet(canary.minPodsPerReplicaSet)],
      ['abortScaleDownDelaySeconds', isSet(canary.abortScaleDownDelaySeconds)],
    ];
    for (const [key, used] of needsRouting) {
      if (used) {
        d(
          `${CANARY}.${key}`,
          `${key} can only be used with trafficRouting (a basic canary shifts traffic by pod counts, where it has no effect)`,
        );
      }
    }
  } else {
    if (isSet(canary.scaleDownDelaySeconds) && asBool(canary.dynamicStableScale) === true) {
      d(
        `${CANARY}.dynamicStableScale`,
        'dynamicStableScale cannot be used together with scaleDownDelaySeconds',
      );
    }
    if (isSet(tr.maxTrafficWeight) && !isSet(tr.nginx) && !hasPlugins(tr)) {
      d(
        `${CANARY}.trafficRouting.maxTrafficWeight`,
        'maxTrafficWeight is supported only by the nginx traffic router and router plugins',
      );
    }
  }
  const maxWeight = asInt(tr?.maxTrafficWeight) ?? 100;
  const managedRoutes = asList(tr?.managedRoutes)
    .map((r) => asStr(asObj(r)?.name))
    .filter((n): n is string => n !== undefined);

  // background analysis
  const background = asObj(canary.analysis);
  if (background) {
    const starting = asInt(background.startingStep);
    if (starting !== undefined && starting >= steps.length && starting > 0) {
      d(
        `${CANARY}.analysis.startingStep`,
        steps.length === 0
          ? `startingStep ${starting} refers to a step, but the canary has no steps`
          : `startingStep must be a step index from 0 to ${steps.length - 1} (steps count from 0); found ${starting}`,
      );
    }
    out.push(...analysisArgRules(doc, `${CANARY}.analysis`, background));
  }

  // steps
  steps.forEach((raw, i) => {
    const step = asObj(raw);
    if (!step) return;
    const at = `${CANARY}.steps[${i}]`;
    const weight = asInt(step.setWeight);
    if (weight !== undefined && (weight < 0 || weight > maxWeight)) {
      d(
        `${at}.setWeight`,
        `setWeight must be between 0 and ${maxWeight}${maxWeight === DEFAULT_MAX_TRAFFIC_WEIGHT ? '' : ' (trafficRouting.maxTrafficWeight)'}, not ${weight}`,
      );
    }
    const pause = asObj(step.pause);
    const duration = pause?.duration;
    if (typeof duration === 'string' || typeof duration === 'number') {
      const seconds = pauseDurationSeconds(duration);
      if (seconds === undefined || seconds < 0) {
        d(
          `${at}.pause.duration`,
          `invalid pause duration ${JSON.stringify(duration)}: use whole seconds (30) or a number with a unit ("10s", "5m", "1h"), 0 or more`,
        );
      }
    }
    if (isSet(step.setCanaryScale) && !tr) {
      d(
        `${at}.setCanaryScale`,
        'setCanaryScale requires trafficRouting: without a traffic router the canary pod count is what sets the traffic weight',
      );
    }
    for (const routeKind of ['setHeaderRoute', 'setMirrorRoute'] as const) {
      const route = asObj(step[routeKind]);
      if (!route) continue;
      const routers =
        routeKind === 'setHeaderRoute'
          ? isSet(tr?.istio) || isSet(tr?.alb) || isSet(tr?.apisix) || (tr !== undefined && hasPlugins(tr))
          : isSet(tr?.istio) || (tr !== undefined && hasPlugins(tr));
      if (!routers) {
        d(
          `${at}.${routeKind}`,
          routeKind === 'setHeaderRoute'
            ? 'setHeaderRoute requires trafficRouting with istio, alb, apisix or a router plugin'
            : 'setMirrorRoute requires trafficRouting with istio or a router plugin',
        );
      }
      const name = asStr(route.name);
      if (tr && !isSet(tr.managedRoutes)) {
        d(
          `${CANARY}.trafficRouting`,
          `${routeKind} needs trafficRouting.managedRoutes listing the route "${name ?? ''}"`,
        );
      } else if (tr && (name === undefined || !managedRoutes.includes(name))) {
        d(
          `${at}.${routeKind}${name === undefined ? '' : '.name'}`,
          `route "${name ?? ''}" is not in trafficRouting.managedRoutes` +
            (managedRoutes.length > 0 ? ` (${managedRoutes.join(', ')})` : ''),
        );
      }
      if (routeKind === 'setHeaderRoute' && isSet(tr?.alb)) {
        asList(route.match).forEach((m, j) => {
          const value = asObj(asObj(m)?.headerValue);
          if (value && (isSet(value.regex) || isSet(value.prefix))) {
            d(
              `${at}.setHeaderRoute.match[${j}].headerValue`,
              'the alb router supports only "exact" header values',
            );
          }
        });
      }
    }
    const experiment = asObj(step.experiment);
    if (experiment) {
      asList(experiment.templates).forEach((t, j) => {
        if (!isSet(asObj(t)?.weight)) return;
        const path = `${at}.experiment.templates[${j}].weight`;
        if (!tr) d(path, 'an experiment template weight requires trafficRouting');
        else if (!isSet(tr.alb) && !isSet(tr.smi) && !isSet(tr.istio)) {
          d(path, 'an experiment template weight works only with the alb, smi or istio traffic routers');
        }
      });
      asList(experiment.analyses).forEach((a, j) => {
        out.push(...analysisArgRules(doc, `${at}.experiment.analyses[${j}]`, asObj(a)));
      });
    }
    const analysis = asObj(step.analysis);
    if (analysis) out.push(...analysisArgRules(doc, `${at}.analysis`, analysis));
  });
  return out;
}

/** Rollout-side analysis arguments: unique names, and `fieldRef` paths Argo can read. */
function analysisArgRules(doc: ManifestDoc, base: string, analysis: Obj | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!analysis) return out;
  const seen = new Set<string>();
  asList(analysis.args).forEach((a, i) => {
    const arg = asObj(a);
    const name = asStr(arg?.name);
    if (name !== undefined) {
      if (seen.has(name)) out.push(diagnosticAt(doc, `${base}.args[${i}].name`, `duplicate arg "${name}"`));
      seen.add(name);
    }
    const fieldPath = asStr(asObj(asObj(arg?.valueFrom)?.fieldRef)?.fieldPath);
    if (fieldPath?.startsWith('metadata') && !METADATA_FIELD.test(fieldPath)) {
      out.push(
        diagnosticAt(
          doc,
          `${base}.args[${i}].valueFrom.fieldRef.fieldPath`,
          `"${fieldPath}" is not a metadata field Argo can read; use metadata.name, metadata.namespace, metadata.uid, metadata.labels['key'] or metadata.annotations['key']`,
        ),
      );
    }
  });
  return out;
}
