/** Rules for the analysis arguments a Rollout passes to its templates (canary and blue-green). Pure. */
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { asList, asObj, asStr, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

/** Downward-API style paths Argo accepts for `valueFrom.fieldRef` under `metadata`. */
const METADATA_FIELD =
  /^metadata\.(name|namespace|uid|labels|annotations)$|^metadata\.(labels|annotations)\['[^']+'\]$/;

/** Rollout-side analysis arguments: unique names, and `fieldRef` paths Argo can read. */
export function analysisArgRules(doc: ManifestDoc, base: string, analysis: Obj | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!analysis) return out;
  const seen = new Set<string>();
  asList(analysis.args).forEach((a, i) => {
    const arg = asObj(a);
    const name = asStr(arg?.name);
    if (name !== undefined) {
      if (seen.has(name)) out.push(diagnosticAt(doc, `${base}.args[${i}].name`, `duplicate arg "${name}"`));
      seen.add(name);
    }
    const fieldPath = asStr(asObj(asObj(arg?.valueFrom)?.fieldRef)?.fieldPath);
    if (fieldPath?.startsWith('metadata') && !METADATA_FIELD.test(fieldPath)) {
      out.push(
        diagnosticAt(
          doc,
          `${base}.args[${i}].valueFrom.fieldRef.fieldPath`,
          `"${fieldPath}" is not a metadata field Argo can read; use metadata.name, metadata.namespace, metadata.uid, metadata.labels['key'] or metadata.annotations['key']`,
        ),
      );
    }
  });
  return out;
}
