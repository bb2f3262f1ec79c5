// The part of the backend that runs inside the pod network namespace (started by backend.ts through
// `ip netns exec`). It listens on every port a pod declares, on all of the namespace's addresses,
// and answers as the pod whose IP the request was sent to. It only knows what the watcher sends it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  failureKey,
  type FailureRates,
  type PodInfo,
  type ServedCount,
  type ToServer,
  type ToWatcher,
} from './backend-protocol.ts';

const podsByIp = new Map<string, PodInfo>();
let failureRates: FailureRates = {};
const servers = new Map<number, Server>();
const pending = new Map<string, ServedCount>();
let flushScheduled = false;

function send(message: ToWatcher): void {
  process.send?.(message);
}

/** Counts go to the watcher in batches, once per turn of the event loop, so load costs few messages. */
function count(pod: PodInfo, code: number): void {
  const key = `${pod.ip}|${code}`;
  const previous = pending.get(key);
  pending.set(key, { ...pod, code, count: (previous?.count ?? 0) + 1 });
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    send({ kind: 'served', counts: [...pending.values()] });
    pending.clear();
  });
}

/** An IPv4 address as the socket reports it, without the IPv6-mapped prefix. */
function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  const ip = plainAddress(req.socket.localAddress);
  const pod = podsByIp.get(ip);
  if (!pod) {
    // The address was released between connect and request: as a pod that just went away.
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: `no pod has ${ip}` }));
    return;
  }
  const rate = failureRates[failureKey(pod.namespace, pod.revision)] ?? 0;
  const code = Math.random() < rate ? 500 : 200;
  const body = {
    pod: pod.pod,
    revision: pod.revision,
    namespace: pod.namespace,
    ip,
    port: req.socket.localPort,
    path: req.url ?? '/',
  };
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(code === 200 ? body : { ...body, error: 'failure injected for this revision' }));
  count(pod, code);
}

function listen(port: number): Promise<void> {
  return new Promise((resolve) => {
    const server = createServer({ keepAliveTimeout: 30_000 }, answer);
    server.on('error', (e) => {
      console.error(`backend-server: cannot listen on ${port}: ${e.message}`);
      servers.delete(port);
      resolve();
    });
    servers.set(port, server);
    // All addresses of this namespace, which holds only the project's pod IPs.
    server.listen(port, '0.0.0.0', () => {
      resolve();
    });
  });
}

async function ensurePorts(ports: readonly number[]): Promise<void> {
  await Promise.all(ports.filter((p) => !servers.has(p)).map((p) => listen(p)));
  send({ kind: 'listening', ports: [...servers.keys()].sort((a, b) => a - b) });
}

process.on('message', (raw) => {
  const message = raw as ToServer;
  if (message.kind === 'pods') {
    podsByIp.clear();
    for (const pod of message.pods) podsByIp.set(pod.ip, pod);
    void ensurePorts(message.ports);
  } else {
    failureRates = message.rates;
  }
});
// The watcher owns this process: when it goes, so does the server.
process.on('disconnect', () => process.exit(0));
