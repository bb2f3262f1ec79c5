import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import { canaryManifests, writeManifests } from '../support/rollout.ts';
import { runAction, type ActionRun } from '../support/action.ts';

/**
 * Case 2 of issue 16: the real kube-apiserver stops mid-canary (SIGSTOP for 20 s; a kill and a
 * restart 8 s later) and the run still finishes Healthy. A PRIVATE cluster, so the shared one that
 * other tests use is never touched.
 */
const root = path.resolve(import.meta.dirname, '../..');
const env = {
  ...process.env,
  ROLLOUT_PILOT_PORT_BASE: '26600',
  ROLLOUT_PILOT_CLUSTER_DIR: path.join(homedir(), '.cache/rollout-pilot/cluster-outage'),
};
const script = (name: string): string => path.join(root, 'scripts/cluster', name);
let kubeconfig = '';
let kc: KubeConfig;

before(() => {
  kubeconfig =
    execFileSync('bash', [script('up.sh')], { env, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop() ?? '';
  kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
});
after(() => {
  execFileSync('bash', [script('down.sh')], { env, stdio: 'ignore' });
});

function apiserverPid(): number {
  return Number(readFileSync(path.join(env.ROLLOUT_PILOT_CLUSTER_DIR, 'pids/kube-apiserver'), 'utf8'));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stored(namespace: string): Promise<
  | {
      phase?: string;
      currentStepIndex?: number;
      pauseConditions?: unknown[];
      stableRS?: string;
      currentPodHash?: string;
    }
  | undefined
> {
  try {
    const cm = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'rollout-pilot.web', namespace });
    return JSON.parse(cm.data?.['status.json'] ?? '{}') as Awaited<ReturnType<typeof stored>>;
  } catch {
    return undefined;
  }
}

async function sets(namespace: string) {
  const list = await kc
    .makeApiClient(AppsV1Api)
    .listNamespacedReplicaSet({ namespace, labelSelector: 'rollout-pilot.dev/rollout=web' });
  return list.items
    .map((rs) => ({
      hash: rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '',
      revision: Number(rs.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? 0),
      spec: rs.spec?.replicas ?? 0,
      available: rs.status?.availableReplicas ?? 0,
      image: rs.spec?.template?.spec?.containers[0]?.image ?? '',
    }))
    .sort((a, b) => a.revision - b.revision);
}

function action(repo: string, namespace: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    { namespace, kubeconfig, ...inputs },
    { cwd: repo, env: { ROLLOUT_PILOT_DRIVER_ID: `outage-${namespace}#1` } },
  );
}

/**
 * Samples the stable Service's ready endpoints while the API answers. An empty sample counts against
 * rollout-pilot only when the Service then selected no Ready pod (its selector is what the driver
 * sets); when it selected Ready pods and the EndpointSlice still showed none, the endpoint controller
 * was lagging (it re-lists after the API server comes back) and the sample counts as `lagging`.
 */
function sampleStable(namespace: string): {
  stop: () => Promise<{ samples: number; empty: number; lagging: number }>;
} {
  let on = true;
  let samples = 0;
  let empty = 0;
  let lagging = 0;
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const selectsReadyPods = async (): Promise<boolean> => {
    const svc = await core.readNamespacedService({ name: 'web-stable', namespace });
    const selector = Object.entries(svc.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
    return pods.items.some((p) =>
      (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  };
  const loop = (async () => {
    while (on) {
      try {
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace,
          labelSelector: 'kubernetes.io/service-name=web-stable',
        });
        const ready = slices.items
          .flatMap((s) => s.endpoints ?? [])
          .filter((e) => e.conditions?.ready === true);
        if (ready.length === 0) {
          if (await selectsReadyPods()) lagging++;
          else empty++;
        }
        samples++;
      } catch {
        // the API server is away: nothing to sample
      }
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { samples, empty, lagging };
    },
  };
}

async function waitForPause(namespace: string, step: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await stored(namespace);
    if (s?.currentStepIndex === step && (s.pauseConditions?.length ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`no pause at step ${step + 1}: ${JSON.stringify(s)}`);
    await sleep(100);
  }
}

const STEPS = [
  { setWeight: 20 },
  { pause: { duration: '25s' } },
  { setWeight: 60 },
  { pause: { duration: '2s' } },
];

async function outage(
  t: { name: string; diagnostic: (message: string) => void },
  image: string,
  expectedRevisions: number,
  breakIt: () => Promise<void>,
  namespace: string,
  repo: string,
): Promise<void> {
  const sampler = sampleStable(namespace);
  const run = action(repo, namespace, { manifests: 'rollout.yaml', image: `web=${image}` });
  await waitForPause(namespace, 1);
  await breakIt();
  const result = await run;
  const { samples, empty, lagging } = await sampler.stop();
  assert.equal(result.exitCode, 0, `${t.name}\n${result.stdout}\n${result.stderr}`);
  assert.equal(result.outputs.phase, 'Healthy');
  assert.equal(result.outputs.aborted, 'false');
  assert.match(result.stdout, /retrying in/, 'the run said it was retrying');
  const now = await sets(namespace);
  assert.equal(now.length, expectedRevisions, JSON.stringify(now));
  const current = now.at(-1);
  assert.equal(current?.image, image, 'the newest revision is this image');
  assert.equal(current?.revision, expectedRevisions);
  assert.equal(current?.spec, 5);
  assert.equal(current?.available, 5);
  for (const old of now.slice(0, -1)) assert.equal(old.spec, 0, `old revision ${old.revision} scaled down`);
  const status = await stored(namespace);
  assert.equal(status?.stableRS, current?.hash, 'the stored status belongs to the new revision');
  const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: 'web-stable', namespace });
  assert.equal(svc.spec?.selector?.['rollouts-pod-template-hash'], current?.hash);
  assert.ok(samples > 20, `sampled ${samples} times`);
  assert.equal(empty, 0, `stable selected no Ready pod in ${empty} of ${samples} samples`);
  if (lagging > 0)
    t.diagnostic(`endpoint controller lagged behind Ready pods in ${lagging} of ${samples} samples`);
  const lease = await kc
    .makeApiClient((await import('@kubernetes/client-node')).CoordinationV1Api)
    .readNamespacedLease({ name: 'rollout-pilot.web', namespace });
  assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released');
}

test('kube-apiserver stopped (SIGSTOP 20 s), then killed and restarted 8 s later, mid-canary: the run finishes Healthy', async (t) => {
  const namespace = `outage-${Date.now().toString(36)}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const repo = await writeManifests(canaryManifests({ steps: STEPS }));
  const first = await action(repo, namespace, { manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);

  await outage(
    t,
    'example/web:2',
    2,
    async () => {
      const pid = apiserverPid();
      process.kill(pid, 'SIGSTOP');
      await sleep(20_000);
      process.kill(pid, 'SIGCONT');
    },
    namespace,
    repo,
  );

  await outage(
    t,
    'example/web:3',
    3,
    async () => {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('bash', [script('restart-apiserver.sh'), 'restart', '8'], {
          env,
          stdio: 'inherit',
        });
        child.on('exit', (code) => {
          if (code === 0) resolve();
          else reject(new Error(`restart-apiserver exited ${String(code)}`));
        });
      });
    },
    namespace,
    repo,
  );
});
