/**
 * `node bench/side-by-side.ts`: the same update through Argo Rollouts' controller (v1.10.2, on the
 * conformance cluster) and through rollout-pilot (`node dist/index.js`, on the main cluster), in
 * the same run: time from each update or promote to the next settle point, API requests while
 * paused, and memory (the Argo controller's RSS against one rollout-pilot run's peak RSS).
 *
 *   node bench/side-by-side.ts [--replicas 5] [--steps 4] [--paused-window 30] [--rounds 1] [--argo-via kubectl]
 *
 * Argo's update and promotes go out as a person sends them (`--argo-via kubectl`): the update as
 * `kubectl apply -f` of the Rollout, a promote as `kubectl argo rollouts promote` sends it (its first
 * patch through a `kubectl patch` process, start counted as rollout-pilot's process start is); or
 * in-process (`--argo-via api`: Argo's controller alone).
 *
 * A round is an update and one promote per step; with --rounds R > 1 the table ends with the
 * medians of every update and of every promote.
 *
 * Needs both clusters (scripts/cluster/up.sh, scripts/conformance/up.sh); prints a Markdown table
 * and, as the last line, one JSON object. Asserts nothing: the figures are for docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ArgoSide } from '../test/conformance/harness/argo.ts';
import type { SettlePoint } from '../test/conformance/harness/compare.ts';
import { clients, roleKubeconfig, sleep, type ClusterName } from '../test/conformance/harness/kube.ts';
import { PilotSide } from '../test/conformance/harness/pilot.ts';
import { manifests, type Scenario } from '../test/conformance/harness/scenario.ts';
import { settleArgo, settlePilot } from '../test/conformance/harness/settle.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    replicas: { type: 'string', default: '5' },
    steps: { type: 'string', default: '4' },
    'paused-window': { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
    'argo-via': { type: 'string', default: 'kubectl' },
  },
});
const replicas = Number(args.replicas);
const rungs = Number(args.steps);
const pausedWindow = Number(args['paused-window']);
const rounds = Number(args.rounds);
const argoVia = args['argo-via'] === 'api' ? 'in-process patches' : 'kubectl';
/** settleArgo holds a settle point 1.5 s before it returns; settlePilot 0.6 s. */
const ARGO_HOLD_MS = 1500;
const PILOT_HOLD_MS = 600;

const sc: Scenario = {
  name: 'bench',
  replicas,
  steps: Array.from({ length: rungs }, (_, i) => [
    { setWeight: Math.round((100 * (i + 1)) / (rungs + 1)) },
    { pause: {} },
  ]).flat(),
  ops: [],
};

function rolloutOf(docs: unknown[]): object {
  const rollout = docs.find((d) => (d as { kind?: string } | null)?.kind === 'Rollout');
  if (typeof rollout !== 'object' || rollout === null) throw new Error('no Rollout among the manifests');
  return rollout;
}

async function namespace(cluster: ClusterName, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await clients(cluster).core.createNamespace({ body: { metadata: { name } } });
  return name;
}

const ARGO_STATE = path.join(process.env.HOME ?? '', '.cache/rollout-pilot/cluster-argo');
const METRICS_PORT = Number(process.env.ROLLOUT_PILOT_ARGO_PORT_BASE ?? 26800) + 90;

/** Requests Argo's controller has sent to the API server (its own Prometheus counter). */
async function argoRequests(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('controller_clientset_k8s_request_total'))
    .reduce((n, l) => n + Number(l.split(' ').pop() ?? 0), 0);
}

