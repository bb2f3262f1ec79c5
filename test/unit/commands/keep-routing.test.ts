import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routingKeeper, withLiveRouting } from '../../../src/commands/keep-routing.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { canaryOf, engineRollout } from '../../../src/engine/spec.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import { toRollout } from '../../../src/manifests/rollout.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';

type Obj = Record<string, unknown>;

const rolloutText = (trafficRouting: string[]): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Rollout',
    'metadata: {name: web}',
    'spec:',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    '    metadata: {labels: {app: web}}',
    '    spec: {containers: [{name: app, image: web:1}]}',
    '  strategy:',
    '    canary:',
    '      stableService: web-stable',
    '      canaryService: web-canary',
    '      steps: [{setWeight: 20}]',
    ...(trafficRouting.length === 0
      ? []
      : ['      trafficRouting:', ...trafficRouting.map((l) => `        ${l}`)]),
  ].join('\n');

function keeperOf(trafficRouting: string[]): ReturnType<typeof routingKeeper> {
  const doc = parseManifestText('rollout.yaml', rolloutText(trafficRouting)).docs[0];
  assert.ok(doc);
  const canary = canaryOf(engineRollout(toRollout(doc)));
  assert.ok(canary);
  return routingKeeper({ name: 'web', namespace: 'shop' }, canary);
}

const ISTIO_AND_GATEWAY = [
  'managedRoutes: [{name: header}]',
  'istio: {virtualService: {name: web, routes: [primary]}}',
  'plugins:',
  '  argoproj-labs/gatewayAPI: {httpRoute: web}',
];

const to = (host: string, weight: number): Obj => ({ destination: { host }, weight });
const vs = (http: Obj[], namespace?: string): KubeObject => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'web', ...(namespace === undefined ? {} : { namespace }) },
  spec: { hosts: ['web'], http },
});
const split = (stable: number, canary: number): Obj => ({
  backendRefs: [
    { name: 'web-stable', port: 80, weight: stable },
    { name: 'web-canary', port: 80, weight: canary },
  ],
});
const httpRoute = (rules: Obj[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { rules },
});
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-stable' }, spec: {} };
const header: Obj = { name: 'header', route: [to('web-canary', 100)] };

/** A cluster holding `objects` by `apiVersion kind namespace/name`, recording each read. */
function cluster(objects: Record<string, KubeObject>) {
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

test('run applies the objects the routers write with their live routing, and reads only those', async () => {
  const c = cluster({
    'networking.istio.io/v1beta1 VirtualService shop/web': vs(
      [header, { name: 'primary', route: [to('web-stable', 70), to('web-canary', 30)] }],
      'shop',
    ),
    'gateway.networking.k8s.io/v1 HTTPRoute shop/web': httpRoute([split(60, 40)]),
  });
  const log = new MemoryLogger();
  const manifests = [
    service,
    vs([{ name: 'primary', route: [to('web-stable', 100), to('web-canary', 0)] }]),
    httpRoute([split(100, 0)]),
  ];
  const applied = await withLiveRouting(c, keeperOf(ISTIO_AND_GATEWAY), manifests, 'shop', log);
  assert.deepEqual(c.reads, [
    'networking.istio.io/v1beta1 VirtualService shop/web',
    'gateway.networking.k8s.io/v1 HTTPRoute shop/web',
  ]);
  assert.equal(applied[0], service);
  assert.deepEqual(
    applied[1],
    vs([header, { name: 'primary', route: [to('web-stable', 70), to('web-canary', 30)] }], 'shop'),
  );
  assert.deepEqual(applied[2], httpRoute([split(60, 40)]));
  assert.deepEqual(log.lines, [
    'VirtualService shop/web: applied with the routing the istio+plugins/argoproj-labs/gatewayAPI router set',
    'HTTPRoute shop/web: applied with the routing the istio+plugins/argoproj-labs/gatewayAPI router set',
  ]);
});

test('run applies an object that does not exist yet as in the manifests, and reads nothing without a router', async () => {
  const manifest = vs([{ name: 'primary', route: [to('web-stable', 100), to('web-canary', 0)] }]);
  const empty = cluster({});
  const log = new MemoryLogger();
  assert.deepEqual(await withLiveRouting(empty, keeperOf(ISTIO_AND_GATEWAY), [manifest], 'shop', log), [
    manifest,
  ]);
  assert.equal(empty.reads.length, 1);
  assert.equal(keeperOf([]), undefined);
  assert.deepEqual(await withLiveRouting(empty, undefined, [manifest], 'shop', log), [manifest]);
  assert.equal(empty.reads.length, 1);
  assert.deepEqual(log.lines, []);
});

test('run with an NGINX router reads no object: it never writes one the manifests hold', async () => {
  const c = cluster({});
  const ingress: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web' },
  };
  const keeper = keeperOf(['nginx: {stableIngress: web}']);
  assert.equal(keeper?.type, 'nginx');
  assert.deepEqual(await withLiveRouting(c, keeper, [ingress], 'shop', new MemoryLogger()), [ingress]);
  assert.deepEqual(c.reads, []);
});
