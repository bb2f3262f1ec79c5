/**
 * Many Rollouts in one run (issue #12 part 3): N canary Rollouts of M replicas each driven by one
 * `run`, in-process (the `execute` the action and the CLI call), against the local cluster.
 * Prints the peak RSS, the time per step against a single Rollout of the same shape, and the API
 * requests per second per Rollout while all are paused (by verb and kind). The time per step is
 * split into the cluster's share (each Rollout's ReplicaSets catching up with a change it made, as
 * a watch of the bench's own sees them: pods created, scheduled, Ready) and the controller's (the
 * rest of each Rollout's time from its driver's start, `driving …`, to its last log line: the
 * run's preparation before the drivers start is left out). Asserts nothing.
 *
 *   node bench/multi-rollout.ts [--rollouts 50] [--replicas 5] [--steps 5] [--window 30]
 *
 * Also prints the CPU time per Rollout per step, and per kind of request how many a Rollout makes
 * per step and their mean latency. `RP_TRACE=1` lists the single Rollout's requests in order on
 * stderr (ms since its update started). `bench/multi-argo.ts` runs the same Rollouts through Argo.
 *
 * The runs are in-process, from the TypeScript sources (so requests can be counted); the process's
 * RSS then includes the sources' loading. With a bundle in dist/ (`npm run -s build`) a last run
 * (a first deploy of the N Rollouts, in a namespace of its own) is the action itself,
 * `node dist/index.js`, its peak RSS read from /proc while it runs: what a workflow's step uses.
 *
 * Creates two namespaces (`bench-multi-…`, `bench-solo-…`) and deletes them at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { KubeApi } from '../src/adapters/k8s/api-call.ts';
import { execute } from '../src/commands/index.ts';
import { parseInputs } from '../src/config/inputs.ts';
import type { Logger } from '../src/util/logger.ts';
import { mustWaitsFromTimeline, now, ReplicaSetTimeline } from './instrument.ts';
import { total } from './intervals.ts';
import { actionEnv, appsDir, peakRssKb, rolloutDocs, weightSteps } from './multi-manifests.ts';

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
/** Requests by verb and kind ("get ConfigMap", "watch replicasets"), counted while `tallying`. */
const byKind = new Map<string, number>();
let tallying = false;
const tally = (what: string): void => {
  requests++;
  if (tallying) byKind.set(what, (byKind.get(what) ?? 0) + 1);
};
// eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped and called with its `this` below
const call = KubeApi.prototype.call;
let tracing = false;
let traceFrom = 0;
/** Requests of the run being timed and their summed latency, by verb and kind. */
const latency = new Map<string, { n: number; ms: number }>();
KubeApi.prototype.call = function counted<T>(this: KubeApi, ...a: Parameters<typeof call<T>>) {
  const what = `${a[0].call.verb} ${a[0].call.kind}`;
  tally(what);
  const from = now();
  const done = (): void => {
    const l = latency.get(what) ?? { n: 0, ms: 0 };
    latency.set(what, { n: l.n + 1, ms: l.ms + now() - from });
  };
  const answer = call.apply(this, a) as Promise<T>;
  answer.then(done, done);
  if (process.env.RP_TRACE === '1' && tracing)
    process.stderr.write(`${(from - traceFrom).toFixed(0).padStart(6)} ${what} ${a[0].call.name ?? ''}\n`);
  return answer;
};

/** The latency table of the last timed run: requests per Rollout per step and mean ms, by kind. */
function latencyLines(label: string, rollouts: number): string[] {
  const rows = [...latency].sort((a, b) => b[1].n - a[1].n);
  return rows.map(
    ([k, l]) =>
      `| ${label}: ${k} | ${(l.n / rollouts / STEPS).toFixed(2)} per Rollout per step, mean ${(l.ms / l.n).toFixed(1)} ms |`,
  );
}
// eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped and called with its `this` below
const watch = Watch.prototype.watch;
Watch.prototype.watch = function counted(this: Watch, ...a: Parameters<typeof watch>) {
  tally(`watch ${a[0].split('/').pop() ?? ''}`);
  return watch.apply(this, a);
};

