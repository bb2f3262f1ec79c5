/**
 * Istio on the local cluster: the real networking.istio.io CRDs validate every write. The action
 * runs as a ServiceAccount bound to docs/rbac.yaml's Role, the VirtualService and DestinationRule
 * come from the manifests, and each check reads what the API server stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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

const ISTIO = { group: 'networking.istio.io', version: 'v1' };

async function istioObject(namespace: string, plural: string, name: string): Promise<Obj> {
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({ ...ISTIO, namespace, plural, name })) as Obj;
}

async function httpRoutes(namespace: string, name = 'web'): Promise<Obj[]> {
  const vs = await istioObject(namespace, 'virtualservices', name);
  return ((vs.spec as Obj).http ?? []) as Obj[];
}

/** The weights of a route's destinations, by host (and subset when there is one). */
function weightsOf(route: Obj | undefined): Record<string, number> {
  const destinations = (route?.route ?? []) as {
    destination: { host: string; subset?: string };
    weight?: number;
  }[];
  return Object.fromEntries(
    destinations.map((d) => [
      d.destination.subset === undefined
        ? d.destination.host
        : `${d.destination.host}/${d.destination.subset}`,
      d.weight ?? 0,
    ]),
  );
}

async function routeWeights(namespace: string, route = 'primary'): Promise<Record<string, number>> {
  return weightsOf((await httpRoutes(namespace)).find((r) => r.name === route));
}

/** spec.replicas by image. */
async function counts(namespace: string): Promise<Record<string, number>> {
  const sets = await replicaSets(namespace);
  return Object.fromEntries(sets.map((rs: RSView) => [rs.image, rs.spec]));
}

async function hashOf(namespace: string, image: string): Promise<string> {
  const rs = (await replicaSets(namespace)).find((r) => r.image === image);
  assert.ok(rs, `a ReplicaSet runs ${image}`);
  return rs.hash;
}

/** A user route beside the rollout's: it must come out exactly as written. */
const OTHER_ROUTE = {
  name: 'other',
  match: [{ uri: { prefix: '/admin' } }],
  route: [{ destination: { host: 'web-stable', port: { number: 80 } } }],
  timeout: '5s',
  retries: { attempts: 3, perTryTimeout: '2s' },
  headers: { request: { set: { 'x-from': 'other' } } },
};

function virtualService(primary: Obj[], apiVersion = 'networking.istio.io/v1alpha3'): Obj {
  return {
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: 'web' },
    spec: {
      hosts: ['web.example.com'],
      http: [OTHER_ROUTE, { name: 'primary', route: primary }],
    },
  };
}

const destination = (host: string, weight: number, subset?: string): Obj => ({
  destination: { host, port: { number: 80 }, ...(subset === undefined ? {} : { subset }) },
  weight,
});

