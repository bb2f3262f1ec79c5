/**
 * The objects a Rollout's traffic routers work on, and whether each one can carry the rollout: the
 * stable Ingresses of nginx (Argo's `ValidateIngress`: a rule whose backend is the stable Service),
 * Istio's VirtualServices and DestinationRule (istio-references.ts), the gatewayAPI plugin's
 * HTTPRoutes and GRPCRoutes (a rule with backendRefs to both Services, which the plugin needs).
 *
 * An object among the manifests is checked by `lint`. One that is not may live in the cluster, as a
 * Service may (object-refs.ts): `lint` says nothing about it and `run` reads it from the cluster,
 * checks it the same way, and stops at the Rollout's field when it is in neither. Namespaces: an
 * object is looked for in the one the Rollout names for it, else in the Rollout's own; a document
 * without one goes into the Rollout's, and matches any while that is not known. Pure.
 */
import { ARGO_API_VERSION } from './kinds.ts';
import { destinationRuleProblems, virtualServiceProblems } from './istio-references.ts';
import { diagnosticAt, locate, type ManifestDoc } from './manifest-doc.ts';
import { describeObject, GATEWAY_API, GATEWAY_API_PLUGIN, namespaceOf, TRAFFIC_ROUTING } from './routers.ts';
import { asList, asObj, asStr, dig, valueAt, type Obj } from './values.ts';
import type { Diagnostic, SourceLocation } from '../util/errors.ts';

export type RouterKind = 'Ingress' | 'VirtualService' | 'DestinationRule' | 'HTTPRoute' | 'GRPCRoute';

/** The API groups each kind may come from, and the version `run` reads it with. */
const KIND_API: Record<RouterKind, { groups: readonly string[]; apiVersion: string }> = {
  Ingress: { groups: ['networking.k8s.io', 'extensions'], apiVersion: 'networking.k8s.io/v1' },
  VirtualService: { groups: ['networking.istio.io'], apiVersion: 'networking.istio.io/v1beta1' },
  DestinationRule: { groups: ['networking.istio.io'], apiVersion: 'networking.istio.io/v1beta1' },
  HTTPRoute: { groups: ['gateway.networking.k8s.io'], apiVersion: 'gateway.networking.k8s.io/v1' },
  GRPCRoute: { groups: ['gateway.networking.k8s.io'], apiVersion: 'gateway.networking.k8s.io/v1' },
};

/** One object a router of the Rollout names, and the field that names it. */
export interface RouterRef extends SourceLocation {
  kind: RouterKind;
  /** The version `run` reads it from the cluster with. */
  apiVersion: string;
  name: string;
  /** Set when the Rollout names another namespace than its own. */
  namespace: string | undefined;
  /** Dotted path of the field holding the name. */
  path: string;
  /** Path of the block that configures it (a `virtualServices[i]` entry), for route checks. */
  block: string;
}

/** A problem with a router object: at a field of the Rollout. */
export interface RouterProblem {
  path: string;
  message: string;
}

/** The Services and settings the checks compare an object with. */
export interface RoutedCanary {
  stableService: string | undefined;
  canaryService: string | undefined;
  trafficRouting: Obj;
  /** The Rollout's namespace, when known. */
  namespace: string | undefined;
}

function routedCanary(rollout: Obj): RoutedCanary | undefined {
  const canary = asObj(dig(rollout, 'spec', 'strategy', 'canary'));
  const trafficRouting = asObj(canary?.trafficRouting);
  if (!canary || !trafficRouting) return undefined;
  return {
    stableService: asStr(canary.stableService) || undefined,
    canaryService: asStr(canary.canaryService) || undefined,
    trafficRouting,
    namespace: namespaceOf(rollout),
  };
}

