/**
 * What a connection per request costs, without a cluster: a mutual-TLS server (RSA 2048, as the
 * local cluster's) answering a 4 kB list, and D "drivers" making R requests each, all at once,
 * through the generated client, with the client's own KubeConfig (an undici Agent per request) or a
 * PooledKubeConfig. Run each mode in a process of its own; prints the TLS connections, the wall and
 * CPU time (client and server share the process) and the peak RSS.
 *
 *   node bench/profile/tls-micro.ts client|pooled [--drivers 50] [--requests 20]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../src/adapters/k8s/pooled-kubeconfig.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { drivers: { type: 'string', default: '50' }, requests: { type: 'string', default: '20' } },
});
const mode = positionals[0] === 'pooled' ? 'pooled' : 'client';
const dir = mkdtempSync(path.join(tmpdir(), 'rp-tls-micro-'));
const ssl = (...a: string[]): void => {
  execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
};
const days = ['-days', '1'];
ssl(
  'req',
  '-x509',
  '-newkey',
  'rsa:2048',
  '-nodes',
  ...days,
  '-subj',
  '/CN=ca',
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
);
writeFileSync(path.join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
for (const [name, cn] of [
  ['s', '127.0.0.1'],
  ['c', 'admin'],
] as const) {
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  const ca = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'];
  ssl('x509', '-req', '-in', `${name}.csr`, ...ca, ...days, '-out', `${name}.crt`, '-extfile', 'ext');
}
const file = (f: string): Buffer => readFileSync(path.join(dir, f));
const items = Array.from({ length: 4 }, (_, i) => ({
  metadata: { name: `cm-${i}`, namespace: 'd', resourceVersion: String(i), labels: { a: 'b' } },
  data: { 'status.json': 'x'.repeat(900) },
}));
const body = JSON.stringify({
  kind: 'ConfigMapList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '9' },
  items,
});
let connections = 0;
const server = https.createServer(
  {
    key: file('s.key'),
    cert: file('s.crt'),
    ca: file('ca.crt'),
    requestCert: true,
    keepAliveTimeout: 30_000,
  },
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  },
);
server.on('secureConnection', () => connections++);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const kc = mode === 'pooled' ? new PooledKubeConfig() : new KubeConfig();
kc.loadFromOptions({
  clusters: [
    {
      name: 'c',
      server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      caData: file('ca.crt').toString('base64'),
    },
  ],
  users: [
    { name: 'u', certData: file('c.crt').toString('base64'), keyData: file('c.key').toString('base64') },
  ],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const core = kc.makeApiClient(CoreV1Api);
const drivers = Number(args.drivers);
const requests = Number(args.requests);
const cpu = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: drivers }, async () => {
    for (let i = 0; i < requests; i++) await core.listNamespacedConfigMap({ namespace: 'd' });
  }),
);
const used = process.cpuUsage(cpu);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.stdout.write(
  `${JSON.stringify({
    mode,
    requests: drivers * requests,
    tlsConnections: connections,
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((used.user + used.system) / 1000),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    load,
  })}\n`,
);
server.closeAllConnections();
server.close();
process.exit(0);
