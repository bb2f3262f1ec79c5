import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { baseRollout, baseTemplate, lintObjects, lintText, patch, show } from './helpers.ts';
import type { Diagnostic } from '../../../src/util/errors.ts';

const C = 'spec.strategy.canary';
const SERVICES = { [`${C}.canaryService`]: 'demo-canary', [`${C}.stableService`]: 'demo' };

const experiment = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp' },
  spec: {
    templates: ['baseline', 'canary'].map((name) => ({
      name,
      selector: { matchLabels: { app: 'demo', v: name } },
      template: {
        metadata: { labels: { app: 'demo', v: name } },
        spec: { containers: [{ name: 'demo', image: 'nginx' }] },
      },
    })),
    analyses: [{ name: 'a', templateName: 'error-rate', args: [{ name: 'service', value: 'x' }] }],
  },
};

const stepRollout = (step: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  patch(baseRollout(), { [`${C}.steps[1]`]: { experiment: step }, ...extra });

interface Row {
  rule: string;
  docs: unknown[];
  expect: [string, string][];
}

const rows: Row[] = [
  {
    rule: 'a valid Experiment with two templates has no problem',
    docs: [experiment, baseTemplate()],
    expect: [],
  },
  {
    rule: 'Argo InvalidSpec: an empty template name',
    docs: [patch(experiment, { 'spec.templates[1].name': '' }), baseTemplate()],
    expect: [['spec.templates[1].name', 'must not be empty']],
  },
  {
    rule: 'Argo InvalidSpec: a repeated template name',
    docs: [patch(experiment, { 'spec.templates[1].name': 'baseline' }), baseTemplate()],
    expect: [['spec.templates[1].name', 'duplicate template name "baseline" (also spec.templates[0])']],
  },
  {
    rule: 'Argo InvalidSpec: a missing selector',
    docs: [patch(experiment, { 'spec.templates[0].selector': undefined }), baseTemplate()],
    expect: [['spec.templates[0]', 'missing required field "selector"']],
  },
  {
    rule: 'Argo InvalidSpec: an empty selector selects every pod',
    docs: [patch(experiment, { 'spec.templates[0].selector': {} }), baseTemplate()],
    expect: [['spec.templates[0].selector', 'an empty selector is invalid']],
  },
  {
    rule: 'Argo InvalidSpec: minReadySeconds longer than the default progressDeadlineSeconds 600',
    docs: [patch(experiment, { 'spec.templates[0].minReadySeconds': 601 }), baseTemplate()],
    expect: [
      [
        'spec.templates[0].minReadySeconds',
        'minReadySeconds (601) must not be longer than progressDeadlineSeconds (600)',
      ],
    ],
  },
  {
    rule: 'Argo InvalidSpec: minReadySeconds equal to progressDeadlineSeconds is allowed',
    docs: [
      patch(experiment, { 'spec.templates[0].minReadySeconds': 30, 'spec.progressDeadlineSeconds': 30 }),
      baseTemplate(),
    ],
    expect: [],
  },
  {
    rule: 'the ReplicaSet the API would refuse: selector not matching the template labels',
    docs: [patch(experiment, { 'spec.templates[1].template.metadata.labels.v': 'other' }), baseTemplate()],
    expect: [['spec.templates[1].selector', 'needs v=canary']],
  },
  {
    rule: 'replicas must not be negative',
    docs: [patch(experiment, { 'spec.templates[0].replicas': -1 }), baseTemplate()],
    expect: [['spec.templates[0].replicas', 'must be zero or more, not -1']],
  },
  {
    rule: 'an analysis naming a missing AnalysisTemplate (Argo: "AnalysisTemplate verification failed")',
    docs: [experiment],
    expect: [['spec.analyses[0].templateName', 'error-rate']],
  },
  {
    rule: 'step: an empty and a repeated template name (InvalidSpec of the Experiment Argo makes)',
    docs: [
      stepRollout({
        templates: [
          { name: 'a', specRef: 'stable' },
          { name: 'a', specRef: 'canary' },
          { name: '', specRef: 'canary' },
        ],
      }),
    ],
    expect: [
      [`${C}.steps[1].experiment.templates[1].name`, 'duplicate template name "a"'],
      [`${C}.steps[1].experiment.templates[2].name`, 'must not be empty'],
    ],
  },
  {
    rule: 'step: a selector must select the Rollout pod labels plus metadata.labels',
    docs: [
      stepRollout({
        templates: [
          { name: 'a', specRef: 'stable', selector: { matchLabels: { app: 'demo', role: 'a' } } },
          {
            name: 'b',
            specRef: 'canary',
            selector: { matchLabels: { app: 'demo', role: 'b' } },
            metadata: { labels: { role: 'b' } },
          },
        ],
      }),
    ],
    expect: [[`${C}.steps[1].experiment.templates[0].selector`, 'needs role=a']],
  },
  {
    rule: 'step: duplicate analysis names would be one run',
    docs: [
      stepRollout({
        templates: [{ name: 'a', specRef: 'stable' }],
        analyses: [
          { name: 'x', templateName: 'error-rate', args: [{ name: 'service', value: 's' }] },
          { name: 'x', templateName: 'error-rate', args: [{ name: 'service', value: 's' }] },
        ],
      }),
      baseTemplate(),
    ],
    expect: [[`${C}.steps[1].experiment.analyses[1].name`, 'duplicate analysis name "x"']],
  },
  {
    rule: "step: measurementRetention is not a field of Argo's experiment step",
    docs: [stepRollout({ templates: [{ name: 'a', specRef: 'stable' }], measurementRetention: [] })],
    expect: [[`${C}.steps[1].experiment.measurementRetention`, 'unknown field "measurementRetention"']],
  },
  {
    rule: 'step: scaleDownDelaySeconds is a field of the step',
    docs: [stepRollout({ templates: [{ name: 'a', specRef: 'stable' }], scaleDownDelaySeconds: 0 })],
    expect: [],
  },
  {
    rule: 'Argo: a template weight needs trafficRouting',
    docs: [stepRollout({ templates: [{ name: 'a', specRef: 'stable', weight: 5 }] })],
    expect: [[`${C}.steps[1].experiment.templates[0].weight`, 'requires trafficRouting']],
  },
  {
    rule: 'Argo: a template weight needs alb, smi, istio or a plugin (nginx is refused)',
    docs: [
      stepRollout(
        { templates: [{ name: 'a', specRef: 'stable', weight: 5 }] },
        { ...SERVICES, [`${C}.trafficRouting`]: { nginx: { stableIngress: 'demo' } } },
      ),
    ],
    expect: [
      [`${C}.steps[1].experiment.templates[0].weight`, 'alb, smi or istio traffic routers, or a plugin'],
    ],
  },
  {
    rule: 'Argo: a template weight with a plugin router is valid',
    docs: [
      stepRollout(
        { templates: [{ name: 'a', specRef: 'stable', weight: 5 }] },
        { ...SERVICES, [`${C}.trafficRouting`]: { plugins: { 'acme/router': {} } } },
      ),
    ],
    expect: [],
  },
  {
    rule: 'ours: a template weight with the gatewayAPI plugin is refused at its line',
    docs: [
      stepRollout(
        { templates: [{ name: 'a', specRef: 'stable', weight: 5 }] },
        {
          ...SERVICES,
          [`${C}.trafficRouting`]: {
            plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'demo', namespace: 'default' } },
          },
        },
      ),
    ],
    expect: [
      [
        `${C}.steps[1].experiment.templates[0].weight`,
        'not supported with the argoproj-labs/gatewayAPI plugin',
      ],
    ],
  },
];