/** Istio's `name.namespace` shorthand (a `.cluster.local` suffix allowed): the last part is the namespace. */
export function splitIstioName(written: string): { name: string; namespace: string | undefined } {
  const parts = written.replace(/\.cluster\.local$/, '').split('.');
  if (parts.length < 2) return { name: written, namespace: undefined };
  return { name: parts.slice(0, -1).join('.'), namespace: parts.at(-1) };
}

/** Every router object the Rollout `doc` names, in the order of its fields. */
export function routerObjectRefs(doc: ManifestDoc): RouterRef[] {
  const tr = routedCanary(doc.object)?.trafficRouting;
  if (!tr) return [];
  const refs: RouterRef[] = [];
  const add = (kind: RouterKind, written: unknown, path: string, block: string, ns?: string): void => {
    if (typeof written !== 'string' || written === '') return;
    const split = kind === 'VirtualService' ? splitIstioName(written) : { name: written, namespace: ns };
    const { apiVersion } = KIND_API[kind];
    refs.push({ kind, apiVersion, ...split, path, block, ...locate(doc, path) });
  };
  const nginx = asObj(tr.nginx);
  add('Ingress', nginx?.stableIngress, `${TRAFFIC_ROUTING}.nginx.stableIngress`, `${TRAFFIC_ROUTING}.nginx`);
  asList(nginx?.stableIngresses).forEach((name, i) => {
    const path = `${TRAFFIC_ROUTING}.nginx.stableIngresses[${i}]`;
    add('Ingress', name, path, path);
  });
  const istio = asObj(tr.istio);
  const vs = `${TRAFFIC_ROUTING}.istio.virtualService`;
  add('VirtualService', dig(istio, 'virtualService', 'name'), `${vs}.name`, vs);
  asList(istio?.virtualServices).forEach((entry, i) => {
    const block = `${TRAFFIC_ROUTING}.istio.virtualServices[${i}]`;
    add('VirtualService', asObj(entry)?.name, `${block}.name`, block);
  });
  const dr = `${TRAFFIC_ROUTING}.istio.destinationRule`;
  add('DestinationRule', dig(istio, 'destinationRule', 'name'), `${dr}.name`, dr);
  const gateway = asObj(asObj(tr.plugins)?.[GATEWAY_API_PLUGIN]);
  const ns = asStr(gateway?.namespace) || undefined;
  for (const [kind, one, many] of [
    ['HTTPRoute', 'httpRoute', 'httpRoutes'],
    ['GRPCRoute', 'grpcRoute', 'grpcRoutes'],
  ] as const) {
    add(kind, gateway?.[one], `${GATEWAY_API}.${one}`, GATEWAY_API, ns);
    asList(gateway?.[many]).forEach((entry, i) => {
      const block = `${GATEWAY_API}.${many}[${i}]`;
      add(kind, asObj(entry)?.name, `${block}.name`, block, ns);
    });
  }
  return refs;
}

const groupOf = (apiVersion: unknown): string => {
  const v = asStr(apiVersion) ?? '';
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
};

/** The document `ref` names among `docs`, for a Rollout in `namespace`. */
export function findRouterObject(
  docs: readonly ManifestDoc[],
  ref: RouterRef,
  namespace: string | undefined,
): ManifestDoc | undefined {
  const wanted = ref.namespace ?? namespace;
  return docs.find((d) => {
    const o = d.object;
    if (o.kind !== ref.kind || !KIND_API[ref.kind].groups.includes(groupOf(o.apiVersion))) return false;
    if (asStr(asObj(o.metadata)?.name) !== ref.name) return false;
    // A document without a namespace is applied into the rollout's (unknown until run: any matches).
    const ns = namespaceOf(o) ?? namespace;
    return ns === undefined || wanted === undefined || ns === wanted;
  });
}

