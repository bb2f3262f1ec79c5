import type { ExperimentScenario } from './harness/experiment-run.ts';
import { NAME } from './harness/experiment-run.ts';
import type { MetricServer } from './harness/metric-server.ts';

interface TemplateOptions {
  replicas?: number;
  podAnnotations?: Record<string, string>;
  ports?: boolean;
  extra?: Record<string, unknown>;
}

/** One Experiment template: its own `v` label, a selector on `app` and `v`. */
function tmpl(name: string, o: TemplateOptions = {}): unknown {
  const labels = { app: 'exp-demo', v: name };
  return {
    name,
    ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
    selector: { matchLabels: labels },
    template: {
      metadata: { labels, ...(o.podAnnotations ? { annotations: o.podAnnotations } : {}) },
      spec: {
        containers: [
          {
            name: 'app',
            image: `example/app:${name}`,
            ...(o.ports ? { ports: [{ name: 'http', containerPort: 8080 }] } : {}),
          },
        ],
      },
    },
    ...o.extra,
  };
}

function experiment(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', metadata: { name: NAME }, spec };
}

/**
 * An AnalysisTemplate with one `web` metric on the test's metric server (`which` picks the
 * verdict). `inconclusive`: a false answer is neither success nor failure.
 */
interface WebMetric {
  count?: number;
  interval?: string;
  failureLimit?: number;
  initialDelay?: string;
  inconclusive?: boolean;
}

function webTemplate(name: string, url: string, metric: WebMetric): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      metrics: [
        {
          name: 'verdict',
          ...(metric.count === undefined ? {} : { count: metric.count }),
          ...(metric.interval === undefined ? {} : { interval: metric.interval }),
          ...(metric.failureLimit === undefined ? {} : { failureLimit: metric.failureLimit }),
          ...(metric.initialDelay === undefined ? {} : { initialDelay: metric.initialDelay }),
          successCondition: 'result == true',
          ...(metric.inconclusive ? { failureCondition: 'result != true && result != false' } : {}),
          provider: { web: { url, jsonPath: '{$.ok}' } },
        },
      ],
    },
  };
}

