import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../../src/adapters/k8s/pooled-kubeconfig.ts';

/** A TLS server answering every request with an empty list; counts the TLS connections made to it. */
async function tlsServer(t: { after: (fn: () => void) => void }): Promise<{
  url: string;
  ca: string;
  connections: () => number;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollout-pilot-pool-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem'].concat([
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { cwd: dir, stdio: 'ignore' },
  );
  const cert = readFileSync(path.join(dir, 'cert.pem'));
  let connections = 0;
  const server = https.createServer(
    { key: readFileSync(path.join(dir, 'key.pem')), cert, keepAliveTimeout: 30_000 },
    (req, res) => {
      if (req.url?.includes('watch=true')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}');
    },
  );
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: cert.toString('base64'),
    connections: () => connections,
  };
}

function kubeconfig(kc: KubeConfig, url: string, ca: string): KubeConfig {
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, caData: ca }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

test('requests and watches of one PooledKubeConfig share one keep-alive TLS connection', async (t) => {
  const server = await tlsServer(t);
  const kc = kubeconfig(new PooledKubeConfig(), server.url, server.ca);
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < 3; i++) await core.listNamespacedConfigMap({ namespace: 'default' });
  // undici may open a second connection early on; from then on they are reused.
  const opened = server.connections();
  assert.ok(opened <= 2, `${opened} connections for 3 requests`);
  for (let i = 0; i < 10; i++) await core.listNamespacedConfigMap({ namespace: 'default' });
  await new Promise<void>((resolve) => {
    void new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      () => undefined,
      () => {
        resolve();
      },
    );
  });
  assert.equal(server.connections(), opened);
});

test('the client alone opens a TLS connection per request (what PooledKubeConfig works around)', async (t) => {
  // When this fails, the client pools by itself and pooled-kubeconfig.ts can go.
  const server = await tlsServer(t);
  const core = kubeconfig(new KubeConfig(), server.url, server.ca).makeApiClient(CoreV1Api);
  for (let i = 0; i < 3; i++) await core.listNamespacedConfigMap({ namespace: 'default' });
  assert.equal(server.connections(), 3);
});

test('other credentials get a pool of their own', async (t) => {
  const server = await tlsServer(t);
  const kc = kubeconfig(new PooledKubeConfig(), server.url, server.ca);
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < 3; i++) await core.listNamespacedConfigMap({ namespace: 'default' });
  const before = server.connections();
  const cluster = kc.getCurrentCluster();
  assert.ok(cluster);
  // The same server trusted through another CA bundle (the server's certificate twice).
  const pem = Buffer.from(server.ca, 'base64').toString();
  Object.assign(cluster, { caData: Buffer.from(`${pem}\n${pem}`).toString('base64') });
  for (let i = 0; i < 3; i++) await core.listNamespacedConfigMap({ namespace: 'default' });
  const after = server.connections();
  assert.ok(after > before && after <= before + 2, `${before} connections, then ${after}`);
  for (let i = 0; i < 5; i++) await core.listNamespacedConfigMap({ namespace: 'default' });
  assert.equal(server.connections(), after);
});
