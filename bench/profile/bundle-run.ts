/**
 * The bundled action (`node dist/index.js`) on N canary Rollouts in a namespace of its own, run
 * once per version given (v1 is the first deploy; later versions go through the setWeight steps),
 * with extra Node flags for profiling. Prints per run its wall time, peak RSS (VmHWM) and exit code.
 *
 *   node bench/profile/bundle-run.ts [--rollouts 50] [--replicas 5] [--steps 5] [--versions 1,2]
 *     [--node-flags '--cpu-prof --cpu-prof-dir=/tmp/x'] [--env K=V,K=V]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { actionEnv, appsDir, peakRssKb, rolloutDocs, weightSteps } from '../multi-manifests.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    rollouts: { type: 'string', default: '50' },
    replicas: { type: 'string', default: '5' },
    steps: { type: 'string', default: '5' },
    versions: { type: 'string', default: '1,2' },
    'node-flags': { type: 'string', default: '' },
    env: { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    dist: { type: 'string', default: '' },
  },
});
const N = Number(args.rollouts);
const REPLICAS = Number(args.replicas);
const STEPS = Number(args.steps);

const docs = (name: string, version: number): unknown[] =>
  rolloutDocs(name, version, REPLICAS, weightSteps(STEPS));

const kubeconfig =
  execFileSync('bash', [path.join(root, 'scripts/cluster/up.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop() ?? '';
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `multi-perf-${randomBytes(3).toString('hex')}`;
await core.createNamespace({
  body: { metadata: { name: namespace, labels: { 'rollout-pilot.dev/bench': 'true' } } },
});
const names = Array.from({ length: N }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
const extraEnv = Object.fromEntries(
  args.env
    .split(',')
    .filter((x) => x !== '')
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
try {
  for (const version of args.versions.split(',').map(Number)) {
    const dir = await appsDir(names.flatMap((n) => docs(n, version)));
    const env = { ...actionEnv(namespace, kubeconfig), ...extraEnv };
    const flags = args['node-flags'].split(' ').filter((x) => x !== '');
    const from = Date.now();
    const child = spawn(process.execPath, [...flags, args.dist || path.join(root, 'dist/index.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let log = '';
    child.stdout.on('data', (b: Buffer) => (log += b.toString()));
    let code: number | null = null;
    let closed = false;
    child.on('close', (c) => {
      closed = true;
      code = c;
    });
    let peak = 0;
    while (!closed) {
      peak = Math.max(peak, await peakRssKb(child.pid ?? 0).catch(() => 0));
      await new Promise((r) => setTimeout(r, 200));
    }
    await writeFile(path.join(dir, 'log.txt'), log);
    process.stdout.write(
      `${JSON.stringify({ version, rollouts: N, wallS: (Date.now() - from) / 1000, peakRssMB: Math.round(peak / 1024), exitCode: code, log: path.join(dir, 'log.txt'), load: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ') })}\n`,
    );
  }
} finally {
  if (!args.keep) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}
