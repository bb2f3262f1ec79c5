import { engineRollout, type EngineRollout } from '../engine/spec.ts';
import { toRolloutObject, type Rollout } from '../manifests/rollout.ts';
import { asList, asObj, dig } from '../manifests/values.ts';
import type { PodTemplate } from '../engine/state.ts';
import type { KubeObject } from './ports.ts';

/**
 * The typed model of a Rollout object that validated clean before it was stored (or resolved
 * against the cluster): the one place a run reads a stored Rollout's JSON into the model.
 */
export function readRollout(rollout: KubeObject): Rollout {
  const where = `Rollout ${rollout.metadata.namespace ?? 'default'}/${rollout.metadata.name}`;
  return toRolloutObject(rollout, { file: where, line: 1, column: 1 });
}

/** What the step engine needs of a stored Rollout object, through its typed model. */
export function toEngineRollout(rollout: KubeObject): EngineRollout {
  // A tick reads the same stored object for its decision, its report and its outputs; nothing
  // mutates a stored Rollout (a change makes a new object), so its model is made once.
  let engine = engineModels.get(rollout);
  if (engine === undefined) {
    engine = engineRollout(readRollout(rollout));
    engineModels.set(rollout, engine);
  }
  return engine;
}

const engineModels = new WeakMap<KubeObject, EngineRollout>();

/**
 * The pod template exactly as stored: hashes and ReplicaSets are made from it as written (the
 * typed model fills in empty labels and annotations, which would change the hash).
 */
export function podTemplateOf(rollout: KubeObject): unknown {
  return asObj(rollout.spec)?.template;
}

/** The pod template as stored, for the ReplicaSet the engine creates; validation checked its shape. */
export function storedPodTemplate(rollout: KubeObject): PodTemplate {
  return asObj(podTemplateOf(rollout)) ?? {};
}

/** The canary steps exactly as stored: their hash tells a changed step list from the stored one. */
export function stepsOf(rollout: KubeObject): unknown {
  return dig(rollout.spec, 'strategy', 'canary', 'steps');
}

/** Container name → image of a pod template (the Rollout's, or a ReplicaSet's from the cluster). */
export function containerImages(template: unknown): Map<string, string> {
  return new Map(
    asList(dig(template, 'spec', 'containers')).map((c) => [String(dig(c, 'name')), String(dig(c, 'image'))]),
  );
}

/** `container=image` overrides on the pod template, like `kubectl argo rollouts set image`. */
export function withImages(rollout: KubeObject, images: ReadonlyMap<string, string>): KubeObject {
  if (images.size === 0) return rollout;
  const copy = structuredClone(rollout);
  // The stored object is edited as JSON: what is applied and stored is the object as written.
  const podSpec = asObj(dig(copy.spec, 'template', 'spec')) ?? {};
  const unknown = new Set(images.keys());
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of asList(podSpec[list])) {
      const container = asObj(c) ?? {};
      const name = String(container.name);
      const image = images.get(name) ?? images.get('*');
      if (image !== undefined) container.image = image;
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
