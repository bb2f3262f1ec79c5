// The pod network's backend (scripts/traffic/podnet.sh starts it): makes the local cluster's kwok
// pods answer. It watches the cluster's pods, binds each Running pod's IP in the pod network
// namespace while the pod exists, and runs backend-server.ts inside that namespace to answer as the
// pod. On host loopback it serves a control endpoint (failure rate per revision), the bound pods, and
// Prometheus metrics of the requests each pod answered.
//
//   node scripts/traffic/backend.ts --kubeconfig FILE --netns NS --device DEV --pod-cidr CIDR --control-port PORT
import { execFile, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import {
  failureKey,
  type PodInfo,
  type ServedCount,
  type ToServer,
  type ToWatcher,
} from './backend-protocol.ts';
import { inCidr } from './cidr.ts';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    netns: { type: 'string' },
    device: { type: 'string' },
    'pod-cidr': { type: 'string' },
    'control-port': { type: 'string' },
    'default-port': { type: 'string', default: '8080' },
  },
});
const kubeconfig = required('kubeconfig');
const netns = required('netns');
const device = required('device');
const podCidr = required('pod-cidr');
const controlPort = Number(required('control-port'));
const defaultPort = Number(args['default-port']);

function required(name: keyof typeof args): string {
  const value = args[name];
  if (!value) throw new Error(`backend: --${name} is required`);
  return value;
}

const bound = new Map<string, PodInfo>();
const failureRates = new Map<string, number>();
const requests = new Map<string, ServedCount>();
let listeningPorts: readonly number[] = [];
let addressQueue: Promise<void> = Promise.resolve();

