import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CoordinationV1Api, Watch, type V1Lease } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { adminKubeConfig, clusterKubeconfig, testNamespace } from '../support/cluster.ts';
import { actionIn, canaryManifests, replicaSets, writeManifests } from '../support/rollout.ts';

/**
 * Case 6 of issue 16: a slow API server (1 s per response) must not let two runs drive at once.
 * A TCP proxy on 127.0.0.1 in front of the real API server holds every chunk the server sends for
 * 1 s (TLS passes through; the server's certificate names 127.0.0.1).
 */
async function slowProxy(target: URL, delayMs: number): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    // One ordered queue per connection: separate timers with nearly equal deadlines may fire out
    // of order, and a reordered TLS record breaks the session.
    const queue: { due: number; chunk: Buffer | undefined }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      while (queue[0] !== undefined && queue[0].due <= Date.now()) {
        const { chunk } = queue.shift() ?? {};
        if (chunk === undefined) {
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      }
      if (queue[0] !== undefined) timer = setTimeout(pump, queue[0].due - Date.now());
    };
    const later = (chunk: Buffer | undefined): void => {
      queue.push({ due: Date.now() + delayMs, chunk });
      timer ??= setTimeout(pump, delayMs);
    };
    upstream.on('data', (chunk: Buffer) => {
      later(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    // The end of the stream is delayed like its data, after the last chunk.
    const close = (): void => {
      later(undefined);
    };
    upstream.on('close', close).on('error', close);
    client.on('close', () => upstream.destroy()).on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return { port: (server.address() as AddressInfo).port, server };
}

test('with 1 s per API response, two runs never both drive: one renews on its own timer, the other leaves it the revision', async (t) => {
  const namespace = await testNamespace(t, 'slow');
  const repo = await writeManifests(canaryManifests({ steps: [{ setWeight: 50 }, { pause: {} }] }));
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' })).exitCode, 0);

  const kcText = parse(readFileSync(clusterKubeconfig(), 'utf8')) as {
    clusters: { cluster: { server: string } }[];
  };
  const target = new URL(kcText.clusters[0]?.cluster.server ?? '');
  const proxy = await slowProxy(target, 1000);
  t.after(() => {
    proxy.server.close();
  });
  for (const c of kcText.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
  const slow = path.join(await mkdtemp(path.join(tmpdir(), 'rp-slow-')), 'kubeconfig');
  await writeFile(slow, stringify(kcText));

  // Who held the driver lease (read directly, not slowed): a watch, restarted whenever it ends, and
  // a poll every 100 ms as a backstop in case the watch drops events under load. The first deploy's
  // run (test-...) claimed it first.
  const claims = new Set<string>();
  const noteHolder = (lease: V1Lease | undefined): void => {
    const holder = lease?.spec?.holderIdentity;
    // A released lease has no holder: only claims count.
    if (holder !== undefined && holder !== '') claims.add(holder);
  };
  let watching = true;
  let watch: AbortController | undefined;
  const startWatch = async (): Promise<void> => {
    watch = await new Watch(adminKubeConfig()).watch(
      `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
      { fieldSelector: 'metadata.name=rollout-pilot.web' },
      (_type, obj: V1Lease) => {
        noteHolder(obj);
      },
      () => {
        if (watching) void startWatch().catch(() => undefined);
      },
    );
  };
  await startWatch();
  const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
  const poll = setInterval(() => {
    coordination
      .readNamespacedLease({ name: 'rollout-pilot.web', namespace })
      .then(noteHolder)
      .catch(() => undefined);
  }, 100);
  t.after(() => {
    watching = false;
    clearInterval(poll);
    watch?.abort();
  });
  const aClaimed = (): boolean => [...claims].some((c) => c.startsWith('run-a/'));

  const a = actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig: slow, env: { ROLLOUT_PILOT_DRIVER_ID: 'run-a/job#1' } },
  );
  // B starts once A drives (its claim is stored), and more than a lease duration later it is
  // still looking: A's ticks take many seconds each here.
  let aDone = false;
  void a.finally(() => (aDone = true));
  for (let i = 0; i < 1800 && !aDone && !aClaimed(); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!aClaimed()) {
    const early = aDone ? await a : undefined;
    assert.fail(
      `A never claimed the state (claims: ${[...claims].join(', ')}): ${early ? early.stdout + early.stderr : 'still running after 180 s'}`,
    );
  }
  const b = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:3' },
    { kubeconfig: slow, env: { ROLLOUT_PILOT_DRIVER_ID: 'run-b/job#1' } },
  );
  const ra = await a;
  assert.equal(b.exitCode, 0, b.stdout + b.stderr);
  assert.match(b.outputs.message ?? '', /another run drives web: run-a\/job#1; it picks up this revision/);
  assert.equal(ra.exitCode, 0, ra.stdout + ra.stderr);
  assert.equal(ra.outputs.phase, 'Paused');
  assert.deepEqual(
    [...new Set([...claims].map((c) => c.replace(/\/\d+$/, '')).filter((c) => !c.startsWith('test-')))],
    ['run-a/job#1'],
    `only A ever claimed the state: ${[...claims].join(', ')}`,
  );
  const sets = await replicaSets(namespace);
  const revisions = sets.map((rs) => rs.revision);
  assert.equal(
    new Set(revisions).size,
    revisions.length,
    `one ReplicaSet per revision: ${JSON.stringify(sets)}`,
  );
  assert.deepEqual(
    sets.map((rs) => [rs.revision, rs.image]),
    [
      [1, 'example/web:1'],
      [2, 'example/web:2'],
      [3, 'example/web:3'],
    ].filter(([, image]) => sets.some((rs) => rs.image === image)),
  );
  assert.equal(sets.at(-1)?.image, 'example/web:3', "B's revision is the one A drives now");
});
