/**
 * The first-deploy run (`buildFirstDeployRun` in src/analysis/templates.ts): the background analysis
 * and every analysis step merged into one run as Argo merges templates, and metrics that run until
 * stopped bounded to the fewest measurements in which their limits can decide.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSpec } from '../../../src/analysis/engine/index.ts';
import {
  AnalysisSetupError,
  boundIndefinite,
  buildFirstDeployRun,
  type StoredTemplate,
} from '../../../src/analysis/templates.ts';

const metric = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  successCondition: 'result < 0.1',
  provider: { web: { url: 'http://m/{{args.service}}' } },
  ...extra,
});

const templates: StoredTemplate[] = [
  {
    kind: 'AnalysisTemplate',
    name: 'errors',
    spec: {
      args: [{ name: 'service' }],
      metrics: [metric('error-rate', { interval: '1m', failureLimit: 3 })],
    },
  },
  {
    kind: 'AnalysisTemplate',
    name: 'smoke',
    spec: { args: [{ name: 'service' }], metrics: [metric('smoke', { count: 2, interval: '10s' })] },
  },
  {
    kind: 'AnalysisTemplate',
    name: 'latency',
    spec: {
      args: [{ name: 'hash' }],
      metrics: [metric('p99', { provider: { web: { url: 'http://m/{{args.hash}}' } } })],
    },
  },
];

const ctx = { rollout: {}, stableHash: 'h1', latestHash: 'h1' };

test('first-deploy run: background (startingStep ignored) and every analysis step, merged into one run', () => {
  const canary = {
    analysis: {
      templates: [{ templateName: 'errors' }],
      startingStep: 3,
      args: [{ name: 'service', value: 'web' }],
    },
    steps: [
      { setWeight: 20 },
      { analysis: { templates: [{ templateName: 'smoke' }], args: [{ name: 'service', value: 'web' }] } },
      { pause: {} },
      {
        analysis: {
          templates: [{ templateName: 'latency' }, { templateName: 'errors' }],
          args: [
            { name: 'hash', valueFrom: { podTemplateHashValue: 'Stable' } },
            { name: 'service', value: 'web' },
          ],
          dryRun: [{ metricName: 'p99' }],
        },
      },
    ],
  };
  const built = buildFirstDeployRun(canary, templates, ctx);
  assert.deepEqual(
    built.spec.metrics.map((m) => [m.name, m.count]),
    [
      ['error-rate', 4],
      ['smoke', 2],
      ['p99', undefined],
    ],
  );
  // On a first deploy Stable and Latest are the same revision.
  assert.deepEqual(built.args, { service: 'web', hash: 'h1' });
  assert.deepEqual(built.spec.dryRun, ['p99']);
  assert.match(built.note, /^First-deploy analysis \(rollout-pilot\.dev\/first-deploy-analysis\)/);
  assert.match(built.note, /error-rate 4×\.$/);
});

test('first-deploy run: blocks that give one arg two values, or no analysis at all, cannot be built', () => {
  const conflict = {
    analysis: { templates: [{ templateName: 'errors' }], args: [{ name: 'service', value: 'web' }] },
    steps: [
      { analysis: { templates: [{ templateName: 'smoke' }], args: [{ name: 'service', value: 'api' }] } },
    ],
  };
  assert.throws(() => buildFirstDeployRun(conflict, templates, ctx), {
    name: 'AnalysisSetupError',
    message: /arg "service" is given differently in spec\.strategy\.canary\.steps\[0\]\.analysis/,
  });
  assert.throws(
    () => buildFirstDeployRun({ steps: [{ setWeight: 50 }] }, templates, ctx),
    AnalysisSetupError,
  );
});

test('first-deploy run: an indefinite metric gets the fewest measurements in which each limit can decide', () => {
  const base: MetricSpec = { name: 'm', intervalSeconds: 60, provider: { web: {} } };
  const table: [string, Partial<MetricSpec>, number | undefined][] = [
    ['defaults: one failure fails it', {}, 1],
    ['failureLimit 3: four', { failureLimit: 3 }, 4],
    ['count 0 is no count', { count: 0, failureLimit: 1 }, 2],
    ['inconclusiveLimit 2: three', { inconclusiveLimit: 2 }, 3],
    [
      'consecutiveSuccessLimit 5 with failureLimit -1: five',
      { failureLimit: -1, consecutiveSuccessLimit: 5 },
      5,
    ],
    [
      'failureLimit 2 and consecutiveSuccessLimit 2: three',
      { failureLimit: 2, consecutiveSuccessLimit: 2 },
      3,
    ],
    ['a count is kept', { count: 7, failureLimit: 9 }, 7],
    ['no interval: measured once, as Argo does, not bounded', { intervalSeconds: undefined }, undefined],
  ];
  for (const [name, over, want] of table) {
    const m: MetricSpec = { ...base, ...over };
    if (over.intervalSeconds === undefined && 'intervalSeconds' in over) delete m.intervalSeconds;
    const { spec, bounded } = boundIndefinite({ metrics: [m] });
    assert.equal(spec.metrics[0]?.count, want ?? m.count, name);
    const wasIndefinite = (m.count ?? 0) === 0 && m.intervalSeconds !== undefined;
    assert.equal(bounded.length, wasIndefinite ? 1 : 0, name);
  }
});
