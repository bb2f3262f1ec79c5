import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { ObjectRef, RouterContext, TrafficRouter } from '../../../src/controller/traffic-router.ts';
import { NginxRouter } from '../../../src/adapters/routers/nginx.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

function rule(host: string, service: string, path = '/'): Obj {
  return {
    host,
    http: {
      paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }],
    },
  };
}

function ingress(name: string, rules: Obj[], annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', annotations },
    spec: { ingressClassName: 'nginx', rules },
  };
}

const ref = (name: string): ObjectRef => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  namespace: 'shop',
  name,
});

function router(
  objects: FakeRouterObjects,
  config: unknown = { stableIngress: 'web' },
  over: Partial<RouterContext> = {},
): NginxRouter {
  return new NginxRouter({
    objects,
    rollout: { name: 'web', namespace: 'shop' },
    config,
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: [],
    maxTrafficWeight: 100,
    ...over,
  });
}

const annotations = (o: KubeObject | undefined): Record<string, string> | undefined =>
  o?.metadata.annotations as Record<string, string> | undefined;

test('setWeight creates the canary Ingress, then patches only its weight', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  const nginx = router(objects);
  assert.equal(await nginx.observeWeights(), undefined, 'no canary Ingress yet');
  await nginx.setWeight(10);
  assert.deepEqual(objects.writes, ['create Ingress/web-web-canary']);
  const canary = objects.read(ref('web-web-canary'));
  assert.deepEqual(canary?.spec, { ingressClassName: 'nginx', rules: [rule('shop.example', 'web-canary')] });
  assert.equal(annotations(canary)?.['nginx.ingress.kubernetes.io/canary'], 'true');
  assert.deepEqual(await nginx.observeWeights(), { canary: 10, additional: [] });

  await nginx.setWeight(30);
  assert.deepEqual(objects.writes.slice(1), [
    'patch Ingress/web-web-canary [{"op":"replace","path":"/metadata/annotations/nginx.ingress.kubernetes.io~1canary-weight","value":"30"}]',
  ]);
  await nginx.setWeight(30);
  assert.equal(objects.writes.length, 2, 'the same weight again writes nothing');
  assert.deepEqual(await nginx.observeWeights(), { canary: 30, additional: [] });
  assert.deepEqual(objects.read(ref('web'))?.spec, ingress('web', [rule('shop.example', 'web-stable')]).spec);
});

test('a canary Ingress the rollout does not own is refused and left as it is', async () => {
  const foreign = ingress('web-web-canary', [rule('shop.example', 'web-canary')], {
    'nginx.ingress.kubernetes.io/canary-weight': '5',
  });
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')]), foreign]);
  await assert.rejects(
    router(objects).setWeight(20),
    /^Error: Ingress shop\/web-web-canary exists and is not owned by rollout web: it will not be used as its canary Ingress$/,
  );
  assert.deepEqual(objects.writes, []);
});

test('an annotation someone added to the canary Ingress is kept', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  const nginx = router(objects);
  await nginx.setWeight(10);
  await objects.modify(ref('web-web-canary'), () => [
    { op: 'add', path: '/metadata/annotations/example.com~1owner', value: 'team-shop' },
  ]);
  await nginx.setWeight(50);
  const after = annotations(objects.read(ref('web-web-canary')));
  assert.equal(after?.['example.com/owner'], 'team-shop');
  assert.equal(after?.['nginx.ingress.kubernetes.io/canary-weight'], '50');
});

test('a change by someone else between read and write is read again, not overwritten', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  const nginx = router(objects);
  await nginx.setWeight(10);
  objects.interfere = (o) => {
    o.metadata.annotations = { ...annotations(o), 'example.com/touched': 'yes' };
    return o;
  };
  await nginx.setWeight(60);
  assert.equal(objects.interfere, undefined, 'the interference happened');
  const after = annotations(objects.read(ref('web-web-canary')));
  assert.equal(after?.['example.com/touched'], 'yes');
  assert.equal(after?.['nginx.ingress.kubernetes.io/canary-weight'], '60');
  assert.equal(objects.writes.length, 2);
});

test('the canary rules follow the stable Ingress on the next setWeight', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  const nginx = router(objects);
  await nginx.setWeight(10);
  objects.put(ingress('web', [rule('shop.example', 'web-stable', '/v2'), rule('other', 'other')]));
  await nginx.setWeight(10);
  assert.deepEqual(objects.writes.slice(1), [
    'patch Ingress/web-web-canary [{"op":"replace","path":"/spec/rules/0/http/paths/0/path","value":"/v2"}]',
  ]);
});

