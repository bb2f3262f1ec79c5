import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException, type V1OwnerReference } from '@kubernetes/client-node';
import { KubeApiError } from '../../../src/adapters/k8s/api-errors.ts';
import {
  groupVersion,
  guardedPatch,
  mayBeStale,
  ownedBy,
  ownedCopy,
  PATCH_NOT_APPLIED,
} from '../../../src/adapters/k8s/router-objects.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';

const rollout = { name: 'web', namespace: 'shop' };
const owner = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: 'rollout-pilot.web',
  uid: 'u-1',
  controller: true,
  blockOwnerDeletion: false,
} satisfies V1OwnerReference;

/** A failed patch as KubeApi's `call` throws it: a KubeApiError around client-node's ApiException. */
function failed(code: number, reason: string, message: string): KubeApiError {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
  const cause = new ApiException(code, 'Unsuccessful HTTP Request', body, {});
  return new KubeApiError(cause, { verb: 'patch', kind: 'VirtualService', namespace: 'shop', name: 'web' });
}

test('guardedPatch: the resourceVersion read is tested first, then the operations in order', () => {
  assert.deepEqual(guardedPatch('42', [{ op: 'replace', path: '/spec/http/0/route/1/weight', value: 20 }]), [
    { op: 'test', path: '/metadata/resourceVersion', value: '42' },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: 20 },
  ]);
});

test('mayBeStale: a 409, or the 422 of a patch that did not apply; not a schema error or others', () => {
  const cases: [KubeApiError, boolean][] = [
    [failed(422, 'Invalid', PATCH_NOT_APPLIED), true],
    [failed(409, 'Conflict', 'Operation cannot be fulfilled: the object has been modified'), true],
    [
      failed(
        422,
        'Invalid',
        'HTTPRoute.gateway.networking.k8s.io "web" is invalid: spec.rules[0].backendRefs[1].weight: Invalid value: -20: should be greater than or equal to 0',
      ),
      false,
    ],
    [failed(404, 'NotFound', 'virtualservices.networking.istio.io "web" not found'), false],
    [failed(403, 'Forbidden', 'cannot patch resource "virtualservices"'), false],
  ];
  for (const [e, want] of cases) assert.equal(mayBeStale(e), want, e.message);
  assert.equal(mayBeStale(new Error('fetch failed')), false);
});

test('ownedBy: an owner reference to the rollout state ConfigMap, in its namespace', () => {
  const object = (namespace: string, ownerReferences?: unknown): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web-canary',
      namespace,
      ...(ownerReferences === undefined ? {} : { ownerReferences }),
    },
  });
  assert.equal(ownedBy(object('shop', [owner]), rollout), true);
  assert.equal(ownedBy(object('shop', [{ ...owner, uid: 'another' }]), rollout), true, 'by name, any uid');
  assert.equal(ownedBy(object('shop'), rollout), false);
  assert.equal(ownedBy(object('shop', [{ ...owner, name: 'rollout-pilot.api' }]), rollout), false);
  assert.equal(ownedBy(object('shop', [{ ...owner, kind: 'Secret' }]), rollout), false);
  assert.equal(ownedBy(object('other', [owner]), rollout), false, 'owner references stay in a namespace');
  assert.equal(ownedBy(object('shop', 'not a list'), rollout), false);
});

test('ownedCopy: namespace, rollout label and owner added; the rest as given', () => {
  const given: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web-canary', labels: { app: 'web' }, annotations: { a: 'b' } },
    spec: { ingressClassName: 'nginx' },
  };
  assert.deepEqual(ownedCopy(given, rollout, owner), {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web-canary',
      namespace: 'shop',
      labels: { app: 'web', 'rollout-pilot.dev/rollout': 'web' },
      annotations: { a: 'b' },
      ownerReferences: [owner],
    },
    spec: { ingressClassName: 'nginx' },
  });
  assert.equal(given.metadata.namespace, undefined, 'the given object is not changed');
  assert.throws(
    () => ownedCopy({ ...given, metadata: { ...given.metadata, namespace: 'other' } }, rollout, owner),
    { message: 'Ingress other/web-canary: rollout shop/web can only own objects of its own namespace' },
  );
});

test('groupVersion: group and version; none for the core group', () => {
  assert.deepEqual(groupVersion('networking.istio.io/v1'), { group: 'networking.istio.io', version: 'v1' });
  assert.deepEqual(groupVersion('gateway.networking.k8s.io/v1'), {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
  });
  assert.equal(groupVersion('v1'), undefined);
});
