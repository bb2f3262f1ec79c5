import type { KubeObject } from '../../src/controller/ports.ts';

export const STABLE = 'web-stable';
export const CANARY = 'web-canary';
export const SERVICES = { stable: STABLE, canary: CANARY };

type Rule = Record<string, unknown>;

/** A backendRef to a Service on port 80, with a weight when given. */
export function ref(name: string, weight?: number): Rule {
  return { name, port: 80, ...(weight === undefined ? {} : { weight }) };
}

/** A rule that splits traffic between the stable and the canary. */
export function split(stable?: number, canary?: number, extra: Rule = {}): Rule {
  return { ...extra, backendRefs: [ref(STABLE, stable), ref(CANARY, canary)] };
}

export function pathMatch(path: string): Rule {
  return { path: { type: 'PathPrefix', value: path } };
}

/** A route of `kind` in namespace shop with these rules. */
export function route(rules: Rule[], kind = 'HTTPRoute', name = 'web', metadata: Rule = {}): KubeObject {
  const apiVersion = kind === 'HTTPRoute' || kind === 'GRPCRoute' ? 'v1' : 'v1alpha2';
  return {
    apiVersion: `gateway.networking.k8s.io/${apiVersion}`,
    kind,
    metadata: { name, namespace: 'shop', ...metadata },
    spec: { parentRefs: [{ name: 'gw' }], rules },
  };
}

/** The rules of a route object. */
export function rulesIn(object: KubeObject | undefined): unknown {
  return (object?.spec as { rules?: unknown } | undefined)?.rules;
}
