// Helpers for the end-to-end traffic tests, where rollout-pilot itself moves the split: a Rollout
// whose pods answer (containerPort 8080 behind Services on port 80), the routing objects Traefik
// serves (Ingress of class rollout-pilot-nginx, HTTPRoute on the shared Gateway), and the measured
// share of requests each of its revisions answered.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { ActionRun } from './action.ts';
import { adminKubeConfig, eventually, namespaceWithRole } from './cluster.ts';
import { actionIn, replicaSets, writeManifests } from './rollout.ts';
import { answeringPodTemplate, askMany, binomialBounds, GATEWAY, type Answer } from './traffic.ts';

// Each measured share is held to binomialBounds(N, p, ALPHA): with N = 1000 and ALPHA = 1e-6 that is
// 57..149 canary answers at p = 0.1 (±4.9 %, 5.2σ of the binomial's σ = 9.5), 185..319 at p = 0.25
// (±6.7 %, 5.0σ of 13.7) and 423..577 at p = 0.5 (±7.7 %, 4.9σ of 15.8). A correct split fails it with probability below 1e-6; a split off by
// a few points (0.05 or 0.15 instead of 0.1, 0.4 instead of 0.5) fails it almost surely. Traefik's
// weighted round robin is deterministic, so a correct split lands well inside.
export const N = 1000;
export const ALPHA = 1e-6;

type Obj = Record<string, unknown>;

/** A Rollout `web` (pods on 8080) with the given canary strategy. */
export function rolloutManifest(replicas: number, canary: Obj, image = 'example/web:1'): Obj {
  const labels = { app: 'web' };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: answeringPodTemplate(labels, image),
      strategy: { canary },
    },
  };
}

/** A Service `name` on port 80 in front of every pod of the Rollout `web` (port 8080). */
export function serviceManifest(name: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

/** An HTTPRoute on Traefik's shared Gateway for `host`: web-stable 100, web-canary 0. */
export function httpRouteManifest(name: string, host: string): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: {
      parentRefs: [GATEWAY],
      hostnames: [host],
      rules: [
        {
          backendRefs: [
            { name: 'web-stable', port: 80, weight: 100 },
            { name: 'web-canary', port: 80, weight: 0 },
          ],
        },
      ],
    },
  };
}

/** The Rollout's live pods (Running, not being deleted), by name, with their revision hash. */
export async function livePods(namespace: string): Promise<Map<string, string>> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
  return new Map(
    pods.items
      .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
      .map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.['rollouts-pod-template-hash'] ?? '']),
  );
}

export interface Measured {
  readonly total: number;
  /** Answers per revision hash. */
  readonly byRevision: ReadonlyMap<string, number>;
  /** Answers that were not a 200 from a live pod of the Rollout, for the assertion message. */
  readonly stray: readonly Answer[];
}