/** `ip addr` changes run one at a time, in the order the pod events came. */
function addressChange(verb: 'add' | 'del', ip: string): void {
  addressQueue = addressQueue.then(async () => {
    await run('ip', ['-n', netns, 'addr', verb, `${ip}/32`, 'dev', device]).catch((e: unknown) => {
      console.error(`backend: ip addr ${verb} ${ip}: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
}

/** A pod answers while it is Running with an IP in the project's pod range. */
function answering(pod: V1Pod): PodInfo | undefined {
  const ip = pod.status?.podIP;
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (pod.status?.phase !== 'Running' || !ip || !name || !namespace || !inCidr(ip, podCidr)) return undefined;
  // A Rollout's pods carry rollouts-pod-template-hash (Argo's and rollout-pilot's), a Deployment's
  // pod-template-hash.
  const labels = pod.metadata?.labels ?? {};
  const revision = labels['rollouts-pod-template-hash'] ?? labels['pod-template-hash'] ?? '';
  return { ip, uid: pod.metadata?.uid ?? '', pod: name, namespace, revision };
}

function podPorts(pod: V1Pod): number[] {
  return (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
}

const portsByUid = new Map<string, number[]>();

function tellServer(): void {
  const ports = new Set([defaultPort, ...[...portsByUid.values()].flat()]);
  send({ kind: 'pods', pods: [...bound.values()], ports: [...ports].sort((a, b) => a - b) });
}

function podChanged(pod: V1Pod): void {
  const uid = pod.metadata?.uid ?? '';
  const info = answering(pod);
  const previous = [...bound.values()].find((p) => p.uid === uid);
  if (previous && previous.ip !== info?.ip) podGone(previous);
  if (!info) return;
  const holder = bound.get(info.ip);
  if (holder?.uid === uid) return;
  bound.set(info.ip, info);
  portsByUid.set(uid, podPorts(pod));
  if (!holder) addressChange('add', info.ip);
  tellServer();
}

function podGone(info: PodInfo): void {
  if (bound.get(info.ip)?.uid !== info.uid) return;
  bound.delete(info.ip);
  portsByUid.delete(info.uid);
  addressChange('del', info.ip);
  tellServer();
}

function podDeleted(pod: V1Pod): void {
  const info = [...bound.values()].find((p) => p.uid === pod.metadata?.uid);
  if (info) podGone(info);
}

/** Addresses in the pod range left by an earlier run go first: only current pods are bound. */
async function releaseStaleAddresses(): Promise<void> {
  const { stdout } = await run('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', device]);
  const parsed = JSON.parse(stdout) as { addr_info?: { family: string; local: string }[] }[];
  const stale = parsed
    .flatMap((l) => l.addr_info ?? [])
    .filter((a) => a.family === 'inet' && inCidr(a.local, podCidr));
  for (const a of stale) addressChange('del', a.local);
  await addressQueue;
}

const serverScript = path.join(import.meta.dirname, 'backend-server.ts');
const server = spawn('ip', ['netns', 'exec', netns, process.execPath, serverScript], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
server.on('exit', (code) => {
  console.error(`backend: the server in ${netns} exited (${code ?? 'signal'})`);
  process.exit(1);
});
server.on('message', (raw) => {
  const message = raw as ToWatcher;
  if (message.kind === 'listening') {
    listeningPorts = message.ports;
    return;
  }
  for (const c of message.counts) {
    const key = `${c.namespace}|${c.pod}|${c.revision}|${c.code}`;
    const previous = requests.get(key);
    requests.set(key, { ...c, count: (previous?.count ?? 0) + c.count });
  }
});

function send(message: ToServer): void {
  server.send(message);
}

function label(value: string): string {
  return JSON.stringify(value);
}

function metrics(): string {
  const lines = [
    '# HELP backend_requests_total Requests each pod answered, by revision and status code.',
    '# TYPE backend_requests_total counter',
    ...[...requests.values()].map(
      (c) =>
        `backend_requests_total{namespace=${label(c.namespace)},pod=${label(c.pod)},revision=${label(c.revision)},code=${label(String(c.code))}} ${c.count}`,
    ),
    '# HELP backend_pod_bound 1 for each pod whose IP is bound in the pod network.',
    '# TYPE backend_pod_bound gauge',
    ...[...bound.values()].map(
      (p) =>
        `backend_pod_bound{namespace=${label(p.namespace)},pod=${label(p.pod)},revision=${label(p.revision)},ip=${label(p.ip)}} 1`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, code: number, value: unknown, type = 'application/json'): void {
  res.writeHead(code, { 'content-type': type });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
}

/** POST /failures {namespace, revision, rate}: that revision's pods fail `rate` of requests with 500. */
async function setFailureRate(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const input = JSON.parse(await body(req)) as { namespace?: unknown; revision?: unknown; rate?: unknown };
  const { namespace, revision, rate } = input;
  if (
    typeof namespace !== 'string' ||
    typeof revision !== 'string' ||
    typeof rate !== 'number' ||
    !(rate >= 0 && rate <= 1)
  ) {
    reply(res, 400, { error: 'want {namespace: string, revision: string, rate: 0..1}' });
    return;
  }
  const key = failureKey(namespace, revision);
  if (rate === 0) failureRates.delete(key);
  else failureRates.set(key, rate);
  send({ kind: 'failures', rates: Object.fromEntries(failureRates) });
  reply(res, 200, Object.fromEntries(failureRates));
}

async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = `${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://control').pathname}`;
  switch (route) {
    case 'GET /healthz':
      reply(res, 200, { ok: true, ports: listeningPorts });
      return;
    case 'GET /pods':
      reply(res, 200, { ports: listeningPorts, pods: [...bound.values()] });
      return;
    case 'GET /metrics':
      reply(res, 200, metrics(), 'text/plain; version=0.0.4');
      return;
    case 'GET /failures':
      reply(res, 200, Object.fromEntries(failureRates));
      return;
    case 'POST /failures':
      await setFailureRate(req, res);
      return;
    default:
      reply(res, 404, { error: `no route ${route}` });
  }
}

async function main(): Promise<void> {
  await releaseStaleAddresses();
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  informer.on('add', podChanged);
  informer.on('update', podChanged);
  informer.on('delete', podDeleted);
  informer.on('error', (e: unknown) => {
    console.error(`backend: pod watch failed (${e instanceof Error ? e.message : String(e)}); restarting`);
    setTimeout(() => void informer.start(), 1000);
  });
  await informer.start();
  tellServer();
  createServer((req, res) => {
    control(req, res).catch((e: unknown) => {
      reply(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  }).listen(controlPort, '127.0.0.1');
  console.error(`backend: watching pods; control on 127.0.0.1:${controlPort}`);
}

await main();
