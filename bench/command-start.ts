/**
 * `node bench/command-start.ts`: where a rollout-pilot process spends its time before it changes the
 * cluster. Runs `node dist/index.js` as a runner does (the Role of docs/rbac.yaml, on the main
 * cluster) with a preload that timestamps every HTTP request the process sends, and reports per
 * command: process start → first request, → first write (the Lease), → the state write, → the first
 * ReplicaSet change, → exit; CPU time and peak RSS. Also the cold start of each entry file: the
 * process that loads it and stops at an input error (no request).
 *
 *   node bench/command-start.ts [--rounds 3] [--replicas 5] [--cold 5] [--cpu-prof DIR] [--cold-only] [--no-compile-cache]
 *
 * `--cold-only`: only the cold starts (no cluster needed). `--no-compile-cache`: every process
 * compiles the bundle afresh, as the first start on a machine does (src/util/compile-cache.ts).
 *
 * A round is an update (run, to the first pause) and one promote per remaining pause, on a canary
 * with steps 20/50/80 and indefinite pauses. Creates and deletes its own namespace; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { clients, roleKubeconfig } from '../test/conformance/harness/kube.ts';
import { PilotSide } from '../test/conformance/harness/pilot.ts';
import { manifests, type Scenario } from '../test/conformance/harness/scenario.ts';
import { settlePilot } from '../test/conformance/harness/settle.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    replicas: { type: 'string', default: '5' },
    cold: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'cold-only': { type: 'boolean', default: false },
    'no-compile-cache': { type: 'boolean', default: false },
  },
});

/** Loaded with --import into the measured process: one line per request, ms since process start. */
const TRACER = `
import dc from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
const out = process.env.RP_BENCH_TRACE;
const log = (s) => appendFileSync(out, performance.now().toFixed(1) + ' ' + s + '\\n');
dc.subscribe('http.client.request.start', ({ request }) => log(request.method + ' ' + request.path));
dc.subscribe('undici:request:create', ({ request }) => log(request.method + ' ' + request.path));
dc.subscribe('http.client.response.finish', ({ request, response }) =>
  log('<- ' + response.statusCode + ' ' + request.method + ' ' + request.path));
process.on('exit', () => {
  const u = process.resourceUsage();
  log('exit ' + ((u.userCPUTime + u.systemCPUTime) / 1000).toFixed(0) + ' ' + (u.maxRSS / 1024).toFixed(1));
});
`;

interface Trace {
  firstRequest?: number;
  firstWrite?: number;
  stateWrite?: number;
  firstReplicaSetWrite?: number;
  exit: number;
  cpuMs: number;
  rssMiB: number;
  /** Every request and answer (`<- status`): ms since process start, verb and path (--verbose). */
  requests: string[];
}

function parseTrace(text: string): Trace {
  const t: Trace = { exit: 0, cpuMs: 0, rssMiB: 0, requests: [] };
  for (const line of text.trim().split('\n')) {
    const [at, verb, p, extra] = line.split(' ');
    const ms = Number(at);
    if (verb === 'exit') Object.assign(t, { exit: ms, cpuMs: Number(p), rssMiB: Number(extra) });
    else if (verb === '<-')
      t.requests.push(line); // an answer's headers, for --verbose
    else {
      t.requests.push(line);
      t.firstRequest ??= ms;
      if (verb === 'GET') continue;
      t.firstWrite ??= ms;
      if (p?.includes('/configmaps/rollout-pilot.')) t.stateWrite ??= ms;
      if (p?.includes('/replicasets')) t.firstReplicaSetWrite ??= ms;
    }
  }
  return t;
}