/** `n` requests for `host` through Traefik, counted by the revision of the pod that answered. */
export async function measure(
  namespace: string,
  host: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<Measured> {
  const pods = await livePods(namespace);
  const answers = await askMany(host, n, headers);
  const byRevision = new Map<string, number>();
  const stray: Answer[] = [];
  for (const a of answers) {
    const revision = pods.get(a.pod);
    if (a.status !== 200 || revision === undefined) stray.push(a);
    else byRevision.set(revision, (byRevision.get(revision) ?? 0) + 1);
  }
  return { total: n, byRevision, stray };
}

function describe(m: Measured): string {
  const parts = [...m.byRevision].map(([r, c]) => `${r}: ${c}`);
  const stray = m.stray.slice(0, 3).map((a) => `${a.status} ${a.pod || 'no pod'}`);
  return `{${parts.join(', ')}}${m.stray.length ? `, ${m.stray.length} stray (${stray.join('; ')})` : ''}`;
}

/** binomialBounds, exact at p = 0 and p = 1 (all or none). */
function bounds(n: number, p: number, alpha: number): { lo: number; hi: number } {
  return p === 0 || p === 1 ? { lo: p * n, hi: p * n } : binomialBounds(n, p, alpha);
}

/**
 * Throws unless every ReplicaSet of the Rollout has as many live pods as it wants. Without a router
 * the split is the pod count, and a pod the ReplicaSet is still deleting answers until it goes: a
 * probe in that moment (3 stable and 2 canary pods on the way from 3+1 to 2+2) passes at 40 % for 50 %.
 */
async function podsSettled(namespace: string): Promise<void> {
  const [sets, pods] = await Promise.all([replicaSets(namespace), livePods(namespace)]);
  const live = new Map<string, number>();
  for (const hash of pods.values()) live.set(hash, (live.get(hash) ?? 0) + 1);
  const off = sets.filter((rs) => (live.get(rs.hash) ?? 0) !== rs.spec);
  if (off.length > 0) {
    const say = off.map((rs) => `${rs.hash} ${live.get(rs.hash) ?? 0} live of ${rs.spec}`);
    throw new Error(`pods still changing: ${say.join(', ')}`);
  }
}

/**
 * Waits until Traefik serves the split a step set: a probe batch of 100 whose canary count is within
 * bounds(100, p, 1e-3), that only live pods answered and that every ReplicaSet has the pods it wants
 * (podsSettled). The probe only says the new configuration is live (Traefik applies changes after a
 * 200 ms throttle, pods come and go); the share is then measured on N fresh requests and held to the
 * strict bound.
 */
export async function untilSplit(
  namespace: string,
  host: string,
  canary: string,
  p: number,
  headers: Record<string, string> = {},
): Promise<void> {
  const { lo, hi } = bounds(100, p, 1e-3);
  await eventually(
    `${host} split at ${p}`,
    async () => {
      await podsSettled(namespace);
      const m = await measure(namespace, host, 100, headers);
      const got = m.byRevision.get(canary) ?? 0;
      if (m.stray.length === 0 && got >= lo && got <= hi) return true;
      throw new Error(`last probe ${describe(m)}`);
    },
    30_000,
    200,
  );
}

/**
 * Measures N requests and asserts that `canary` answered a share p of them (the binomial bound
 * above; p = 0 or 1 exactly) and that every answer was a 200 from a live pod. Returns the share.
 */
export async function assertCanaryShare(
  namespace: string,
  host: string,
  canary: string,
  p: number,
  headers: Record<string, string> = {},
): Promise<number> {
  await untilSplit(namespace, host, canary, p, headers);
  const m = await measure(namespace, host, N, headers);
  assert.equal(m.stray.length, 0, `every answer a 200 from a live pod: ${describe(m)}`);
  const got = m.byRevision.get(canary) ?? 0;
  const { lo, hi } = bounds(N, p, ALPHA);
  assert.ok(
    got >= lo && got <= hi,
    `canary ${canary} answered ${got} of ${N}; want ${lo}..${hi}: ${describe(m)}`,
  );
  return got / N;
}

/**
 * Asserts that `canary` answers none of N requests while its pods still run (after an abort the
 * router goes back to stable at once; the pods go after abortScaleDownDelaySeconds, 30 s by
 * default): 0 % is then the router's doing, not the want of canary pods.
 */
export async function assertNoShareWhilePodsRun(
  namespace: string,
  host: string,
  canary: string,
  headers: Record<string, string> = {},
): Promise<void> {
  await assertCanaryShare(namespace, host, canary, 0, headers);
  const running = [...(await livePods(namespace)).values()].filter((hash) => hash === canary).length;
  assert.ok(running > 0, `the canary's pods still ran while it got 0 %`);
}

/** A Rollout `web` deployed by rollout-pilot (the built dist) in its own namespace, host and repo. */
export interface TrafficRollout {
  readonly namespace: string;
  /** The Host header its routing answers for. */
  readonly host: string;
  /** The repository folder whose rollout.yaml holds the manifests. */
  readonly repo: string;
  /** The first revision's hash, all of whose traffic was checked to reach it. */
  readonly v1: string;
  /** Runs the action. */
  act(inputs: Record<string, string>): Promise<ActionRun>;
  /** Runs the action and asserts it ended (exit 0) in `phase`. */
  run(inputs: Record<string, string>, phase: string): Promise<ActionRun>;
  /** Starts the update to example/web:2, asserts it paused and returns the new revision's hash. */
  update(): Promise<string>;
  /** `abort`, asserted to have aborted (the run ends once the canary is scaled down). */
  abort(): Promise<ActionRun>;
}

/**
 * Deploys `docs(host, namespace)` with rollout-pilot as a ServiceAccount bound to docs/rbac.yaml's Role and
 * checks that every request for the host reaches the first revision.
 */
export async function deployForTraffic(
  t: TestContext,
  prefix: string,
  docs: (host: string, namespace: string) => unknown[],
): Promise<TrafficRollout> {
  const { namespace, kubeconfig } = await namespaceWithRole(t, prefix);
  const host = `web.${namespace}.test`;
  const repo = await writeManifests(docs(host, namespace));
  const act = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });
  const run = async (inputs: Record<string, string>, phase: string): Promise<ActionRun> => {
    const r = await act(inputs);
    assert.equal(r.exitCode === 0 ? r.outputs.phase : `exit ${r.exitCode}`, phase, r.stdout + r.stderr);
    return r;
  };
  await run({ manifests: 'rollout.yaml' }, 'Healthy');
  const v1 = (await replicaSets(namespace))[0]?.hash ?? '';
  await assertCanaryShare(namespace, host, v1, 1);
  return {
    namespace,
    host,
    repo,
    v1,
    act,
    run,
    update: async () => {
      await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' }, 'Paused');
      const v2 = (await replicaSets(namespace)).find((rs) => rs.image === 'example/web:2')?.hash ?? '';
      assert.ok(v2 !== '' && v2 !== v1, `a second revision (${v2}) beside ${v1}`);
      return v2;
    },
    abort: async () => {
      const r = await act({ command: 'abort', rollout: 'web' });
      assert.equal(r.outputs.aborted, 'true', r.stdout + r.stderr);
      return r;
    },
  };
}
