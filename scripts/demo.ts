// `npm run demo`: the main job on the embedded local cluster. The action runs exactly as a runner
// runs it (`node dist/index.js` with INPUT_* variables): v1 deploys, v2 steps through its canary to
// the pause, a promote finishes it, and a broken v3 is caught by its analysis and rolled back without
// anybody. Prometheus (Debian's) scrapes a small app whose canary error rate the demo sets.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startDemoApp } from '../test/support/demo-app/server.ts';
import { startPrometheus } from '../test/support/prometheus.ts';

const root = path.resolve(import.meta.dirname, '..');
const say = (text: string): void => {
  process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
};

const kubeconfig = execFileSync('bash', [path.join(root, 'scripts/cluster/up.sh')], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
if (!kubeconfig) throw new Error('the local cluster did not start');
const namespace = `demo-${Date.now().toString(36)}`;
execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'create', 'namespace', namespace], { stdio: 'ignore' });

const app = await startDemoApp({ versions: { stable: { rps: 40 }, canary: { rps: 40 } } });
const prom = await startPrometheus({ targets: [app.target] });
say(`Prometheus ${prom.url} scrapes the demo app ${app.url}; waiting for the first scrape`);
await prom.waitForTargetsUp();

const repo = await mkdtemp(path.join(tmpdir(), 'rollout-pilot-demo-'));
const labels = { app: 'shop' };
const errorRate =
  '(sum(rate(http_requests_total{version="canary",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{version="canary"}[5s]))';
const docs = [
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop' },
    spec: {
      replicas: 5,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'shop', image: 'example/shop:1' }] } },
      strategy: {
        canary: {
          stableService: 'shop',
          canaryService: 'shop-canary',
          analysis: { templates: [{ templateName: 'error-rate' }] },
          steps: [
            { setWeight: 20 },
            { pause: { duration: '3s' } },
            { setWeight: 50 },
            { pause: {} },
            { setWeight: 80 },
            { pause: { duration: '3s' } },
          ],
        },
      },
    },
  },
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'error-rate' },
    spec: {
      metrics: [
        {
          name: 'error-rate',
          interval: '2s',
          successCondition: 'result[0] < 0.05',
          provider: { prometheus: { address: prom.url, query: errorRate } },
        },
      ],
    },
  },
  ...['shop', 'shop-canary'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: labels, ports: [{ port: 80 }] },
  })),
];
await writeFile(path.join(repo, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
await writeFile(path.join(repo, 'github-output'), '');
await writeFile(path.join(repo, 'step-summary.md'), '');

function action(inputs: Record<string, string>): number {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_WORKSPACE: repo,
    // Outputs and the job summary go to files, as on a runner.
    GITHUB_OUTPUT: path.join(repo, 'github-output'),
    GITHUB_STEP_SUMMARY: path.join(repo, 'step-summary.md'),
    ROLLOUT_PILOT_DRIVER_ID: 'demo/job#1',
  };
  for (const [k, v] of Object.entries({ namespace, kubeconfig: kubeconfig ?? '', ...inputs })) {
    env[`INPUT_${k.toUpperCase()}`] = v;
  }
  const r = spawnSync(process.execPath, [path.join(root, 'dist/index.js')], {
    cwd: repo,
    env,
    stdio: 'inherit',
  });
  return r.status ?? 1;
}
function tree(): void {
  spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'get', 'rollout', 'shop', '-n', namespace], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: 'inherit',
  });
}

try {
  say('command: run — the first deploy goes straight to 5 pods');
  action({ manifests: 'rollout.yaml' });
  say('command: run with image shop=example/shop:2 — canary steps until the pause');
  action({ manifests: 'rollout.yaml', image: 'shop=example/shop:2' });
  tree();
  say('command: promote (what a workflow_dispatch run does) — to Healthy');
  action({ command: 'promote', rollout: 'shop' });
  tree();
  say('the canary starts failing 40% of its requests; command: run with image shop=example/shop:3');
  app.setVersion('canary', { errorRate: 0.4 });
  await prom.waitForValue(errorRate, (v) => v > 0.2, { timeoutMs: 20_000 });
  const code = action({ manifests: 'rollout.yaml', image: 'shop=example/shop:3' });
  tree();
  say(
    code === 1
      ? 'the analysis failed and rollout-pilot rolled back by itself (exit code 1): stable serves everything again.'
      : `unexpected: exit code ${code}`,
  );
} finally {
  await prom.close();
  await app.close();
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'delete', 'namespace', namespace, '--wait=false'], {
    stdio: 'ignore',
  });
}
