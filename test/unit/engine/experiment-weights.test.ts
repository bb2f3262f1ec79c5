import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IstioRouter } from '../../../src/adapters/routers/istio.ts';
import { callRouter } from '../../../src/adapters/k8s/route-traffic.ts';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { Action, RouterCall } from '../../../src/engine/actions.ts';
import { currentExperimentStep, weightDestinations } from '../../../src/engine/experiment-weights.ts';
import type { ExperimentStatus } from '../../../src/engine/experiment-types.ts';
import { reconcileTrafficRouting, type RoutedTick } from '../../../src/engine/routed.ts';
import type { CanaryEngineRollout, EngineStep } from '../../../src/engine/spec.ts';
import {
  initialStatus,
  type ObservedReplicaSet,
  type RolloutStatus,
  type WeightDestination,
} from '../../../src/engine/state.ts';
import type { ExperimentStep } from '../../../src/manifests/rollout-model.ts';
import { runningTemplateStatus } from '../../support/experiment-fixtures.ts';
import { FakeRouterObjects } from '../../support/fake-router-objects.ts';
import { canaryRollout } from './sim.ts';

const experimentStep = (weights: Record<string, number | undefined>): ExperimentStep => ({
  templates: Object.entries(weights).map(([name, weight]) => ({
    name,
    specRef: name === 'baseline' ? 'stable' : 'canary',
    metadata: { labels: {}, annotations: {} },
    ...(weight === undefined ? {} : { weight }),
  })),
  analyses: [],
  dryRun: [],
  analysisRunMetadata: { labels: {}, annotations: {} },
});

const running = (phase: ExperimentStatus['phase'] = 'Running'): ExperimentStatus => ({
  phase,
  templateStatuses: [runningTemplateStatus('baseline', 'b1'), runningTemplateStatus('canary', 'c1')],
  analysisRuns: [],
});

describe('weightDestinations(): calculateWeightDestinationsFromExperiment', () => {
  test('only while the experiment is Running, each weighted template with its Service and hash', () => {
    const step = experimentStep({ baseline: 5, canary: 10 });
    assert.deepEqual(weightDestinations(step, running()), [
      { serviceName: 'exp-baseline', podTemplateHash: 'b1', weight: 5 },
      { serviceName: 'exp-canary', podTemplateHash: 'c1', weight: 10 },
    ]);
    for (const phase of ['Pending', 'Successful', 'Failed', 'Error', 'Inconclusive'] as const)
      assert.deepEqual(weightDestinations(step, running(phase)), [], phase);
    assert.deepEqual(weightDestinations(step, undefined), []);
    assert.deepEqual(weightDestinations(undefined, running()), []);
  });

  test('a template without a weight gets no destination; one without a status is skipped', () => {
    const step = experimentStep({ baseline: undefined, canary: 20 });
    assert.deepEqual(
      weightDestinations(step, { ...running(), templateStatuses: [runningTemplateStatus('canary', 'c')] }),
      [{ serviceName: 'exp-canary', podTemplateHash: 'c', weight: 20 }],
    );
    assert.deepEqual(
      weightDestinations(experimentStep({ baseline: 5 }), { ...running(), templateStatuses: [] }),
      [],
    );
  });

  test('currentExperimentStep: the experiment step at or before the index; none past the steps', () => {
    const exp = experimentStep({ canary: 10 });
    const steps: EngineStep[] = [{ setWeight: 10 }, { experiment: exp }, { pause: {} }];
    assert.equal(currentExperimentStep(steps, 0), undefined);
    assert.equal(currentExperimentStep(steps, 1), exp);
    assert.equal(currentExperimentStep(steps, 2), exp, 'still the last experiment step');
    assert.equal(currentExperimentStep(steps, 3), undefined);
    assert.equal(currentExperimentStep([], undefined), undefined);
  });
});

/** sim.ts's canary with an Istio router and 4 replicas. */
function rollout(steps: EngineStep[]): CanaryEngineRollout {
  const base = canaryRollout(steps);
  return {
    ...base,
    replicas: 4,
    canary: {
      ...base.canary,
      trafficRouting: {
        config: { istio: { virtualService: { name: 'web' } }, managedRoutes: [] },
        maxTrafficWeight: 100,
        dynamicStableScale: false,
        scaleDownDelaySeconds: 30,
      },
    },
  };
}

const rs = (name: string, hash: string, available: number): ObservedReplicaSet => ({
  name,
  hash,
  revision: 1,
  specReplicas: available,
  replicas: available,
  readyReplicas: available,
  availableReplicas: available,
  createdAt: '2026-01-01T00:00:00Z',
  podIssues: [],
});

