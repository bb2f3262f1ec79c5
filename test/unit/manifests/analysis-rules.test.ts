import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseTemplate, lintObjects, patch, show } from './helpers.ts';

const M = 'spec.metrics[0]';

interface Row {
  rule: string;
  doc: unknown;
  expect: [string, string][];
}

const experiment = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp' },
  spec: {
    duration: '10m',
    templates: [
      {
        name: 'baseline',
        selector: { matchLabels: { app: 'demo', v: 'a' } },
        template: {
          metadata: { labels: { app: 'demo', v: 'a' } },
          spec: { containers: [{ name: 'demo', image: 'nginx' }] },
        },
      },
    ],
  },
};

const rows: Row[] = [
  { rule: 'the base template is valid', doc: baseTemplate(), expect: [] },
  {
    rule: 'a template needs metrics (or included templates)',
    doc: patch(baseTemplate(), { 'spec.metrics': [] }),
    expect: [['spec', 'needs at least one metric']],
  },
  {
    rule: 'metric names are unique',
    doc: patch(baseTemplate(), {
      'spec.metrics[1]': { name: 'errors', provider: { web: { url: 'http://x' } } },
    }),
    expect: [['spec.metrics[1].name', 'duplicate metric name "errors" (also spec.metrics[0])']],
  },
  {
    rule: 'arg names are unique',
    doc: patch(baseTemplate(), { 'spec.args[2]': { name: 'service', value: 'x' } }),
    expect: [['spec.args[2].name', 'duplicate arg "service" (also spec.args[0])']],
  },
  {
    rule: 'a metric has exactly one provider, listing them',
    doc: patch(baseTemplate(), { [`${M}.provider.web`]: { url: 'http://x' } }),
    expect: [
      [
        `${M}.provider`,
        'must set exactly one of prometheus, datadog, newRelic, web, job, kayenta, wavefront, cloudWatch, graphite, influxdb, skywalking, plugin, judge; found prometheus and web together',
      ],
    ],
  },
  {
    rule: 'a metric with no provider',
    doc: patch(baseTemplate(), { [`${M}.provider`]: {} }),
    expect: [[`${M}.provider`, 'found none']],
  },
  {
    rule: 'a metric plugin names exactly one plugin',
    doc: patch(baseTemplate(), { [`${M}.provider`]: { plugin: { 'a/one': {}, 'b/two': {} } } }),
    expect: [[`${M}.provider.plugin`, 'must name exactly one metric plugin; found a/one, b/two']],
  },
  {
    rule: 'count must cover failureLimit and inconclusiveLimit',
    doc: patch(baseTemplate(), { [`${M}.failureLimit`]: 4, [`${M}.inconclusiveLimit`]: 5 }),
    expect: [
      [`${M}.count`, 'count (3) must be at least failureLimit (4)'],
      [`${M}.count`, 'count (3) must be at least inconclusiveLimit (5)'],
    ],
  },
  {
    rule: 'count above 1 needs an interval',
    doc: patch(baseTemplate(), { [`${M}.interval`]: undefined }),
    expect: [[`${M}.count`, 'count 3 needs an interval between the measurements']],
  },
  {
    rule: 'intervals are Go durations',
    doc: patch(baseTemplate(), { [`${M}.interval`]: '1 minute', [`${M}.initialDelay`]: '30' }),
    expect: [
      [`${M}.interval`, 'must be a duration such as "30s", "5m" or "1h", not "1 minute"'],
      [`${M}.initialDelay`, 'must be a duration such as "30s", "5m" or "1h", not "30"'],
    ],
  },
  {
    rule: 'placeholders are allowed where values are resolved later',
    doc: patch(baseTemplate(), {
      [`${M}.interval`]: '{{args.interval}}',
      [`${M}.count`]: '{{args.count}}',
      'spec.args[2]': { name: 'interval', value: '1m' },
      'spec.args[3]': { name: 'count', value: '3' },
    }),
    expect: [],
  },
  {
    rule: 'limits given as strings must be integers or placeholders',
    doc: patch(baseTemplate(), { [`${M}.failureLimit`]: 'three' }),
    expect: [[`${M}.failureLimit`, 'must be an integer or a {{args.name}} placeholder, not "three"']],
  },
  {
    rule: 'failureLimit -1 needs consecutiveSuccessLimit',
    doc: patch(baseTemplate(), { [`${M}.failureLimit`]: -1 }),
    expect: [
      [
        `${M}.failureLimit`,
        'failureLimit -1 (never fail on failed measurements) needs consecutiveSuccessLimit of 1 or more',
      ],
    ],
  },
  {
    rule: 'failureLimit -1 with consecutiveSuccessLimit is valid',
    doc: patch(baseTemplate(), { [`${M}.failureLimit`]: -1, [`${M}.consecutiveSuccessLimit`]: 2 }),
    expect: [],
  },
  {
    rule: 'negative limits are rejected',
    doc: patch(baseTemplate(), { [`${M}.failureLimit`]: -2, [`${M}.consecutiveErrorLimit`]: -1 }),
    expect: [
      [`${M}.failureLimit`, 'failureLimit must be -1 or more, not -2'],
      [`${M}.consecutiveErrorLimit`, 'consecutiveErrorLimit must be 0 or more, not -1'],
    ],
  },
  {
    rule: 'template args: value and valueFrom are exclusive; valueFrom takes one source',
    doc: patch(baseTemplate(), {
      'spec.args[0]': { name: 'service', value: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      'spec.args[1]': { name: 'threshold', valueFrom: {} },
    }),
    expect: [
      ['spec.args[0]', 'may set only one of value, valueFrom'],
      ['spec.args[1].valueFrom', 'must set exactly one of secretKeyRef, fieldRef; found none'],
    ],
  },
  {
    rule: 'an arg value must be a string',
    doc: patch(baseTemplate(), { 'spec.args[1].value': 5 }),
    expect: [['spec.args[1].value', 'must be a string, not the number 5 (quote it: "5")']],
  },
  {
    rule: 'dryRun and measurementRetention rules must match a metric',
    doc: patch(baseTemplate(), {
      'spec.dryRun': [{ metricName: 'latency' }, { metricName: '*' }],
      'spec.measurementRetention': [{ metricName: 'err.*', limit: 5 }],
    }),
    expect: [['spec.dryRun[0].metricName', '"latency" matches no metric of this template (metrics: errors)']],
  },
  {
    rule: 'provider fields are checked: web method enum, required url',
    doc: patch(baseTemplate(), { [`${M}.provider`]: { web: { method: 'DELETE' } } }),
    expect: [
      [`${M}.provider.web`, 'missing required field "url"'],
      [`${M}.provider.web.method`, 'must be one of GET, POST, PUT, not the string "DELETE"'],
    ],
  },
  {
    rule: 'job provider: the pod template needs containers with images',
    doc: patch(baseTemplate(), {
      [`${M}.provider`]: {
        job: { spec: { template: { spec: { containers: [{ name: 'x' }], restartPolicy: 'Never' } } } },
      },
    }),
    expect: [[`${M}.provider.job.spec.template.spec.containers[0]`, 'missing required field "image"']],
  },
  {
    rule: 'datadog: typo in a provider field is suggested',
    doc: patch(baseTemplate(), { [`${M}.provider`]: { datadog: { qurey: 'avg:x' } } }),
    expect: [[`${M}.provider.datadog.qurey`, 'unknown field "qurey" (did you mean query?)']],
  },
  // Experiments (validated, not run)
  { rule: 'a valid Experiment passes its schema (only the gate is reported)', doc: experiment, expect: [] },
  {
    rule: 'experiment template selectors must match their pod labels',
    doc: patch(experiment, { 'spec.templates[0].template.metadata.labels.v': 'b' }),
    expect: [['spec.templates[0].selector', 'needs v=a; the template has app=demo, v=b']],
  },
  {
    rule: 'experiment template names are unique; duration is a Go duration',
    doc: patch(experiment, { 'spec.templates[1]': experiment.spec.templates[0], 'spec.duration': '10' }),
    expect: [
      ['spec.duration', 'must be a duration such as "30s", "5m" or "1h", not "10"'],
      ['spec.templates[1].name', 'duplicate template name "baseline" (also spec.templates[0])'],
    ],
  },
];

describe('AnalysisTemplate and Experiment rules', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const ds = lintObjects(row.doc).filter((d) => !d.message.includes('not supported yet'));
      const got = ds
        .map((d): [string, string] => [d.path, d.message])
        .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
      const want = [...row.expect].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
      assert.equal(got.length, want.length, show(ds));
      want.forEach(([path, fragment], i) => {
        assert.equal(got[i]?.[0], path, show(ds));
        assert.ok(got[i]?.[1].includes(fragment), `"${got[i]?.[1] ?? ''}" should include "${fragment}"`);
      });
    });
  }

  test('ClusterAnalysisTemplates follow the same rules', () => {
    const ds = lintObjects({
      ...patch(baseTemplate(), { 'spec.metrics[0].count': -1 }),
      kind: 'ClusterAnalysisTemplate',
    });
    assert.deepEqual(
      ds.map((d) => [d.path, d.message]),
      [['spec.metrics[0].count', 'count must be 0 or more, not -1']],
    );
  });
});