function argoRssMiB(): number {
  const pid = readFileSync(path.join(ARGO_STATE, 'pids/rollouts-controller'), 'utf8').trim();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Peak RSS of one `node dist/index.js` run (GNU time's %M), and its exit code. */
async function pilotPeakRssMiB(
  pilot: PilotSide,
  docs: unknown[],
  inputs: Record<string, string>,
): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-bench-'));
  await writeFile(path.join(dir, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  await writeFile(path.join(dir, 'out'), '');
  await writeFile(path.join(dir, 'summary'), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: path.join(dir, 'out'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    RUNNER_TEMP: dir,
    ROLLOUT_PILOT_DRIVER_ID: `bench-${pilot.namespace}#1`,
    INPUT_NAMESPACE: pilot.namespace,
    INPUT_KUBECONFIG: pilot.kubeconfig,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'peak-rss-kb %M', process.execPath, path.join(root, 'dist/index.js')],
    {
      env: { ...env, GITHUB_WORKSPACE: dir },
      encoding: 'utf8',
      cwd: dir,
    },
  );
  if (r.status !== 0) throw new Error(`the measured run failed (exit ${r.status}):\n${r.stdout}`);
  const kb = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? 0);
  return kb / 1024;
}

interface Row {
  op: string;
  argoMs: number;
  pilotMs: number;
  pilotRunMs: number;
  argo: SettlePoint;
  pilot: SettlePoint;
  /** Only on the first row: Argo's requests per second while paused there. */
  argoPausedRps?: number;
}

async function main(): Promise<void> {
  const argoNs = await namespace('argo', 'bench-argo');
  const pilotNs = await namespace('main', 'bench-rp');
  const argo = new ArgoSide(argoNs, 'app');
  argo.via = argoVia === 'kubectl' ? 'kubectl' : 'api';
  const pilot = new PilotSide('main', pilotNs, 'app', await roleKubeconfig('main', pilotNs), {
    stableService: 'app-stable',
    canaryService: 'app-canary',
  });
  const rows: Row[] = [];
  try {
    const docs = manifests(sc, 'example/app:1').docs;
    let prev = await (async () => {
      await argo.create(docs);
      const [a] = await Promise.all([
        settleArgo(argo, sc.steps, 1, undefined),
        pilot.deploy(docs, undefined).then((run) => settlePilot(pilot, 1, run)),
      ]);
      return a;
    })();
    const ops: { op: string; argo: () => Promise<void>; pilot: () => ReturnType<PilotSide['command']> }[] =
      [];
    for (let r = 0; r < rounds; r++) {
      const image = `example/app:${r + 2}`;
      const round = rounds > 1 ? `round ${r + 1}: ` : '';
      ops.push(
        {
          op: `${round}update v${r + 1} → v${r + 2}`,
          argo: () =>
            argo.via === 'kubectl'
              ? argo.kubectlApply(rolloutOf(manifests(sc, image).docs))
              : argo.setTemplate(image, {}),
          pilot: () => pilot.deploy(docs, { container: 'app', image }),
        },
        ...Array.from({ length: rungs }, (_, i) => ({
          op: `${round}promote ${i + 1}`,
          argo: () => argo.promote(),
          pilot: () => pilot.command('promote'),
        })),
      );
    }
    for (const [i, o] of ops.entries()) {
      const t0 = performance.now();
      const [a, p] = await Promise.all([
        o.argo().then(async () => {
          const point = await settleArgo(argo, sc.steps, 2 + Math.floor(i / (rungs + 1)), prev);
          return { point, ms: performance.now() - t0 - ARGO_HOLD_MS };
        }),
        o.pilot().then(async (run) => {
          const runMs = performance.now() - t0;
          const point = await settlePilot(pilot, 2 + Math.floor(i / (rungs + 1)), run);
          return { point, ms: performance.now() - t0 - PILOT_HOLD_MS, runMs };
        }),
      ]);
      prev = a.point;
      rows.push({
        op: o.op,
        argoMs: a.ms,
        pilotMs: p.ms,
        pilotRunMs: p.runMs,
        argo: a.point,
        pilot: p.point,
      });
      process.stderr.write(
        `bench: ${o.op}: Argo ${a.ms.toFixed(0)} ms, rollout-pilot ${p.ms.toFixed(0)} ms\n`,
      );
      if (i === 0) {
        // Paused at the first step, nobody acting: what each asks of the API server.
        const before = await argoRequests();
        await sleep(pausedWindow * 1000);
        const argoPerSecond = ((await argoRequests()) - before) / pausedWindow;
        const first = rows[0];
        if (first) first.argoPausedRps = argoPerSecond;
      }
    }
    // One driving run: the next update, from the start to its first pause.
    const rss = await pilotPeakRssMiB(pilot, docs, {
      manifests: 'rollout.yaml',
      image: `app=example/app:${rounds + 2}`,
    });
    const argoRss = argoRssMiB();
    print(rows, argoRss, rss);
  } finally {
    await clients('argo')
      .core.deleteNamespace({ name: argoNs })
      .catch(() => undefined);
    await clients('main')
      .core.deleteNamespace({ name: pilotNs })
      .catch(() => undefined);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** With several rounds: the median of every update and of every promote, Argo's and ours. */
function medianRows(rows: Row[]): string[] {
  if (rounds <= 1) return [];
  const kinds: [string, (r: Row) => boolean][] = [
    ['**median, updates**', (r) => r.op.includes('update')],
    ['**median, promotes**', (r) => r.op.includes('promote')],
  ];
  return kinds.map(([label, pick]) => {
    const rs = rows.filter(pick);
    const col = (f: (r: Row) => number): string => `${(median(rs.map(f)) / 1000).toFixed(2)} s`;
    const same = rs.every((r) => JSON.stringify(r.argo) === JSON.stringify(r.pilot));
    return `| ${label} | ${col((r) => r.argoMs)} | ${col((r) => r.pilotMs)} | ${col((r) => r.pilotRunMs)} | ${same ? 'yes' : 'no'} |`;
  });
}

function print(rows: Row[], argoRss: number, pilotRss: number): void {
  const paused = rows[0]?.argoPausedRps ?? 0;
  const lines = [
    `| step | Argo Rollouts v1.10.2 (${argoVia}) | rollout-pilot (settled) | rollout-pilot run (process start to exit) | same settle point |`,
    `| --- | ---: | ---: | ---: | --- |`,
    ...rows.map(
      (r) =>
        `| ${r.op} | ${(r.argoMs / 1000).toFixed(2)} s | ${(r.pilotMs / 1000).toFixed(2)} s | ${(r.pilotRunMs / 1000).toFixed(2)} s | ${JSON.stringify(r.argo) === JSON.stringify(r.pilot) ? 'yes' : 'no'} |`,
    ),
    ...medianRows(rows),
    '',
    `| while paused at a step (${pausedWindow} s) | Argo Rollouts v1.10.2 | rollout-pilot |`,
    `| --- | ---: | ---: |`,
    `| API requests per second | ${paused.toFixed(2)} (its controller, whole cluster) | 0 (no run: the pause ended the job) |`,
    `| memory | ${argoRss.toFixed(0)} MiB RSS (controller, always running) | ${pilotRss.toFixed(0)} MiB peak RSS (one run: an update to its first pause; exits) |`,
  ];
  console.log(lines.join('\n'));
  console.log(
    JSON.stringify({
      rows: rows.map((r) => ({ op: r.op, argoMs: r.argoMs, pilotMs: r.pilotMs, pilotRunMs: r.pilotRunMs })),
      argoPausedRps: paused,
      argoRssMiB: argoRss,
      pilotPeakRssMiB: pilotRss,
    }),
  );
}

await main();
// Keep-alive sockets of the API clients would hold the process open.
process.exit(0);
