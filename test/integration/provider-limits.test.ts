/**
 * The providers' HTTP exchange under hostile answers (src/analysis/providers/http.ts): a body over
 * the 1 MiB cap, with or without Content-Length, is an oversize ProviderError; a redirect to a
 * link-local metadata address is refused before it is followed; an ordinary redirect is followed.
 * Loopback only.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { MAX_RESPONSE_BYTES } from '../../src/analysis/providers/http.ts';
import { ProviderError, WebProvider } from '../../src/analysis/providers/index.ts';

let server: http.Server;
let base = '';

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/declared') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ v: 'x'.repeat(2_000_000) }));
    } else if (req.url === '/chunked') {
      res.setHeader('content-type', 'text/plain');
      for (let i = 0; i < 40; i++) res.write('y'.repeat(64 * 1024));
      res.end();
    } else if (req.url === '/to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    } else if (req.url === '/to-ok') {
      res.writeHead(302, { location: '/ok' });
      res.end();
    } else {
      res.setHeader('content-type', 'application/json');
      res.end('{"value": 1}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
});

const ctx = () => ({ signal: new AbortController().signal, now: new Date(), secrets: new Set<string>() });

async function failure(path: string): Promise<ProviderError> {
  try {
    await new WebProvider().measure({ url: `${base}${path}` }, ctx());
  } catch (e) {
    assert.ok(e instanceof ProviderError, String(e));
    return e;
  }
  assert.fail(`${path} did not fail`);
}

test('the cap is 1 MiB', () => {
  assert.equal(MAX_RESPONSE_BYTES, 1024 * 1024);
});

test('a body over the cap with a Content-Length is refused before it is read, naming its size', async () => {
  const e = await failure('/declared');
  assert.equal(e.oversize, true);
  assert.match(
    e.message,
    /response body is 2\.0 MB \(2000008 bytes\), over the 1 MiB a metric response may have/,
  );
});

test('a chunked body over the cap is refused once it passes the cap', async () => {
  const e = await failure('/chunked');
  assert.equal(e.oversize, true);
  assert.match(e.message, /response body is more than 1048576 bytes, over the 1 MiB/);
});

test('a redirect to a metadata address is refused', async () => {
  const e = await failure('/to-metadata');
  assert.equal(e.oversize, false);
  assert.match(
    e.message,
    /refused: http:\/\/169\.254\.169\.254\/latest\/meta-data\/ reaches 169\.254\.169\.254.*allow-metadata-addresses/,
  );
});

test('an ordinary redirect is followed', async () => {
  const r = await new WebProvider().measure({ url: `${base}/to-ok`, jsonPath: '{$.value}' }, ctx());
  assert.equal(r.value, 1);
});

test('a URL naming a metadata address is refused without a request', async () => {
  await assert.rejects(
    new WebProvider().measure({ url: 'http://[fd00:ec2::254]/latest' }, ctx()),
    /refused: .*\[fd00:ec2::254\], a link-local metadata address/,
  );
});
