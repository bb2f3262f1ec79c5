/**
 * `npm run bench`: the controller's speed on the local cluster (the issue's "Speed" section).
 *
 * - Overhead per step: a v(n) → v(n+1) update through N setWeight steps, driven in-process by
 *   drive() over an instrumented KubeCluster. overhead = wall − (waits for the cluster ∪ pauses).
 * - API requests per step, and per minute while waiting (a timed pause; pods not Ready yet).
 * - cluster:up: when already running always; a stop-and-start only with --cluster.
 *
 * Prints a table on stdout and, as the last line, one JSON object with every figure. Progress goes
 * to stderr. It asserts nothing: the figures are for docs/benchmarks.md.
 *
 *   node bench/run.ts [--repeat 3] [--steps 10] [--replicas 5] [--pause 0] [--ready-delay 0]
 *                     [--pause-window 60] [--pod-window 20]
 *                     [--e2e] [--cluster | --cluster-shared] [--quick] [--verbose]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { KubeCluster } from '../src/adapters/k8s/cluster.ts';
import { drive } from '../src/controller/driver.ts';
import { LEASE_SECONDS, sameJob } from '../src/controller/lease-keeper.ts';
import { toEngineRollout } from '../src/controller/engine-rollout.ts';
import { stepsOf } from '../src/engine/spec.ts';
import { systemClock, type KubeObject } from '../src/controller/ports.ts';
import { initialStatus, POD_TEMPLATE_HASH_LABEL } from '../src/engine/state.ts';
import type { Logger } from '../src/util/logger.ts';
import {
  actionBatches,
  BenchStop,
  Recorder,
  mustWaits,
  mustWaitsFromTimeline,
  now,
  ReplicaSetTimeline,
  type CallDetail,
  type CallRecord,
} from './instrument.ts';
import { intersect, max, median, subtract, total, union, type Interval } from './intervals.ts';

const root = path.resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    steps: { type: 'string', default: '10' },
    replicas: { type: 'string', default: '5' },
    'pause-window': { type: 'string', default: '60' },
    'pod-window': { type: 'string', default: '20' },
    pause: { type: 'string', default: '0' },
    'ready-delay': { type: 'string', default: '0' },
    e2e: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    'cluster-shared': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
  allowPositionals: false,
  strict: true,
});
const clusterMode: 'private' | 'shared' | undefined = args['cluster-shared']
  ? 'shared'
  : args.cluster
    ? 'private'
    : undefined;
const REPEAT = Number(args.repeat);
const STEPS = Number(args.steps);
const REPLICAS = Number(args.replicas);
const PAUSE_WINDOW_S = args.quick ? 10 : Number(args['pause-window']);
const PAUSE_S = PAUSE_WINDOW_S + 30;
const POD_WINDOW_S = args.quick ? 6 : Number(args['pod-window']);
const POD_READY_DELAY_S = POD_WINDOW_S + 10;
/** --pause S: a timed pause after each setWeight but the last, in the overhead rollout. */
const STEP_PAUSE_S = Number(args.pause);
/** --ready-delay S: the overhead rollout's pods become Ready S seconds after they start. */
const READY_DELAY_S = Number(args['ready-delay']);

function overheadRollout(name: string, image: string): RolloutSpec {
  return {
    name,
    image,
    steps: weightSteps(STEPS, STEP_PAUSE_S),
    replicas: REPLICAS,
    ...(READY_DELAY_S > 0
      ? { podAnnotations: { 'rollout-pilot.dev/ready-delay': `${READY_DELAY_S}s` } }
      : {}),
  };
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Keeps the driver's log; with --verbose also shows it as it comes. */
class BenchLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(message);
    if (args.verbose) process.stderr.write(`  ${new Date().toISOString().slice(11, 23)} ${message}\n`);
  }
  warn(message: string): void {
    this.info(`warning: ${message}`);
  }
  error(message: string): void {
    this.info(`error: ${message}`);
  }
  group<T>(_title: string, body: () => Promise<T>): Promise<T> {
    return body();
  }
}

// ---------------------------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------------------------

