import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toExperiment, type ExperimentSpec } from '../../../src/manifests/experiment.ts';
import { InvalidModelError } from '../../../src/manifests/model-common.ts';
import { toRollout } from '../../../src/manifests/rollout.ts';
import { baseRollout, docFromObject, patch } from './helpers.ts';

const template = {
  name: 'baseline',
  selector: { matchLabels: { app: 'demo' } },
  template: {
    metadata: { labels: { app: 'demo' } },
    spec: { containers: [{ name: 'demo', image: 'nginx' }] },
  },
};

const experiment = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp', namespace: 'team', labels: { a: 'b' } },
  spec: { templates: [template], ...spec },
});

describe('toExperiment(): the typed Experiment with Argo defaults', () => {
  test('defaults: replicas 1, progressDeadlineSeconds 600, scaleDownDelaySeconds 30, no duration', () => {
    const e = toExperiment(docFromObject(experiment({})));
    const expected: ExperimentSpec = {
      templates: [
        {
          name: 'baseline',
          replicas: 1,
          minReadySeconds: 0,
          selector: { matchLabels: { app: 'demo' }, matchExpressions: [] },
          template: {
            metadata: { labels: { app: 'demo' }, annotations: {} },
            spec: { containers: [{ name: 'demo', image: 'nginx' }] },
          },
        },
      ],
      progressDeadlineSeconds: 600,
      terminate: false,
      analyses: [],
      scaleDownDelaySeconds: 30,
      dryRun: [],
      measurementRetention: [],
      analysisRunMetadata: { labels: {}, annotations: {} },
    };
    assert.deepEqual(e.spec, expected);
    assert.deepEqual(e.metadata, { name: 'exp', namespace: 'team', labels: { a: 'b' }, annotations: {} });
    assert.equal(e.source.line, 1);
  });

  test('every field as written: duration in seconds, analyses keep only arg values (Argo drops valueFrom)', () => {
    const e = toExperiment(
      docFromObject(
        experiment({
          templates: [
            { ...template, replicas: 0, minReadySeconds: 5, service: { name: 'svc' } },
            { ...template, name: 'c', service: {} },
          ],
          duration: '1m30s',
          progressDeadlineSeconds: 60,
          terminate: true,
          scaleDownDelaySeconds: 0,
          analyses: [
            {
              name: 'a',
              templateName: 't',
              clusterScope: true,
              requiredForCompletion: true,
              args: [
                { name: 'x', value: '1' },
                { name: 'y', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
            },
          ],
          dryRun: [{ metricName: 'm' }],
          measurementRetention: [{ metricName: 'm', limit: 3 }],
          analysisRunMetadata: { labels: { l: '1' } },
        }),
      ),
    );
    assert.deepEqual(
      e.spec.templates.map((t) => [t.name, t.replicas, t.minReadySeconds, t.service]),
      [
        ['baseline', 0, 5, { name: 'svc' }],
        ['c', 1, 0, {}],
      ],
    );
    assert.equal(e.spec.duration, 90);
    assert.equal(e.spec.progressDeadlineSeconds, 60);
    assert.equal(e.spec.terminate, true);
    assert.equal(e.spec.scaleDownDelaySeconds, 0);
    assert.deepEqual(e.spec.analyses, [
      {
        name: 'a',
        templateName: 't',
        clusterScope: true,
        requiredForCompletion: true,
        args: [{ name: 'x', value: '1' }, { name: 'y' }],
      },
    ]);
    assert.deepEqual(e.spec.measurementRetention, [{ metricName: 'm', limit: 3 }]);
    assert.deepEqual(e.spec.analysisRunMetadata, { labels: { l: '1' }, annotations: {} });
  });

  test('a document that is not an Experiment, or lacks a selector, is a programming error with file:line', () => {
    assert.throws(
      () => toExperiment(docFromObject({ ...experiment({}), kind: 'Rollout' })),
      InvalidModelError,
    );
    assert.throws(
      () => toExperiment(docFromObject(experiment({ templates: [{ ...template, selector: undefined }] }))),
      /test\.yaml:1: spec\.templates\[0\]\.selector is missing/,
    );
  });

  test('the experiment step carries scaleDownDelaySeconds', () => {
    const r = toRollout(
      docFromObject(
        patch(baseRollout(), {
          'spec.strategy.canary.steps[1]': {
            experiment: { templates: [{ name: 'a', specRef: 'stable' }], scaleDownDelaySeconds: 5 },
          },
        }),
      ),
    );
    const step = r.spec.strategy.canary?.steps[1];
    assert.equal(step?.kind === 'experiment' ? step.experiment.scaleDownDelaySeconds : undefined, 5);
  });
});