async function traced(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  profDir?: string,
): Promise<{ trace: Trace; code: number | null; out: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-start-'));
  const tracer = path.join(dir, 'tracer.mjs');
  await writeFile(tracer, TRACER);
  const files = { GITHUB_OUTPUT: path.join(dir, 'out'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary') };
  for (const f of Object.values(files)) await writeFile(f, '');
  const flags = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
  const child = spawn(
    process.execPath,
    ['--import', tracer, ...flags, path.join(root, argv[0] ?? ''), ...argv.slice(1)],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: cwd,
        RUNNER_TEMP: dir,
        RP_BENCH_TRACE: path.join(dir, 'trace'),
        ...(args['no-compile-cache'] ? { NODE_DISABLE_COMPILE_CACHE: '1' } : {}),
        ...files,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const trace = parseTrace(await readFile(path.join(dir, 'trace'), 'utf8'));
  await rm(dir, { recursive: true, force: true });
  return { trace, code, out };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[(s.length - 1) / 2] ?? NaN)
      : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};

async function coldStarts(n: number): Promise<string[]> {
  const rows: string[] = [];
  // Each stops at an input error, before any request: what loading the entry costs.
  const cases: [string[], string, Record<string, string>][] = [
    [['dist/index.js'], 'promote without a rollout', { INPUT_COMMAND: 'promote' }],
    [['dist/cli.js', 'promote'], 'promote without a rollout', {}],
  ];
  for (const [argv, what, env] of cases) {
    const entry = argv[0] ?? '';
    const runs = [];
    for (let i = 0; i < n; i++) {
      const r = await traced(argv, env, tmpdir());
      if (i === 0) process.stderr.write(`bench: ${argv.join(' ')}: ${r.out.trim().split('\n')[0] ?? ''}\n`);
      runs.push(r.trace);
    }
    rows.push(
      `| cold start \`${entry}\` (${what}) | ${median(runs.map((t) => t.exit)).toFixed(0)} ms | ${median(runs.map((t) => t.cpuMs)).toFixed(0)} ms | ${median(runs.map((t) => t.rssMiB)).toFixed(0)} MiB |`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const rounds = Number(args.rounds);
  const sc: Scenario = {
    name: 'bench',
    replicas: Number(args.replicas),
    steps: [20, 50, 80].flatMap((w) => [{ setWeight: w }, { pause: {} }]),
    ops: [],
  };
  const cold = await coldStarts(Number(args.cold));
  if (args['cold-only']) {
    print(cold, new Map());
    return;
  }
  const ns = `bench-start-${randomBytes(3).toString('hex')}`;
  await clients('main').core.createNamespace({ body: { metadata: { name: ns } } });
  const results = new Map<string, Trace[]>();
  try {
    const kubeconfig = await roleKubeconfig('main', ns);
    const pilot = new PilotSide('main', ns, 'app', kubeconfig, {
      stableService: 'app-stable',
      canaryService: 'app-canary',
    });
    const repo = await mkdtemp(path.join(tmpdir(), 'rp-start-repo-'));
    const docs = manifests(sc, 'example/app:1').docs;
    await writeFile(path.join(repo, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    await settlePilot(pilot, 1, await pilot.deploy(docs, undefined));
    const base = { INPUT_NAMESPACE: ns, INPUT_KUBECONFIG: kubeconfig, ROLLOUT_PILOT_DRIVER_ID: `${ns}#1` };
    for (let r = 0; r < rounds; r++) {
      const commands: [string, Record<string, string>][] = [
        [
          'run (update → first pause)',
          { INPUT_MANIFESTS: 'rollout.yaml', INPUT_IMAGE: `app=example/app:${r + 2}` },
        ],
        ['promote', { INPUT_COMMAND: 'promote', INPUT_ROLLOUT: 'app' }],
        ['promote', { INPUT_COMMAND: 'promote', INPUT_ROLLOUT: 'app' }],
        ['promote (to the end)', { INPUT_COMMAND: 'promote', INPUT_ROLLOUT: 'app' }],
      ];
      for (const [label, env] of commands) {
        const prof = args['cpu-prof'] && r === 0 ? path.resolve(args['cpu-prof']) : undefined;
        const run = await traced(['dist/index.js'], { ...base, ...env }, repo, prof);
        if (run.code !== 0) throw new Error(`${label} failed (exit ${run.code}):\n${run.out}`);
        results.set(label, [...(results.get(label) ?? []), run.trace]);
        const { requests, ...figures } = run.trace;
        process.stderr.write(`bench: round ${r + 1} ${label}: ${JSON.stringify(figures)}\n`);
        if (args.verbose) process.stderr.write(`${requests.map((l) => `  ${l}`).join('\n')}\n`);
        await settlePilot(pilot, r + 2, {
          exitCode: 0,
          signal: null,
          stdout: '',
          stderr: '',
          outputs: {},
          summary: '',
        });
      }
    }
  } finally {
    await clients('main')
      .core.deleteNamespace({ name: ns })
      .catch(() => undefined);
  }
  print(cold, results);
}

function print(cold: string[], results: Map<string, Trace[]>): void {
  const ms = (xs: (number | undefined)[]): string => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length === 0 ? '—' : `${median(v).toFixed(0)} ms`;
  };
  console.log(
    [
      '| medians | first request | first write (Lease) | state write | first ReplicaSet write | exit | CPU | peak RSS |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...[...results].map(
        ([label, ts]) =>
          `| ${label} | ${ms(ts.map((t) => t.firstRequest))} | ${ms(ts.map((t) => t.firstWrite))} | ${ms(ts.map((t) => t.stateWrite))} | ${ms(ts.map((t) => t.firstReplicaSetWrite))} | ${ms(ts.map((t) => t.exit))} | ${ms(ts.map((t) => t.cpuMs))} | ${median(ts.map((t) => t.rssMiB)).toFixed(0)} MiB |`,
      ),
      '',
      '| entry | exit | CPU | peak RSS |',
      '| --- | ---: | ---: | ---: |',
      ...cold,
    ].join('\n'),
  );
  // Every figure but the request lists (those go to stderr with --verbose).
  console.log(
    JSON.stringify(Object.fromEntries(results), (k, v: unknown) => (k === 'requests' ? undefined : v)),
  );
}

await main();
process.exit(0);
