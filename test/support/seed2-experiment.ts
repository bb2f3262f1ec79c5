/**
 * Seed 2's Experiment (shared/reference/seed-examples.md) for tests: templates purple and orange,
 * analyses `pass` and `random` (template `random-fail`), scale-down delay 0; and, for the unit
 * tests, its two AnalysisTemplates as `web` metrics with an AnalysisRunner whose values the test sets.
 */
import type { MetricProvider } from '../../src/analysis/providers/index.ts';
import type { StoredTemplate } from '../../src/analysis/templates.ts';
import { AnalysisRunner } from '../../src/controller/analysis.ts';
import type { KubeObject } from '../../src/controller/ports.ts';
import { MemoryLogger } from '../../src/util/logger.ts';
import type { FakeClock } from './fake-cluster.ts';

export function seed2Object(
  name = 'seed2',
  spec: Record<string, unknown> = {},
  namespace?: string,
): KubeObject {
  const template = (t: string) => ({
    name: t,
    selector: { matchLabels: { app: 'rollouts-demo' } },
    template: {
      metadata: { labels: { app: 'rollouts-demo', v: t } },
      spec: { containers: [{ name: 'rollouts-demo', image: `argoproj/rollouts-demo:${t}` }] },
    },
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    spec: {
      templates: [template('purple'), template('orange')],
      scaleDownDelaySeconds: 0,
      analyses: [
        { name: 'pass', templateName: 'pass' },
        { name: 'random', templateName: 'random-fail' },
      ],
      ...spec,
    },
  };
}

const metric = (name: string) => ({
  name,
  interval: '5s',
  failureLimit: 1,
  successCondition: 'result == 1',
  provider: { web: { url: `http://metrics/${name}` } },
});

export const SEED2_WEB_TEMPLATES: StoredTemplate[] = [
  { kind: 'AnalysisTemplate', name: 'pass', spec: { metrics: [metric('pass')] } },
  { kind: 'AnalysisTemplate', name: 'random-fail', spec: { metrics: [metric('random-fail')] } },
];

/** A runner whose `web` metric at `url` measures `values(url)`. */
export function webRunner(clock: FakeClock, values: (url: string) => number): AnalysisRunner {
  const provider: MetricProvider = {
    kind: 'web',
    measure: (block) => {
      const v = values(String(block.url));
      return Promise.resolve({ value: v, display: String(v), query: `GET ${String(block.url)}` });
    },
  };
  return new AnalysisRunner(
    new Map([['web', provider]]),
    () => Promise.reject(new Error('no secrets')),
    new MemoryLogger(),
    'seed2',
    () => clock.now(),
  );
}
