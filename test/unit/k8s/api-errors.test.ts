import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { describeApiError, KubeApiError, type ApiCall } from '../../../src/adapters/k8s/api-errors.ts';

/** What @kubernetes/client-node v2 throws: the response body as text, the headers as a record. */
function apiException(code: number, body: unknown): ApiException<unknown> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new ApiException(code, 'Unknown API Status Code!', text, { 'content-type': 'application/json' });
}

function status(code: number, reason: string, message: string, details?: object): ApiException<unknown> {
  return apiException(code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  });
}

const cm: ApiCall = { verb: 'create', kind: 'ConfigMap', namespace: 'shop', name: 'rollout-pilot.web' };

const cases: { name: string; error: unknown; call: ApiCall; want: RegExp[] }[] = [
  {
    name: '404 namespace',
    error: status(404, 'NotFound', 'namespaces "shop" not found', { name: 'shop', kind: 'namespaces' }),
    call: cm,
    want: [
      /^create ConfigMap shop\/rollout-pilot\.web failed: HTTP 404 NotFound: namespaces "shop" not found; /,
      /namespace shop does not exist: create it, or set the namespace input$/,
    ],
  },
  {
    name: '403 forbidden',
    error: status(
      403,
      'Forbidden',
      'replicasets.apps is forbidden: User "system:serviceaccount:shop:deployer" cannot create resource "replicasets" in API group "apps" in the namespace "shop"',
      { group: 'apps', kind: 'replicasets' },
    ),
    call: { verb: 'create', kind: 'ReplicaSet', namespace: 'shop', name: 'web-abc' },
    want: [
      /HTTP 403 Forbidden: replicasets\.apps is forbidden/,
      /may not create replicasets\.apps in shop: bind it to the Role in docs\/rbac\.yaml/,
    ],
  },
  {
    name: '413 too large (plain text body)',
    error: apiException(
      413,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}',
    ),
    call: { verb: 'apply', kind: 'ConfigMap', namespace: 'shop', name: 'big' },
    want: [
      /HTTP 413 RequestEntityTooLarge: Request entity too large: limit is 3145728/,
      /the object is too large/,
    ],
  },
  {
    name: '422 invalid',
    error: status(422, 'Invalid', 'ConfigMap "x" is invalid: metadata.name: Invalid value'),
    call: { verb: 'apply', kind: 'ConfigMap', namespace: 'shop', name: 'x' },
    want: [/HTTP 422 Invalid: ConfigMap "x" is invalid/, /fix the field it names/],
  },
  {
    name: '401 without a body',
    error: new ApiException(401, 'Unauthorized', undefined, {}),
    call: { verb: 'get', kind: 'Lease', namespace: 'shop', name: 'rollout-pilot.web' },
    want: [/^get Lease shop\/rollout-pilot\.web failed: HTTP 401; the credentials were refused/],
  },
  {
    name: 'connection refused',
    error: new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:36643'), {
        code: 'ECONNREFUSED',
        address: '127.0.0.1',
        port: 36643,
      }),
    }),
    call: { verb: 'list', kind: 'ReplicaSet', namespace: 'shop' },
    want: [/^list ReplicaSet shop failed: cannot reach the API server at 127\.0\.0\.1:36643: ECONNREFUSED/],
  },
  {
    name: 'certificate',
    error: new TypeError('fetch failed', {
      cause: Object.assign(new Error('unable to verify the first certificate'), {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      }),
    }),
    call: { verb: 'get', kind: 'ConfigMap', namespace: 'shop', name: 'c' },
    want: [/the TLS certificate was refused \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/, /certificate-authority/],
  },
  {
    name: 'DNS',
    error: new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND k8s.example'), {
        code: 'ENOTFOUND',
        hostname: 'k8s.example',
      }),
    }),
    call: { verb: 'get', kind: 'ConfigMap', namespace: 'shop', name: 'c' },
    want: [/at k8s\.example: the host name does not resolve \(ENOTFOUND\)/],
  },
];

for (const c of cases) {
  test(`describeApiError: ${c.name}`, () => {
    const line = describeApiError(c.error, c.call);
    assert.equal(line.includes('\n'), false, 'one line');
    assert.doesNotMatch(line, /Headers:|HTTP-Code:|content-type/, 'no raw dump');
    for (const want of c.want) assert.match(line, want);
  });
}

test('a real refused connection from fetch names the address and the cause', async () => {
  // A port that was just free: nothing listens on it.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const error = await fetch(`http://127.0.0.1:${port}/api`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error !== undefined);
  assert.match(
    describeApiError(error, { verb: 'get', kind: 'Namespace', name: 'x' }),
    new RegExp(`cannot reach the API server at 127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
  );
});

test('KubeApiError keeps the HTTP status and the cause, and names the server for network errors', () => {
  const cause = status(409, 'Conflict', 'the object has been modified');
  const e = new KubeApiError(cause, cm);
  assert.equal(e.code, 409);
  assert.equal(e.cause, cause);
  const net = new KubeApiError(
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    }),
    cm,
    'https://127.0.0.1:36643',
    true,
  );
  assert.equal(net.code, undefined);
  assert.match(
    net.message,
    /at https:\/\/127\.0\.0\.1:36643: ECONNRESET: .*gave up after retrying within api-retry-budget/,
  );
});