interface ClusterFigures {
  /** `up.sh` when the cluster is already up (what every `npm test` pays). */
  upWhenRunningMs: number;
  /** The bench found the cluster down and started it (binaries may have been built). */
  startedMs?: number;
  /** --cluster: down.sh then up.sh with binaries and certificates in place. */
  warmUpMs?: number;
  warmUpMode?: 'private' | 'shared';
}

function upScript(env: NodeJS.ProcessEnv = process.env): string {
  const out = execFileSync('bash', [path.join(root, 'scripts/cluster/up.sh')], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kubeconfig = out.trim().split('\n').pop();
  if (!kubeconfig) throw new Error('scripts/cluster/up.sh printed no kubeconfig');
  return kubeconfig;
}

function timed<T>(fn: () => T): [T, number] {
  const start = now();
  const result = fn();
  return [result, now() - start];
}

function startCluster(figures: Partial<ClusterFigures>): string {
  const running =
    spawnSync('bash', [path.join(root, 'scripts/cluster/up.sh'), '--check'], { stdio: 'ignore' }).status ===
    0;
  if (!running) {
    progress('the local cluster is down: starting it (scripts/cluster/up.sh)');
    const [, ms] = timed(() => upScript());
    figures.startedMs = ms;
  }
  const [kubeconfig, ms] = timed(() => upScript());
  figures.upWhenRunningMs = ms;
  return kubeconfig;
}

/**
 * --cluster: the warm `cluster:up` (binaries built, certificates made). By default on a private
 * control plane (its own state folder and ports), so the shared one other people use stays up;
 * --cluster-shared stops and starts the shared one, as `npm run cluster:down && npm run cluster:up`.
 */
function warmClusterUp(mode: 'private' | 'shared'): number {
  if (mode === 'shared') {
    progress('--cluster-shared: stopping and starting the shared local cluster');
    execFileSync('bash', [path.join(root, 'scripts/cluster/down.sh')], { stdio: 'ignore' });
    return timed(() => upScript())[1];
  }
  const dir = execFileSync('mktemp', ['-d', path.join(tmpdir(), 'rp-bench-cluster-XXXXXX')], {
    encoding: 'utf8',
  }).trim();
  const env = { ...process.env, ROLLOUT_PILOT_CLUSTER_DIR: dir, ROLLOUT_PILOT_PORT_BASE: '26700' };
  const down = (): void => {
    execFileSync('bash', [path.join(root, 'scripts/cluster/down.sh')], { env, stdio: 'ignore' });
  };
  try {
    progress('--cluster: a private control plane on ports 267xx (first start makes its certificates)');
    upScript(env);
    down();
    progress('--cluster: down, and up again (warm)');
    return timed(() => upScript(env))[1];
  } finally {
    down();
    execFileSync('rm', ['-rf', dir]);
  }
}

// ---------------------------------------------------------------------------------------------
// Rollouts
// ---------------------------------------------------------------------------------------------

interface RolloutSpec {
  name: string;
  image: string;
  steps: unknown[];
  replicas: number;
  podAnnotations?: Record<string, string>;
}

function rolloutObject(namespace: string, r: RolloutSpec): KubeObject {
  const labels = { app: r.name };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: r.name, namespace },
    spec: {
      replicas: r.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(r.podAnnotations ? { annotations: r.podAnnotations } : {}) },
        spec: { containers: [{ name: 'app', image: r.image }] },
      },
      strategy: {
        canary: { stableService: `${r.name}-stable`, canaryService: `${r.name}-canary`, steps: r.steps },
      },
    },
  };
}

