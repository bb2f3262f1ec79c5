// `npm run demo`: the main job on the embedded local cluster, with real traffic. The action runs
// exactly as a runner runs it (`node dist/index.js` with INPUT_* variables): v1 deploys, v2 steps
// through its canary to the pause, a promote finishes it, and a broken v3 is caught by its analysis
// and rolled back without anybody. Requests are real: a load generator sends a steady 40 a second
// through Traefik (scripts/traffic/up.sh), which routes them by the canary Ingress rollout-pilot
// writes to pods that answer (the pod network's backend). v3's pods fail 40% of their requests; the
// analysis reads the 5xx share Traefik measured for the canary Service from Prometheus.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startPrometheus } from '../test/support/prometheus.ts';
import { startLoad, type Load } from './demo/load.ts';
import { CANARY_INGRESS, CANARY_SERVICE, demoManifests, ROLLOUT, STABLE_SERVICE } from './demo/manifests.ts';
import { bucketWidthFor, buckets, describeShares, revisionOfPod, sharesBetween } from './demo/shares.ts';
import { svgChart } from './demo/svg-chart.ts';
import { clock, textChart } from './demo/text-chart.ts';
import {
  BACKEND,
  boundRevision,
  INGRESS_CLASS,
  lastLineOf,
  setFailureShare,
  TRAEFIK_METRICS,
} from './demo/traffic-setup.ts';
import { watchRollout, type Watch } from './demo/watch.ts';

const root = path.resolve(import.meta.dirname, '..');
const RATE = 40;
const V3_FAILURE_SHARE = 0.4;
const MAX_IN_FLIGHT = 64;
const say = (text: string): void => {
  process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
};
const note = (text: string): void => {
  process.stdout.write(`\x1b[36m  ⇢ ${text}\x1b[0m\n`);
};

const kubeconfig = lastLineOf('scripts/cluster/up.sh');
const proxy = lastLineOf('scripts/traffic/up.sh');
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const namespace = `demo-${Date.now().toString(36)}`;
const host = `shop.${namespace}.demo`;
execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'create', 'namespace', namespace], { stdio: 'ignore' });

const prom = await startPrometheus({ targets: [TRAEFIK_METRICS, `${BACKEND}/metrics`] });
say(
  `Prometheus ${prom.url} scrapes Traefik (${TRAEFIK_METRICS}) and the pod backend; waiting for the first scrape`,
);
await prom.waitForTargetsUp();

