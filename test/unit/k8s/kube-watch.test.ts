import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../../../src/adapters/k8s/http.ts';
import { KubeWatch } from '../../../src/adapters/k8s/watch.ts';

/**
 * The adapter's watch (watch.ts) against a local HTTP server that streams what each test writes:
 * events line by line in order (split across chunks, with junk between), the end of the stream,
 * a refused watch, and an abort. The cluster tests watch a real API server.
 */

let server: Server;
let onRequest: (url: URL, res: ServerResponse) => void = () => undefined;
let watch: KubeWatch;

before(async () => {
  server = createServer((req, res) => {
    onRequest(new URL(req.url ?? '/', 'http://x'), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'local',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'me', token: 't' }],
    contexts: [{ name: 'here', cluster: 'local', user: 'me' }],
    currentContext: 'here',
  });
  watch = new KubeWatch(new KubeHttp(kc));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const event = (type: string, name: string, rv: string): string =>
  JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } });

test('events arrive in order, line by line, whatever the chunks; the end of the stream calls done(null)', async () => {
  let query: URLSearchParams | undefined;
  onRequest = (url, res) => {
    query = url.searchParams;
    res.writeHead(200, { 'content-type': 'application/json' });
    const text = `${event('ADDED', 'a', '1')}\n${event('MODIFIED', 'a', '2')}\nnot json\n${event('BOOKMARK', '', '3')}\n`;
    res.write(text.slice(0, 30));
    setTimeout(() => {
      res.end(text.slice(30));
    }, 20);
  };
  const seen: string[] = [];
  const done = Promise.withResolvers<unknown>();
  await watch.watch(
    '/apis/apps/v1/namespaces/shop/replicasets',
    { labelSelector: 'a=b', resourceVersion: '1', allowWatchBookmarks: true },
    (type, obj) =>
      seen.push(`${type} ${(obj as { metadata: { resourceVersion: string } }).metadata.resourceVersion}`),
    done.resolve,
  );
  assert.equal(await done.promise, null);
  assert.deepEqual(seen, ['ADDED 1', 'MODIFIED 2', 'BOOKMARK 3']);
  assert.equal(query?.get('watch'), 'true');
  assert.equal(query?.get('labelSelector'), 'a=b');
  assert.equal(query?.get('allowWatchBookmarks'), 'true');
});

test('a refused watch calls done with the HTTP status', async () => {
  onRequest = (_url, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","code":403}');
  };
  const done = Promise.withResolvers<unknown>();
  await watch.watch('/api/v1/namespaces/shop/configmaps', {}, () => undefined, done.resolve);
  const err = (await done.promise) as { statusCode?: number; message: string };
  assert.equal(err.statusCode, 403);
  assert.equal(err.message, 'Forbidden');
});

test('aborting the controller ends the watch and calls done once with the abort', async () => {
  onRequest = (_url, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`${event('ADDED', 'a', '1')}\n`);
  };
  let calls = 0;
  const done = Promise.withResolvers<unknown>();
  const seen: string[] = [];
  const controller = await watch.watch(
    '/api/v1/namespaces/shop/configmaps',
    {},
    (type) => seen.push(type),
    (err) => {
      calls++;
      done.resolve(err);
    },
  );
  while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  const err = (await done.promise) as Error;
  assert.equal(err.name, 'AbortError');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls, 1);
});
