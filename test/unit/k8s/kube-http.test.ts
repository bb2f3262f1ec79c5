import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { KubeApi, KubeClients, statusCode, write } from '../../../src/adapters/k8s/api-call.ts';
import { describeApiError } from '../../../src/adapters/k8s/api-errors.ts';
import { KubeHttp, PATCH } from '../../../src/adapters/k8s/http.ts';
import { FIELD_MANAGER, jsonPatch, mergePatch } from '../../../src/adapters/k8s/names.ts';
import { classifyApiError } from '../../../src/adapters/k8s/retry-policy.ts';
import { microTime } from '../../../src/adapters/k8s/wire.ts';

/**
 * The adapter's own Kubernetes client (http.ts, typed-api.ts, object-api.ts) against a local HTTP
 * server that records each request and answers what the test set: the requests it builds (method,
 * path, query, headers, body) and how answers and failures come back (plain JSON; ApiException
 * with the status, the body text and the headers). No cluster is involved: the cluster tests
 * (test/integration, test/e2e) run the same client against a real API server.
 */

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server;
let seen: Seen[] = [];
let answers: ((s: Seen) => Answer)[] = [];
const ok = (): Answer => ({ status: 200, body: {} });
let sockets = 0;
let kubeConfig: KubeConfig;

function answer(...a: (Answer | ((s: Seen) => Answer))[]): void {
  answers = a.map((x) => (typeof x === 'function' ? x : () => x));
}

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const s: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: (req.socket as unknown as { id: number }).id,
      };
      seen.push(s);
      const a = (answers.shift() ?? ok)(s);
      const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(text);
    });
  });
  server.on('connection', (socket) => {
    Object.assign(socket, { id: ++sockets });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'me', token: 'secret-token' }],
    contexts: [{ name: 'here', cluster: 'local', user: 'me', namespace: 'from-context' }],
    currentContext: 'here',
  });
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  seen = [];
  answers = [];
});

const lease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'rollout-pilot.web',
    namespace: 'shop',
    resourceVersion: '7',
    creationTimestamp: '2026-01-02T03:04:05Z',
  },
  spec: { holderIdentity: 'a', renewTime: '2026-01-02T03:04:05.123456Z', leaseDurationSeconds: 30 },
};

test('a read is a GET of the object with the kubeconfig token; the answer is the plain JSON sent', async () => {
  const clients = new KubeClients(kubeConfig);
  answer({ status: 200, body: lease });
  const got = await clients.coordination.readNamespacedLease({
    name: 'rollout-pilot.web',
    namespace: 'shop',
  });
  assert.deepEqual(got, lease);
  // Timestamps stay the strings the API server sent (no Date, no lost microseconds).
  assert.equal(got.spec?.renewTime, '2026-01-02T03:04:05.123456Z');
  assert.equal(typeof got.metadata?.creationTimestamp, 'string');
  const [s] = seen;
  assert.equal(s?.method, 'GET');
  assert.equal(s?.path, '/apis/coordination.k8s.io/v1/namespaces/shop/leases/rollout-pilot.web');
  assert.equal(s?.headers.authorization, 'Bearer secret-token');
  assert.equal(s?.headers.accept, 'application/json');
  assert.equal([...(s?.query.keys() ?? [])].length, 0);
});

test('path segments are encoded; list selectors and continue go in the query', async () => {
  const clients = new KubeClients(kubeConfig);
  answer({ status: 200, body: { items: [], metadata: { resourceVersion: '9', continue: 'next' } } });
  const list = await clients.apps.listNamespacedReplicaSet({
    namespace: 'a b',
    labelSelector: 'rollout-pilot.dev/rollout=web,x in (1,2)',
    _continue: 'tok',
  });
  assert.equal(list.metadata?.continue, 'next');
  const [s] = seen;
  assert.equal(s?.path, '/apis/apps/v1/namespaces/a%20b/replicasets');
  assert.equal(s?.query.get('labelSelector'), 'rollout-pilot.dev/rollout=web,x in (1,2)');
  assert.equal(s?.query.get('continue'), 'tok');
  assert.equal(s?.query.has('_continue'), false);
});