/** Seed 2's AnalysisTemplates with deterministic exit codes: a Job every 5 s, failureLimit 1. */
function jobTemplate(name: string, exitCode: number): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      metrics: [
        {
          name,
          interval: '5s',
          failureLimit: 1,
          provider: {
            job: {
              spec: {
                backoffLimit: 0,
                template: {
                  metadata: { annotations: { 'rollout-pilot.dev/exit-code': String(exitCode) } },
                  spec: {
                    containers: [
                      {
                        name: 'sleep',
                        image: 'alpine:3.8',
                        command: ['sh', '-c'],
                        args: [`exit ${exitCode}`],
                      },
                    ],
                    restartPolicy: 'Never',
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

const url = (m: MetricServer, key: string, which: 'pre' | 'post' = 'pre'): string => m.url(key, which);

/**
 * A `canary` template (1 replica, no scale-down delay) and one analysis `name` on a `web` metric;
 * `analysis` adds to the analysis, `spec` to the Experiment's spec.
 */
function oneRun(
  name: string,
  metric: WebMetric,
  analysis: Record<string, unknown>,
  spec: Record<string, unknown>,
): ExperimentScenario['manifests'] {
  return (m, key) => [
    webTemplate(name, url(m, key), metric),
    experiment({
      scaleDownDelaySeconds: 0,
      templates: [tmpl('canary')],
      analyses: [{ name, templateName: name, ...analysis }],
      ...spec,
    }),
  ];
}

/** Standalone Experiments, each compared at its settle points (harness/experiment-run.ts). */
export const EXPERIMENT_SCENARIOS: ExperimentScenario[] = [
  {
    name: 'seed 2: two templates, a passing and a failing job analysis → Failed, both ReplicaSets scaled to 0',
    manifests: () => [
      jobTemplate('pass', 0),
      jobTemplate('fail', 1),
      experiment({
        scaleDownDelaySeconds: 0,
        templates: [tmpl('purple'), tmpl('orange')],
        analyses: [
          { name: 'pass', templateName: 'pass' },
          { name: 'random', templateName: 'fail' },
        ],
      }),
    ],
    ops: [{ at: 'final' }],
  },
  {
    name: 'duration only: 2 + 1 replicas for 10 s → Successful, then 0',
    manifests: () => [
      experiment({
        duration: '10s',
        scaleDownDelaySeconds: 0,
        templates: [tmpl('baseline', { replicas: 2 }), tmpl('canary')],
      }),
    ],
    ops: [{ at: 'running' }, { at: 'final' }],
  },
  {
    name: 'a requiredForCompletion analysis passes → Successful before the 60 s duration',
    manifests: oneRun(
      'check',
      { count: 2, interval: '3s' },
      { requiredForCompletion: true },
      { duration: '60s' },
    ),
    ops: [{ at: 'final' }],
    // Decided by quick measurements: when it ends is their latency, seconds apart under load.
    timing: 'none',
  },
  {
    name: 'terminate while Running, an endless analysis not required → Successful',
    manifests: oneRun('watch', { interval: '2s' }, {}, { templates: [tmpl('canary', { replicas: 2 })] }),
    ops: [{ at: 'running' }, { at: 'final', terminate: true }],
    // Argo's Experiment may copy its AnalysisRun's phase before the run has one and then not be
    // reconciled again when the run starts Running: its status lists the run with no phase until a
    // resync (a race: other runs show Running). Terminating, neither side copies the run's phase again
    // (experiment.go returns before it does).
    known: [
      { after: 0, field: 'analyses', argo: 'watch=', pilot: 'watch=Running', racy: true },
      { after: 1, field: 'analyses', argo: 'watch=', pilot: 'watch=Running', racy: true },
    ],
  },
  {
    // One template only: beside a ready one, Argo marks the ready template Failed too ("exceeded its
    // progressDeadlineSeconds") when the terminating reconcile comes more than progressDeadlineSeconds
    // after that template last changed, a race of a second or two (docs/compatibility.md).
    name: 'a template that never becomes ready → Failed after progressDeadlineSeconds 10',
    manifests: () => [
      experiment({
        progressDeadlineSeconds: 10,
        scaleDownDelaySeconds: 0,
        templates: [tmpl('stuck', { podAnnotations: { 'rollout-pilot.dev/pod-behaviour': 'never-ready' } })],
      }),
    ],
    ops: [{ at: 'final' }],
    timing: 'fromCreate',
  },
  {
    name: 'template service: a Service per template with the RS labels as selector, deleted at the end (delay 5 s)',
    manifests: () => [
      experiment({
        duration: '15s',
        scaleDownDelaySeconds: 5,
        templates: [
          tmpl('web', { replicas: 2, ports: true, extra: { service: {} } }),
          tmpl('named', { ports: true, extra: { service: { name: 'exp-named-svc' } } }),
        ],
      }),
    ],
    ops: [{ at: 'running' }, { at: 'final' }],
  },
  {
    name: 'an Inconclusive analysis ends the experiment Inconclusive',
    verdicts: { pre: false },
    // Measured after 2 s, so both samplers see the template's pod first.
    manifests: oneRun('maybe', { count: 1, initialDelay: '2s', inconclusive: true }, {}, { duration: '60s' }),
    ops: [{ at: 'final' }],
    // Decided by quick measurements: when it ends is their latency, seconds apart under load.
    timing: 'none',
  },
  {
    name: 'a dryRun metric that fails does not fail the experiment (required run → Successful)',
    verdicts: { pre: false },
    // Two failures before the dry-run metric fails: the template keeps its pod for 2 s, long
    // enough for both samplers to see it.
    manifests: oneRun(
      'dry',
      { count: 3, interval: '2s', failureLimit: 1 },
      { requiredForCompletion: true },
      { duration: '60s', dryRun: [{ metricName: 'verdict' }] },
    ),
    ops: [{ at: 'final' }],
    // Decided by quick measurements: when it ends is their latency, seconds apart under load.
    timing: 'none',
  },
  {
    name: 'a duration shorter than a required run: the templates end first, the run decides the phase',
    manifests: oneRun(
      'slow',
      { count: 6, interval: '3s' },
      { requiredForCompletion: true },
      { duration: '5s' },
    ),
    ops: [{ at: 'final' }],
    // Decided by six measurements, each an interval after the previous one ended: under load each
    // adds its latency (Argo 15 s, ours 19 s in CI); the phases are compared, not the end time.
    timing: 'none',
  },
];