/** When each Rollout's driver logged last (its lines start with `[name]`; a run of one: ''). */
const lastLine = new Map<string, number>();
/** When each Rollout's driver started (its `driving <namespace>/<name>` line). */
const drivingLine = new Map<string, number>();
const quiet: Logger = {
  info: (m) => {
    const name = /^\[([^\]]+)\]/.exec(m)?.[1] ?? '';
    lastLine.set(name, now());
    if (/\bdriving \S+\/\S+$/.test(m) && !drivingLine.has(name)) drivingLine.set(name, now());
  },
  warn: () => undefined,
  error: (m) => {
    progress(`error: ${m}`);
  },
  group: (title, body) => {
    // A run of one drives inside this group: its driver starts here.
    if (title.startsWith('Drive Rollout ')) drivingLine.set('', now());
    return body();
  },
};

const rollout = (name: string, version: number, steps: unknown[]): unknown[] =>
  rolloutDocs(name, version, REPLICAS, steps);

const weights = (): unknown[] => weightSteps(STEPS);

/** One `run` of these Rollouts at `version`; resolves with its wall time and exit code. */
async function run(
  kubeconfig: string,
  namespace: string,
  names: readonly string[],
  version: number,
  steps: unknown[],
): Promise<{ ms: number; cpuMs: number; exitCode: number; message: string; from: number; to: number }> {
  const dir = await appsDir(names.flatMap((n) => rollout(n, version, steps)));
  const inputs: Record<string, string> = {
    manifests: 'apps.yaml',
    namespace,
    kubeconfig,
    'watch-pauses': 'false',
  };
  const config = parseInputs((n) => inputs[n] ?? '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GITHUB_')));
  lastLine.clear();
  drivingLine.clear();
  latency.clear();
  const from = now();
  const cpu = process.cpuUsage();
  const r = await execute(config, {
    log: quiet,
    cwd: dir,
    env: { ...env, ROLLOUT_PILOT_DRIVER_ID: `bench-${namespace}#1` },
  });
  const to = now();
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return { ms: to - from, cpuMs, exitCode: r.exitCode, message: r.outputs.message ?? '', from, to };
}

/** A run's time split per Rollout: the cluster's waits, and the rest (the controller's). */
interface Split {
  waitMs: number[];
  controllerMs: number[];
}

/**
 * Each Rollout's must-waits (instrument.ts) in the run, from its ReplicaSets as the bench's own
 * watch saw them, and its controller time: from the run's start to its last log line, less them.
 */