test('create: POST of the JSON body with dryRun and fieldManager as query parameters', async () => {
  const clients = new KubeClients(kubeConfig);
  const body = { metadata: { name: 'web-abc', namespace: 'shop' }, spec: { replicas: 0, selector: {} } };
  answer({ status: 201, body: { ...body, metadata: { ...body.metadata, uid: 'u1' } } });
  const rs = await clients.apps.createNamespacedReplicaSet({
    namespace: 'shop',
    dryRun: 'All',
    fieldManager: FIELD_MANAGER,
    body,
  });
  assert.equal(rs.metadata?.uid, 'u1');
  const [s] = seen;
  assert.equal(s?.method, 'POST');
  assert.equal(s?.path, '/apis/apps/v1/namespaces/shop/replicasets');
  assert.equal(s?.query.get('dryRun'), 'All');
  assert.equal(s?.query.get('fieldManager'), 'rollout-pilot');
  assert.equal(s?.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(s?.body ?? ''), body);
});

test('replace is a PUT carrying the resourceVersion that was read (compare-and-swap)', async () => {
  const clients = new KubeClients(kubeConfig);
  answer({ status: 200, body: lease });
  await clients.coordination.replaceNamespacedLease({
    name: 'rollout-pilot.web',
    namespace: 'shop',
    body: { metadata: lease.metadata, spec: { ...lease.spec, renewTime: microTime(Date.UTC(2026, 0, 2)) } },
  });
  const [s] = seen;
  assert.equal(s?.method, 'PUT');
  const sent = JSON.parse(s?.body ?? '') as typeof lease;
  assert.equal(sent.metadata.resourceVersion, '7');
  assert.equal(sent.spec.renewTime, '2026-01-02T00:00:00.000000Z');
});

test('patches carry their content type: merge patch, JSON patch, server-side apply with force', async () => {
  const clients = new KubeClients(kubeConfig);
  const api = clients.objects;
  answer(
    { status: 200, body: {} },
    { status: 200, body: {} },
    {
      status: 200,
      body: {
        resources: [
          { name: 'services', kind: 'Service', namespaced: true },
          { name: 'services/status', kind: 'Service', namespaced: true },
        ],
      },
    },
    { status: 200, body: {} },
    { status: 200, body: {} },
  );
  await clients.core.patchNamespacedService(
    { name: 'web', namespace: 'shop', fieldManager: FIELD_MANAGER, body: { spec: { selector: { a: 'b' } } } },
    mergePatch,
  );
  await clients.custom.patchNamespacedCustomObject(
    {
      group: 'networking.istio.io',
      version: 'v1',
      plural: 'virtualservices',
      namespace: 'shop',
      name: 'vs',
      body: [{ op: 'test', path: '/metadata/resourceVersion', value: '3' }],
      fieldManager: FIELD_MANAGER,
    },
    jsonPatch,
  );
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [] } };
  await api.patch(svc, undefined, 'All', FIELD_MANAGER, true, PATCH.apply);
  await api.patch(
    { ...svc, metadata: { name: 'web', namespace: 'other' } },
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PATCH.apply,
  );
  const [merge, json, discovery, apply, apply2] = seen;
  assert.equal(merge?.method, 'PATCH');
  assert.equal(merge?.headers['content-type'], 'application/merge-patch+json');
  assert.equal(merge?.path, '/api/v1/namespaces/shop/services/web');
  assert.equal(json?.headers['content-type'], 'application/json-patch+json');
  assert.equal(json?.path, '/apis/networking.istio.io/v1/namespaces/shop/virtualservices/vs');
  assert.deepEqual(JSON.parse(json?.body ?? ''), [
    { op: 'test', path: '/metadata/resourceVersion', value: '3' },
  ]);
  // The resource of a kind comes from discovery, asked once; no namespace is the context's.
  assert.equal(discovery?.path, '/api/v1');
  assert.equal(apply?.path, '/api/v1/namespaces/from-context/services/web');
  assert.equal(apply?.headers['content-type'], 'application/apply-patch+yaml');
  assert.equal(apply?.query.get('force'), 'true');
  assert.equal(apply?.query.get('dryRun'), 'All');
  assert.equal(apply?.query.get('fieldManager'), 'rollout-pilot');
  assert.equal(apply2?.path, '/api/v1/namespaces/other/services/web');
  assert.equal(seen.length, 5);
});