/** What is wrong with `object` (as read) as the router object `ref` of `rollout`. */
export function routerObjectProblems(rollout: Obj, ref: RouterRef, object: Obj): RouterProblem[] {
  const canary = routedCanary(rollout);
  if (!canary) return [];
  const who = describeObject(ref.kind, ref.name, ref.namespace ?? namespaceOf(object) ?? canary.namespace);
  const block = asObj(valueAt(rollout, ref.block)) ?? {};
  switch (ref.kind) {
    case 'Ingress':
      return ingressProblems(canary, ref, object, who);
    case 'VirtualService':
      return virtualServiceProblems(canary, ref, block, object, who);
    case 'DestinationRule':
      return destinationRuleProblems(ref, block, object, who);
    case 'HTTPRoute':
    case 'GRPCRoute':
      return gatewayRouteProblems(canary, ref, object, who);
  }
}

/** The name of the Service an Ingress path sends to (networking.k8s.io/v1 or extensions/v1beta1). */
const ingressBackend = (path: unknown): string | undefined =>
  asStr(dig(path, 'backend', 'service', 'name')) ?? asStr(dig(path, 'backend', 'serviceName'));

function ingressProblems(canary: RoutedCanary, ref: RouterRef, ingress: Obj, who: string): RouterProblem[] {
  const stable = canary.stableService;
  if (stable === undefined) return [];
  const rules = asList(dig(ingress, 'spec', 'rules'));
  const found = rules.some((rule) =>
    asList(dig(rule, 'http', 'paths')).some((p) => ingressBackend(p) === stable),
  );
  if (found) return [];
  return [
    {
      path: ref.path,
      message: `${who} has no rule whose backend is the stable Service "${stable}" (the canary Ingress is made from those rules)`,
    },
  ];
}

/** Names of the Services a Gateway API rule's backendRefs send to (kind Service, core group). */
function serviceBackends(rule: unknown): string[] {
  return asList(asObj(rule)?.backendRefs).flatMap((r) => {
    const ref = asObj(r);
    const kind = asStr(ref?.kind) ?? 'Service';
    const group = asStr(ref?.group) ?? '';
    const name = asStr(ref?.name);
    return kind === 'Service' && group === '' && name !== undefined ? [name] : [];
  });
}

function gatewayRouteProblems(
  canary: RoutedCanary,
  ref: RouterRef,
  route: Obj,
  who: string,
): RouterProblem[] {
  const { stableService: stable, canaryService: canarySvc } = canary;
  if (stable === undefined || canarySvc === undefined) return [];
  const rules = asList(dig(route, 'spec', 'rules')).map(serviceBackends);
  if (rules.some((names) => names.includes(stable) && names.includes(canarySvc))) return [];
  const missing = [
    rules.some((names) => names.includes(stable)) ? '' : `the stable Service "${stable}"`,
    rules.some((names) => names.includes(canarySvc)) ? '' : `the canary Service "${canarySvc}"`,
  ].filter(Boolean);
  return [
    {
      path: ref.path,
      message:
        `${who} has no rule with backendRefs to both the stable Service "${stable}" and the canary Service "${canarySvc}"` +
        (missing.length > 0 ? ` (no rule sends to ${missing.join(' or ')})` : ''),
    },
  ];
}

/** A check of router objects read elsewhere (the cluster) against the Rollout `doc`, at its lines. */
export function routerObjectCheck(doc: ManifestDoc): (ref: RouterRef, object: Obj) => Diagnostic[] {
  return (ref, object) =>
    routerObjectProblems(doc.object, ref, object).map((p) => diagnosticAt(doc, p.path, p.message));
}

/** The lint rule: each router object among the manifests can carry its Rollout. */
export function routerReferenceRules(docs: readonly ManifestDoc[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of docs) {
    if (doc.object.apiVersion !== ARGO_API_VERSION || doc.object.kind !== 'Rollout') continue;
    const check = routerObjectCheck(doc);
    for (const ref of routerObjectRefs(doc)) {
      const found = findRouterObject(docs, ref, namespaceOf(doc.object));
      if (found) out.push(...check(ref, found.object));
    }
  }
  return out;
}