function serviceObjects(namespace: string, name: string): KubeObject[] {
  return ['stable', 'canary'].map((role) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-${role}`, namespace },
    spec: { selector: { app: name }, ports: [{ port: 80 }] },
  }));
}

/** What `run` does before it drives: keep Service selectors, validate, lease, apply, store. */
async function prepare(
  cluster: KubeCluster,
  namespace: string,
  rollout: KubeObject,
  identity: string,
): Promise<void> {
  const name = rollout.metadata.name;
  const services = serviceObjects(namespace, name);
  const hashes = await cluster.serviceHashes(
    namespace,
    services.map((s) => s.metadata.name),
  );
  for (const svc of services) {
    const hash = hashes.get(svc.metadata.name);
    const spec = svc.spec as { selector: Record<string, string> };
    if (hash !== undefined) spec.selector[POD_TEMPLATE_HASH_LABEL] = hash;
  }
  await cluster.applyObjects(services, { dryRun: true, namespace });
  await cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, (h) => sameJob(identity, h));
  await cluster.applyObjects(services, { dryRun: false, namespace });
  const existing = await cluster.readState(namespace, name);
  await cluster.writeState(namespace, name, {
    rollout,
    status: existing?.status ?? initialStatus(),
    requests: existing?.requests ?? [],
    templates: [],
    analysis: existing?.analysis ?? [],
    version: existing?.version,
  });
}

interface Driven {
  recorder: Recorder;
  log: BenchLogger;
  prep: Interval;
  drive: Interval;
  finish: Interval;
  ticks: number;
  phase: string;
  stopped: boolean;
}

/** One `run` in-process: prepare, drive (until done or BenchStop), and read the outputs. */
async function runRollout(
  kc: KubeConfig,
  namespace: string,
  spec: RolloutSpec,
  setup: (cluster: Recorder) => void = () => undefined,
): Promise<Driven> {
  const recorder = new Recorder(new KubeCluster(kc));
  setup(recorder);
  const cluster = recorder.cluster;
  const log = new BenchLogger();
  const rollout = rolloutObject(namespace, spec);
  const identity = `bench-${namespace}#1`;
  const t0 = now();
  await prepare(cluster, namespace, rollout, identity);
  const t1 = now();
  let ticks: number;
  let phase = '?';
  let stopped = false;
  try {
    const result = await drive(cluster, systemClock, log, {
      namespace,
      name: spec.name,
      identity,
      deadline: new Date(Date.now() + 30 * 60_000),
      toEngine: toEngineRollout,
    });
    ticks = result.ticks;
    phase = result.status.phase;
  } catch (e) {
    if (!(e instanceof BenchStop)) throw e;
    stopped = true;
    ticks = recorder.calls.filter((c) => c.method === 'readState').length - 1;
  }
  const t2 = now();
  // `run` reads the outputs from the cluster once it stops driving.
  if (!stopped) await cluster.observe(rollout, []);
  const t3 = now();
  return { recorder, log, prep: [t0, t1], drive: [t1, t2], finish: [t2, t3], ticks, phase, stopped };
}

/** Timed canary pauses, from the statuses the driver wrote: [start, start + duration]. */
function pauseIntervals(driven: Driven, steps: unknown[], namespace: string, name: string): Interval[] {
  const engine = stepsOf(toEngineRollout(rolloutObject(namespace, { name, image: 'x', steps, replicas: 1 })));
  const out = new Map<string, Interval>();
  for (const { status } of driven.recorder.statuses) {
    const step = engine[status.currentStepIndex ?? -1];
    const cond = status.pauseConditions.find((c) => c.reason === 'CanaryPauseStep');
    if (cond === undefined || step === undefined || !('pause' in step)) continue;
    const duration = step.pause.duration;
    if (duration === undefined) continue;
    const start = Date.parse(cond.startTime);
    out.set(cond.startTime, [start, start + duration * 1000]);
  }
  return [...out.values()];
}

function requestsByMethod(calls: readonly CallRecord[], within: Interval): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) {
    if (c.start < within[0] || c.start >= within[1]) continue;
    out[c.method] = (out[c.method] ?? 0) + c.requests;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Overhead per step
// ---------------------------------------------------------------------------------------------

interface OverheadRun {
  wallMs: number;
  waitMs: number;
  pauseMs: number;
  overheadMs: number;
  overheadPerStepMs: number;
  /** Where the overhead goes: asleep (settle after an action / poll), in API calls, the rest. */
  overheadSettleSleepMs: number;
  overheadPollSleepMs: number;
  overheadApiMs: number;
  overheadOtherMs: number;
  requests: number;
  requestsPerStep: number;
  requestsByMethod: Record<string, number>;
  ticks: number;
  actionTicks: number;
  prepMs: number;
  prepRequests: number;
  finishMs: number;
  finishRequests: number;
}

const SETTLE_MS = 150;

function analyse(
  driven: Driven,
  timeline: ReplicaSetTimeline,
  spec: RolloutSpec,
  namespace: string,
): OverheadRun {
  const c = driven.recorder;
  const [from, to] = driven.drive;
  const inDrive = c.calls.filter((x) => x.start >= from && x.start < to);
  const batches = actionBatches(
    inDrive,
    c.applies.filter((a) => a.start >= from && a.start < to),
  );
  const waits = mustWaits(batches, timeline, spec.name, from, to);
  if (args.verbose) {
    batches.forEach((b, i) => {
      const [ws, we] = waits[i] ?? [0, 0];
      const what = b.actions
        .map((a) => (a.kind === 'scaleReplicaSet' ? `scale ${a.role} → ${a.replicas}` : a.kind))
        .join(', ');
      progress(`  +${ms(b.start - from)}: ${what}; the cluster caught up ${ms(we - ws)} later`);
    });
  }
  const pauses = intersect(pauseIntervals(driven, spec.steps, namespace, spec.name), [[from, to]]);
  const overhead = subtract([[from, to]], [...waits, ...pauses]);
  const sleepsIn = (pred: (ms: number) => boolean): number =>
    total(
      intersect(
        overhead,
        c.sleeps.filter((s) => pred(s.ms)).map((s): Interval => [s.start, s.end]),
      ),
    );
  const settleSleep = sleepsIn((ms) => ms === SETTLE_MS);
  const pollSleep = sleepsIn((ms) => ms !== SETTLE_MS);
  const api = total(
    intersect(
      overhead,
      inDrive.map((x): Interval => [x.start, x.end]),
    ),
  );
  const overheadMs = total(overhead);
  const requests = inDrive.reduce((n, x) => n + x.requests, 0);
  const sum = (within: Interval): number =>
    c.calls.filter((x) => x.start >= within[0] && x.start < within[1]).reduce((n, x) => n + x.requests, 0);
  const steps = spec.steps.length;
  return {
    wallMs: to - from,
    waitMs: total(union(waits)),
    pauseMs: total(pauses),
    overheadMs,
    overheadPerStepMs: overheadMs / steps,
    overheadSettleSleepMs: settleSleep,
    overheadPollSleepMs: pollSleep,
    overheadApiMs: api,
    overheadOtherMs: overheadMs - settleSleep - pollSleep - api,
    requests,
    requestsPerStep: requests / steps,
    requestsByMethod: requestsByMethod(c.calls, driven.drive),
    ticks: driven.ticks,
    actionTicks: batches.length,
    prepMs: driven.prep[1] - driven.prep[0],
    prepRequests: sum(driven.prep),
    finishMs: driven.finish[1] - driven.finish[0],
    finishRequests: sum([driven.finish[0], driven.finish[1] + 1]),
  };
}

function weightSteps(n: number, pauseSeconds = 0): unknown[] {
  const out: unknown[] = [];
  for (let i = 1; i <= n; i++) {
    out.push({ setWeight: Math.round((100 * i) / n) });
    if (pauseSeconds > 0 && i < n) out.push({ pause: { duration: `${pauseSeconds}s` } });
  }
  return out;
}

async function overheadScenario(kc: KubeConfig, namespace: string): Promise<OverheadRun[]> {
  const name = 'steps';
  const timeline = new ReplicaSetTimeline(kc, namespace, `rollout-pilot.dev/rollout=${name}`);
  await timeline.start();
  try {
    progress(`overhead: deploying v1 of "${name}" (${REPLICAS} replicas)`);
    await runRollout(kc, namespace, overheadRollout(name, 'example/bench:1'));
    const runs: OverheadRun[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const spec = overheadRollout(name, `example/bench:${r + 2}`);
      const driven = await runRollout(kc, namespace, spec);
      const run = analyse(driven, timeline, spec, namespace);
      if (driven.phase !== 'Healthy') throw new Error(`run ${r + 1} ended ${driven.phase}`);
      progress(
        `overhead: v${r + 1} → v${r + 2} in ${s(run.wallMs)}: waits ${s(run.waitMs)}, overhead ${s(run.overheadMs)} (${ms(run.overheadPerStepMs)}/step), ${run.requests} requests`,
      );
      runs.push(run);
    }
    return runs;
  } finally {
    timeline.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Requests while waiting
// ---------------------------------------------------------------------------------------------

interface WaitWindow {
  what: string;
  windowS: number;
  requests: number;
  perMinute: number;
  perSecond: number;
  ticks: number;
  /** Calls per tick in the window, as "method×requests + …", with how many ticks looked so. */
  tickShapes: Record<string, number>;
  requestsByMethod: Record<string, number>;
  /** Median time between the starts of two ticks. */
  tickEveryMs: number;
}

function ticksIn(calls: readonly CallRecord[], within: Interval): CallRecord[][] {
  const ticks: CallRecord[][] = [];
  let prev: string | undefined;
  for (const c of calls) {
    if (c.start < within[0] || c.start >= within[1]) continue;
    const starts = c.method === 'acquireLease' || (c.method === 'readState' && prev !== 'acquireLease');
    if (starts || ticks.length === 0) ticks.push([]);
    ticks[ticks.length - 1]?.push(c);
    prev = c.method;
  }
  return ticks;
}

/**
 * Drives `spec` (its v1 first) and, from the moment `begins` says so, counts the driver's requests
 * for `windowS` seconds; then stops the driver at its next sleep.
 */
async function waitingWindow(
  kc: KubeConfig,
  namespace: string,
  what: string,
  v1: RolloutSpec,
  v2: RolloutSpec,
  windowS: number,
  begins: (call: CallRecord, detail: CallDetail) => boolean,
): Promise<WaitWindow> {
  progress(`${what}: deploying v1 of "${v1.name}"`);
  await runRollout(kc, namespace, v1);
  interface Window {
    start: number;
    end: number;
    r0: number;
    r1?: number;
  }
  let win: Window | undefined;
  progress(`${what}: v2, counting requests for ${windowS}s once it waits`);
  const driven = await runRollout(kc, namespace, v2, (cluster) => {
    let armed = false;
    cluster.onCall = (call, detail) => {
      if (begins(call, detail)) armed = true;
    };
    // The window opens as the driver goes to sleep after the event: whole ticks from there on.
    cluster.onSleep = (start) => {
      if (!armed || win !== undefined) return;
      const w: Window = { start, end: start + windowS * 1000, r0: cluster.requestCount() };
      win = w;
      setTimeout(() => {
        w.r1 = cluster.requestCount();
        w.end = now();
        cluster.stop = true;
      }, windowS * 1000);
    };
  });
  if (win?.r1 === undefined) throw new Error(`${what}: the driver finished before the window ended`);
  const requests = win.r1 - win.r0;
  const span: Interval = [win.start, win.end];
  const ticks = ticksIn(driven.recorder.calls, span);
  const shapes: Record<string, number> = {};
  for (const tick of ticks) {
    const shape = tick.map((c) => `${c.method}×${c.requests}`).join(' + ');
    shapes[shape] = (shapes[shape] ?? 0) + 1;
  }
  const starts = ticks.map((t) => t[0]?.start ?? 0);
  const seconds = (win.end - win.start) / 1000;
  return {
    what,
    windowS: seconds,
    requests,
    perMinute: (requests / seconds) * 60,
    perSecond: requests / seconds,
    ticks: ticks.length,
    tickShapes: shapes,
    requestsByMethod: requestsByMethod(driven.recorder.calls, span),
    tickEveryMs: median(starts.slice(1).map((t, i) => t - (starts[i] ?? 0))),
  };
}

function pausedScenario(kc: KubeConfig, namespace: string): Promise<WaitWindow> {
  const steps = [{ setWeight: 20 }, { pause: { duration: `${PAUSE_S}s` } }, { setWeight: 60 }];
  const base = { name: 'paused', steps, replicas: REPLICAS };
  return waitingWindow(
    kc,
    namespace,
    `paused (pause ${PAUSE_S}s)`,
    { ...base, image: 'example/bench:1' },
    { ...base, image: 'example/bench:2' },
    PAUSE_WINDOW_S,
    (call, detail) =>
      call.method === 'writeState' &&
      (detail.status?.pauseConditions.some((c) => c.reason === 'CanaryPauseStep') ?? false),
  );
}

function podWaitScenario(kc: KubeConfig, namespace: string): Promise<WaitWindow> {
  const steps = [{ setWeight: 20 }, { pause: {} }];
  const base = { name: 'slow', steps, replicas: REPLICAS };
  return waitingWindow(
    kc,
    namespace,
    `pods not Ready (ready-delay ${POD_READY_DELAY_S}s)`,
    { ...base, image: 'example/bench:1' },
    {
      ...base,
      image: 'example/bench:2',
      podAnnotations: { 'rollout-pilot.dev/ready-delay': `${POD_READY_DELAY_S}s` },
    },
    POD_WINDOW_S,
    (call, detail) =>
      call.method === 'apply' &&
      detail.action?.kind === 'scaleReplicaSet' &&
      detail.action.role === 'canary' &&
      detail.action.replicas > 0,
  );
}

// ---------------------------------------------------------------------------------------------
// 3. The bundled action, end to end (--e2e)
// ---------------------------------------------------------------------------------------------

interface E2eRun {
  wallMs: number;
  waitMs: number;
  pauseMs: number;
  overheadMs: number;
  overheadPerStepMs: number;
}

async function runAction(kubeconfig: string, namespace: string, spec: RolloutSpec): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-bench-'));
  try {
    const docs = [rolloutObject(namespace, spec), ...serviceObjects(namespace, spec.name)].map((d) => {
      const copy = structuredClone(d);
      delete copy.metadata.namespace;
      return stringify(copy);
    });
    await writeFile(path.join(dir, 'rollout.yaml'), docs.join('---\n'));
    await writeFile(path.join(dir, 'output'), '');
    await writeFile(path.join(dir, 'summary'), '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: path.join(dir, 'output'),
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
      ROLLOUT_PILOT_DRIVER_ID: `bench-e2e-${namespace}#1`,
      INPUT_MANIFESTS: 'rollout.yaml',
      INPUT_NAMESPACE: namespace,
      INPUT_KUBECONFIG: kubeconfig,
    };
    const start = now();
    const child = spawn(process.execPath, [path.join(root, 'dist/index.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const wall = now() - start;
    const outputs = await readFile(path.join(dir, 'output'), 'utf8');
    if (code !== 0 || !/phase<<\S+\nHealthy\n/.test(outputs)) {
      throw new Error(`dist/index.js exited ${code}:\n${out}`);
    }
    return wall;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function e2eScenario(kc: KubeConfig, kubeconfig: string, namespace: string): Promise<E2eRun[]> {
  const name = 'action';
  const timeline = new ReplicaSetTimeline(kc, namespace, `rollout-pilot.dev/rollout=${name}`);
  await timeline.start();
  try {
    progress(`e2e: deploying v1 of "${name}" with node dist/index.js`);
    await runAction(kubeconfig, namespace, overheadRollout(name, 'example/bench:1'));
    const runs: E2eRun[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const start = now();
      const spec = overheadRollout(name, `example/bench:${r + 2}`);
      const wallMs = await runAction(kubeconfig, namespace, spec);
      const waitMs = total(mustWaitsFromTimeline(timeline, start, start + wallMs));
      // The pauses last exactly their duration; the process does not tell when they started.
      const pauseMs = STEP_PAUSE_S * 1000 * Math.max(0, STEPS - 1);
      const overheadMs = wallMs - waitMs - pauseMs;
      runs.push({ wallMs, waitMs, pauseMs, overheadMs, overheadPerStepMs: overheadMs / spec.steps.length });
      progress(`e2e: v${r + 1} → v${r + 2} in ${s(wallMs)}: waits ${s(waitMs)}, overhead ${s(overheadMs)}`);
    }
    return runs;
  } finally {
    timeline.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

function ms(v: number): string {
  return `${Math.round(v)} ms`;
}
function s(v: number): string {
  return `${(v / 1000).toFixed(2)} s`;
}
function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function stats<T extends object>(runs: readonly T[], keys: readonly (keyof T & string)[]) {
  const pick = (k: keyof T & string): number[] => runs.map((r) => Number(r[k]));
  return {
    median: Object.fromEntries(keys.map((k) => [k, round(median(pick(k)))])),
    max: Object.fromEntries(keys.map((k) => [k, round(max(pick(k)))])),
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const clusterFigures: Partial<ClusterFigures> = {};
  if (clusterMode !== undefined) {
    clusterFigures.warmUpMs = warmClusterUp(clusterMode);
    clusterFigures.warmUpMode = clusterMode;
  }
  const kubeconfig = startCluster(clusterFigures);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'rollout-pilot.dev/bench': 'true' } } },
  });
  progress(`namespace ${namespace}`);
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    progress(`deleted namespace ${namespace}`);
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });

  try {
    const overhead = await overheadScenario(kc, namespace);
    const paused = await pausedScenario(kc, namespace);
    const podWait = await podWaitScenario(kc, namespace);
    const e2e = args.e2e ? await e2eScenario(kc, kubeconfig, namespace) : undefined;

    const keys = [
      'wallMs',
      'waitMs',
      'pauseMs',
      'overheadMs',
      'overheadPerStepMs',
      'overheadSettleSleepMs',
      'overheadPollSleepMs',
      'overheadApiMs',
      'overheadOtherMs',
      'requests',
      'requestsPerStep',
      'ticks',
      'actionTicks',
      'prepMs',
      'prepRequests',
      'finishMs',
      'finishRequests',
    ] as const;
    const o = stats(overhead, keys);
    const e = e2e
      ? stats(e2e, ['wallMs', 'waitMs', 'pauseMs', 'overheadMs', 'overheadPerStepMs'] as const)
      : undefined;
    const goals = {
      overheadPerStepMs: {
        goal: 500,
        median: o.median.overheadPerStepMs,
        holds: (o.max.overheadPerStepMs ?? Infinity) < 500,
      },
      requestsPerSecondWhilePaused: {
        goal: 1,
        measured: round(paused.perSecond, 2),
        holds: paused.perSecond <= 1,
      },
      requestsPerSecondWhilePodsNotReady: {
        goal: 1,
        measured: round(podWait.perSecond, 2),
        holds: podWait.perSecond <= 1,
      },
    };

    const row = (label: string, k: (typeof keys)[number], unit: 'ms' | 'n' = 'ms'): string[] => {
      const f = (v: number | undefined): string =>
        v === undefined ? '' : unit === 'ms' ? ms(v) : String(round(v));
      return [label, f(o.median[k]), f(o.max[k]), ...overhead.map((r) => f(r[k]))];
    };
    const out: string[] = [];
    out.push(
      `rollout-pilot bench: ${cpus().length} CPU (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}`,
      '',
      `Overhead: v(n) → v(n+1), ${STEPS} setWeight steps${STEP_PAUSE_S > 0 ? ` with a ${STEP_PAUSE_S}s pause after each but the last` : ''}, ${REPLICAS} replicas, pods Ready ${READY_DELAY_S > 0 ? `${READY_DELAY_S}s after start` : 'at once'}; ${REPEAT} runs`,
      table([
        ['', 'median', 'max', ...overhead.map((_, i) => `run ${i + 1}`)],
        row('wall (drive)', 'wallMs'),
        row('waits for the cluster', 'waitMs'),
        row('pauses', 'pauseMs'),
        row('overhead = wall − waits − pauses', 'overheadMs'),
        row('overhead per step', 'overheadPerStepMs'),
        row('  asleep 150 ms after actions', 'overheadSettleSleepMs'),
        row('  asleep polling (2 s / 5 s)', 'overheadPollSleepMs'),
        row('  in API calls', 'overheadApiMs'),
        row('  other (engine, JSON, log)', 'overheadOtherMs'),
        row('API requests (drive)', 'requests', 'n'),
        row('API requests per step', 'requestsPerStep', 'n'),
        row('ticks', 'ticks', 'n'),
        row('ticks with actions', 'actionTicks', 'n'),
        row('before drive: prepare (once per run)', 'prepMs'),
        row('  its API requests', 'prepRequests', 'n'),
        row('after drive: outputs (once per run)', 'finishMs'),
        row('  its API requests', 'finishRequests', 'n'),
      ]),
      `requests by call (run 1): ${JSON.stringify(overhead[0]?.requestsByMethod ?? {})}`,
      '',
      'Requests while waiting',
      table([
        ['', 'window', 'requests', 'per minute', 'per second', 'ticks', 'tick every'],
        ...[paused, podWait].map((w) => [
          w.what,
          `${round(w.windowS)} s`,
          String(w.requests),
          String(round(w.perMinute)),
          String(round(w.perSecond, 2)),
          String(w.ticks),
          Number.isNaN(w.tickEveryMs) ? '-' : ms(w.tickEveryMs),
        ]),
      ]),
      ...[paused, podWait].flatMap((w) => [
        `${w.what}: ticks look like`,
        ...Object.entries(w.tickShapes).map(([shape, n]) => `  ${n}× ${shape}`),
      ]),
    );
    if (e2e && e) {
      out.push(
        '',
        `node dist/index.js end to end (process start to exit, same rollout, waits from the watch)`,
        table([
          ['', 'median', 'max', ...e2e.map((_, i) => `run ${i + 1}`)],
          ...(
            [
              ['wall (process start to exit)', 'wallMs'],
              ['waits for the cluster', 'waitMs'],
              ['pauses', 'pauseMs'],
              ['overhead = wall − waits − pauses', 'overheadMs'],
              ['overhead per step', 'overheadPerStepMs'],
            ] as const
          ).map(([label, k]) => [
            label,
            ms(e.median[k] ?? 0),
            ms(e.max[k] ?? 0),
            ...e2e.map((r) => ms(r[k])),
          ]),
        ]),
      );
    }
    out.push(
      '',
      'cluster:up',
      `  already running: ${s(clusterFigures.upWhenRunningMs ?? 0)}`,
      ...(clusterFigures.startedMs !== undefined
        ? [`  was down, started: ${s(clusterFigures.startedMs)}`]
        : []),
      clusterFigures.warmUpMs !== undefined
        ? `  warm (down, then up; ${clusterFigures.warmUpMode} control plane): ${s(clusterFigures.warmUpMs)}`
        : '  warm down/up: skipped (pass --cluster)',
      '',
      'Goals',
      `  overhead per step < 500 ms: ${goals.overheadPerStepMs.holds ? 'holds' : 'does NOT hold'} (median ${ms(o.median.overheadPerStepMs ?? 0)}, max ${ms(o.max.overheadPerStepMs ?? 0)})`,
      `  ≤ 1 request/s while paused: ${goals.requestsPerSecondWhilePaused.holds ? 'holds' : 'does NOT hold'} (${goals.requestsPerSecondWhilePaused.measured}/s)`,
      `  ≤ 1 request/s while pods are not Ready: ${goals.requestsPerSecondWhilePodsNotReady.holds ? 'holds' : 'does NOT hold'} (${goals.requestsPerSecondWhilePodsNotReady.measured}/s)`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
    const json = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model.trim(), node: process.version },
      config: {
        steps: STEPS,
        stepPauseSeconds: STEP_PAUSE_S,
        readyDelaySeconds: READY_DELAY_S,
        replicas: REPLICAS,
        repeat: REPEAT,
        pauseSeconds: PAUSE_S,
        pauseWindowSeconds: PAUSE_WINDOW_S,
        podReadyDelaySeconds: POD_READY_DELAY_S,
        podWindowSeconds: POD_WINDOW_S,
      },
      overhead: { ...o, runs: overhead.map((r) => ({ ...r })) },
      waiting: { paused, podsNotReady: podWait },
      ...(e2e ? { e2e: { ...e, runs: e2e } } : {}),
      cluster: clusterFigures,
      goals,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } finally {
    await cleanup();
  }
}

await main();
