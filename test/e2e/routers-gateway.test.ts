/**
 * The Gateway API on the local cluster (argoproj-labs/gatewayAPI plugin's configuration, driven
 * natively): the real gateway.networking.k8s.io CRDs validate and default every write. The action
 * runs as a ServiceAccount bound to docs/rbac.yaml's Role; the route comes from the manifests.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import {
  actionIn,
  canaryManifests,
  replicaSets,
  serviceHash,
  storedStatus,
  writeManifests,
  type RSView,
} from '../support/rollout.ts';

type Obj = Record<string, unknown>;
type Kind = 'HTTPRoute' | 'GRPCRoute';

const IN_PROGRESS = 'rollouts.argoproj.io/gatewayapi-canary';

async function route(namespace: string, kind: Kind): Promise<Obj> {
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespace,
    plural: kind === 'HTTPRoute' ? 'httproutes' : 'grpcroutes',
    name: 'web',
  })) as Obj;
}

async function rules(namespace: string, kind: Kind): Promise<Obj[]> {
  return ((await route(namespace, kind)).spec as { rules: Obj[] }).rules;
}

/** The backendRef weights of the rule at `index`, by Service. */
function weightsOf(rule: Obj | undefined): Record<string, number | undefined> {
  const refs = (rule?.backendRefs ?? []) as { name: string; weight?: number }[];
  return Object.fromEntries(refs.map((r) => [r.name, r.weight]));
}

async function labels(namespace: string, kind: Kind): Promise<Record<string, string>> {
  return (((await route(namespace, kind)).metadata as Obj).labels ?? {}) as Record<string, string>;
}

async function counts(namespace: string): Promise<Record<string, number>> {
  const sets = await replicaSets(namespace);
  return Object.fromEntries(sets.map((rs: RSView) => [rs.image, rs.spec]));
}

const TESTERS = { name: 'testers', match: [{ headerName: 'x-tester', headerValue: { exact: 'yes' } }] };

function routeManifest(kind: Kind): Obj {
  const backendRefs = [
    { name: 'web-stable', port: 80, weight: 100 },
    { name: 'web-canary', port: 80, weight: 0 },
  ];
  const rule: Obj =
    kind === 'HTTPRoute'
      ? { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs }
      : { matches: [{ method: { service: 'shop.Cart' } }], backendRefs };
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name: 'web' },
    spec: { parentRefs: [{ name: 'gateway' }], hostnames: ['web.example.com'], rules: [rule] },
  };
}

/** The header rule the testers route adds beside the split rule, as the API server stores it. */
function testersRule(kind: Kind): Obj {
  const headers = [{ name: 'x-tester', type: 'Exact', value: 'yes' }];
  return kind === 'HTTPRoute'
    ? {
        name: 'testers',
        matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers }],
        backendRefs: [{ group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 1 }],
      }
    : {
        name: 'testers',
        matches: [{ method: { service: 'shop.Cart', type: 'Exact' }, headers }],
        backendRefs: [{ group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 1 }],
      };
}

/**
 * One rollout through a split, a header route and a promotion. The route is among the manifests,
 * or (`routeInCluster`) created beforehand by someone else and only read and patched by the run.
 */
