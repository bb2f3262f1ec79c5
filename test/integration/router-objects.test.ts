import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KubeApi } from '../../src/adapters/k8s/api-call.ts';
import { FIELD_MANAGER, ROLLOUT_LABEL, stateName } from '../../src/adapters/k8s/names.ts';
import { KubeRouterObjects, MODIFY_ATTEMPTS } from '../../src/adapters/k8s/router-objects.ts';
import type { KubeObject } from '../../src/controller/ports.ts';
import type { JsonPatchOp, ObjectRef } from '../../src/controller/traffic-router.ts';
import { adminKubeConfig, testNamespace } from '../support/cluster.ts';
import { applyJsonPatch } from '../support/fake-router-objects.ts';

// RouterObjects against the real API server, with Istio's and Gateway API's real CRDs
// (scripts/cluster/crds.sh): their schemas judge every write here.

const ROLLOUT = 'web';

function virtualService(namespace: string, name = 'web'): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: ['web'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 'web-stable' }, weight: 100 },
            { destination: { host: 'web-canary' }, weight: 0 },
          ],
        },
        { name: 'admin', route: [{ destination: { host: 'admin' }, weight: 100 }] },
      ],
    },
  };
}

function httpRoute(namespace: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace },
    spec: {
      parentRefs: [{ name: 'gateway' }],
      rules: [
        {
          backendRefs: [
            { name: 'web-stable', port: 80, weight: 100 },
            { name: 'web-canary', port: 80, weight: 0 },
          ],
        },
      ],
    },
  };
}

function canaryIngress(namespace: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web-canary',
      namespace,
      annotations: {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '0',
      },
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'web.example',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-canary', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function refOf(object: KubeObject): ObjectRef {
  const { apiVersion, kind } = object;
  return { apiVersion, kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

/** What a write may change besides the patched paths: the server's bookkeeping. */
function content(object: KubeObject | undefined): unknown {
  if (object === undefined) return undefined;
  const bookkeeping = new Set(['resourceVersion', 'managedFields', 'generation']);
  const metadata = Object.entries(object.metadata).filter(([key]) => !bookkeeping.has(key));
  return { ...object, metadata: Object.fromEntries(metadata) };
}

interface Setup {
  namespace: string;
  objects: KubeRouterObjects;
  /** How many writes asked the lease fence first. */
  fenced: () => number;
  /** Runs in the fence of each write, after the read the write is computed from: a race. */
  beforeWrite: (() => Promise<void>) | undefined;
  /** Someone else's client (a person, Argo CD), with its own field manager. */
  someoneElse: (ref: ObjectRef, ops: JsonPatchOp[]) => Promise<void>;
  stateUid: string;
}

async function setup(t: TestContext): Promise<Setup> {
  const namespace = await testNamespace(t, 'router');
  const kc = adminKubeConfig();
  let fences = 0;
  const api = new KubeApi(kc, {
    fence: async () => {
      fences++;
      await setupResult.beforeWrite?.();
    },
    onRetry: () => undefined,
  });
  const state = await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: stateName(ROLLOUT) } },
  });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const someoneElse = async (ref: ObjectRef, ops: JsonPatchOp[]): Promise<void> => {
    const [group = '', version = ''] = ref.apiVersion.split('/');
    const plural = `${ref.kind.toLowerCase()}s`;
    await custom.patchNamespacedCustomObject(
      { group, version, namespace, plural, name: ref.name, body: ops, fieldManager: 'someone-else' },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  };
  const setupResult: Setup = {
    namespace,
    objects: new KubeRouterObjects(api, { name: ROLLOUT, namespace }),
    fenced: () => fences,
    beforeWrite: undefined,
    someoneElse,
    stateUid: state.metadata?.uid ?? '',
  };
  return setupResult;
}

