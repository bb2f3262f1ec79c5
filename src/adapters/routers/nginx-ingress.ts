/**
 * The canary Ingress of the NGINX router, as pure functions: the router's config as written, the
 * canary Ingress a stable Ingress calls for, and the minimal patch that brings an existing canary
 * Ingress there. Behaviour follows Argo Rollouts v1.10.2 (rollout/trafficrouting/nginx/nginx.go,
 * utils/ingress/ingress.go), so a rollout moved from Argo finds its canary Ingress as Argo left it.
 */
import type { KubeObject } from '../../controller/ports.ts';
import type { JsonPatchOp } from '../../controller/traffic-router.ts';
import { asList, asObj, asStr, asStringMap, dig } from '../../manifests/values.ts';
import { jsonDiff, pointerToken } from './json-diff.ts';

export const INGRESS_API_VERSION = 'networking.k8s.io/v1';
export const DEFAULT_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io';
/** The one stable annotation the canary needs too: ingress-nginx pairs canary and stable by class. */
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const CANARY_SUFFIX = '-canary';
/** The longest name the API server accepts for an Ingress. */
const MAX_NAME_LENGTH = 253;

/** `trafficRouting.nginx`, with Argo's defaults applied. */
export interface NginxConfig {
  /** `stableIngresses`, or the one `stableIngress`: one canary Ingress each. */
  stableIngresses: string[];
  annotationPrefix: string;
  /** Keys without the prefix get it. */
  additionalIngressAnnotations: Record<string, string>;
  /** Written verbatim. */
  canaryIngressAnnotations: Record<string, string>;
}

/** Reads `trafficRouting.nginx`; `stableIngresses` wins over `stableIngress`, as in Argo. */
export function parseNginxConfig(config: unknown): NginxConfig {
  const block = asObj(config) ?? {};
  const list = block.stableIngresses;
  let stableIngresses: string[];
  if (Array.isArray(list)) {
    stableIngresses = list.map((name, i) => {
      if (typeof name !== 'string' || name === '')
        throw new Error(`trafficRouting.nginx.stableIngresses[${i}] must be an Ingress name`);
      return name;
    });
  } else {
    const one = asStr(block.stableIngress) ?? '';
    if (one === '') throw new Error('trafficRouting.nginx needs stableIngress or stableIngresses');
    stableIngresses = [one];
  }
  const prefix = asStr(block.annotationPrefix) ?? '';
  return {
    stableIngresses,
    annotationPrefix: prefix === '' ? DEFAULT_ANNOTATION_PREFIX : prefix,
    additionalIngressAnnotations: asStringMap(block.additionalIngressAnnotations),
    canaryIngressAnnotations: asStringMap(block.canaryIngressAnnotations),
  };
}

/**
 * `<rollout>-<stableIngress>-canary`; when that is too long for a name, the part before `-canary`
 * is cut to fit (Argo's GetCanaryIngressName), so the suffix always stays.
 */
export function canaryIngressName(rollout: string, stableIngress: string): string {
  const base = `${rollout}-${stableIngress}`;
  return base.slice(0, MAX_NAME_LENGTH - CANARY_SUFFIX.length) + CANARY_SUFFIX;
}

/** The annotation of the canary Ingress that holds its weight. */
export function canaryWeightAnnotation(prefix: string): string {
  return `${prefix}/canary-weight`;
}

/** What the canary Ingress of one stable Ingress is built from. */
export interface CanaryIngressInput {
  rollout: { name: string; namespace: string };
  /** The stable Ingress as read. */
  stable: KubeObject;
  stableService: string;
  canaryService: string;
  config: NginxConfig;
  weight: number;
  /** `trafficRouting.maxTrafficWeight` when the rollout writes it: only then the total is set. */
  weightTotal: number | undefined;
}

/**
 * The canary Ingress a stable Ingress calls for: the stable's rules that send to the stable Service,
 * sent to the canary Service instead (the other rules are left out), its TLS and class, and the
 * canary annotations. Throws when no rule sends to the stable Service.
 */
