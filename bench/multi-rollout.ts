/**
 * Many Rollouts in one run (issue #12 part 3): N canary Rollouts of M replicas each driven by one
 * `run`, in-process (the `execute` the action and the CLI call), against the local cluster.
 * Prints the peak RSS, the time per step against a single Rollout of the same shape, and the API
 * requests per second per Rollout while all are paused. Asserts nothing.
 *
 *   node bench/multi-rollout.ts [--rollouts 50] [--replicas 5] [--steps 5] [--window 30]
 *
 * Creates two namespaces (`bench-multi-…`, `bench-solo-…`) and deletes them at the end.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { KubeApi } from '../src/adapters/k8s/api-call.ts';
import { execute } from '../src/commands/index.ts';
import { parseInputs } from '../src/config/inputs.ts';
import type { Logger } from '../src/util/logger.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    rollouts: { type: 'string', default: '50' },
    replicas: { type: 'string', default: '5' },
    steps: { type: 'string', default: '5' },
    window: { type: 'string', default: '30' },
  },
});
const N = Number(args.rollouts);
const REPLICAS = Number(args.replicas);
const STEPS = Number(args.steps);
const WINDOW_S = Number(args.window);

const progress = (m: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
};

// Every API request of the run, counted where the adapter makes it (the watches too).
let requests = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped and called with its `this` below
const call = KubeApi.prototype.call;
KubeApi.prototype.call = function counted<T>(this: KubeApi, ...a: Parameters<typeof call<T>>) {
  requests++;
  return call.apply(this, a) as Promise<T>;
};
// eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped and called with its `this` below
const watch = Watch.prototype.watch;
Watch.prototype.watch = function counted(this: Watch, ...a: Parameters<typeof watch>) {
  requests++;
  return watch.apply(this, a);
};

const quiet: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: (m) => {
    progress(`error: ${m}`);
  },
  group: (_t, body) => body(),
};

function rollout(name: string, version: number, steps: unknown[]): unknown[] {
  const labels = { app: name };
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'app', image: `example/${name}:${version}` }] },
        },
        strategy: { canary: { stableService: `${name}-stable`, canaryService: `${name}-canary`, steps } },
      },
    },
    ...['stable', 'canary'].map((role) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-${role}` },
      spec: { selector: labels, ports: [{ port: 80 }] },
    })),
  ];
}

const weights = (): unknown[] =>
  Array.from({ length: STEPS }, (_, i) => ({ setWeight: Math.round(((i + 1) * 100) / STEPS) }));

/** One `run` of these Rollouts at `version`; resolves with its wall time and exit code. */
async function run(
  kubeconfig: string,
  namespace: string,
  names: readonly string[],
  version: number,
  steps: unknown[],
): Promise<{ ms: number; exitCode: number; message: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-bench-multi-'));
  await writeFile(
    path.join(dir, 'apps.yaml'),
    names
      .flatMap((n) => rollout(n, version, steps))
      .map((d) => stringify(d))
      .join('---\n'),
  );
  const inputs: Record<string, string> = {
    manifests: 'apps.yaml',
    namespace,
    kubeconfig,
    'watch-pauses': 'false',
  };
  const config = parseInputs((n) => inputs[n] ?? '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GITHUB_')));
  const started = performance.now();
  const r = await execute(config, {
    log: quiet,
    cwd: dir,
    env: { ...env, ROLLOUT_PILOT_DRIVER_ID: `bench-${namespace}#1` },
  });
  return { ms: performance.now() - started, exitCode: r.exitCode, message: r.outputs.message ?? '' };
}