test('Istio host-level split: VirtualService weights 25/75 then 50/50 at the pauses, 0/100 once promoted, other route untouched; abort puts 0/100 back', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const docs = [
    ...canaryManifests({
      replicas: 4,
      steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
      canary: {
        scaleDownDelaySeconds: 2,
        abortScaleDownDelaySeconds: 2,
        trafficRouting: { istio: { virtualService: { name: 'web', routes: ['primary'] } } },
      },
    }),
    virtualService([destination('web-stable', 100), destination('web-canary', 0)]),
  ];
  const repo = await writeManifests(docs);
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  assert.equal(first.outputs['canary-weight'], '0');
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 100, 'web-canary': 0 });
  const otherBefore = JSON.stringify((await httpRoutes(namespace))[0]);
  assert.match(otherBefore, /"name":"other"/);
  const v1 = await hashOf(namespace, 'example/web:1');

  // setWeight 25 with 4 replicas: the canary gets ⌈25·4/100⌉ = 1 pod, the stable keeps all 4.
  const paused = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(paused.exitCode, 0, paused.stdout + paused.stderr);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.equal(paused.outputs['step-index'], '1');
  assert.equal(paused.outputs['canary-weight'], '25');
  assert.match(paused.stdout, /router: canary weight 0 → 25 of 100/);
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 75, 'web-canary': 25 });
  assert.deepEqual(await counts(namespace), { 'example/web:1': 4, 'example/web:2': 1 });
  const v2 = await hashOf(namespace, 'example/web:2');
  let status = await storedStatus(namespace);
  assert.equal(status?.currentPodHash, v2);
  assert.equal(status?.stableRS, v1);
  assert.equal(await serviceHash(namespace, 'web-canary'), v2);
  assert.equal(await serviceHash(namespace, 'web-stable'), v1);

  // The workflow run again while paused: the manifests' VirtualService (weights 100/0) is applied
  // again, and the canary's 25 must be put back.
  const again = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(again.exitCode, 0, again.stdout + again.stderr);
  assert.equal(again.outputs.phase, 'Paused');
  assert.equal(again.outputs['canary-weight'], '25');
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 75, 'web-canary': 25 });
  assert.equal((await storedStatus(namespace))?.currentPodHash, v2);

  // setWeight 50: 2 canary pods, still 4 stable.
  const half = await run({ command: 'promote', rollout: 'web' });
  assert.equal(half.exitCode, 0, half.stdout + half.stderr);
  assert.equal(half.outputs.phase, 'Paused');
  assert.equal(half.outputs['step-index'], '3');
  assert.equal(half.outputs['canary-weight'], '50');
  assert.match(half.stdout, /router: canary weight 25 → 50 of 100/);
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 50, 'web-canary': 50 });
  assert.deepEqual(await counts(namespace), { 'example/web:1': 4, 'example/web:2': 2 });
  status = await storedStatus(namespace);
  assert.equal(status?.currentPodHash, v2);
  assert.equal(status?.currentStepIndex, 3);

  const promoted = await run({ command: 'promote', rollout: 'web' });
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(promoted.outputs['canary-weight'], '0');
  assert.equal(promoted.outputs['stable-revision'], '2');
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 100, 'web-canary': 0 });
  assert.equal(await serviceHash(namespace, 'web-stable'), v2);
  assert.equal((await storedStatus(namespace))?.stableRS, v2);
  assert.deepEqual(
    await counts(namespace),
    { 'example/web:1': 0, 'example/web:2': 4 },
    'the old stable goes after its scale-down delay',
  );
  assert.equal(JSON.stringify((await httpRoutes(namespace))[0]), otherBefore, 'route "other" as written');

  // A second update, aborted at its first pause: all traffic back on the stable.
  const third = await run({ manifests: 'rollout.yaml', image: 'web=example/web:3' });
  assert.equal(third.exitCode, 0, third.stdout + third.stderr);
  assert.equal(third.outputs.phase, 'Paused');
  assert.equal(third.outputs['canary-weight'], '25');
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 75, 'web-canary': 25 });
  const v3 = await hashOf(namespace, 'example/web:3');
  assert.equal((await storedStatus(namespace))?.currentPodHash, v3);

  const aborted = await run({ command: 'abort', rollout: 'web' });
  assert.equal(aborted.exitCode, 1, 'an abort fails the job');
  assert.equal(aborted.outputs.phase, 'Degraded');
  assert.equal(aborted.outputs.aborted, 'true');
  assert.equal(aborted.outputs['canary-weight'], '0');
  assert.match(aborted.stdout, /router: canary weight 25 → 0 of 100/);
  assert.deepEqual(await routeWeights(namespace), { 'web-stable': 100, 'web-canary': 0 });
  status = await storedStatus(namespace);
  assert.equal(status?.abort, true);
  assert.equal(status?.stableRS, v2);
  assert.equal(await serviceHash(namespace, 'web-stable'), v2);
  assert.equal(await serviceHash(namespace, 'web-canary'), v2, 'the canary Service is back on the stable');
  assert.deepEqual(
    await counts(namespace),
    { 'example/web:1': 0, 'example/web:2': 4, 'example/web:3': 0 },
    'the aborted canary goes after abortScaleDownDelaySeconds',
  );
  assert.equal(JSON.stringify((await httpRoutes(namespace))[0]), otherBefore, 'route "other" as written');
});

