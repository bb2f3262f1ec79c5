import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import {
  BACKOFF_CAP_MS,
  backoffMs,
  classifyApiError,
  nextRetry,
} from '../../../src/adapters/k8s/retry-policy.ts';

const net = (code: string): Error =>
  new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
const api = (code: number, message = '', headers: Record<string, string> = {}): ApiException<unknown> =>
  new ApiException(
    code,
    'Unknown API Status Code!',
    JSON.stringify({ kind: 'Status', status: 'Failure', message, code }),
    headers,
  );

const table: { name: string; error: unknown; transient: boolean; retryAfterMs?: number }[] = [
  { name: 'connection refused', error: net('ECONNREFUSED'), transient: true },
  { name: 'connection reset', error: net('ECONNRESET'), transient: true },
  { name: 'socket closed (undici)', error: net('UND_ERR_SOCKET'), transient: true },
  { name: 'connect timeout', error: net('UND_ERR_CONNECT_TIMEOUT'), transient: true },
  { name: 'headers timeout', error: net('UND_ERR_HEADERS_TIMEOUT'), transient: true },
  { name: 'socket timeout', error: net('ETIMEDOUT'), transient: true },
  { name: 'DNS failure', error: net('EAI_AGAIN'), transient: true },
  { name: 'DNS not found', error: net('ENOTFOUND'), transient: true },
  {
    name: '429 with Retry-After',
    error: api(429, 'Too many requests', { 'retry-after': '2' }),
    transient: true,
    retryAfterMs: 2000,
  },
  { name: '500', error: api(500, 'Internal error occurred: etcdserver: request timed out'), transient: true },
  { name: '502', error: api(502), transient: true },
  {
    name: '503 starting',
    error: api(503, 'the server is currently unable to handle the request'),
    transient: true,
  },
  {
    name: '504',
    error: api(504, 'the server was unable to return a response in the time allotted'),
    transient: true,
  },
  {
    name: 'etcd leader changed on a 4xx-shaped error',
    error: api(400, 'etcdserver: leader changed'),
    transient: true,
  },
  { name: 'certificate refused', error: net('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), transient: false },
  { name: '400', error: api(400, 'bad request'), transient: false },
  { name: '401', error: api(401), transient: false },
  { name: '403', error: api(403, 'forbidden'), transient: false },
  { name: '404', error: api(404, 'not found'), transient: false },
  { name: '409', error: api(409, 'the object has been modified'), transient: false },
  { name: '413', error: api(413, 'Request entity too large'), transient: false },
  { name: '422', error: api(422, 'is invalid'), transient: false },
  { name: 'a programming error', error: new TypeError('x is not a function'), transient: false },
];

for (const row of table) {
  test(`classifyApiError: ${row.name} is ${row.transient ? 'transient' : 'final'}`, () => {
    const v = classifyApiError(row.error);
    assert.equal(v.transient, row.transient);
    if (row.retryAfterMs !== undefined) assert.equal(v.retryAfterMs, row.retryAfterMs);
  });
}

test('backoff doubles from 200 ms, caps at 5 s, jitter within [half, full]', () => {
  const expected = [200, 400, 800, 1600, 3200, 5000, 5000, 5000];
  expected.forEach((ceiling, attempt) => {
    assert.equal(backoffMs(attempt, 0), ceiling / 2, `attempt ${attempt} low`);
    assert.equal(backoffMs(attempt, 1), ceiling, `attempt ${attempt} high`);
    const mid = backoffMs(attempt, 0.5);
    assert.ok(mid > ceiling / 2 && mid < ceiling, `attempt ${attempt} mid ${mid}`);
  });
  assert.equal(backoffMs(1000, 0.3) <= BACKOFF_CAP_MS, true);
});

test('Retry-After is honoured within the cap', () => {
  assert.equal(backoffMs(0, 0, 2000), 2000);
  assert.equal(backoffMs(0, 0, 60_000), BACKOFF_CAP_MS);
});

test('nextRetry stops at the budget and on final errors', () => {
  assert.equal(nextRetry(net('ECONNREFUSED'), 0, 0, 180_000, 0), 100);
  assert.equal(nextRetry(net('ECONNREFUSED'), 10, 179_000, 180_000, 0), undefined, 'past the budget');
  assert.equal(nextRetry(net('ECONNREFUSED'), 10, 170_000, 180_000, 0), 2500);
  assert.equal(nextRetry(api(403), 0, 0, 180_000, 0), undefined);
});

test('a 20 s outage fits in a 3 minute budget: the schedule sums to 20 s in a few attempts', () => {
  let elapsed = 0;
  let attempt = 0;
  while (elapsed < 20_000) {
    const wait = nextRetry(net('ECONNREFUSED'), attempt, elapsed, 180_000, 0.5);
    assert.ok(wait !== undefined);
    elapsed += wait;
    attempt++;
  }
  assert.ok(attempt <= 10, `${attempt} attempts`);
});
