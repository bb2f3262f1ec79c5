/**
 * Argo Rollouts' validation rules for `spec.strategy.canary`, one function per concern: replica
 * bounds, services, ping-pong, fields that need traffic routing, background analysis, and each step
 * (weight, pause, canary scale, header and mirror routes, experiment, analysis). Reads values
 * defensively, as `rollout-rules.ts` does. Pure.
 */
import { pauseDurationSeconds } from './duration.ts';
import { experimentWeightProblem } from './experiment-rules.ts';
import { checkIntOrPercent, intOrPercentValue } from './k8s-rules.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { analysisArgRules } from './rollout-arg-rules.ts';
import { asBool, asInt, asList, asObj, asStr, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

export const CANARY = 'spec.strategy.canary';

/** What every canary rule reads, and where it reports. */
interface CanaryContext {
  doc: ManifestDoc;
  canary: Obj;
  /** `trafficRouting`; absent for a basic canary. */
  tr: Obj | undefined;
  steps: unknown[];
  /** Reports one diagnostic at `path`. */
  d: (path: string, message: string) => void;
  /** Adds diagnostics another rule set produced, in order. */
  add: (diagnostics: Diagnostic[]) => void;
}

/** The concerns in the order their diagnostics are reported. */
const CANARY_RULES: readonly ((c: CanaryContext) => void)[] = [
  replicaBoundRules,
  serviceRules,
  pingPongRules,
  routingOnlyRules,
  backgroundAnalysisRules,
  stepRules,
];

export function canaryRules(doc: ManifestDoc, canary: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const c: CanaryContext = {
    doc,
    canary,
    tr: asObj(canary.trafficRouting),
    steps: asList(canary.steps),
    d: (path, message) => {
      out.push(diagnosticAt(doc, path, message));
    },
    add: (diagnostics) => {
      out.push(...diagnostics);
    },
  };
  for (const rule of CANARY_RULES) rule(c);
  return out;
}

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

/** maxSurge / maxUnavailable. */
function replicaBoundRules({ doc, canary, d, add }: CanaryContext): void {
  add(checkIntOrPercent(doc, `${CANARY}.maxSurge`, canary.maxSurge));
  add(checkIntOrPercent(doc, `${CANARY}.maxUnavailable`, canary.maxUnavailable, { max100: true }));
  const surge = isSet(canary.maxSurge) ? intOrPercentValue(canary.maxSurge) : 25;
  const unavailable = isSet(canary.maxUnavailable) ? intOrPercentValue(canary.maxUnavailable) : 25;
  if (surge === 0 && unavailable === 0) {
    d(
      `${CANARY}.maxSurge`,
      'maxSurge and maxUnavailable cannot both be 0: the rollout could neither add a pod nor remove one; set one of them above 0',
    );
  }
}

/** canaryService / stableService. */
function serviceRules({ canary, tr, d }: CanaryContext): void {
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
}

function pingPongRules({ canary, tr, d }: CanaryContext): void {
  const pingPong = asObj(canary.pingPong);
  if (!pingPong) return;
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

/** Fields that only mean something with traffic routing, and the router-specific ones. */
function routingOnlyRules({ canary, tr, d }: CanaryContext): void {
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
    return;
  }
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

/** `canary.analysis`: the run in the background from `startingStep` on. */
function backgroundAnalysisRules({ doc, canary, steps, d, add }: CanaryContext): void {
  const background = asObj(canary.analysis);
  if (!background) return;
  const starting = asInt(background.startingStep);
  if (starting !== undefined && starting >= steps.length && starting > 0) {
    d(
      `${CANARY}.analysis.startingStep`,
      steps.length === 0
        ? `startingStep ${starting} refers to a step, but the canary has no steps`
        : `startingStep must be a step index from 0 to ${steps.length - 1} (steps count from 0); found ${starting}`,
    );
  }
  add(analysisArgRules(doc, `${CANARY}.analysis`, background));
}

/** One step, with what its rules read from the strategy. */
interface StepContext {
  c: CanaryContext;
  step: Obj;
  /** The step's path, `spec.strategy.canary.steps[i]`. */
  at: string;
  maxWeight: number;
  managedRoutes: string[];
}

/** The rules of one step, in the order their diagnostics are reported. */
const STEP_RULES: readonly ((s: StepContext) => void)[] = [
  setWeightRule,
  pauseRule,
  canaryScaleRule,
  routeRules,
  experimentRules,
  stepAnalysisRule,
];

function stepRules(c: CanaryContext): void {
  const maxWeight = asInt(c.tr?.maxTrafficWeight) ?? 100;
  const managedRoutes = asList(c.tr?.managedRoutes)
    .map((r) => asStr(asObj(r)?.name))
    .filter((n): n is string => n !== undefined);
  c.steps.forEach((raw, i) => {
    const step = asObj(raw);
    if (!step) return;
    const s: StepContext = { c, step, at: `${CANARY}.steps[${i}]`, maxWeight, managedRoutes };
    for (const rule of STEP_RULES) rule(s);
  });
}

function setWeightRule({ c, step, at, maxWeight }: StepContext): void {
  const weight = asInt(step.setWeight);
  if (weight !== undefined && (weight < 0 || weight > maxWeight)) {
    c.d(
      `${at}.setWeight`,
      `setWeight must be between 0 and ${maxWeight}${maxWeight === DEFAULT_MAX_TRAFFIC_WEIGHT ? '' : ' (trafficRouting.maxTrafficWeight)'}, not ${weight}`,
    );
  }
}

function pauseRule({ c, step, at }: StepContext): void {
  const pause = asObj(step.pause);
  const duration = pause?.duration;
  if (typeof duration !== 'string' && typeof duration !== 'number') return;
  const seconds = pauseDurationSeconds(duration);
  if (seconds === undefined || seconds < 0) {
    c.d(
      `${at}.pause.duration`,
      `invalid pause duration ${JSON.stringify(duration)}: use whole seconds (30) or a number with a unit ("10s", "5m", "1h"), 0 or more`,
    );
  }
}

function canaryScaleRule({ c, step, at }: StepContext): void {
  if (isSet(step.setCanaryScale) && !c.tr) {
    c.d(
      `${at}.setCanaryScale`,
      'setCanaryScale requires trafficRouting: without a traffic router the canary pod count is what sets the traffic weight',
    );
  }
}

/** setHeaderRoute and setMirrorRoute: a router that supports them, and a managed route by that name. */
function routeRules(s: StepContext): void {
  const { c, step, at, managedRoutes } = s;
  const { tr } = c;
  for (const routeKind of ['setHeaderRoute', 'setMirrorRoute'] as const) {
    const route = asObj(step[routeKind]);
    if (!route) continue;
    const routers =
      routeKind === 'setHeaderRoute'
        ? isSet(tr?.istio) || isSet(tr?.alb) || isSet(tr?.apisix) || (tr !== undefined && hasPlugins(tr))
        : isSet(tr?.istio) || (tr !== undefined && hasPlugins(tr));
    if (!routers) {
      c.d(
        `${at}.${routeKind}`,
        routeKind === 'setHeaderRoute'
          ? 'setHeaderRoute requires trafficRouting with istio, alb, apisix or a router plugin'
          : 'setMirrorRoute requires trafficRouting with istio or a router plugin',
      );
    }
    const name = asStr(route.name);
    if (tr && !isSet(tr.managedRoutes)) {
      c.d(
        `${CANARY}.trafficRouting`,
        `${routeKind} needs trafficRouting.managedRoutes listing the route "${name ?? ''}"`,
      );
    } else if (tr && (name === undefined || !managedRoutes.includes(name))) {
      c.d(
        `${at}.${routeKind}${name === undefined ? '' : '.name'}`,
        `route "${name ?? ''}" is not in trafficRouting.managedRoutes` +
          (managedRoutes.length > 0 ? ` (${managedRoutes.join(', ')})` : ''),
      );
    }
    if (routeKind === 'setHeaderRoute' && isSet(tr?.alb)) albHeaderMatchRules(c, at, route);
  }
}

function albHeaderMatchRules(c: CanaryContext, at: string, route: Obj): void {
  asList(route.match).forEach((m, j) => {
    const value = asObj(asObj(m)?.headerValue);
    if (value && (isSet(value.regex) || isSet(value.prefix))) {
      c.d(
        `${at}.setHeaderRoute.match[${j}].headerValue`,
        'the alb router supports only "exact" header values',
      );
    }
  });
}

/** An experiment step: template weights need a router that can split to them; analysis args. */
function experimentRules({ c, step, at }: StepContext): void {
  const experiment = asObj(step.experiment);
  if (!experiment) return;
  const { tr } = c;
  asList(experiment.templates).forEach((t, j) => {
    if (!isSet(asObj(t)?.weight)) return;
    const problem = experimentWeightProblem(tr);
    if (problem !== undefined) c.d(`${at}.experiment.templates[${j}].weight`, problem);
  });
  asList(experiment.analyses).forEach((a, j) => {
    c.add(analysisArgRules(c.doc, `${at}.experiment.analyses[${j}]`, asObj(a)));
  });
}

function stepAnalysisRule({ c, step, at }: StepContext): void {
  const analysis = asObj(step.analysis);
  if (analysis) c.add(analysisArgRules(c.doc, `${at}.analysis`, analysis));
}
