/**
 * The real-traffic setup's speed on this machine (scripts/traffic/up.sh): what the proxy path adds
 * to a request, and how many requests a second the setup answers. So a reader knows what the demo's
 * and the traffic tests' numbers mean.
 *
 * - Added latency: the same GET, one at a time on a keep-alive connection, sent alternately straight
 *   to a pod IP (host → veth → the pod network's backend) and through Traefik on 127.0.0.1 (Host
 *   header → Ingress → the same pods); p50/p90/p99 of each and of the difference.
 * - Sustained rate: a closed loop of C requests in flight for a fixed time, direct and through
 *   Traefik, for each C; requests answered per second, latency under that load, and failures.
 *
 * Everything goes to loopback or to the project's own pod IPs in the rp-pods namespace. The load
 * generator shares the machine's CPUs with Traefik and the backend, so the rate is the whole setup's
 * on this machine, client included. Creates and deletes one namespace; asserts nothing.
 *
 *   node bench/traffic.ts [--requests 2000] [--seconds 10] [--concurrency 1,8,32] [--pods 2]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { ask } from '../scripts/demo/load.ts';
import { ingressFor } from '../scripts/demo/manifests.ts';
import { INGRESS_CLASS, lastLineOf, trafficSetting } from '../scripts/demo/traffic-setup.ts';
import { inCidr } from '../scripts/traffic/cidr.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1,8,32' },
    pods: { type: 'string', default: '2' },
  },
  strict: true,
});
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);
const CONCURRENCY = args.concurrency.split(',').map(Number);
const PODS = Number(args.pods);
if (!(REQUESTS > 0 && REQUESTS <= 100_000)) throw new Error('--requests must be in 1..100000');
if (!(SECONDS > 0 && SECONDS <= 120)) throw new Error('--seconds must be in (0, 120]');
if (CONCURRENCY.some((c) => !(c >= 1 && c <= 256))) throw new Error('--concurrency values must be 1..256');

const PROXY = `http://127.0.0.1:${trafficSetting('TRAEFIK_WEB_PORT')}`;
const POD_CIDR = trafficSetting('POD_CIDR');
const TIMEOUT_MS = 5000;

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
}
function quantiles(values: readonly number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

/** A target: where requests go and with which Host header. */
interface Target {
  readonly name: string;
  readonly base: string;
  readonly host: string;
}

async function timed(agent: Agent, target: Target): Promise<{ ms: number; ok: boolean }> {
  const start = performance.now();
  const answer = await ask(agent, target.base, target.host, TIMEOUT_MS);
  return { ms: performance.now() - start, ok: answer.status === 200 && answer.pod !== '' };
}

/** REQUESTS rounds, each one request to every target in turn, one at a time. */
async function latency(targets: readonly Target[]): Promise<Map<string, number[]>> {
  const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const times = new Map(targets.map((t) => [t.name, [] as number[]]));
  // Warm up the connections and Traefik's route.
  for (let i = 0; i < 50; i++) await Promise.all(targets.map((t, j) => timed(agents[j] ?? new Agent(), t)));
  for (let i = 0; i < REQUESTS; i++) {
    for (const [j, t] of targets.entries()) {
      const r = await timed(agents[j] ?? new Agent(), t);
      if (!r.ok) throw new Error(`a request to ${t.name} failed during the latency run`);
      times.get(t.name)?.push(r.ms);
    }
  }
  for (const a of agents) a.destroy();
  return times;
}

interface RateRun {
  target: string;
  concurrency: number;
  perSecond: number;
  answered: number;
  failed: number;
  latency: Quantiles;
}

/** `concurrency` requests in flight, each replaced as it ends, for SECONDS seconds. */
async function rate(target: Target, concurrency: number): Promise<RateRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const times: number[] = [];
  let failed = 0;
  const start = performance.now();
  const until = start + SECONDS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const r = await timed(agent, target);
      if (r.ok) times.push(r.ms);
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    target: target.name,
    concurrency,
    perSecond: times.length / elapsed,
    answered: times.length,
    failed,
    latency: quantiles(times),
  };
}

