import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routerObjectsInCluster } from '../../../src/commands/router-objects.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import { routerObjectCheck, routerObjectRefs } from '../../../src/manifests/router-references.ts';

const text = [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Rollout',
  'metadata: {name: web}',
  'spec:',
  '  strategy:',
  '    canary:',
  '      stableService: web-stable',
  '      canaryService: web-canary',
  '      trafficRouting:',
  '        nginx: {stableIngress: web}', // line 10
  '        plugins:',
  '          argoproj-labs/gatewayAPI:',
  '            namespace: edge',
  '            httpRoute: web', // line 14
].join('\n');

function routers(): Parameters<typeof routerObjectsInCluster>[2] {
  const doc = parseManifestText('rollout.yaml', text).docs[0];
  assert.ok(doc);
  return { refs: routerObjectRefs(doc), check: routerObjectCheck(doc) };
}

/** A cluster holding `objects` by `apiVersion kind namespace/name`, recording each read. */
function cluster(objects: Record<string, Record<string, unknown>>) {
  const reads: string[] = [];
  return {
    reads,
    readObject: (ref: { apiVersion: string; kind: string; namespace: string; name: string }) => {
      const key = `${ref.apiVersion} ${ref.kind} ${ref.namespace}/${ref.name}`;
      reads.push(key);
      return Promise.resolve(objects[key]);
    },
  };
}

const ingress = (service: string): Record<string, unknown> => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { rules: [{ http: { paths: [{ backend: { service: { name: service } } }] } }] },
});

test('router objects the manifests lack are read from the cluster, in the rollout or the named namespace', async () => {
  const c = cluster({
    'networking.k8s.io/v1 Ingress shop/web': ingress('web-stable'),
    'gateway.networking.k8s.io/v1 HTTPRoute edge/web': {
      spec: { rules: [{ backendRefs: [{ name: 'web-stable' }, { name: 'web-canary' }] }] },
    },
  });
  assert.deepEqual(await routerObjectsInCluster(c, 'shop', routers()), []);
  assert.deepEqual(c.reads, [
    'networking.k8s.io/v1 Ingress shop/web',
    'gateway.networking.k8s.io/v1 HTTPRoute edge/web',
  ]);
});

test('one in neither place, and one that cannot carry the rollout: each refused at its field line', async () => {
  const c = cluster({ 'networking.k8s.io/v1 Ingress shop/web': ingress('other') });
  const ds = await routerObjectsInCluster(c, 'shop', routers());
  assert.deepEqual(
    ds.map((d) => [d.file, d.line, d.path, d.message]),
    [
      [
        'rollout.yaml',
        10,
        'spec.strategy.canary.trafficRouting.nginx.stableIngress',
        'Ingress shop/web has no rule whose backend is the stable Service "web-stable" (the canary Ingress is made from those rules)',
      ],
      [
        'rollout.yaml',
        14,
        'spec.strategy.canary.trafficRouting.plugins.argoproj-labs/gatewayAPI.httpRoute',
        'HTTPRoute "web" is neither in the manifests nor in namespace edge: add it to the manifests or create it first',
      ],
    ],
  );
});