test('create: a VirtualService, an HTTPRoute and an Ingress, owned by the rollout state and labelled', async (t) => {
  const s = await setup(t);
  for (const object of [virtualService(s.namespace), httpRoute(s.namespace), canaryIngress(s.namespace)]) {
    await s.objects.create(object);
    const stored = await s.objects.get(refOf(object));
    assert.ok(stored, `${object.kind} was created`);
    assert.deepEqual(stored.metadata.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: stateName(ROLLOUT),
        uid: s.stateUid,
        controller: true,
        blockOwnerDeletion: false,
      },
    ]);
    assert.equal((stored.metadata.labels as Record<string, string>)[ROLLOUT_LABEL], ROLLOUT);
    assert.equal(s.objects.owns(stored), true, `${object.kind} is owned`);
    const managers = stored.metadata.managedFields as { manager: string; operation: string }[];
    assert.deepEqual(
      managers.map((m) => [m.manager, m.operation]),
      [[FIELD_MANAGER, 'Update']],
    );
    // A second create (a retried request whose first attempt got through) finds its own object.
    await s.objects.create(object);
  }
  assert.equal(s.fenced(), 6, 'every create asked the lease fence');
});

test('owns: false for an object someone else made; create refuses to take it over', async (t) => {
  const s = await setup(t);
  const kc = adminKubeConfig();
  const theirs = virtualService(s.namespace);
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1',
    namespace: s.namespace,
    plural: 'virtualservices',
    body: theirs,
  });
  const stored = await s.objects.get(refOf(theirs));
  assert.ok(stored);
  assert.equal(s.objects.owns(stored), false);
  await assert.rejects(
    s.objects.create(theirs),
    new RegExp(
      `^Error: VirtualService ${s.namespace}/web already exists and is not rollout web's \\(no owner reference to ConfigMap rollout-pilot\\.web\\)`,
    ),
  );
});

test('get: undefined for a missing object, an error for a kind not served; modify of a missing one fails', async (t) => {
  const s = await setup(t);
  const ref = refOf(httpRoute(s.namespace));
  assert.equal(await s.objects.get(ref), undefined);
  assert.equal(await s.objects.get({ ...refOf(canaryIngress(s.namespace)), name: 'nope' }), undefined);
  await assert.rejects(
    s.objects.modify(ref, () => [{ op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 1 }]),
    { message: `HTTPRoute ${s.namespace}/web does not exist` },
  );
  // A kind whose CRD is not installed is not taken for a missing object.
  await assert.rejects(s.objects.get({ ...ref, apiVersion: 'mesh.example.com/v1', kind: 'Route' }), {
    message: `Route ${s.namespace}/web: the API server does not serve mesh.example.com/v1 (is the CRD of Route installed?)`,
  });
});

test('modify: one weight each, as a minimal JSON patch under rollout-pilot', async (t) => {
  const s = await setup(t);
  const cases: [KubeObject, JsonPatchOp[]][] = [
    [
      virtualService(s.namespace),
      [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 80 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 20 },
      ],
    ],
    [
      httpRoute(s.namespace),
      [
        { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 80 },
        { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 20 },
      ],
    ],
    [
      canaryIngress(s.namespace),
      [
        {
          op: 'replace',
          path: '/metadata/annotations/nginx.ingress.kubernetes.io~1canary-weight',
          value: '20',
        },
      ],
    ],
  ];
  for (const [object, ops] of cases) {
    await s.objects.create(object);
    const before = await s.objects.get(refOf(object));
    assert.ok(before);
    let calls = 0;
    await s.objects.modify(refOf(object), (current) => {
      calls++;
      assert.equal(current.metadata.resourceVersion, before.metadata.resourceVersion);
      return ops;
    });
    const after = await s.objects.get(refOf(object));
    assert.equal(calls, 1);
    assert.notEqual(after?.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(
      content(after),
      content(applyJsonPatch(before, ops)),
      `${object.kind}: only the weights`,
    );

    // Already as wanted: nothing is sent.
    await s.objects.modify(refOf(object), () => []);
    const again = await s.objects.get(refOf(object));
    assert.equal(again?.metadata.resourceVersion, after?.metadata.resourceVersion);
  }
  assert.equal(s.fenced(), 6, 'three creates and three patches, each fenced');
});

type VirtualServiceSpec = { http: { name: string; route: { weight: number }[]; timeout?: string }[] };

