import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { toAnalysisTemplate } from '../../../src/manifests/analysis-template.ts';
import { InvalidModelError } from '../../../src/manifests/model-common.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import { toRollout, type CanaryStep } from '../../../src/manifests/rollout.ts';
import { baseRollout, baseTemplate, docFromObject, FIXTURES, lintObjects, patch } from './helpers.ts';

const C = 'spec.strategy.canary';

function fixtureDocs(file: string) {
  return parseManifestText(file, readFileSync(path.join(FIXTURES, file), 'utf8')).docs;
}

describe('toRollout(): Argo defaults', () => {
  const minimal = toRollout(docFromObject(baseRollout()));

  const rows: { rule: string; actual: unknown; expected: unknown }[] = [
    {
      rule: 'replicas defaults to 1',
      actual: toRollout(docFromObject(patch(baseRollout(), { 'spec.replicas': undefined }))).spec.replicas,
      expected: 1,
    },
    {
      rule: 'replicas 0 stays 0 (explicit zero is not "unset")',
      actual: toRollout(docFromObject(patch(baseRollout(), { 'spec.replicas': 0 }))).spec.replicas,
      expected: 0,
    },
    { rule: 'revisionHistoryLimit defaults to 10', actual: minimal.spec.revisionHistoryLimit, expected: 10 },
    {
      rule: 'progressDeadlineSeconds defaults to 600',
      actual: minimal.spec.progressDeadlineSeconds,
      expected: 600,
    },
    { rule: 'minReadySeconds defaults to 0', actual: minimal.spec.minReadySeconds, expected: 0 },
    {
      rule: 'paused and progressDeadlineAbort default to false',
      actual: [minimal.spec.paused, minimal.spec.progressDeadlineAbort],
      expected: [false, false],
    },
    {
      rule: 'analysis run history limits default to 5 and 5',
      actual: minimal.spec.analysis,
      expected: { successfulRunHistoryLimit: 5, unsuccessfulRunHistoryLimit: 5 },
    },
    { rule: 'maxSurge defaults to 25%', actual: minimal.spec.strategy.canary?.maxSurge, expected: '25%' },
    {
      rule: 'maxUnavailable defaults to 25%',
      actual: minimal.spec.strategy.canary?.maxUnavailable,
      expected: '25%',
    },
    {
      rule: 'maxTrafficWeight defaults to 100',
      actual: minimal.spec.strategy.canary?.maxTrafficWeight,
      expected: 100,
    },
    {
      rule: 'a basic canary has no scale-down delays (they only apply with traffic routing)',
      actual: [
        minimal.spec.strategy.canary?.scaleDownDelaySeconds,
        minimal.spec.strategy.canary?.abortScaleDownDelaySeconds,
      ],
      expected: [undefined, undefined],
    },
    {
      rule: 'with traffic routing scaleDownDelaySeconds defaults to 30 s; abortScaleDownDelaySeconds stays as written (the engine applies its default)',
      actual: (() => {
        const c = toRollout(
          docFromObject(
            patch(baseRollout(), {
              [`${C}.trafficRouting`]: { nginx: { stableIngress: 'x' }, maxTrafficWeight: 1000 },
            }),
          ),
        ).spec.strategy.canary;
        return [
          c?.scaleDownDelaySeconds,
          c?.abortScaleDownDelaySeconds,
          c?.maxTrafficWeight,
          c?.trafficRouting?.managedRoutes,
        ];
      })(),
      expected: [30, undefined, 1000, []],
    },
    {
      rule: 'abortScaleDownDelaySeconds 0 (never scale down) is kept',
      actual: toRollout(
        docFromObject(
          patch(baseRollout(), {
            [`${C}.trafficRouting`]: { nginx: { stableIngress: 'x' } },
            [`${C}.abortScaleDownDelaySeconds`]: 0,
          }),
        ),
      ).spec.strategy.canary?.abortScaleDownDelaySeconds,
      expected: 0,
    },
    {
      rule: 'blue-green defaults: autoPromotionEnabled, abort delay 30 s, maxUnavailable 25%; the scale-down delay as written',
      actual: (() => {
        const bg = toRollout(
          docFromObject(patch(baseRollout(), { 'spec.strategy': { blueGreen: { activeService: 'a' } } })),
        ).spec.strategy.blueGreen;
        return (
          bg && [
            bg.autoPromotionEnabled,
            bg.autoPromotionSeconds,
            bg.scaleDownDelaySeconds,
            bg.abortScaleDownDelaySeconds,
            bg.maxUnavailable,
          ]
        );
      })(),
      expected: [true, 0, undefined, 30, '25%'],
    },
    {
      rule: 'background analysis startingStep defaults to 0',
      actual: toRollout(
        docFromObject(patch(baseRollout(), { [`${C}.analysis.templates`]: [{ templateName: 't' }] })),
      ).spec.strategy.canary?.analysis?.startingStep,
      expected: 0,
    },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      assert.deepEqual(row.actual, row.expected);
    });
  }
});