async function deploy(kc: KubeConfig, namespace: string, host: string): Promise<string[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const labels = { app: 'bench' };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'bench' },
      spec: {
        replicas: PODS,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'web', image: 'example/bench:1', ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'bench' },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  await kc.makeApiClient(NetworkingV1Api).createNamespacedIngress({
    namespace,
    body: ingressFor('bench', host, 'bench', INGRESS_CLASS),
  });
  // Ready when every pod answers straight and Traefik routes the host.
  for (let i = 0; i < 300; i++) {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=bench' });
    const ips = pods.items.flatMap((p) =>
      p.status?.phase === 'Running' && p.status.podIP ? [p.status.podIP] : [],
    );
    if (ips.length === PODS && ips.every((ip) => inCidr(ip, POD_CIDR))) {
      const agent = new Agent();
      const answers = await Promise.all([
        ...ips.map((ip) => ask(agent, `http://${ip}:8080`, host, 1000)),
        ask(agent, PROXY, host, 1000),
      ]);
      agent.destroy();
      if (answers.every((a) => a.status === 200)) return ips;
    }
    await sleep(200);
  }
  throw new Error('the bench pods never answered, straight or through Traefik');
}

function ms(v: number): string {
  return `${v.toFixed(2)} ms`;
}
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}

async function main(): Promise<void> {
  try {
    execFileSync('bash', [path.join(root, 'scripts/traffic/up.sh'), '--check'], { stdio: 'ignore' });
  } catch {
    throw new Error('the traffic setup is not up: run `bash scripts/traffic/up.sh` (root) first');
  }
  const kubeconfig = lastLineOf('scripts/cluster/up.sh');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `bench-traffic-${randomBytes(4).toString('hex')}`;
  const host = `bench.${namespace}.test`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  progress(`namespace ${namespace}`);
  try {
    const ips = await deploy(kc, namespace, host);
    const direct: Target = { name: 'direct to a pod IP', base: `http://${ips[0] ?? ''}:8080`, host };
    const proxied: Target = { name: 'through Traefik', base: PROXY, host };
    progress(`latency: ${REQUESTS} requests each, alternating, one at a time`);
    const times = await latency([direct, proxied]);
    const d = times.get(direct.name) ?? [];
    const p = times.get(proxied.name) ?? [];
    const added = p.map((v, i) => v - (d[i] ?? 0));
    const runs: RateRun[] = [];
    for (const c of CONCURRENCY) {
      for (const t of [direct, proxied]) {
        progress(`rate: ${t.name}, ${c} in flight, ${SECONDS} s`);
        runs.push(await rate(t, c));
      }
    }
    const lat = { direct: quantiles(d), traefik: quantiles(p), added: quantiles(added) };
    const out = [
      `rollout-pilot traffic bench: ${cpus().length} CPU (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}`,
      '',
      `Latency of one GET, keep-alive, one at a time (${REQUESTS} each, alternating)`,
      table([
        ['', 'p50', 'p90', 'p99'],
        ...(
          [
            ['direct to a pod IP (podnet)', lat.direct],
            ['through Traefik (127.0.0.1)', lat.traefik],
            ['added by Traefik (paired)', lat.added],
          ] as const
        ).map(([label, q]) => [label, ms(q.p50), ms(q.p90), ms(q.p99)]),
      ]),
      '',
      `Sustained rate: a closed loop for ${SECONDS} s (client, Traefik and backend share the CPUs)`,
      table([
        ['', 'in flight', 'answered/s', 'p50', 'p99', 'failed'],
        ...runs.map((r) => [
          r.target,
          String(r.concurrency),
          r.perSecond.toFixed(0),
          ms(r.latency.p50),
          ms(r.latency.p99),
          String(r.failed),
        ]),
      ]),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    process.stdout.write(
      `${JSON.stringify({ requests: REQUESTS, seconds: SECONDS, latency: lat, rate: runs })}\n`,
    );
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    progress(`deleted namespace ${namespace}`);
  }
}

await main();