const repo = await mkdtemp(path.join(tmpdir(), 'rollout-pilot-demo-'));
const docs = demoManifests({ namespace, host, ingressClass: INGRESS_CLASS, prometheus: prom.url });
await writeFile(path.join(repo, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
await writeFile(path.join(repo, 'github-output'), '');
await writeFile(path.join(repo, 'step-summary.md'), '');

/** Runs a child process with inherited output, without blocking this process's event loop. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = repo): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
}
function action(inputs: Record<string, string>): Promise<number> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_WORKSPACE: repo,
    // Outputs and the job summary go to files, as on a runner.
    GITHUB_OUTPUT: path.join(repo, 'github-output'),
    GITHUB_STEP_SUMMARY: path.join(repo, 'step-summary.md'),
    ROLLOUT_PILOT_DRIVER_ID: 'demo/job#1',
  };
  for (const [k, v] of Object.entries({ namespace, kubeconfig, ...inputs })) {
    env[`INPUT_${k.toUpperCase()}`] = v;
  }
  return run(process.execPath, [path.join(root, 'dist/index.js')], env);
}
async function tree(): Promise<void> {
  const cli = path.join(root, 'dist/cli.js');
  await run(process.execPath, [cli, 'get', 'rollout', ROLLOUT, '-n', namespace], {
    ...process.env,
    KUBECONFIG: kubeconfig,
  });
}

let failing: string | undefined;
let load: Load | undefined;
let watch: Watch | undefined;
try {
  say('command: run — the first deploy goes straight to 5 pods');
  await action({ manifests: 'rollout.yaml' });

  // Traefik picks the Ingress up within a second; the load starts once the route answers.
  for (let i = 0; i < 100; i++) {
    const probe = startLoad({
      proxy,
      host,
      rate: 50,
      maxSeconds: 0.1,
      revisionOf: (p) => revisionOfPod(ROLLOUT, p),
    });
    await sleep(150);
    await probe.stop();
    if (probe.samples.some((s) => s.status === 200)) break;
  }
  const traffic = startLoad({
    proxy,
    host,
    rate: RATE,
    maxInFlight: MAX_IN_FLIGHT,
    maxSeconds: 600,
    revisionOf: (p) => revisionOfPod(ROLLOUT, p),
  });
  say(`load: ${RATE} requests/s through Traefik ${proxy} (Host: ${host}), each answered by a real pod`);
  load = traffic;
  const watching = watchRollout({
    kc,
    namespace,
    rollout: ROLLOUT,
    canaryIngress: CANARY_INGRESS,
    canaryService: CANARY_SERVICE,
    stableService: STABLE_SERVICE,
    load: traffic,
    log: note,
  });
  watch = watching;
  /** The revision of a version (`v3`), once its ReplicaSet exists; bounded (60 s). */
  const hashOf = async (version: string): Promise<string> => {
    for (let i = 0; i < 600 && watching.hashOf(version) === undefined; i++) await sleep(100);
    const hash = watching.hashOf(version);
    if (hash === undefined) throw new Error(`${version} never got a ReplicaSet`);
    return hash;
  };
  // Fails at once, not at v3, when the running backend cannot tell revisions apart.
  await boundRevision(namespace, ROLLOUT, await hashOf('v1'));
  await sleep(3000);

  say('command: run with image shop=example/shop:2 — canary steps until the pause');
  watching.mark('run v2');
  // The run ends at the pause, as a job does; the background analysis resumes with the promote.
  await action({ manifests: 'rollout.yaml', image: 'shop=example/shop:2', 'watch-pauses': 'false' });
  await tree();
  note(`real traffic since the last weight change: ${watching.currentShares()}`);
  await sleep(3000);

  say('command: promote (what a workflow_dispatch run does) — to Healthy');
  watching.mark('promote');
  await action({ command: 'promote', rollout: ROLLOUT });
  await tree();
  note(`real traffic since the last weight change: ${watching.currentShares()}`);
  await sleep(3000);

  say(
    `v3's pods will fail ${V3_FAILURE_SHARE * 100}% of their requests; command: run with image shop=example/shop:3`,
  );
  watching.mark('run v3');
  const v3 = action({ manifests: 'rollout.yaml', image: 'shop=example/shop:3' });
  // The failures belong to v3's pods: set as soon as its ReplicaSet exists and a pod answers, which
  // is before the router sends it traffic (it waits for the canary pod to be available).
  const injected = (async () => {
    const hash = await hashOf('v3');
    failing = await boundRevision(namespace, ROLLOUT, hash);
    await setFailureShare(namespace, failing, V3_FAILURE_SHARE);
    note(`backend: pods of ${watching.name(hash)} now fail ${V3_FAILURE_SHARE * 100}% of their requests`);
  })();
  const code = await v3;
  await injected;
  await tree();
  await sleep(4000);
  note(`real traffic since the last weight change: ${watching.currentShares()}`);
  say(
    code === 1
      ? 'the analysis failed on the 5xx share real requests saw, and rollout-pilot rolled back by itself (exit code 1).'
      : `unexpected: exit code ${code}`,
  );

  await traffic.stop();
  await watching.stop();
  const end = traffic.now();
  const revisions = watching.revisions();
  const width = bucketWidthFor(end, 72);
  const bucketList = buckets(traffic.samples, revisions, width, end);
  const series = revisions.map((r) => ({ name: watching.name(r) }));
  say('the traffic each revision really received');
  process.stdout.write(`${textChart(bucketList, series, watching.marks, width).join('\n')}\n`);
  note(
    `all ${traffic.samples.length} requests: ${describeShares(sharesBetween(traffic.samples, 0, end, revisions), watching.name)}`,
  );
  const skipped = traffic.skipped();
  if (skipped.length > 0)
    note(
      `${skipped.length} requests not sent, ${MAX_IN_FLIGHT} still open at: ${[...new Set(skipped.map((t) => clock(t)))].join(', ')}`,
    );
  const svg = svgChart({
    title: `rollout-pilot demo: real traffic share per revision (${namespace}, ${RATE} requests/s)`,
    buckets: bucketList,
    series,
    marks: watching.marks,
    width,
  });
  const file = path.join(repo, 'traffic.svg');
  await writeFile(file, svg);
  say(`chart: ${file}`);
} finally {
  await load?.stop();
  await watch?.stop();
  if (failing !== undefined) await setFailureShare(namespace, failing, 0).catch(() => undefined);
  await prom.close();
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'delete', 'namespace', namespace, '--wait=false'], {
    stdio: 'ignore',
  });
}