const destinations: WeightDestination[] = [
  { serviceName: 'exp-baseline', podTemplateHash: 'b1', weight: 5 },
  { serviceName: 'exp-canary', podTemplateHash: 'c1', weight: 10 },
];

function routedTick(status: Partial<RolloutStatus>, additional?: WeightDestination[]): RoutedTick {
  const r = rollout([{ setWeight: 20 }, { experiment: experimentStep({ baseline: 5, canary: 10 }) }]);
  const prev: RolloutStatus = { ...initialStatus(), currentStepIndex: 1, stableRS: 's1', ...status };
  return {
    rollout: r,
    routing: r.canary.trafficRouting ?? assert.fail('routing'),
    prev,
    s: structuredClone(prev),
    newRS: rs('web-n1', 'n1', 1),
    stableRS: rs('web-s1', 's1', 4),
    actions: [],
    log: [],
    additional,
  };
}

const calls = (actions: readonly Action[]): RouterCall[] =>
  actions.flatMap((a) => (a.kind === 'routeTraffic' ? [a.call] : []));

describe('reconcileTrafficRouting with experiment destinations', () => {
  test('the stable gets max − canary − Σ additional; updateHash and setWeight carry them; status too', () => {
    const tick = routedTick({}, destinations);
    reconcileTrafficRouting(tick, 20);
    assert.deepEqual(tick.s.trafficWeights, {
      canary: { weight: 20, podTemplateHash: 'n1' },
      stable: { weight: 65, podTemplateHash: 's1' },
      additional: destinations,
    });
    assert.deepEqual(calls(tick.actions), [
      { call: 'updateHash', canaryHash: 'n1', stableHash: 's1', additional: destinations },
      { call: 'setWeight', weight: 20, additional: destinations },
    ]);
  });

  test('the experiment ending (no destinations any more) calls the router again and gives the stable its share back', () => {
    const before = routedTick({}, destinations);
    reconcileTrafficRouting(before, 20);
    const tick = routedTick({ trafficWeights: before.s.trafficWeights }, []);
    reconcileTrafficRouting(tick, 20);
    assert.deepEqual(tick.s.trafficWeights, {
      canary: { weight: 20, podTemplateHash: 'n1' },
      stable: { weight: 80, podTemplateHash: 's1' },
    });
    assert.deepEqual(calls(tick.actions), [
      { call: 'updateHash', canaryHash: 'n1', stableHash: 's1' },
      { call: 'setWeight', weight: 20 },
    ]);
    // Same weights again: no router call.
    const again = routedTick({ trafficWeights: tick.s.trafficWeights }, []);
    reconcileTrafficRouting(again, 20);
    assert.deepEqual(calls(again.actions), []);
  });

  test('none when aborted, promoted in full, or past the last step (as Argo)', () => {
    for (const status of [{ abort: true }, { promoteFull: true }, { currentStepIndex: 2 }]) {
      const tick = routedTick(status, destinations);
      reconcileTrafficRouting(tick, 0);
      assert.equal(tick.s.trafficWeights?.additional, undefined, JSON.stringify(status));
      assert.equal(tick.s.trafficWeights?.stable.weight, 100);
    }
  });
});

describe('RouterCall → Istio: the experiment Services get their weights', () => {
  test('setWeight with additional writes a destination per experiment Service; the stable the rest', async () => {
    const vs: KubeObject = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace: 'shop' },
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
        ],
      },
    };
    const objects = new FakeRouterObjects([vs]);
    const router = new IstioRouter({
      objects,
      rollout: { name: 'web', namespace: 'shop' },
      config: { virtualService: { name: 'web', routes: ['primary'] } },
      stableService: 'web-stable',
      canaryService: 'web-canary',
      managedRoutes: [],
      maxTrafficWeight: 100,
    });
    await callRouter(router, { call: 'setWeight', weight: 20, additional: destinations });
    const route = (
      objects.read({ ...vs, namespace: 'shop', name: 'web' })?.spec as {
        http: { route: { destination: { host: string }; weight: number }[] }[];
      }
    ).http[0]?.route;
    assert.deepEqual(
      route?.map((d) => [d.destination.host, d.weight]),
      [
        ['web-stable', 65],
        ['web-canary', 20],
        ['exp-baseline', 5],
        ['exp-canary', 10],
      ],
    );
    assert.deepEqual(await router.observeWeights(), {
      canary: 20,
      additional: destinations.map((d) => ({ ...d, podTemplateHash: '' })),
    });
  });
});