test('modify: an edit of another route between the read and the write is kept (read again, retried)', async (t) => {
  const s = await setup(t);
  const vs = virtualService(s.namespace);
  await s.objects.create(vs);
  const ref = refOf(vs);
  let edits = 0;
  s.beforeWrite = async () => {
    if (edits++ === 0) await s.someoneElse(ref, [{ op: 'add', path: '/spec/http/1/timeout', value: '5s' }]);
  };
  const seen: unknown[] = [];
  await s.objects.modify(ref, (current) => {
    seen.push(current.metadata.resourceVersion);
    const routes = (current.spec as VirtualServiceSpec).http;
    assert.equal(routes[1]?.timeout, seen.length === 1 ? undefined : '5s', 'the second read has the edit');
    return [{ op: 'replace', path: '/spec/http/0/route/1/weight', value: 30 }];
  });
  assert.equal(seen.length, 2, 'the stale write was refused, the object read again and the patch sent again');
  const http = ((await s.objects.get(ref))?.spec as VirtualServiceSpec).http;
  assert.equal(http[0]?.route[1]?.weight, 30, "rollout-pilot's weight");
  assert.equal(http[1]?.timeout, '5s', "the other route's edit");
});

test('modify: gives up with a clear error when the object changes before every write', async (t) => {
  const s = await setup(t);
  const route = httpRoute(s.namespace);
  await s.objects.create(route);
  const ref = refOf(route);
  let n = 0;
  s.beforeWrite = () =>
    s.someoneElse(ref, [{ op: 'replace', path: '/spec/rules/0/backendRefs/0/port', value: 8000 + n++ }]);
  let calls = 0;
  await assert.rejects(
    s.objects.modify(ref, () => {
      calls++;
      return [{ op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 10 }];
    }),
    {
      message: `HTTPRoute ${s.namespace}/web was changed by someone else before each of ${MODIFY_ATTEMPTS} writes; nothing written`,
    },
  );
  assert.equal(calls, MODIFY_ATTEMPTS);
  const weights = (
    (await s.objects.get(ref))?.spec as { rules: { backendRefs: { weight: number }[] }[] }
  ).rules[0]?.backendRefs.map((b) => b.weight);
  assert.deepEqual(weights, [100, 0]);
});

test("modify: a patch the CRD's schema rejects fails at once, naming the object and the field", async (t) => {
  const s = await setup(t);
  const route = httpRoute(s.namespace);
  const vs = virtualService(s.namespace);
  await s.objects.create(route);
  await s.objects.create(vs);
  let calls = 0;
  // Gateway API: a weight is 0 to 1,000,000.
  await assert.rejects(
    s.objects.modify(refOf(route), () => {
      calls++;
      return [{ op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: -20 }];
    }),
    (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^patch HTTPRoute ${s.namespace}/web failed: HTTP 422 Invalid: .*spec\\.rules\\[0\\]\\.backendRefs\\[1\\]\\.weight.*; the API server rejected the object: fix the field it names$`,
        ),
      );
      return true;
    },
  );
  assert.equal(calls, 1, 'a schema error is not retried');
  // Istio: a weight is an integer.
  await assert.rejects(
    s.objects.modify(refOf(vs), () => [
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 'twenty' },
    ]),
    new RegExp(
      `^KubeApiError: patch VirtualService ${s.namespace}/web failed: HTTP 422 Invalid: .*spec\\.http\\[0\\]\\.route\\[1\\]\\.weight.*integer`,
    ),
  );
  const http = ((await s.objects.get(refOf(vs)))?.spec as VirtualServiceSpec).http;
  assert.deepEqual(
    http[0]?.route.map((r) => r.weight),
    [100, 0],
    'nothing written',
  );
});

test('modify: a patch that does not fit the object (no such path) fails at once, not as a conflict', async (t) => {
  const s = await setup(t);
  const vs = virtualService(s.namespace);
  await s.objects.create(vs);
  let calls = 0;
  await assert.rejects(
    s.objects.modify(refOf(vs), () => {
      calls++;
      return [{ op: 'replace', path: '/spec/http/7/route/0/weight', value: 5 }];
    }),
    {
      message: `VirtualService ${s.namespace}/web: the JSON patch does not apply to the object (a path it names does not exist?): [{"op":"replace","path":"/spec/http/7/route/0/weight","value":5}]`,
    },
  );
  assert.equal(calls, 1);
});