describe('toRollout(): steps as a discriminated union', () => {
  test('every step kind, with pause durations in seconds', () => {
    const doc = docFromObject(
      patch(baseRollout(), {
        [`${C}.steps`]: [
          { setWeight: 10 },
          { pause: {} },
          { pause: { duration: 30 } },
          { pause: { duration: '45' } },
          { pause: { duration: '1h30m' } },
          { setCanaryScale: { replicas: 2 } },
          { setCanaryScale: { weight: 50 } },
          { setCanaryScale: { matchTrafficWeight: true } },
          {
            analysis: {
              templates: [{ templateName: 't' }],
              args: [{ name: 'svc' }, { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
            },
          },
          {
            experiment: {
              duration: '10m',
              templates: [{ name: 'c', specRef: 'canary', weight: 5 }],
              analyses: [{ name: 'a', templateName: 't' }],
            },
          },
          { setHeaderRoute: { name: 'h', match: [{ headerName: 'x-test', headerValue: { exact: 'yes' } }] } },
          { setMirrorRoute: { name: 'm', match: [{ method: { exact: 'GET' } }] } },
          { plugin: { name: 'acme/step', config: { a: 1 } } },
        ],
      }),
    );
    const steps = toRollout(doc).spec.strategy.canary?.steps;
    const expected: CanaryStep[] = [
      { kind: 'setWeight', setWeight: 10 },
      { kind: 'pause', pause: {} },
      { kind: 'pause', pause: { duration: 30 } },
      { kind: 'pause', pause: { duration: 45 } },
      { kind: 'pause', pause: { duration: 5400 } },
      { kind: 'setCanaryScale', setCanaryScale: { mode: 'replicas', replicas: 2 } },
      { kind: 'setCanaryScale', setCanaryScale: { mode: 'weight', weight: 50 } },
      { kind: 'setCanaryScale', setCanaryScale: { mode: 'matchTrafficWeight' } },
      {
        kind: 'analysis',
        analysis: {
          templates: [{ templateName: 't', clusterScope: false }],
          args: [
            { name: 'svc', value: '' },
            { name: 'hash', value: '', valueFrom: { podTemplateHashValue: 'Latest' } },
          ],
          dryRun: [],
          measurementRetention: [],
          analysisRunMetadata: { labels: {}, annotations: {} },
        },
      },
      {
        kind: 'experiment',
        experiment: {
          templates: [{ name: 'c', specRef: 'canary', metadata: { labels: {}, annotations: {} }, weight: 5 }],
          duration: 600,
          analyses: [
            { name: 'a', templateName: 't', clusterScope: false, args: [], requiredForCompletion: false },
          ],
          dryRun: [],
          analysisRunMetadata: { labels: {}, annotations: {} },
        },
      },
      {
        kind: 'setHeaderRoute',
        setHeaderRoute: { name: 'h', match: [{ headerName: 'x-test', headerValue: { exact: 'yes' } }] },
      },
      {
        kind: 'setMirrorRoute',
        setMirrorRoute: { name: 'm', match: [{ method: { exact: 'GET' }, headers: {} }], percentage: 100 },
      },
      { kind: 'plugin', plugin: { name: 'acme/step', config: { a: 1 } } },
    ];
    assert.deepEqual(steps, expected);
  });

  test('a rich fixture that lints clean converts with its values', () => {
    const docs = fixtureDocs('valid/basic-canary.yaml');
    const rolloutDoc = docs.find((d) => d.object.kind === 'Rollout');
    assert.ok(rolloutDoc);
    const r = toRollout(rolloutDoc);
    assert.equal(r.metadata.name, 'shop');
    assert.equal(r.metadata.namespace, 'shop');
    assert.equal(r.spec.replicas, 5);
    assert.equal(r.spec.revisionHistoryLimit, 3);
    assert.deepEqual(r.spec.selector?.matchExpressions[1], {
      key: 'legacy',
      operator: 'DoesNotExist',
      values: [],
    });
    assert.deepEqual(r.spec.template?.metadata.labels, { app: 'shop', tier: 'web' });
    assert.equal((r.spec.template?.spec.containers as { image: string }[])[0]?.image, 'shop/web:1.4.0');
    const canary = r.spec.strategy.canary;
    assert.ok(canary);
    assert.equal(canary.maxSurge, '20%');
    assert.equal(canary.maxUnavailable, 1);
    assert.deepEqual(canary.stableMetadata, { labels: { role: 'stable' }, annotations: { role: 'stable' } });
    assert.deepEqual(canary.replicaProgressThreshold, { type: 'Percent', value: 90 });
    assert.deepEqual(
      canary.steps.map((s) =>
        s.kind === 'pause'
          ? (s.pause.duration ?? 'until promoted')
          : s.kind === 'setWeight'
            ? s.setWeight
            : s.kind,
      ),
      [20, 'until promoted', 40, 30, 60, 45, 80, 5400, 100, 0],
    );
    assert.deepEqual(r.source, { file: 'valid/basic-canary.yaml', line: 13, column: 1 });
  });

  test('workloadRef Rollouts have no template or selector', () => {
    const [doc] = fixtureDocs('valid/workload-ref.yaml');
    assert.ok(doc);
    const r = toRollout(doc);
    assert.deepEqual(r.spec.workloadRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'api',
      scaleDown: 'progressively',
    });
    assert.equal(r.spec.template, undefined);
    assert.equal(r.spec.selector, undefined);
    assert.equal(r.spec.replicas, 0);
  });

  test('a document that is not a Rollout, or has no strategy, is refused', () => {
    assert.throws(() => toRollout(docFromObject(baseTemplate())), InvalidModelError);
    const noStrategy = patch(baseRollout(), { 'spec.strategy': undefined });
    assert.notDeepEqual(lintObjects(noStrategy), []);
    assert.throws(() => toRollout(docFromObject(noStrategy)), /spec.strategy is missing; validate first/);
  });
});

describe('toAnalysisTemplate()', () => {
  test('defaults for limits and providers', () => {
    const t = toAnalysisTemplate(docFromObject(baseTemplate()));
    assert.equal(t.kind, 'AnalysisTemplate');
    assert.deepEqual(t.spec.args, [{ name: 'service' }, { name: 'threshold', value: '5' }]);
    const [m] = t.spec.metrics;
    assert.ok(m);
    assert.deepEqual(
      [
        m.failureLimit,
        m.inconclusiveLimit,
        m.consecutiveErrorLimit,
        m.consecutiveSuccessLimit,
        m.count,
        m.interval,
      ],
      [0, 0, 4, 0, 3, '1m'],
    );
    assert.deepEqual(m.provider, {
      type: 'prometheus',
      prometheus: {
        address: 'http://prometheus:9090',
        query: 'errors{service="{{args.service}}"}',
        timeoutSeconds: 30,
        insecure: false,
        headers: [],
      },
    });
  });

  test('every provider of the fixture converts to its variant', () => {
    const docs = fixtureDocs('valid/analysis-templates.yaml');
    const providers = docs[0] && toAnalysisTemplate(docs[0]).spec.metrics.map((m) => m.provider.type);
    assert.deepEqual(providers, [
      'prometheus',
      'prometheus',
      'datadog',
      'newRelic',
      'web',
      'job',
      'kayenta',
      'wavefront',
      'cloudWatch',
      'graphite',
      'influxdb',
      'skywalking',
      'plugin',
    ]);
    const t = docs[0] && toAnalysisTemplate(docs[0]);
    const web = t?.spec.metrics.find((m) => m.provider.type === 'web')?.provider;
    assert.deepEqual(web?.type === 'web' && [web.web.method, web.web.timeoutSeconds, web.web.jsonBody], [
      'POST',
      20,
      { env: '{{args.env}}' },
    ]);
    const dd = t?.spec.metrics.find((m) => m.provider.type === 'datadog')?.provider;
    assert.deepEqual(
      dd?.type === 'datadog' && [dd.datadog.apiVersion, dd.datadog.interval, dd.datadog.formula],
      ['v2', '5m', 'a / b'],
    );
    const plugin = t?.spec.metrics.find((m) => m.provider.type === 'plugin')?.provider;
    assert.deepEqual(plugin, {
      type: 'plugin',
      plugin: {
        name: 'argoproj-labs/sample-prometheus',
        config: { address: 'http://prometheus:9090', query: 'up' },
      },
    });
    assert.deepEqual(
      t?.spec.args.find((a) => a.name === 'api-token'),
      {
        name: 'api-token',
        valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } },
      },
    );
    const cluster = docs[1] && toAnalysisTemplate(docs[1]);
    assert.equal(cluster?.kind, 'ClusterAnalysisTemplate');
    assert.deepEqual(cluster?.spec.templates, [{ templateName: 'providers', clusterScope: false }]);
  });

  test('other kinds are refused', () => {
    assert.throws(() => toAnalysisTemplate(docFromObject(baseRollout())), InvalidModelError);
  });
});