export function desiredCanaryIngress(input: CanaryIngressInput): KubeObject {
  const { stable, rollout } = input;
  const rules = canaryRules(stable, input.stableService, input.canaryService);
  if (rules.length === 0) {
    throw new Error(
      `Ingress ${rollout.namespace}/${stable.metadata.name} has no rule with a backend on Service ${input.stableService}`,
    );
  }
  const spec: Record<string, unknown> = { rules };
  const tls = asList(dig(stable, 'spec', 'tls'));
  // An empty list is what the API server drops: setting it would differ from every read.
  if (tls.length > 0) spec.tls = structuredClone(tls);
  const ingressClassName = asStr(dig(stable, 'spec', 'ingressClassName'));
  if (ingressClassName !== undefined) spec.ingressClassName = ingressClassName;
  return {
    apiVersion: INGRESS_API_VERSION,
    kind: 'Ingress',
    metadata: {
      name: canaryIngressName(rollout.name, stable.metadata.name),
      namespace: rollout.namespace,
      annotations: canaryAnnotations(input),
    },
    spec,
  };
}

/** Copies of the rules with a path whose backend is the stable Service, that backend renamed. */
function canaryRules(stable: KubeObject, stableService: string, canaryService: string): unknown[] {
  return asList(dig(stable, 'spec', 'rules')).flatMap((rule) => {
    const copy: unknown = structuredClone(rule);
    let sendsToStable = false;
    for (const path of asList(dig(copy, 'http', 'paths'))) {
      const service = asObj(dig(path, 'backend', 'service'));
      if (service?.name !== stableService) continue;
      service.name = canaryService;
      sendsToStable = true;
    }
    return sendsToStable ? [copy] : [];
  });
}

/**
 * In Argo's order, each later one winning a clash: the stable's ingress.class, the additional
 * annotations (prefixed), the canary annotations as written, then the canary mark, the weight and,
 * with a written maxTrafficWeight, the total.
 */
function canaryAnnotations(input: CanaryIngressInput): Record<string, string> {
  const { config } = input;
  const prefix = config.annotationPrefix;
  const annotations: Record<string, string> = {};
  const ingressClass = asStringMap(dig(input.stable, 'metadata', 'annotations'))[INGRESS_CLASS_ANNOTATION];
  if (ingressClass !== undefined) annotations[INGRESS_CLASS_ANNOTATION] = ingressClass;
  for (const [key, value] of Object.entries(config.additionalIngressAnnotations)) {
    // A plain string prefix test, as Argo's: a key that starts with the prefix is kept as it is.
    annotations[key.startsWith(prefix) ? key : `${prefix}/${key}`] = value;
  }
  Object.assign(annotations, config.canaryIngressAnnotations);
  annotations[`${prefix}/canary`] = 'true';
  annotations[canaryWeightAnnotation(prefix)] = String(input.weight);
  if (input.weightTotal !== undefined)
    annotations[`${prefix}/canary-weight-total`] = String(input.weightTotal);
  return annotations;
}

/**
 * The patch that brings an existing canary Ingress to the desired one, only where they differ.
 * Annotations are set but never removed: the ones others added stay (Argo merges them in). The spec
 * follows the desired one entirely (Argo compares and patches the whole spec): rules, TLS and class
 * track the stable Ingress. Labels are left alone.
 */
export function canaryIngressPatch(current: KubeObject, desired: KubeObject): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const wanted = asStringMap(desired.metadata.annotations);
  const have = asObj(current.metadata.annotations);
  if (have === undefined) {
    ops.push({ op: 'add', path: '/metadata/annotations', value: wanted });
  } else {
    for (const [key, value] of Object.entries(wanted)) {
      if (have[key] === value) continue;
      const op = Object.hasOwn(have, key) ? 'replace' : 'add';
      ops.push({ op, path: `/metadata/annotations/${pointerToken(key)}`, value });
    }
  }
  if (asObj(current.spec) === undefined) ops.push({ op: 'add', path: '/spec', value: desired.spec });
  else ops.push(...jsonDiff('/spec', current.spec, desired.spec));
  return ops;
}
