/**
 * Rules for the traffic routers rollout-pilot drives (nginx, istio, the gatewayAPI plugin) that one
 * Rollout can be checked against. Argo's own rules for trafficRouting live in canary-rules.ts and the
 * schema; these add the gaps where Argo reads an empty value as unset (`stableIngress: ""`, a header
 * value `exact: ""`) and the mistakes Argo accepts but that break a rollout later (a route both
 * shifted and managed, a managed route listed twice, one subset for both sides, a plugin config
 * nobody reads). The objects the routers name are checked in router-references.ts. Pure.
 */
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import {
  DRIVEN_ROUTERS,
  GATEWAY_API,
  GATEWAY_API_KEYS,
  GATEWAY_API_PLUGIN,
  GATEWAY_API_UNBUILT_KEYS,
  TRAFFIC_ROUTING,
  UNBUILT_ROUTERS,
} from './routers.ts';
import { closestMatch } from './schema.ts';
import { asList, asObj, asStr, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

const CANARY = 'spec.strategy.canary';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Report = (path: string, message: string) => void;

/** The router rules of one Rollout's canary strategy. */
export function routerRules(doc: ManifestDoc, canary: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const d: Report = (path, message) => {
    out.push(diagnosticAt(doc, path, message));
  };
  stringMatchRules(asList(canary.steps), d);
  const tr = asObj(canary.trafficRouting);
  if (!tr) return out;
  noRouterRule(tr, d);
  managedRouteRules(tr, d);
  const nginx = asObj(tr.nginx);
  if (nginx) nginxRules(nginx, d);
  const istio = asObj(tr.istio);
  if (istio) istioRules(istio, managedNames(tr), d);
  const plugins = asObj(tr.plugins);
  if (plugins && GATEWAY_API_PLUGIN in plugins) gatewayApiRules(plugins[GATEWAY_API_PLUGIN], canary, tr, d);
  return out;
}

const managedNames = (tr: Obj): string[] =>
  asList(tr.managedRoutes).flatMap((r) => asStr(asObj(r)?.name) ?? []);

/** Names that appear more than once, with the index of each repeat. */
function repeats(names: readonly (string | undefined)[]): [string, number][] {
  const seen = new Set<string>();
  const out: [string, number][] = [];
  names.forEach((name, i) => {
    if (name === undefined) return;
    if (seen.has(name)) out.push([name, i]);
    seen.add(name);
  });
  return out;
}

function noRouterRule(tr: Obj, d: Report): void {
  const routers = [...DRIVEN_ROUTERS, ...UNBUILT_ROUTERS].filter((key) =>
    key === 'plugins' ? Object.keys(asObj(tr.plugins) ?? {}).length > 0 : isSet(tr[key]),
  );
  if (routers.length > 0) return;
  d(
    TRAFFIC_ROUTING,
    `trafficRouting names no traffic router: set nginx, istio or plugins.${GATEWAY_API_PLUGIN} (without a router, leave trafficRouting out and the pod counts set the weight)`,
  );
}

function managedRouteRules(tr: Obj, d: Report): void {
  const names = asList(tr.managedRoutes).map((r) => asStr(asObj(r)?.name));
  for (const [name, i] of repeats(names)) {
    d(`${TRAFFIC_ROUTING}.managedRoutes[${i}].name`, `managedRoutes lists the route "${name}" twice`);
  }
}

/** Argo reads an empty string as no value: `exact: ""` leaves the match without one. */
function stringMatchRules(steps: unknown[], d: Report): void {
  const check = (path: string, match: unknown): void => {
    const m = asObj(match);
    if (!m) return;
    const empty = ['exact', 'prefix', 'regex'].filter((k) => m[k] === '');
    if (empty.length > 0 && !['exact', 'prefix', 'regex'].some((k) => asStr(m[k]))) {
      d(path, `${empty.join(', ')} is empty: the match needs a value (Argo reads "" as no value)`);
    }
  };
  steps.forEach((raw, i) => {
    const step = asObj(raw);
    const at = `${CANARY}.steps[${i}]`;
    asList(asObj(step?.setHeaderRoute)?.match).forEach((m, j) => {
      check(`${at}.setHeaderRoute.match[${j}].headerValue`, asObj(m)?.headerValue);
    });
    asList(asObj(step?.setMirrorRoute)?.match).forEach((m, j) => {
      const match = asObj(m);
      for (const key of ['method', 'path']) check(`${at}.setMirrorRoute.match[${j}].${key}`, match?.[key]);
      for (const [header, value] of Object.entries(asObj(match?.headers) ?? {})) {
        check(`${at}.setMirrorRoute.match[${j}].headers.${header}`, value);
      }
    });
  });
}

function nginxRules(nginx: Obj, d: Report): void {
  const at = `${TRAFFIC_ROUTING}.nginx`;
  if (nginx.stableIngress === '') {
    d(`${at}.stableIngress`, 'stableIngress is empty: name the Ingress that routes to the stable Service');
  }
  if (!Array.isArray(nginx.stableIngresses)) return;
  const names = asList(nginx.stableIngresses).map(asStr);
  if (names.length === 0) {
    d(
      `${at}.stableIngresses`,
      'stableIngresses is empty: list the Ingresses that route to the stable Service',
    );
  }
  names.forEach((name, i) => {
    if (name === '') d(`${at}.stableIngresses[${i}]`, 'an Ingress name is empty');
  });
  for (const [name, i] of repeats(names)) {
    d(`${at}.stableIngresses[${i}]`, `stableIngresses lists the Ingress "${name}" twice`);
  }
}

function istioRules(istio: Obj, managed: readonly string[], d: Report): void {
  const at = `${TRAFFIC_ROUTING}.istio`;
  const entries: [string, Obj][] = [];
  const one = asObj(istio.virtualService);
  if (one) entries.push([`${at}.virtualService`, one]);
  if (Array.isArray(istio.virtualServices)) {
    if (istio.virtualServices.length === 0) {
      d(`${at}.virtualServices`, 'virtualServices is empty: list the VirtualServices to shift traffic on');
    }
    asList(istio.virtualServices).forEach((v, i) => {
      const entry = asObj(v);
      if (entry) entries.push([`${at}.virtualServices[${i}]`, entry]);
    });
  }
  const listed = asList(istio.virtualServices).map((v) => asStr(asObj(v)?.name));
  for (const [name, i] of repeats(listed)) {
    d(`${at}.virtualServices[${i}].name`, `virtualServices lists the VirtualService "${name}" twice`);
  }
  for (const [path, entry] of entries) {
    if (entry.name === '') d(`${path}.name`, 'the VirtualService name is empty');
    asList(entry.routes).forEach((r, j) => {
      const route = asStr(r);
      if (route === undefined || !managed.includes(route)) return;
      d(
        `${path}.routes[${j}]`,
        `route "${route}" is also in trafficRouting.managedRoutes: managed routes are added and removed by the rollout, so a route it shifts weight on cannot be one of them`,
      );
    });
  }
  const rule = asObj(istio.destinationRule);
  const canarySubset = asStr(rule?.canarySubsetName);
  if (canarySubset !== undefined && canarySubset !== '' && canarySubset === asStr(rule?.stableSubsetName)) {
    d(
      `${at}.destinationRule.stableSubsetName`,
      `canarySubsetName and stableSubsetName are both "${canarySubset}"; they must name two different subsets`,
    );
  }
}

/** Every key of the plugin's config that is not one it reads nor one gated as not built yet. */
const GATEWAY_API_ALL_KEYS: readonly string[] = [
  ...GATEWAY_API_KEYS,
  ...Object.values(GATEWAY_API_UNBUILT_KEYS).flat(),
];

const ROUTE_KEYS = ['httpRoute', 'httpRoutes', 'grpcRoute', 'grpcRoutes'];

function gatewayApiRules(raw: unknown, canary: Obj, tr: Obj, d: Report): void {
  const config = asObj(raw);
  if (!config) {
    d(
      GATEWAY_API,
      `the ${GATEWAY_API_PLUGIN} plugin's config must be a mapping naming its routes (httpRoute, httpRoutes, grpcRoute or grpcRoutes)`,
    );
    return;
  }
  for (const key of Object.keys(config)) {
    if (GATEWAY_API_ALL_KEYS.includes(key)) continue;
    const guess = closestMatch(key, GATEWAY_API_ALL_KEYS);
    d(
      `${GATEWAY_API}.${key}`,
      `unknown field "${key}"${guess ? ` (did you mean ${guess}?)` : ''}; the ${GATEWAY_API_PLUGIN} plugin reads: ${GATEWAY_API_KEYS.join(', ')}`,
    );
  }
  gatewayApiValueRules(config, d);
  const gated = Object.values(GATEWAY_API_UNBUILT_KEYS)
    .flat()
    .some((k) => isSet(config[k]));
  if (!ROUTE_KEYS.some((k) => isSet(config[k])) && !gated) {
    d(
      GATEWAY_API,
      `the ${GATEWAY_API_PLUGIN} plugin names no route: set httpRoute, httpRoutes, grpcRoute or grpcRoutes`,
    );
  }
  // nginx and host-level istio already need both Services (canary-rules.ts); the plugin reads them too.
  const istio = asObj(tr.istio);
  if (isSet(tr.nginx) || (istio && !isSet(istio.destinationRule))) return;
  const missing = ['canaryService', 'stableService'].filter((k) => !asStr(canary[k]));
  if (missing.length > 0) {
    d(
      GATEWAY_API,
      `the ${GATEWAY_API_PLUGIN} plugin shifts traffic between canaryService and stableService; missing ${missing.join(' and ')}`,
    );
  }
}

function gatewayApiValueRules(config: Obj, d: Report): void {
  const name = (path: string, v: unknown, what: string): void => {
    if (typeof v !== 'string' || v === '') d(path, `${what} must be a non-empty string`);
  };
  for (const key of ['httpRoute', 'grpcRoute', 'configMap']) {
    if (isSet(config[key])) name(`${GATEWAY_API}.${key}`, config[key], key);
  }
  const namespace = config.namespace;
  if (isSet(namespace) && (typeof namespace !== 'string' || !DNS_LABEL.test(namespace))) {
    d(`${GATEWAY_API}.namespace`, 'namespace must be a namespace name (a DNS-1123 label)');
  }
  if (isSet(config.disableInProgressLabel) && typeof config.disableInProgressLabel !== 'boolean') {
    d(`${GATEWAY_API}.disableInProgressLabel`, 'disableInProgressLabel must be true or false');
  }
  for (const key of ['httpRoutes', 'grpcRoutes']) {
    const list = config[key];
    if (!isSet(list)) continue;
    if (!Array.isArray(list) || list.length === 0) {
      d(`${GATEWAY_API}.${key}`, `${key} must be a non-empty list of {name, useHeaderRoutes}`);
      continue;
    }
    const names = list.map((r: unknown) => asStr(asObj(r)?.name));
    list.forEach((r: unknown, i) => {
      const at = `${GATEWAY_API}.${key}[${i}]`;
      name(`${at}.name`, asObj(r)?.name, 'name');
      const header = asObj(r)?.useHeaderRoutes;
      if (isSet(header) && typeof header !== 'boolean')
        d(`${at}.useHeaderRoutes`, 'useHeaderRoutes must be true or false');
    });
    for (const [route, i] of repeats(names))
      d(`${GATEWAY_API}.${key}[${i}].name`, `${key} lists "${route}" twice`);
  }
}
