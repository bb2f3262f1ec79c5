import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseRollout, baseTemplate, lintObjects, patch, show } from './helpers.ts';

const C = 'spec.strategy.canary';
const BG = 'spec.strategy.blueGreen';

/** A Rollout whose background analysis uses `analysis`. */
const withBackground = (analysis: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  patch(baseRollout(), { [`${C}.analysis`]: analysis, ...extra });

/** A Rollout whose second step is an analysis step using `analysis`. */
const withStep = (analysis: unknown): Record<string, unknown> =>
  patch(baseRollout(), { [`${C}.steps[1]`]: { analysis } });

const experiment = (analyses: unknown): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp' },
  spec: {
    templates: [
      {
        name: 'baseline',
        selector: { matchLabels: { app: 'demo' } },
        template: {
          metadata: { labels: { app: 'demo' } },
          spec: { containers: [{ name: 'demo', image: 'nginx' }] },
        },
      },
    ],
    analyses,
  },
});

const supplied = [{ name: 'service', value: 'demo' }];

interface Row {
  rule: string;
  docs: unknown[];
  /** Diagnostics apart from feature gates: [path, message fragment]. */
  expect: [string, string][];
}

const rows: Row[] = [
  {
    rule: 'a referenced template that exists, with its required arg supplied, is fine',
    docs: [baseTemplate(), withBackground({ templates: [{ templateName: 'error-rate' }], args: supplied })],
    expect: [],
  },
  {
    rule: 'a referenced AnalysisTemplate must be among the manifests (with a suggestion)',
    docs: [baseTemplate(), withBackground({ templates: [{ templateName: 'eror-rate' }], args: supplied })],
    expect: [
      [
        `${C}.analysis.templates[0].templateName`,
        'AnalysisTemplate "eror-rate" is not among the manifests (did you mean "error-rate"?)',
      ],
    ],
  },
  {
    rule: 'clusterScope looks for a ClusterAnalysisTemplate, and says when only the other kind exists',
    docs: [
      baseTemplate(),
      withBackground({ templates: [{ templateName: 'error-rate', clusterScope: true }], args: supplied }),
    ],
    expect: [
      [
        `${C}.analysis.templates[0].templateName`,
        'ClusterAnalysisTemplate "error-rate" is not among the manifests; an AnalysisTemplate "error-rate" exists: remove clusterScope: true',
      ],
    ],
  },
  {
    rule: 'a ClusterAnalysisTemplate is found with clusterScope: true',
    docs: [
      { ...baseTemplate(), kind: 'ClusterAnalysisTemplate' },
      withBackground({ templates: [{ templateName: 'error-rate', clusterScope: true }], args: supplied }),
    ],
    expect: [],
  },
  {
    rule: 'a template arg without value or valueFrom must be supplied: names the arg and the template',
    docs: [baseTemplate(), withBackground({ templates: [{ templateName: 'error-rate' }] })],
    expect: [
      [
        `${C}.analysis.templates[0].templateName`,
        'AnalysisTemplate "error-rate" needs arg "service", which has no value or valueFrom in the template: supply it in spec.strategy.canary.analysis.args',
      ],
    ],
  },
  {
    rule: 'a Rollout arg given by name only counts as supplied (Argo reads it as "")',
    docs: [
      baseTemplate(),
      withBackground({ templates: [{ templateName: 'error-rate' }], args: [{ name: 'service' }] }),
    ],
    expect: [],
  },
  {
    rule: 'an Experiment arg needs a value or valueFrom to count as supplied',
    docs: [
      baseTemplate(),
      experiment([{ name: 'a', templateName: 'error-rate', args: [{ name: 'service' }] }]),
    ],
    expect: [['spec.analyses[0].templateName', 'needs arg "service"']],
  },
  {
    rule: 'an arg supplied but declared by no template is ignored, as Argo ignores it',
    docs: [
      baseTemplate(),
      withBackground({
        templates: [{ templateName: 'error-rate' }],
        args: [...supplied, { name: 'unused', value: 'x' }],
      }),
    ],
    expect: [],
  },
  {
    rule: 'templates combined in one analysis cannot define the same metric',
    docs: [
      baseTemplate('a'),
      baseTemplate('b'),
      withBackground({ templates: [{ templateName: 'a' }, { templateName: 'b' }], args: supplied }),
    ],
    expect: [
      [
        `${C}.analysis.templates[1].templateName`,
        'AnalysisTemplate "a" and AnalysisTemplate "b" both define a metric "errors"',
      ],
    ],
  },
  {
    rule: 'templates combined in one analysis cannot give one arg two values',
    docs: [
      baseTemplate('a'),
      patch(baseTemplate('b'), { 'spec.metrics[0].name': 'other', 'spec.args[1].value': '7' }),
      withBackground({ templates: [{ templateName: 'a' }, { templateName: 'b' }], args: supplied }),
    ],
    expect: [
      [
        `${C}.analysis.templates[1].templateName`,
        'arg "threshold" has different values in AnalysisTemplate "a" ("5") and AnalysisTemplate "b" ("7")',
      ],
    ],
  },
  {
    rule: 'an analysis step cannot use a metric that runs until stopped (interval, no count)',
    docs: [
      patch(baseTemplate(), { 'spec.metrics[0].count': undefined }),
      withStep({ templates: [{ templateName: 'error-rate' }], args: supplied }),
    ],
    expect: [
      [
        `${C}.steps[1].analysis.templates[0].templateName`,
        'metric "errors" of AnalysisTemplate "error-rate" has an interval but no count, so it runs until stopped',
      ],
    ],
  },
  {
    rule: 'background analysis may use a metric that runs until stopped',
    docs: [
      patch(baseTemplate(), { 'spec.metrics[0].count': undefined }),
      withBackground({ templates: [{ templateName: 'error-rate' }], args: supplied }),
    ],
    expect: [],
  },
  {
    rule: 'blue-green post-promotion analysis: references and args are checked too',
    docs: [
      baseTemplate(),
      patch(baseRollout(), {
        'spec.strategy': {
          blueGreen: {
            activeService: 'demo',
            postPromotionAnalysis: { templates: [{ templateName: 'error-rate' }] },
          },
        },
      }),
    ],
    expect: [[`${BG}.postPromotionAnalysis.templates[0].templateName`, 'needs arg "service"']],
  },
  {
    rule: 'experiment step analyses are checked',
    docs: [
      patch(baseRollout(), {
        [`${C}.steps[1]`]: {
          experiment: {
            templates: [{ name: 'canary', specRef: 'canary' }],
            analyses: [{ name: 'a', templateName: 'missing' }],
          },
        },
      }),
    ],
    expect: [
      [
        `${C}.steps[1].experiment.analyses[0].templateName`,
        'AnalysisTemplate "missing" is not among the manifests; no AnalysisTemplate was found',
      ],
    ],
  },
  {
    rule: 'a template in another namespace is not found',
    docs: [
      patch(baseTemplate(), { 'metadata.namespace': 'team-a' }),
      withBackground(
        { templates: [{ templateName: 'error-rate' }], args: supplied },
        { 'metadata.namespace': 'team-b' },
      ),
    ],
    expect: [
      [`${C}.analysis.templates[0].templateName`, 'AnalysisTemplate "error-rate" is not among the manifests'],
    ],
  },
  {
    rule: 'a template without a namespace matches a Rollout with one (both go to the default namespace)',
    docs: [
      baseTemplate(),
      withBackground(
        { templates: [{ templateName: 'error-rate' }], args: supplied },
        { 'metadata.namespace': 'team-b' },
      ),
    ],
    expect: [],
  },
  {
    rule: 'templates included by a template: their args must be supplied by the caller',
    docs: [
      baseTemplate('inner'),
      patch(baseTemplate('outer'), {
        'spec.args': undefined,
        'spec.metrics[0]': { name: 'ok', provider: { web: { url: 'http://x' } } },
        'spec.templates': [{ templateName: 'inner' }],
      }),
      withBackground({ templates: [{ templateName: 'outer' }] }),
    ],
    expect: [[`${C}.analysis.templates[0].templateName`, 'AnalysisTemplate "inner" needs arg "service"']],
  },
  {
    rule: 'a template included by a template must exist',
    docs: [patch(baseTemplate(), { 'spec.templates': [{ templateName: 'nowhere' }] })],
    expect: [['spec.templates[0].templateName', 'AnalysisTemplate "nowhere" is not among the manifests']],
  },
  {
    rule: '{{args.x}} placeholders must name a declared arg',
    docs: [
      patch(baseTemplate(), {
        'spec.metrics[0].provider.prometheus.query': 'errors{service="{{args.servce}}"}',
      }),
    ],
    expect: [
      [
        'spec.metrics[0].provider.prometheus.query',
        '{{args.servce}} refers to arg "servce", which AnalysisTemplate "error-rate" does not declare in spec.args (did you mean service?)',
      ],
    ],
  },
  {
    rule: '{{ args.x }} with spaces is read the same way; args of included templates count as declared',
    docs: [
      baseTemplate('inner'),
      patch(baseTemplate('outer'), {
        'spec.args': undefined,
        'spec.templates': [{ templateName: 'inner' }],
        'spec.metrics[0].name': 'outer',
        'spec.metrics[0].successCondition': 'result[0] < {{ args.threshold }}',
      }),
    ],
    expect: [],
  },
];

describe('cross-document rules', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const ds = lintObjects(...row.docs).filter((d) => !d.message.includes('not supported yet'));
      assert.equal(ds.length, row.expect.length, show(ds));
      row.expect.forEach(([path, fragment], i) => {
        assert.equal(ds[i]?.path, path, show(ds));
        assert.ok(
          ds[i]?.message.includes(fragment),
          `"${ds[i]?.message ?? ''}" should include "${fragment}"`,
        );
      });
    });
  }
});
