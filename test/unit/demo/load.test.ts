import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoad } from '../../../scripts/demo/load.ts';
import { revisionOfPod } from '../../../scripts/demo/shares.ts';

test('startLoad sends at its fixed rate with the Host header, records who answered, and stops', async (t) => {
  const hosts = new Set<string>();
  let served = 0;
  const server = createServer((req, res) => {
    hosts.add(req.headers.host ?? '');
    served += 1;
    const failing = served % 4 === 0;
    res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ pod: failing ? 'shop-bbb-22222' : 'shop-aaa-11111' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const load = startLoad({
    proxy: `http://127.0.0.1:${port}`,
    host: 'shop.demo.test',
    rate: 100,
    maxSeconds: 60,
    revisionOf: (pod) => revisionOfPod('shop', pod),
  });
  await sleep(1000);
  await load.stop();
  const count = load.samples.length;
  // 100 a second for about a second: the timer ticks every 20 ms and catches up, so close to 100
  // (on a stalled machine some may be skipped rather than sent: they still count as due).
  const due = count + load.skipped().length;
  assert.ok(due >= 80 && due <= 110, `due ${due}`);
  assert.deepEqual([...hosts], ['shop.demo.test']);
  assert.ok(load.samples.every((s) => (s.status === 200 ? s.revision === 'aaa' : s.revision === 'bbb')));
  assert.ok(load.samples.some((s) => s.status === 500));
  await sleep(200);
  assert.equal(load.samples.length, count, 'nothing is sent after stop()');
});

test('startLoad stops by itself after maxSeconds, and sends only to loopback', async (t) => {
  const server = createServer((_req, res) => res.end('plain text'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const load = startLoad({
    proxy: `http://127.0.0.1:${port}`,
    host: 'x',
    rate: 50,
    maxSeconds: 0.3,
    revisionOf: () => 'never',
  });
  await sleep(800);
  const count = load.samples.length;
  assert.ok(count >= 10 && count <= 20, `sent ${count} in 0.3 s at 50/s`);
  assert.ok(
    load.samples.every((s) => s.status === 200 && s.revision === ''),
    'a plain-text answer names no pod',
  );
  await load.stop();
  assert.throws(
    () => startLoad({ proxy: 'http://10.0.0.1:80', host: 'x', rate: 1, maxSeconds: 1, revisionOf: () => '' }),
    /only sends to loopback/,
  );
});