test('Istio subset-level split: DestinationRule subsets pinned to the canary and stable ReplicaSets, weights 50/50 at the pause, both on the new ReplicaSet once promoted', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const [rollout] = canaryManifests({
    replicas: 4,
    steps: [{ setWeight: 50 }, { pause: {} }],
  }) as [{ spec: { strategy: { canary: Obj } } }];
  // Subset level: one Service, canary and stable told apart by the DestinationRule's subsets.
  rollout.spec.strategy.canary = {
    scaleDownDelaySeconds: 2,
    steps: [{ setWeight: 50 }, { pause: {} }],
    trafficRouting: {
      istio: {
        virtualService: { name: 'web', routes: ['primary'] },
        destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    },
  };
  const docs = [
    rollout,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    },
    virtualService(
      [destination('web', 100, 'stable'), destination('web', 0, 'canary')],
      'networking.istio.io/v1',
    ),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'web' },
      spec: {
        host: 'web',
        trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
        subsets: [
          { name: 'canary', labels: { app: 'web' } },
          { name: 'stable', labels: { app: 'web' } },
        ],
      },
    },
  ];
  const repo = await writeManifests(docs);
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });
  const subsets = async (): Promise<Record<string, string | undefined>> => {
    const dr = await istioObject(namespace, 'destinationrules', 'web');
    const list = (dr.spec as { subsets: { name: string; labels?: Record<string, string> }[] }).subsets;
    return Object.fromEntries(list.map((s) => [s.name, s.labels?.['rollouts-pod-template-hash']]));
  };
  const annotations = async (): Promise<Record<string, string> | undefined> =>
    ((await istioObject(namespace, 'destinationrules', 'web')).metadata as Obj).annotations as
      Record<string, string> | undefined;

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  const v1 = await hashOf(namespace, 'example/web:1');
  assert.deepEqual(await subsets(), { canary: v1, stable: v1 });
  assert.equal((await annotations())?.['argo-rollouts.argoproj.io/managed-by-rollouts'], 'web');
  assert.deepEqual(await routeWeights(namespace), { 'web/stable': 100, 'web/canary': 0 });

  const paused = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(paused.exitCode, 0, paused.stdout + paused.stderr);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.equal(paused.outputs['canary-weight'], '50');
  const v2 = await hashOf(namespace, 'example/web:2');
  const status = await storedStatus(namespace);
  assert.equal(status?.currentPodHash, v2);
  assert.equal(status?.stableRS, v1);
  assert.deepEqual(await subsets(), { canary: v2, stable: v1 });
  assert.deepEqual(await routeWeights(namespace), { 'web/stable': 50, 'web/canary': 50 });
  assert.deepEqual(await counts(namespace), { 'example/web:1': 4, 'example/web:2': 2 });
  const dr = await istioObject(namespace, 'destinationrules', 'web');
  assert.deepEqual((dr.spec as Obj).trafficPolicy, { loadBalancer: { simple: 'ROUND_ROBIN' } });

  // Run again while paused: the manifests' DestinationRule (subsets without hashes) is applied
  // again, and the subsets are pinned again before anything else happens.
  const again = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(again.exitCode, 0, again.stdout + again.stderr);
  assert.equal(again.outputs.phase, 'Paused');
  assert.match(again.stdout, /DestinationRule \S+\/web: applied with the routing the istio router set/);
  assert.deepEqual(await subsets(), { canary: v2, stable: v1 });
  assert.deepEqual(await routeWeights(namespace), { 'web/stable': 50, 'web/canary': 50 });

  const promoted = await run({ command: 'promote', rollout: 'web' });
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(promoted.outputs['canary-weight'], '0');
  assert.equal((await storedStatus(namespace))?.stableRS, v2);
  assert.deepEqual(await subsets(), { canary: v2, stable: v2 });
  assert.deepEqual(await routeWeights(namespace), { 'web/stable': 100, 'web/canary': 0 });
  assert.deepEqual(await counts(namespace), { 'example/web:1': 0, 'example/web:2': 4 });
});