async function phases(core: CoreV1Api, namespace: string, names: readonly string[]): Promise<string[]> {
  const list = await core.listNamespacedConfigMap({ namespace });
  return names.map((n) => {
    const cm = list.items.find((c) => c.metadata?.name === `rollout-pilot.${n}`);
    return (JSON.parse(cm?.data?.['status.json'] ?? '{}') as { phase?: string }).phase ?? '';
  });
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const kubeconfig = execFileSync('bash', [path.join(root, 'scripts/cluster/up.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  if (!kubeconfig) throw new Error('scripts/cluster/up.sh printed no kubeconfig');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const suffix = randomBytes(4).toString('hex');
  const multi = `bench-multi-${suffix}`;
  const solo = `bench-solo-${suffix}`;
  for (const name of [multi, solo]) {
    await core.createNamespace({
      body: { metadata: { name, labels: { 'rollout-pilot.dev/bench': 'true' } } },
    });
  }
  const cleanup = async (): Promise<void> => {
    for (const name of [multi, solo]) await core.deleteNamespace({ name }).catch(() => undefined);
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });
  try {
    const names = Array.from({ length: N }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    progress(`one Rollout: v1, then v2 through ${STEPS} setWeight steps`);
    await run(kubeconfig, solo, ['solo'], 1, weights());
    const one = await run(kubeconfig, solo, ['solo'], 2, weights());
    const rssBefore = process.resourceUsage().maxRSS;
    progress(`${N} Rollouts: v1 (${N * REPLICAS} pods)`);
    const deploy = await run(kubeconfig, multi, names, 1, weights());
    progress(`${N} Rollouts: v2 through ${STEPS} setWeight steps`);
    const update = await run(kubeconfig, multi, names, 2, weights());
    progress(`${N} Rollouts: v3 to a 600s pause; requests counted for ${WINDOW_S}s once all are paused`);
    const pausedRun = run(kubeconfig, multi, names, 3, [{ setWeight: 20 }, { pause: { duration: '600s' } }]);
    for (;;) {
      const p = await phases(core, multi, names);
      if (p.every((x) => x === 'Paused')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const from = requests;
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const perRolloutPerS = (requests - from) / WINDOW_S / N;
    const rssPeak = process.resourceUsage().maxRSS;
    // The run stops with its namespace: its drivers fail, which is the end of the bench anyway.
    progress('deleting the namespaces (the paused run ends with them)');
    await cleanup();
    await pausedRun.catch(() => undefined);
    const figures = {
      rollouts: N,
      replicas: REPLICAS,
      steps: STEPS,
      peakRssMB: Math.round(rssPeak / 1024),
      rssBeforeManyMB: Math.round(rssBefore / 1024),
      oneRolloutUpdateS: one.ms / 1000,
      oneRolloutPerStepMs: one.ms / STEPS,
      manyDeployS: deploy.ms / 1000,
      manyUpdateS: update.ms / 1000,
      manyPerStepMs: update.ms / STEPS,
      perStepRatio: update.ms / one.ms,
      pausedRequestsPerSecondPerRollout: perRolloutPerS,
      exitCodes: [one.exitCode, deploy.exitCode, update.exitCode],
    };
    process.stdout.write(
      [
        `| Figure | Value |`,
        `| --- | ---: |`,
        `| peak RSS (the whole process) | ${mb(rssPeak)} (${mb(rssBefore)} before the ${N} Rollouts) |`,
        `| one Rollout: v1 → v2, ${STEPS} steps | ${(one.ms / 1000).toFixed(2)} s (${(one.ms / STEPS).toFixed(0)} ms per step) |`,
        `| ${N} Rollouts: first deploy | ${(deploy.ms / 1000).toFixed(2)} s |`,
        `| ${N} Rollouts: v1 → v2, ${STEPS} steps | ${(update.ms / 1000).toFixed(2)} s (${(update.ms / STEPS).toFixed(0)} ms per step) |`,
        `| per step, ${N} Rollouts ÷ one | ${figures.perStepRatio.toFixed(2)}× |`,
        `| API requests while all are paused | ${perRolloutPerS.toFixed(3)} per second per Rollout |`,
        '',
        JSON.stringify(figures),
        '',
      ].join('\n'),
    );
    if (figures.exitCodes.some((c) => c !== 0))
      progress(`a run failed: ${[one, deploy, update].map((r) => r.message).join(' / ')}`);
  } finally {
    await cleanup();
  }
}

await main();