/** Diagnostics minus feature gates and cross-object router references, which other tests cover. */
function relevant(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => !d.message.includes('not supported yet') && !/HTTPRoute|Gateway/.test(d.message));
}

describe('Experiment lint: Argo InvalidSpec rules and the experiment step', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const ds = relevant(lintObjects(...row.docs));
      const got = ds
        .map((d): [string, string] => [d.path, d.message])
        .sort((a, b) => a[0].localeCompare(b[0]));
      assert.equal(got.length, row.expect.length, show(ds));
      [...row.expect]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .forEach(([path, fragment], i) => {
          assert.equal(got[i]?.[0], path, show(ds));
          assert.ok(got[i]?.[1].includes(fragment), `"${got[i]?.[1] ?? ''}" should include "${fragment}"`);
        });
    });
  }

  test('each Experiment problem names its file and the line of the field', () => {
    const text =
      stringify(patch(experiment, { 'spec.templates[1].name': '' })) + '---\n' + stringify(baseTemplate());
    const ds = relevant(lintText(text, 'exp.yaml'));
    const line = text.split('\n').findIndex((l) => /^\s*- name: ""$|^\s*name: ""$/.test(l)) + 1;
    assert.equal(ds.length, 1, show(ds));
    assert.equal(ds[0]?.file, 'exp.yaml');
    assert.equal(ds[0]?.line, line);
  });
});
