/**
 * What the experiment engine reads of a typed Experiment (`src/manifests/experiment.ts`), standalone
 * or made by a canary's `experiment` step (`experimentFromStep`). Pure.
 */
import type { Experiment } from '../manifests/experiment.ts';
import type { PodTemplate } from '../manifests/rollout-model.ts';
import type { EngineExperiment } from './experiment-types.ts';

/** Whether any container of the pod template declares a port (Argo makes a Service only then). */
export function declaresPorts(template: PodTemplate): boolean {
  const containers = template.spec.containers;
  if (!Array.isArray(containers)) return false;
  return containers.some((c: unknown) => {
    const ports = c !== null && typeof c === 'object' ? (c as Record<string, unknown>).ports : undefined;
    return Array.isArray(ports) && ports.length > 0;
  });
}

/** The engine's view of an Experiment. */
export function engineExperiment(experiment: Experiment): EngineExperiment {
  const { spec } = experiment;
  return {
    name: experiment.metadata.name,
    templates: spec.templates.map((t) => ({
      name: t.name,
      replicas: t.replicas,
      service:
        t.service === undefined ? undefined : { name: t.service.name, hasPorts: declaresPorts(t.template) },
    })),
    durationSeconds: spec.duration,
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    scaleDownDelaySeconds: spec.scaleDownDelaySeconds,
    terminate: spec.terminate,
    analyses: spec.analyses.map((a) => ({
      name: a.name,
      clusterScope: a.clusterScope,
      requiredForCompletion: a.requiredForCompletion,
      args: a.args.map((arg) => ({ name: arg.name, value: arg.value })),
    })),
    dryRun: spec.dryRun.map((d) => ({ metricName: d.metricName })),
    measurementRetention: spec.measurementRetention.map((r) => ({
      metricName: r.metricName,
      limit: r.limit,
    })),
  };
}
