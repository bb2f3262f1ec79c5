/**
 * The namespaced objects a Rollout needs to exist before anything changes: the Services its strategy
 * names and the Secrets its AnalysisTemplates' arguments read (Argo allows `secretKeyRef` only
 * there; a Rollout's own analysis args take `fieldRef` and `podTemplateHashValue`). `run` looks each
 * one up among the manifests, then in the cluster, and stops at the reference's line when it is in neither (Argo reports the same rollout as
 * `InvalidSpec` once its controller sees it; we refuse it before the first write). Pure.
 */
import { ARGO_API_VERSION } from './kinds.ts';
import { locate, type ManifestDoc } from './manifest-doc.ts';
import { asList, asObj, asStr, valueAt } from './values.ts';
import type { SourceLocation } from '../util/errors.ts';

export interface ObjectRef extends SourceLocation {
  kind: 'Service' | 'Secret';
  name: string;
  /** The Secret's key, when a Secret is read for one. */
  key?: string | undefined;
  /** Dotted path of the referencing field. */
  path: string;
}

const SERVICE_FIELDS = [
  'spec.strategy.canary.stableService',
  'spec.strategy.canary.canaryService',
  'spec.strategy.blueGreen.activeService',
  'spec.strategy.blueGreen.previewService',
];

/** The Services and Secrets that the Rollout `rollout` and the templates among `docs` refer to. */
export function objectReferences(rollout: ManifestDoc, docs: readonly ManifestDoc[]): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const path of SERVICE_FIELDS) {
    const name = asStr(valueAt(rollout.object, path));
    if (name !== undefined && name !== '') {
      refs.push({ kind: 'Service', name, path, ...locate(rollout, path) });
    }
  }
  for (const doc of docs) {
    const o = doc.object;
    if (o.apiVersion !== ARGO_API_VERSION) continue;
    if (o.kind !== 'AnalysisTemplate' && o.kind !== 'ClusterAnalysisTemplate') continue;
    refs.push(...secretArgs(doc, [['spec.args', asList(asObj(o.spec)?.args)]]));
  }
  return refs;
}

function secretArgs(doc: ManifestDoc, lists: [string, unknown[]][]): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const [listPath, args] of lists) {
    args.forEach((arg, i) => {
      const ref = asObj(asObj(asObj(arg)?.valueFrom)?.secretKeyRef);
      const name = asStr(ref?.name);
      if (ref === undefined || name === undefined || name === '') return;
      const path = `${listPath}[${i}].valueFrom.secretKeyRef`;
      refs.push({ kind: 'Secret', name, key: asStr(ref.key), path, ...locate(doc, path) });
    });
  }
  return refs;
}