test('Istio header and mirror routes: testers and shadow above the user routes in managedRoutes order, in Argo’s shape; removed once promoted', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const steps = [
    { setWeight: 20 },
    {
      setHeaderRoute: {
        name: 'testers',
        match: [{ headerName: 'x-tester', headerValue: { exact: 'yes' } }],
      },
    },
    { setMirrorRoute: { name: 'shadow', percentage: 50, match: [{ method: { exact: 'GET' } }] } },
    { pause: {} },
  ];
  const docs = [
    ...canaryManifests({
      replicas: 5,
      steps,
      canary: {
        scaleDownDelaySeconds: 2,
        abortScaleDownDelaySeconds: 2,
        trafficRouting: {
          managedRoutes: [{ name: 'testers' }, { name: 'shadow' }],
          istio: { virtualService: { name: 'web', routes: ['primary'] } },
        },
      },
    }),
    virtualService([destination('web-stable', 100), destination('web-canary', 0)]),
  ];
  const repo = await writeManifests(docs);
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig });

  const first = await run({ manifests: 'rollout.yaml' });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  const userRoutes = await httpRoutes(namespace);
  assert.deepEqual(
    userRoutes.map((r) => r.name),
    ['other', 'primary'],
    'no managed route on the first revision',
  );

  const paused = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(paused.exitCode, 0, paused.stdout + paused.stderr);
  assert.equal(paused.outputs.phase, 'Paused');
  assert.equal(paused.outputs['step-index'], '3');
  assert.equal(paused.outputs['canary-weight'], '20');
  assert.match(paused.stdout, /router: set header route testers/);
  assert.match(paused.stdout, /router: set mirror route shadow/);
  const v2 = await hashOf(namespace, 'example/web:2');
  assert.equal((await storedStatus(namespace))?.currentPodHash, v2);
  assert.deepEqual(await counts(namespace), { 'example/web:1': 5, 'example/web:2': 1 });
  const http = await httpRoutes(namespace);
  assert.deepEqual(
    http.map((r) => r.name),
    ['testers', 'shadow', 'other', 'primary'],
  );
  assert.deepEqual(http[0], {
    name: 'testers',
    match: [{ headers: { 'x-tester': { exact: 'yes' } } }],
    route: [{ destination: { host: 'web-canary', port: { number: 80 } }, weight: 100 }],
  });
  assert.deepEqual(http[1], {
    name: 'shadow',
    match: [{ method: { exact: 'GET' } }],
    route: [destination('web-stable', 80), destination('web-canary', 20)],
    mirror: { host: 'web-canary', port: { number: 80 } },
    mirrorPercentage: { value: 50 },
  });
  assert.deepEqual(http[2], userRoutes[0], 'route "other" as written');
  assert.deepEqual(weightsOf(http[3]), { 'web-stable': 80, 'web-canary': 20 });

  // Run again while paused: the manifests' VirtualService has neither route; both come back.
  const again = await run({ manifests: 'rollout.yaml', image: 'web=example/web:2' });
  assert.equal(again.exitCode, 0, again.stdout + again.stderr);
  assert.equal(again.outputs.phase, 'Paused');
  assert.match(again.stdout, /VirtualService \S+\/web: applied with the routing the istio router set/);
  assert.deepEqual(await httpRoutes(namespace), http);

  const promoted = await run({ command: 'promote', rollout: 'web' });
  assert.equal(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  assert.equal(promoted.outputs.phase, 'Healthy');
  assert.equal(promoted.outputs['canary-weight'], '0');
  assert.equal((await storedStatus(namespace))?.stableRS, v2);
  assert.deepEqual(
    await httpRoutes(namespace),
    userRoutes,
    'the managed routes are gone, the rest as before',
  );

  // A second update with both routes in place, aborted: the routes go with the canary's weight.
  const third = await run({ manifests: 'rollout.yaml', image: 'web=example/web:3' });
  assert.equal(third.exitCode, 0, third.stdout + third.stderr);
  assert.equal(third.outputs.phase, 'Paused');
  const v3 = await hashOf(namespace, 'example/web:3');
  assert.equal((await storedStatus(namespace))?.currentPodHash, v3);
  assert.deepEqual(
    (await httpRoutes(namespace)).map((r) => r.name),
    ['testers', 'shadow', 'other', 'primary'],
  );
  const aborted = await run({ command: 'abort', rollout: 'web' });
  assert.equal(aborted.exitCode, 1, 'an abort fails the job');
  assert.equal(aborted.outputs.phase, 'Degraded');
  assert.equal(aborted.outputs['canary-weight'], '0');
  assert.deepEqual(
    await httpRoutes(namespace),
    userRoutes,
    'aborted: no managed route, all traffic on the stable',
  );
});