async function headerRouteRollout(t: TestContext, kind: Kind, routeInCluster: boolean): Promise<void> {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const key = kind === 'HTTPRoute' ? 'httpRoute' : 'grpcRoute';
  if (routeInCluster) {
    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace,
        plural: kind === 'HTTPRoute' ? 'httproutes' : 'grpcroutes',
        body: routeManifest(kind),
      });
  }
  const docs = [
    ...canaryManifests({
      replicas: 4,
      steps: [{ setWeight: 30 }, { pause: {} }, { setHeaderRoute: TESTERS }, { pause: {} }],
      canary: {
        scaleDownDelaySeconds: 2,
        trafficRouting: {
          managedRoutes: [{ name: 'testers' }],
          plugins: { 'argoproj-labs/gatewayAPI': { [key]: 'web' } },
        },
      },
    }),
    ...(routeInCluster ? [] : [routeManifest(kind)]),
  ];
  const repo = await writeManifests(docs);
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  assert.equal(first.outputs['canary-weight'], '0');
  const written = await rules(namespace, kind);
  assert.deepEqual(weightsOf(written[0]), { 'web-stable': 100, 'web-canary': 0 });
  const v1 = (await replicaSets(namespace))[0]?.hash;

  // setWeight 30 of 4 replicas: ⌈1.2⌉ = 2 canary pods, the stable keeps 4.
  const paused = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(paused.exitCode, 0, paused.stdout + paused.stderr);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.equal(paused.outputs['step-index'], '1');
  assert.equal(paused.outputs['canary-weight'], '30');
  assert.match(paused.stdout, /router: canary weight 0 → 30 of 100/);
  let now = await rules(namespace, kind);
  assert.equal(now.length, 1);
  assert.deepEqual(weightsOf(now[0]), { 'web-stable': 70, 'web-canary': 30 });
  assert.equal((await labels(namespace, kind))[IN_PROGRESS], 'in-progress');
  assert.deepEqual(await counts(namespace), { 'example/web:1': 4, 'example/web:2': 2 });
  const v2 = (await replicaSets(namespace)).find((rs) => rs.image === 'example/web:2')?.hash;
  let status = await storedStatus(namespace);
  assert.equal(status?.currentPodHash, v2);
  assert.equal(status?.stableRS, v1);

  const header = await run({ command: 'promote', rollout: 'web' });
  assert.equal(header.exitCode, 0, header.stdout + header.stderr);
  assert.equal(header.outputs.phase, 'Paused');
  assert.equal(header.outputs['step-index'], '3');
  assert.equal(header.outputs['canary-weight'], '30');
  assert.match(header.stdout, /router: set header route testers/);
  status = await storedStatus(namespace);
  assert.equal(status?.currentPodHash, v2);
  assert.equal(status?.currentStepIndex, 3);
  now = await rules(namespace, kind);
  assert.equal(now.length, 2);
  assert.deepEqual(weightsOf(now[0]), { 'web-stable': 70, 'web-canary': 30 });
  assert.deepEqual(now[1], testersRule(kind));

  // Run again while paused: a route among the manifests (one rule, weights 100/0) is applied
  // again; the split and the header rule come back.
  const again = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(again.exitCode, 0, again.stdout + again.stderr);
  assert.equal(again.outputs.phase, 'Paused');
  assert.equal(again.outputs['canary-weight'], '30');
  // A route the manifests hold is applied with the live split and header rule; one that lives
  // only in the cluster is not applied at all.
  if (!routeInCluster)
    assert.match(again.stdout, new RegExp(`${kind} \\S+/web: applied with the routing the .+ router set`));
  assert.deepEqual(await rules(namespace, kind), now);
  assert.equal((await labels(namespace, kind))[IN_PROGRESS], 'in-progress');

  const promoted = await run({ command: 'promote', rollout: 'web' });
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(promoted.outputs['canary-weight'], '0');
  assert.equal((await storedStatus(namespace))?.stableRS, v2);
  assert.equal(await serviceHash(namespace, 'web-stable'), v2);
  assert.deepEqual(await rules(namespace, kind), written, 'the header rule is gone, the split back to 0/100');
  assert.equal((await labels(namespace, kind))[IN_PROGRESS], undefined);
  assert.deepEqual(await counts(namespace), { 'example/web:1': 0, 'example/web:2': 4 });
}

test('Gateway API HTTPRoute: backendRef weights 30/70 at the first pause, header rule testers at the second; promote → 0/100, rule removed', async (t) => {
  await headerRouteRollout(t, 'HTTPRoute', false);
});

test('Gateway API GRPCRoute created beforehand in the cluster: backendRef weights 30/70, header rule testers on the gRPC method match; promote → 0/100, rule removed', async (t) => {
  await headerRouteRollout(t, 'GRPCRoute', true);
});