function split(
  kc: KubeConfig,
  timeline: ReplicaSetTimeline,
  names: readonly string[],
  run: { from: number; to: number },
  starts: ReadonlyMap<string, number>,
  ends: ReadonlyMap<string, number>,
): Split {
  const out: Split = { waitMs: [], controllerMs: [] };
  for (const name of names) {
    const own = new ReplicaSetTimeline(kc, '', '');
    for (const s of timeline.snapshots) {
      own.snapshots.push({
        at: s.at,
        sets: new Map([...s.sets].filter(([rs]) => rs.startsWith(`${name}-`))),
      });
    }
    const key = names.length === 1 ? '' : name;
    const end = Math.min(ends.get(key) ?? run.to, run.to);
    const start = Math.max(starts.get(key) ?? run.from, run.from);
    const wait = total(mustWaitsFromTimeline(own, start, end));
    out.waitMs.push(wait);
    out.controllerMs.push(end - start - wait);
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Runs `body` with a watch of the namespace's ReplicaSets (the bench's own, not counted). */
async function timed<T>(
  kc: KubeConfig,
  namespace: string,
  body: () => Promise<T>,
): Promise<[T, ReplicaSetTimeline]> {
  const timeline = new ReplicaSetTimeline(kc, namespace, 'rollout-pilot.dev/rollout');
  await timeline.start();
  try {
    return [await body(), timeline];
  } finally {
    timeline.stop();
  }
}

/** Runs the bundled action on these Rollouts at `version`; resolves with its peak RSS in kB. */
async function bundled(
  kubeconfig: string,
  namespace: string,
  names: readonly string[],
  version: number,
  steps: unknown[],
): Promise<number> {
  const dir = await appsDir(names.flatMap((n) => rollout(n, version, steps)));
  const env = actionEnv(namespace, kubeconfig);
  const child = spawn(process.execPath, [path.join(root, 'dist/index.js')], {
    cwd: dir,
    env,
    stdio: 'ignore',
  });
  let closed = false;
  child.on('close', () => (closed = true));
  // /proc is gone once it exits: read its high-water mark until then.
  let peak = 0;
  while (!closed) {
    peak = Math.max(peak, await peakRssKb(child.pid ?? 0).catch(() => 0));
    await new Promise((r) => setTimeout(r, 250));
  }
  return peak;
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
  const bundle = `bench-bundle-${suffix}`;
  for (const name of [multi, solo]) {
    await core.createNamespace({
      body: { metadata: { name, labels: { 'rollout-pilot.dev/bench': 'true' } } },
    });
  }
  const cleanup = async (): Promise<void> => {
    for (const name of [multi, solo, bundle]) await core.deleteNamespace({ name }).catch(() => undefined);
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });
  try {
    const names = Array.from({ length: N }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    progress(`one Rollout: v1, then v2 through ${STEPS} setWeight steps`);
    await run(kubeconfig, solo, ['solo'], 1, weights());
    tracing = true;
    traceFrom = now();
    const [one, soloTimeline] = await timed(kc, solo, () => run(kubeconfig, solo, ['solo'], 2, weights()));
    tracing = false;
    const oneSplit = split(kc, soloTimeline, ['solo'], one, drivingLine, lastLine);
    const oneLatency = latencyLines('one', 1);
    const rssBefore = process.resourceUsage().maxRSS;
    progress(`${N} Rollouts: v1 (${N * REPLICAS} pods)`);
    const deploy = await run(kubeconfig, multi, names, 1, weights());
    progress(`${N} Rollouts: v2 through ${STEPS} setWeight steps`);
    const [update, manyTimeline] = await timed(kc, multi, () => run(kubeconfig, multi, names, 2, weights()));
    const manySplit = split(kc, manyTimeline, names, update, drivingLine, lastLine);
    const manyLatency = latencyLines(String(N), N);
    progress(`${N} Rollouts: v3 to a 600s pause; requests counted for ${WINDOW_S}s once all are paused`);
    const pausedRun = run(kubeconfig, multi, names, 3, [{ setWeight: 20 }, { pause: { duration: '600s' } }]);
    for (;;) {
      const p = await phases(core, multi, names);
      if (p.every((x) => x === 'Paused')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const from = requests;
    tallying = true;
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    tallying = false;
    const perRolloutPerS = (requests - from) / WINDOW_S / N;
    const rssPeak = process.resourceUsage().maxRSS;
    // The run stops with its namespace: its drivers fail, which is the end of the bench anyway.
    progress('deleting the namespaces (the paused run ends with them)');
    await cleanup();
    await pausedRun.catch(() => undefined);
    let bundleRssKb: number | undefined;
    if (existsSync(path.join(root, 'dist/index.js'))) {
      progress(`${N} Rollouts: first deploy by the bundled action (node dist/index.js) in ${bundle}`);
      await core.createNamespace({
        body: { metadata: { name: bundle, labels: { 'rollout-pilot.dev/bench': 'true' } } },
      });
      bundleRssKb = await bundled(kubeconfig, bundle, names, 1, weights());
    }
    const figures = {
      rollouts: N,
      replicas: REPLICAS,
      steps: STEPS,
      peakRssMB: Math.round(rssPeak / 1024),
      rssBeforeManyMB: Math.round(rssBefore / 1024),
      bundlePeakRssMB: bundleRssKb === undefined ? undefined : Math.round(bundleRssKb / 1024),
      oneRolloutUpdateS: one.ms / 1000,
      oneRolloutPerStepMs: one.ms / STEPS,
      manyDeployS: deploy.ms / 1000,
      manyUpdateS: update.ms / 1000,
      manyPerStepMs: update.ms / STEPS,
      perStepRatio: update.ms / one.ms,
      oneControllerPerStepMs: mean(oneSplit.controllerMs) / STEPS,
      oneClusterWaitPerStepMs: mean(oneSplit.waitMs) / STEPS,
      manyControllerPerStepMs: mean(manySplit.controllerMs) / STEPS,
      manyControllerPerStepMaxMs: Math.max(...manySplit.controllerMs) / STEPS,
      manyClusterWaitPerStepMs: mean(manySplit.waitMs) / STEPS,
      controllerPerStepRatio: mean(manySplit.controllerMs) / mean(oneSplit.controllerMs),
      oneCpuPerStepMs: one.cpuMs / STEPS,
      manyCpuPerRolloutStepMs: update.cpuMs / N / STEPS,
      cpuPerRolloutStepRatio: update.cpuMs / N / one.cpuMs,
      pausedRequests: Object.fromEntries([...byKind].sort((a, b) => b[1] - a[1])),
      pausedRequestsPerSecondPerRollout: perRolloutPerS,
      exitCodes: [one.exitCode, deploy.exitCode, update.exitCode],
    };
    process.stdout.write(
      [
        `| Figure | Value |`,
        `| --- | ---: |`,
        `| peak RSS (the whole process) | ${mb(rssPeak)} (${mb(rssBefore)} before the ${N} Rollouts) |`,
        `| peak RSS of the bundled action, ${N} Rollouts' first deploy | ${bundleRssKb === undefined ? 'not measured (no dist/)' : mb(bundleRssKb)} |`,
        `| one Rollout: v1 → v2, ${STEPS} steps | ${(one.ms / 1000).toFixed(2)} s (${(one.ms / STEPS).toFixed(0)} ms per step) |`,
        `| ${N} Rollouts: first deploy | ${(deploy.ms / 1000).toFixed(2)} s |`,
        `| ${N} Rollouts: v1 → v2, ${STEPS} steps | ${(update.ms / 1000).toFixed(2)} s (${(update.ms / STEPS).toFixed(0)} ms per step) |`,
        `| per step, ${N} Rollouts ÷ one (wall) | ${figures.perStepRatio.toFixed(2)}× |`,
        `| per step, one: controller / cluster wait | ${figures.oneControllerPerStepMs.toFixed(0)} ms / ${figures.oneClusterWaitPerStepMs.toFixed(0)} ms |`,
        `| per step, ${N} Rollouts: controller (mean, max) / cluster wait (mean) | ${figures.manyControllerPerStepMs.toFixed(0)} ms, ${figures.manyControllerPerStepMaxMs.toFixed(0)} ms / ${figures.manyClusterWaitPerStepMs.toFixed(0)} ms |`,
        `| controller time per step, ${N} Rollouts ÷ one | ${figures.controllerPerStepRatio.toFixed(2)}× |`,
        `| CPU per Rollout per step: one / ${N} (the process, in-process run) | ${figures.oneCpuPerStepMs.toFixed(1)} ms / ${figures.manyCpuPerRolloutStepMs.toFixed(1)} ms |`,
        `| CPU per Rollout per step, ${N} Rollouts ÷ one | ${figures.cpuPerRolloutStepRatio.toFixed(2)}× |`,
        ...oneLatency,
        ...manyLatency,
        `| API requests while all are paused | ${perRolloutPerS.toFixed(3)} per second per Rollout |`,
        `| of which (whole window) | ${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')} |`,
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
