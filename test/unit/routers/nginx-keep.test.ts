import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { TrafficRouter } from '../../../src/controller/traffic-router.ts';
import { NginxRouter } from '../../../src/adapters/routers/nginx.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';

const ingress = (service: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', annotations },
  spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: service } } }] } }] },
});

test('nginx keepRouting: the stable Ingress is only read, so the manifest is applied as it is', () => {
  const router: TrafficRouter = new NginxRouter({
    objects: new FakeRouterObjects(),
    rollout: { name: 'web', namespace: 'shop' },
    config: { stableIngress: 'web' },
    stableService: 'web-stable',
    canaryService: 'web-canary',
    managedRoutes: [],
    maxTrafficWeight: 100,
  });
  const manifest = ingress('web-stable', { 'nginx.ingress.kubernetes.io/rewrite-target': '/' });
  const live = ingress('web-old');
  assert.equal(router.writesRouting(manifest), false);
  assert.equal(router.keepRouting(manifest, live), manifest);
});
