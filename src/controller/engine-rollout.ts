import type { EngineRollout, EngineStep, PodMetadata } from '../engine/spec.ts';
import { pauseDurationSeconds } from '../manifests/duration.ts';
import type { KubeObject } from './ports.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

function metadata(v: unknown): PodMetadata | undefined {
  if (v === undefined) return undefined;
  const m = obj(v);
  return {
    labels: obj(m.labels) as Record<string, string>,
    annotations: obj(m.annotations) as Record<string, string>,
  };
}

/**
 * Reads a validated Rollout object into what the step engine needs, with Argo's defaults
 * (replicas 1, progressDeadlineSeconds 600, revisionHistoryLimit 10, maxSurge/maxUnavailable 25%).
 */
export function toEngineRollout(rollout: KubeObject): EngineRollout {
  const spec = obj(rollout.spec);
  const canary = obj(obj(spec.strategy).canary);
  const steps: EngineStep[] = (Array.isArray(canary.steps) ? canary.steps : []).map((raw: unknown) => {
    const step = obj(raw);
    if (typeof step.setWeight === 'number') return { setWeight: step.setWeight };
    if (step.pause !== undefined) {
      const d = obj(step.pause).duration;
      const duration = typeof d === 'number' || typeof d === 'string' ? pauseDurationSeconds(d) : undefined;
      return { pause: { duration } };
    }
    if (step.setCanaryScale !== undefined) return { setCanaryScale: obj(step.setCanaryScale) };
    if (step.analysis !== undefined) return { analysis: obj(step.analysis) };
    // Validation rejects the step kinds the engine does not drive before anything runs.
    throw new Error(`step kind not supported: ${Object.keys(step).join(', ')}`);
  });
  const service = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    name: rollout.metadata.name,
    namespace: rollout.metadata.namespace ?? 'default',
    replicas: num(spec.replicas, 1),
    paused: spec.paused === true,
    progressDeadlineSeconds: num(spec.progressDeadlineSeconds, 600),
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    revisionHistoryLimit: num(spec.revisionHistoryLimit, 10),
    workloadRef:
      spec.workloadRef === undefined
        ? undefined
        : {
            name: String(obj(spec.workloadRef).name),
            scaleDown:
              (obj(spec.workloadRef).scaleDown as 'never' | 'onsuccess' | 'progressively' | undefined) ??
              'never',
          },
    strategy: 'canary',
    canary: {
      steps,
      maxSurge: (canary.maxSurge as number | string | undefined) ?? '25%',
      maxUnavailable: (canary.maxUnavailable as number | string | undefined) ?? '25%',
      stableService: service(canary.stableService),
      canaryService: service(canary.canaryService),
      stableMetadata: metadata(canary.stableMetadata),
      canaryMetadata: metadata(canary.canaryMetadata),
      replicaProgressThreshold:
        canary.replicaProgressThreshold === undefined
          ? undefined
          : {
              type: obj(canary.replicaProgressThreshold).type === 'Percent' ? 'Percent' : 'Pod',
              value: num(obj(canary.replicaProgressThreshold).value, 100),
            },
      analysis:
        canary.analysis === undefined
          ? undefined
          : { block: obj(canary.analysis), startingStep: num(obj(canary.analysis).startingStep, 0) },
    },
  };
}

/** `container=image` overrides on the pod template, like `kubectl argo rollouts set image`. */
export function withImages(rollout: KubeObject, images: ReadonlyMap<string, string>): KubeObject {
  if (images.size === 0) return rollout;
  const copy = structuredClone(rollout);
  const podSpec = obj(obj(obj(copy.spec).template).spec);
  const unknown = new Set(images.keys());
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const containers = podSpec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers as Obj[]) {
      const name = String(c.name);
      const image = images.get(name) ?? images.get('*');
      if (image !== undefined) c.image = image;
      unknown.delete(name);
    }
  }
  unknown.delete('*');
  if (unknown.size > 0) {
    throw new Error(
      `image: no container named ${[...unknown].join(', ')} in Rollout ${rollout.metadata.name}`,
    );
  }
  return copy;
}