test('delete: DELETE with propagationPolicy', async () => {
  const clients = new KubeClients(kubeConfig);
  answer({ status: 200, body: { kind: 'Status', status: 'Success' } });
  await clients.apps.deleteNamespacedReplicaSet({
    name: 'web-abc',
    namespace: 'shop',
    propagationPolicy: 'Background',
  });
  assert.equal(seen[0]?.method, 'DELETE');
  assert.equal(seen[0]?.query.get('propagationPolicy'), 'Background');
  assert.equal(seen[0]?.body, '');
});

function conflict(): Answer {
  return {
    status: 409,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "x": the object has been modified; please apply your changes to the latest version and try again',
    },
  };
}

test('a status outside 2xx is an ApiException with the code, the body text and the headers', async () => {
  const clients = new KubeClients(kubeConfig);
  answer(conflict());
  const e = await clients.coordination
    .readNamespacedLease({ name: 'x', namespace: 'shop' })
    .catch((x: unknown) => x);
  assert.ok(e instanceof ApiException);
  assert.equal(e.code, 409);
  assert.equal(statusCode(e), 409);
  assert.equal(typeof e.body, 'string');
  assert.equal((e.headers as Record<string, string>)['content-type'], 'application/json');
  assert.match(
    describeApiError(e, { verb: 'replace', kind: 'Lease', namespace: 'shop', name: 'x' }),
    /HTTP 409 Conflict: Operation cannot be fulfilled/,
  );
  assert.equal(classifyApiError(e).transient, false);

  answer({
    status: 404,
    body: { kind: 'Status', reason: 'NotFound', code: 404, message: 'configmaps "y" not found' },
  });
  const missing = await clients.core
    .readNamespacedConfigMap({ name: 'y', namespace: 'shop' })
    .catch((x: unknown) => x);
  assert.equal(statusCode(missing), 404);

  answer({
    status: 429,
    body: { kind: 'Status', reason: 'TooManyRequests', code: 429 },
    headers: { 'retry-after': '2' },
  });
  const limited = await clients.core
    .readNamespacedConfigMap({ name: 'y', namespace: 'shop' })
    .catch((x: unknown) => x);
  assert.deepEqual(classifyApiError(limited), { transient: true, retryAfterMs: 2000 });

  answer({ status: 401, body: 'Unauthorized' });
  const refused = await clients.core
    .readNamespacedSecret({ name: 's', namespace: 'shop' })
    .catch((x: unknown) => x);
  assert.equal(statusCode(refused), 401);
  assert.match(describeApiError(refused, { verb: 'get', kind: 'Secret' }), /credentials were refused/);
});

test('through KubeApi.call: a 503 is retried, a 409 is not; a write is fenced first', async () => {
  let fenced = 0;
  const api = new KubeApi(kubeConfig, {
    fence: () => {
      fenced++;
      return Promise.resolve();
    },
    onRetry: () => undefined,
  });
  answer(
    { status: 503, body: { kind: 'Status', code: 503, message: 'etcdserver: leader changed' } },
    { status: 200, body: lease },
  );
  const got = await api.call(write('replace', 'Lease', 'shop', 'x'), () =>
    api.coordination.replaceNamespacedLease({ name: 'x', namespace: 'shop', body: lease }),
  );
  assert.equal(got.metadata?.resourceVersion, '7');
  assert.equal(api.requests, 2);
  assert.equal(fenced, 2);
  answer(conflict());
  await assert.rejects(
    api.call(write('replace', 'Lease', 'shop', 'x'), () =>
      api.coordination.replaceNamespacedLease({ name: 'x', namespace: 'shop', body: lease }),
    ),
    (e: unknown) => statusCode(e) === 409 && /HTTP 409 Conflict/.test(String(e)),
  );
  assert.equal(api.requests, 3);
});

