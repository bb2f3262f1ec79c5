/**
 * Features of Argo Rollouts manifests that rollout-pilot validates but does not drive yet. A manifest
 * that uses one gets a diagnostic at the field's line instead of being run with the feature silently
 * ignored. To ship a feature, delete its entry here (and the tests that expect the gate).
 */
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import {
  GATEWAY_API,
  GATEWAY_API_PLUGIN,
  GATEWAY_API_UNBUILT_KEYS,
  TRAFFIC_ROUTING,
  UNBUILT_ROUTERS,
} from './routers.ts';
import { isPlainObject } from './schema.ts';
import { asObj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export interface FeatureGate {
  /** Stable id, used by tests. */
  readonly id: string;
  /** Which kind of document the gate looks at. */
  readonly kind: 'Rollout' | 'Experiment';
  /** What is unsupported, as the start of a sentence: `"analysis" steps are`. */
  readonly subject: string;
  /** The planned work (the issue) that will build it. */
  readonly planned: string;
  /** Paths of the fields in a document that use the feature. */
  readonly find: (object: Record<string, unknown>) => string[];
}

const CANARY = 'spec.strategy.canary';
const BLUE_GREEN = 'spec.strategy.blueGreen';

function child(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** `[path]` when the field at `keys` is set. */
function field(path: string): (o: Record<string, unknown>) => string[] {
  const keys = path.split('.');
  return (o) => (present(child(o, ...keys)) ? [path] : []);
}

/** Paths of every canary step of the given kind. */
function steps(kind: string): (o: Record<string, unknown>) => string[] {
  return (o) => {
    const list = child(o, 'spec', 'strategy', 'canary', 'steps');
    if (!Array.isArray(list)) return [];
    return list.flatMap((step: unknown, i) =>
      isPlainObject(step) && present(step[kind]) ? [`${CANARY}.steps[${i}].${kind}`] : [],
    );
  };
}

/** A gate on keys of the gatewayAPI plugin's config that are not driven yet. */
function gatewayApiGate(
  group: keyof typeof GATEWAY_API_UNBUILT_KEYS,
  what: string,
  verb: 'is' | 'are',
  planned: string,
): FeatureGate {
  return {
    id: `gatewayAPI.${group}`,
    kind: 'Rollout',
    subject: `${what} (the gatewayAPI plugin's ${GATEWAY_API_UNBUILT_KEYS[group].join(', ')}) ${verb}`,
    planned,
    find: (o) => {
      const config = asObj(
        child(o, 'spec', 'strategy', 'canary', 'trafficRouting', 'plugins', GATEWAY_API_PLUGIN),
      );
      if (!config) return [];
      return GATEWAY_API_UNBUILT_KEYS[group]
        .filter((key) => present(config[key]))
        .map((key) => `${GATEWAY_API}.${key}`);
    },
  };
}

export const UNSUPPORTED_FEATURES: readonly FeatureGate[] = [
  {
    id: 'step.plugin',
    kind: 'Rollout',
    subject: '"plugin" steps are',
    planned: 'step plugins',
    find: steps('plugin'),
  },
  ...UNBUILT_ROUTERS.map((router): FeatureGate => ({
    id: `trafficRouting.${router}`,
    kind: 'Rollout',
    subject: `the ${router} traffic router is`,
    planned: 'more traffic routers',
    find: field(`${TRAFFIC_ROUTING}.${router}`),
  })),
  {
    id: 'trafficRouting.plugins',
    kind: 'Rollout',
    subject: `traffic router plugins other than ${GATEWAY_API_PLUGIN} are`,
    planned: 'more traffic routers',
    find: (o) =>
      Object.keys(asObj(child(o, ...`${TRAFFIC_ROUTING}.plugins`.split('.'))) ?? {})
        .filter((name) => name !== GATEWAY_API_PLUGIN)
        .map((name) => `${TRAFFIC_ROUTING}.plugins.${name}`),
  },
  gatewayApiGate('tcpRoutes', 'TCPRoutes', 'are', 'more Gateway API route kinds'),
  gatewayApiGate('tlsRoutes', 'TLSRoutes', 'are', 'more Gateway API route kinds'),
  gatewayApiGate('routeSelectors', 'finding routes by label selector', 'is', 'Gateway API route selectors'),
  gatewayApiGate(
    'inProgressLabel',
    'labelling routes while a canary runs',
    'is',
    'Gateway API in-progress labels',
  ),
  {
    id: 'canary.pingPong',
    kind: 'Rollout',
    subject: 'ping-pong services are',
    planned: 'more traffic routers',
    find: field(`${CANARY}.pingPong`),
  },
  {
    // Argo injects pod anti-affinity against the previous version; running without it would place
    // pods differently from what the manifest asks, so it is said out loud rather than ignored.
    id: 'antiAffinity',
    kind: 'Rollout',
    subject: 'antiAffinity is',
    planned: 'anti-affinity injection',
    find: (o) => [...field(`${CANARY}.antiAffinity`)(o), ...field(`${BLUE_GREEN}.antiAffinity`)(o)],
  },
  {
    id: 'restartAt',
    kind: 'Rollout',
    subject: 'restartAt (restarting pods in place) is',
    planned: 'pod restarts',
    find: field('spec.restartAt'),
  },
  {
    id: 'rollbackWindow',
    kind: 'Rollout',
    subject: 'rollbackWindow (fast-tracked rollbacks to recent revisions) is',
    planned: 'rollback window',
    find: field('spec.rollbackWindow'),
  },
];

export function gateMessage(gate: FeatureGate): string {
  return `${gate.subject} not supported yet (planned: ${gate.planned})`;
}

/** One diagnostic per use of an unsupported feature in `doc` (an Argo object of kind `kind`). */
export function featureGateDiagnostics(doc: ManifestDoc, kind: string): Diagnostic[] {
  return UNSUPPORTED_FEATURES.filter((g) => g.kind === kind).flatMap((gate) =>
    gate.find(doc.object).map((path) => diagnosticAt(doc, path, gateMessage(gate))),
  );
}
