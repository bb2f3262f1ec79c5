// Watches what the demo's rollout does to the data plane, by polling the cluster: the canary
// Ingress's weight annotation (what Traefik routes by) and the canary Service's revision. Each
// change becomes a mark for the charts, and the share each revision really received while the
// previous weight held is logged as it ends. It also names revisions by their image tag (v1, v2,
// …) and tells the demo when a new revision's pods answer, so the demo can make that one fail.
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Load } from './load.ts';
import { describeShares, sharesBetween } from './shares.ts';
import type { Mark } from './text-chart.ts';

export const HASH_LABEL = 'rollouts-pod-template-hash';
/** The proxy needs a moment to load a new weight; requests in it are left out of a step's share. */
const SETTLE_MS = 500;
const POLL_MS = 250;

export interface Routing {
  /** The canary-weight annotation of the canary Ingress; 0 when there is none. */
  readonly weight: number;
  readonly canary: string;
  readonly stable: string;
}

/** Every request goes to the stable revision: no canary weight, or the canary is the stable one. */
function allStable(r: Routing): boolean {
  return r.weight === 0 || r.canary === r.stable;
}

export interface Watch {
  readonly marks: Mark[];
  /** Display name of a revision: `v2 (5c8d9f7b6)`, or the hash while its image is unknown. */
  readonly name: (revision: string) => string;
  /** The revision (hash) whose image has tag `version` (`v3`), once its ReplicaSet exists. */
  hashOf(version: string): string | undefined;
  /** Revisions in the order they appeared. */
  revisions(): string[];
  /** The shares since the last weight change, as a line. */
  currentShares(): string;
  /** Adds a mark of the demo's own (a command it ran). */
  mark(label: string): void;
  stop(): Promise<void>;
}

export interface WatchOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly rollout: string;
  readonly canaryIngress: string;
  readonly canaryService: string;
  readonly stableService: string;
  readonly load: Load;
  readonly log: (line: string) => void;
}

export function watchRollout(o: WatchOptions): Watch {
  const net = o.kc.makeApiClient(NetworkingV1Api);
  const core = o.kc.makeApiClient(CoreV1Api);
  const apps = o.kc.makeApiClient(AppsV1Api);
  const versions = new Map<string, string>();
  const order: string[] = [];
  const marks: Mark[] = [];
  let last: Routing | undefined;
  let since = 0;
  let stopped = false;
  let polls = 0;

  const name = (revision: string): string => {
    const version = versions.get(revision);
    return version === undefined ? revision : `${version} (${revision})`;
  };
  const spanLine = (from: number, to: number): string =>
    describeShares(sharesBetween(o.load.samples, from, to, order), name);

  async function readRouting(): Promise<Routing> {
    const [ingress, canary, stable] = await Promise.all([
      net.readNamespacedIngress({ name: o.canaryIngress, namespace: o.namespace }).catch(() => undefined),
      core.readNamespacedService({ name: o.canaryService, namespace: o.namespace }),
      core.readNamespacedService({ name: o.stableService, namespace: o.namespace }),
    ]);
    const weight = Number(ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] ?? 0);
    return {
      weight,
      canary: canary.spec?.selector?.[HASH_LABEL] ?? '',
      stable: stable.spec?.selector?.[HASH_LABEL] ?? '',
    };
  }

  async function readVersions(): Promise<void> {
    const list = await apps.listNamespacedReplicaSet({
      namespace: o.namespace,
      labelSelector: `rollout-pilot.dev/rollout=${o.rollout}`,
    });
    for (const rs of list.items) {
      const hash = rs.metadata?.labels?.[HASH_LABEL];
      const image = rs.spec?.template?.spec?.containers[0]?.image ?? '';
      if (hash === undefined || versions.has(hash)) continue;
      versions.set(hash, `v${image.split(':').pop() ?? '?'}`);
      order.push(hash);
    }
  }

  /** What decides where requests go: while the weight is 0, the canary's revision does not. */
  const key = (r: Routing): string =>
    allStable(r) ? `all ${r.stable}` : `${r.weight} ${r.canary} ${r.stable}`;

  function describe(r: Routing): string {
    if (allStable(r)) return `canary weight 0: all to ${name(r.stable)}`;
    return `canary weight ${r.weight}: ${name(r.canary)} ${r.weight}%, ${name(r.stable)} ${100 - r.weight}%`;
  }

  async function poll(): Promise<void> {
    const r = await readRouting();
    if (!versions.has(r.canary) || !versions.has(r.stable) || polls++ % 8 === 0) await readVersions();
    if (last !== undefined && key(r) === key(last)) return;
    const t = o.load.now();
    // A span shorter than the proxy's reload holds no requests that tell anything.
    if (last !== undefined && t - since > 2 * SETTLE_MS) {
      // The change happened up to a poll before it was seen: those requests are left out too.
      o.log(
        `measured while ${describe(last)} (${((t - since) / 1000).toFixed(1)} s): ${spanLine(since + SETTLE_MS, t - POLL_MS)}`,
      );
    }
    o.log(`routing now: ${describe(r)}`);
    marks.push({
      t,
      label: allStable(r)
        ? `all to ${versions.get(r.stable) ?? r.stable}`
        : `${versions.get(r.canary) ?? r.canary} ${r.weight}%`,
    });
    last = r;
    since = t;
  }

  const loop = (async () => {
    while (!stopped) {
      await poll().catch((e: unknown) => {
        o.log(`watch: ${e instanceof Error ? e.message : String(e)}`);
      });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();

  return {
    marks,
    name,
    hashOf: (version) => [...versions.entries()].find(([, v]) => v === version)?.[0],
    revisions: () => [...order],
    currentShares: () => spanLine(since + SETTLE_MS, o.load.now()),
    mark: (label) => marks.push({ t: o.load.now(), label }),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