test('each of stableIngresses gets its own canary Ingress', async () => {
  const objects = new FakeRouterObjects([
    ingress('web', [rule('shop.example', 'web-stable')]),
    ingress('web-internal', [rule('shop.internal', 'web-stable')]),
  ]);
  const nginx = router(objects, { stableIngresses: ['web', 'web-internal'] });
  await nginx.setWeight(20);
  assert.deepEqual(objects.writes, [
    'create Ingress/web-web-canary',
    'create Ingress/web-web-internal-canary',
  ]);
  assert.deepEqual(objects.read(ref('web-web-internal-canary'))?.spec, {
    ingressClassName: 'nginx',
    rules: [rule('shop.internal', 'web-canary')],
  });
  assert.deepEqual(await nginx.observeWeights(), { canary: 20, additional: [] });
});

test('a missing stable Ingress, or one without the stable Service, is a clear error', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'other')])]);
  await assert.rejects(
    router(objects, { stableIngress: 'gone' }).setWeight(10),
    /^Error: Ingress shop\/gone \(trafficRouting\.nginx of rollout web\) not found$/,
  );
  await assert.rejects(
    router(objects).setWeight(10),
    /^Error: Ingress shop\/web has no rule with a backend on Service web-stable$/,
  );
  assert.deepEqual(objects.writes, []);
});

test('canary-weight-total is written only when the rollout writes maxTrafficWeight', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  await router(objects, undefined, { maxTrafficWeight: 1000, maxTrafficWeightSet: true }).setWeight(250);
  const set = annotations(objects.read(ref('web-web-canary')));
  assert.equal(set?.['nginx.ingress.kubernetes.io/canary-weight'], '250');
  assert.equal(set?.['nginx.ingress.kubernetes.io/canary-weight-total'], '1000');

  const unset = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  await router(unset).setWeight(25);
  assert.equal(
    annotations(unset.read(ref('web-web-canary')))?.['nginx.ingress.kubernetes.io/canary-weight-total'],
    undefined,
  );
});

/** A store that hides the canary Ingress from the first read, as if another run created it meanwhile. */
class RacingObjects extends FakeRouterObjects {
  private hidden = true;
  override get(r: ObjectRef): Promise<KubeObject | undefined> {
    if (this.hidden && r.name.endsWith('-canary')) {
      this.hidden = false;
      return Promise.resolve(undefined);
    }
    return super.get(r);
  }
}

test('a canary Ingress created meanwhile is updated, not created twice', async () => {
  const objects = new RacingObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  await objects.create(
    ingress('web-web-canary', [rule('shop.example', 'web-canary')], {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '10',
    }),
  );
  await router(objects).setWeight(40);
  assert.equal(objects.writes.length, 2);
  assert.match(objects.writes[1] ?? '', /^patch Ingress\/web-web-canary .*"value":"40"/);
});

test('header and mirror routes, hashes and verification do nothing, as in Argo', async () => {
  const objects = new FakeRouterObjects([ingress('web', [rule('shop.example', 'web-stable')])]);
  const nginx: TrafficRouter = router(objects);
  await nginx.updateHash('v2', 'v1');
  await nginx.setHeaderRoute({ name: 'h', match: [] });
  await nginx.removeHeaderRoute('h');
  await nginx.setMirrorRoute({ name: 'm', match: [], percentage: 50 });
  await nginx.removeMirrorRoute('m');
  await nginx.removeManagedRoutes();
  assert.equal(await nginx.verifyWeight(10), undefined);
  assert.deepEqual(objects.writes, []);
  assert.equal(nginx.type, 'nginx');
});

test('the router needs its Services and a stable Ingress', () => {
  assert.throws(
    () => router(new FakeRouterObjects(), undefined, { canaryService: undefined }),
    /rollout web: trafficRouting\.nginx needs stableService and canaryService/,
  );
  assert.throws(() => router(new FakeRouterObjects(), {}), /needs stableIngress or stableIngresses/);
});

test('a canary Ingress without a readable weight is reported as unknown', async () => {
  for (const weight of [undefined, '', 'ten']) {
    const canary = ingress(
      'web-web-canary',
      [rule('shop.example', 'web-canary')],
      weight === undefined ? {} : { 'nginx.ingress.kubernetes.io/canary-weight': weight },
    );
    assert.equal(await router(new FakeRouterObjects([canary])).observeWeights(), undefined);
  }
});
