/** An Experiment for tests that talk to a cluster (the fake or the real one): two templates. */
import { toExperiment, type Experiment } from '../../src/manifests/experiment.ts';
import { docFromObject } from '../unit/manifests/helpers.ts';

export interface TemplateOptions {
  replicas?: number;
  minReadySeconds?: number;
  service?: { name?: string };
  /** Container ports; none: the pods declare no port. */
  ports?: { containerPort: number; name?: string; protocol?: string }[];
}

/** `kind: Experiment` named `name` with templates `baseline` and `canary` (app `app`). */
export function twoTemplateExperiment(
  name: string,
  app: string,
  options: { baseline?: TemplateOptions; canary?: TemplateOptions; spec?: Record<string, unknown> } = {},
): Experiment {
  const template = (tname: string, o: TemplateOptions = {}): Record<string, unknown> => ({
    name: tname,
    ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
    ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
    ...(o.service === undefined ? {} : { service: o.service }),
    selector: { matchLabels: { app, role: tname } },
    template: {
      metadata: { labels: { app, role: tname } },
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1.27', ...(o.ports === undefined ? {} : { ports: o.ports }) },
        ],
      },
    },
  });
  return toExperiment(
    docFromObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Experiment',
      metadata: { name },
      spec: {
        templates: [template('baseline', options.baseline), template('canary', options.canary)],
        ...options.spec,
      },
    }),
  );
}
