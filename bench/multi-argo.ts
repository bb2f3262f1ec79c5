/**
 * The yardstick for `bench/multi-rollout.ts`: the same Rollouts (M replicas, N setWeight steps, no
 * pauses) driven by the real Argo Rollouts controller v1.10.2 on the conformance cluster, a control
 * plane of the same build on the same machine. One Rollout v1 → v2 alone, then N Rollouts updated
 * at once; prints the wall time per step of each and their ratio: how much slower a step gets among
 * N for the controller rollout-pilot replaces, on this machine. Asserts nothing.
 *
 *   node bench/multi-argo.ts [--rollouts 50] [--replicas 5] [--steps 5]
 *
 * A Rollout's update ends when Argo reports it Healthy on the new pod template (its stable
 * ReplicaSet is the new one); the bench lists the Rollouts every 100 ms. The updates are patches
 * sent in-process, as `--argo-via api` in bench/side-by-side.ts. Creates and deletes a namespace.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ArgoSide, type ArgoRolloutObject } from '../test/conformance/harness/argo.ts';
import { clients } from '../test/conformance/harness/kube.ts';
import { now } from './instrument.ts';
import { rolloutDocs, weightSteps } from './multi-manifests.ts';

const { values: args } = parseArgs({
  options: {
    rollouts: { type: 'string', default: '50' },
    replicas: { type: 'string', default: '5' },
    steps: { type: 'string', default: '5' },
  },
});
const N = Number(args.rollouts);
const REPLICAS = Number(args.replicas);
const STEPS = Number(args.steps);
const TIMEOUT_MS = 300_000;

const progress = (m: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
};

const k = clients('argo');

async function rollouts(namespace: string): Promise<Map<string, ArgoRolloutObject>> {
  const list = (await k.custom.listNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'rollouts',
    namespace,
  })) as { items: ArgoRolloutObject[] };
  return new Map(list.items.map((r) => [r.metadata?.name ?? '', r]));
}

/** Healthy on a pod template other than `from` (undefined: any). */
const healthyOn = (r: ArgoRolloutObject | undefined, from: string | undefined): boolean =>
  r?.status?.phase === 'Healthy' &&
  r.status.currentPodHash !== undefined &&
  r.status.currentPodHash === r.status.stableRS &&
  r.status.currentPodHash !== from;

/** Waits until every named Rollout is Healthy on a new template; resolves with when each got there. */
async function untilHealthy(
  namespace: string,
  names: readonly string[],
  from: ReadonlyMap<string, string | undefined>,
): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  const deadline = now() + TIMEOUT_MS;
  while (at.size < names.length) {
    if (now() > deadline)
      throw new Error(`${names.length - at.size} Rollouts not Healthy after ${TIMEOUT_MS} ms`);
    const seen = await rollouts(namespace);
    const t = now();
    for (const name of names) if (!at.has(name) && healthyOn(seen.get(name), from.get(name))) at.set(name, t);
    await new Promise((r) => setTimeout(r, 100));
  }
  return at;
}

/** Creates the Rollouts at v1 and waits for them; then updates all at once to v2 and times it. */
async function scenario(
  namespace: string,
  names: readonly string[],
): Promise<{ wallMs: number; meanMs: number }> {
  const sides = names.map((name) => new ArgoSide(namespace, name));
  for (const side of sides) await side.create(rolloutDocs(side.name, 1, REPLICAS, weightSteps(STEPS)));
  await untilHealthy(namespace, names, new Map());
  const before = await rollouts(namespace);
  const v1 = new Map(names.map((n) => [n, before.get(n)?.status?.currentPodHash]));
  const started = now();
  await Promise.all(sides.map((side) => side.setTemplate(`example/${side.name}:2`, {})));
  const at = await untilHealthy(namespace, names, v1);
  const times = [...at.values()].map((t) => t - started);
  return { wallMs: Math.max(...times), meanMs: times.reduce((a, b) => a + b, 0) / times.length };
}

async function main(): Promise<void> {
  const namespace = `bench-argo-${randomBytes(4).toString('hex')}`;
  await k.core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    progress('Argo: one Rollout, v1 then v2');
    const one = await scenario(namespace, ['solo']);
    progress(`Argo: ${N} Rollouts, v1 then v2 at once`);
    const names = Array.from({ length: N }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const many = await scenario(namespace, names);
    const figures = {
      rollouts: N,
      replicas: REPLICAS,
      steps: STEPS,
      onePerStepMs: one.wallMs / STEPS,
      manyPerStepMs: many.wallMs / STEPS,
      manyMeanPerStepMs: many.meanMs / STEPS,
      perStepRatio: many.wallMs / one.wallMs,
    };
    process.stdout.write(
      [
        `| Argo Rollouts v1.10.2 | Value |`,
        `| --- | ---: |`,
        `| one Rollout: v1 → v2, ${STEPS} steps | ${(one.wallMs / 1000).toFixed(2)} s (${figures.onePerStepMs.toFixed(0)} ms per step) |`,
        `| ${N} Rollouts: v1 → v2, ${STEPS} steps, the last Healthy | ${(many.wallMs / 1000).toFixed(2)} s (${figures.manyPerStepMs.toFixed(0)} ms per step; mean Rollout ${figures.manyMeanPerStepMs.toFixed(0)} ms) |`,
        `| per step, ${N} Rollouts ÷ one (wall) | ${figures.perStepRatio.toFixed(2)}× |`,
        '',
        JSON.stringify(figures),
        '',
      ].join('\n'),
    );
  } finally {
    await k.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}

await main();