test('requests reuse one kept-alive connection', async () => {
  const http = new KubeHttp(kubeConfig);
  await http.request({ method: 'GET', path: '/api/v1/namespaces/shop/configmaps/a' });
  await http.request({ method: 'GET', path: '/api/v1/namespaces/shop/configmaps/b' });
  await http.request({ method: 'GET', path: '/api/v1/namespaces/shop/configmaps/c' });
  assert.equal(seen.length, 3);
  assert.equal(new Set(seen.map((s) => s.socket)).size, 1);
});

test('objects: an unknown kind and an unserved group version say so; an API server away is ECONNREFUSED', async () => {
  const clients = new KubeClients(kubeConfig);
  answer({ status: 200, body: { resources: [{ name: 'rollouts', kind: 'Rollout', namespaced: true }] } });
  await assert.rejects(
    clients.objects.read({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 't', namespace: 'shop' },
    }),
    /Unrecognized API version and kind: argoproj.io\/v1alpha1 AnalysisTemplate/,
  );
  answer({ status: 404, body: '404 page not found' });
  const e = await clients.objects
    .read({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'shop' },
    })
    .catch((x: unknown) => x);
  assert.equal(statusCode(e), 404);
  assert.match(
    (e as Error).message,
    /^Failed to fetch resource metadata for gateway.networking.k8s.io\/v1\/HTTPRoute/,
  );

  const away = new KubeConfig();
  away.loadFromOptions({
    clusters: [{ name: 'gone', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'me', token: 't' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'me' }],
    currentContext: 'gone',
  });
  const refused = await new KubeHttp(away)
    .request({ method: 'GET', path: '/api/v1' })
    .catch((x: unknown) => x);
  assert.equal((refused as { code?: unknown }).code, 'ECONNREFUSED');
  assert.equal(classifyApiError(refused).transient, true);
  assert.match(
    describeApiError(refused, { verb: 'get', kind: 'Lease' }, 'http://127.0.0.1:1'),
    /cannot reach the API server at http:\/\/127.0.0.1:1: ECONNREFUSED/,
  );
});

test('MicroTime has six fractional digits', () => {
  assert.equal(microTime(Date.UTC(2026, 4, 6, 7, 8, 9, 123)), '2026-05-06T07:08:09.123000Z');
  assert.equal(microTime(0), '1970-01-01T00:00:00.000000Z');
});

/** A kubeconfig like the tests' own, with `user`, that counts how often its credentials are applied. */
function countingKubeConfig(user: Record<string, unknown>): { kc: KubeConfig; applied: () => number } {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: kubeConfig.getCurrentCluster()?.server ?? '', skipTLSVerify: true }],
    users: [{ name: 'me', ...user }],
    contexts: [{ name: 'here', cluster: 'local', user: 'me' }],
    currentContext: 'here',
  });
  let count = 0;
  kc.applyToHTTPSOptions = (opts: { headers?: unknown }) => {
    count++;
    opts.headers = { Authorization: `Bearer token-${count}` };
    return Promise.resolve();
  };
  return { kc, applied: () => count };
}

test('static credentials are applied once and reused; an exec plugin or auth provider is asked every request', async () => {
  const read = (http: KubeHttp) => http.request({ method: 'GET', path: '/api/v1/namespaces/shop/pods/x' });
  const fixed = countingKubeConfig({ token: 'secret-token' });
  const staticHttp = new KubeHttp(fixed.kc);
  for (let i = 0; i < 3; i++) await read(staticHttp);
  assert.equal(fixed.applied(), 1);
  assert.deepEqual(
    seen.map((s) => s.headers.authorization),
    ['Bearer token-1', 'Bearer token-1', 'Bearer token-1'],
  );
  for (const user of [
    { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } },
    { authProvider: { name: 'oidc', config: {} } },
  ]) {
    seen = [];
    const dynamic = countingKubeConfig(user);
    const http = new KubeHttp(dynamic.kc);
    for (let i = 0; i < 3; i++) await read(http);
    assert.equal(dynamic.applied(), 3);
    // Each request carries the credentials as they were refreshed for it.
    assert.deepEqual(
      seen.map((s) => s.headers.authorization),
      ['Bearer token-1', 'Bearer token-2', 'Bearer token-3'],
    );
  }
});
