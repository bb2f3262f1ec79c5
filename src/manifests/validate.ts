import { analysisTemplateRules, experimentRules } from './analysis-rules.ts';
import { analysisTemplateSchema, experimentSchema, rolloutSchema } from './argo-schema.ts';
import { experimentSpecRules, experimentStepRules } from './experiment-rules.ts';
import { featureGateDiagnostics } from './features.ts';
import { ARGO_API_VERSION, ARGO_KINDS, isArgoKind, type ArgoKind } from './kinds.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { parseManifestText } from './parse.ts';
import { limitDiagnostics } from './limits.ts';
import { policyDiagnostics, type SafetyOptions } from './policy.ts';
import { referenceRules } from './references.ts';
import { routerReferenceRules } from './router-references.ts';
import { rolloutOrderRules } from './rollout-order.ts';
import { rolloutRules } from './rollout-rules.ts';
import { checkSchema, closestMatch, type Schema } from './schema.ts';
import { asObj, asStr } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';
import type { ManifestFile } from './encoding.ts';

export { ARGO_API_VERSION } from './kinds.ts';

/** A validator for one kind of document; returns every problem it finds, never throws. */
export type KindValidator = (doc: ManifestDoc) => Diagnostic[];

function schemaDiagnostics(doc: ManifestDoc, schema: Schema): Diagnostic[] {
  return checkSchema(doc.object, schema).map((issue) => diagnosticAt(doc, issue.path, issue.message));
}

/**
 * The Argo kinds and how each is validated: its schema, then Argo's own rules for it. AnalysisRun is
 * known (so it is no "unknown kind") but not validated: the controller creates those.
 */
const KIND_VALIDATORS: ReadonlyMap<ArgoKind, KindValidator> = new Map<ArgoKind, KindValidator>([
  [
    'Rollout',
    (doc) => [...schemaDiagnostics(doc, rolloutSchema), ...rolloutRules(doc), ...experimentStepRules(doc)],
  ],
  [
    'AnalysisTemplate',
    (doc) => [...schemaDiagnostics(doc, analysisTemplateSchema), ...analysisTemplateRules(doc)],
  ],
  [
    'ClusterAnalysisTemplate',
    (doc) => [...schemaDiagnostics(doc, analysisTemplateSchema), ...analysisTemplateRules(doc)],
  ],
  [
    'Experiment',
    (doc) => [
      ...schemaDiagnostics(doc, experimentSchema),
      ...experimentRules(doc),
      ...experimentSpecRules(doc),
    ],
  ],
]);

function checkEnvelope(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const o = doc.object;
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') {
    out.push(
      diagnosticAt(doc, 'apiVersion', 'apiVersion is required (for example argoproj.io/v1alpha1 or v1)'),
    );
  }
  if (typeof o.kind !== 'string' || o.kind === '') {
    out.push(diagnosticAt(doc, 'kind', 'kind is required (for example Rollout, Service)'));
  }
  const meta = o.metadata;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    out.push(diagnosticAt(doc, 'metadata', 'metadata with a name is required'));
  } else {
    const name = (meta as Record<string, unknown>).name;
    if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      out.push(
        diagnosticAt(
          doc,
          'metadata.name',
          'metadata.name must be a DNS-1123 name: lower-case letters, digits, "-" and ".", at most 253 characters',
        ),
      );
    }
  }
  if (typeof o.apiVersion === 'string' && o.apiVersion.startsWith('argoproj.io/')) {
    if (o.apiVersion !== ARGO_API_VERSION) {
      out.push(diagnosticAt(doc, 'apiVersion', `Argo Rollouts objects use apiVersion ${ARGO_API_VERSION}`));
    } else if (typeof o.kind === 'string' && o.kind !== '' && !isArgoKind(o.kind)) {
      const guess = closestMatch(o.kind, ARGO_KINDS);
      out.push(
        diagnosticAt(
          doc,
          'kind',
          `unknown ${ARGO_API_VERSION} kind "${o.kind}"` +
            (guess ? ` (did you mean ${guess}?)` : '') +
            `; known kinds: ${ARGO_KINDS.join(', ')}`,
        ),
      );
    }
  }
  return out;
}

/** Two documents that would be the same object in the cluster. */
function checkDuplicates(docs: readonly ManifestDoc[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, ManifestDoc>();
  for (const doc of docs) {
    const apiVersion = asStr(doc.object.apiVersion);
    const kind = asStr(doc.object.kind);
    const meta = asObj(doc.object.metadata);
    const name = asStr(meta?.name);
    if (apiVersion === undefined || kind === undefined || name === undefined) continue;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const key = [group, kind, asStr(meta?.namespace) ?? '', name].join('\u0000');
    const first = seen.get(key);
    if (first) {
      out.push(
        diagnosticAt(
          doc,
          'metadata.name',
          `duplicate ${kind} "${name}": also defined at ${first.location.file}:${first.location.line}`,
        ),
      );
    } else {
      seen.set(key, doc);
    }
  }
  return out;
}

export interface ValidationResult {
  docs: ManifestDoc[];
  diagnostics: Diagnostic[];
}

export interface ValidationOptions {
  /**
   * Check what the manifests may do (docs/security.md) for a rollout in `namespace` (or the one
   * `namespace` picks from the documents).
   */
  policy?:
    { namespace: string | ((docs: readonly ManifestDoc[]) => string); safety: SafetyOptions } | undefined;
}

/** The `metadata.namespace` of the Rollout (the one named `rollout`, else the first), if any. */
export function rolloutDocNamespace(
  docs: readonly ManifestDoc[],
  rollout: string | undefined,
): string | undefined {
  const find = (kind: string): ManifestDoc | undefined =>
    docs.find(
      (d) =>
        d.object.apiVersion === ARGO_API_VERSION &&
        d.object.kind === kind &&
        (rollout === undefined || asStr(asObj(d.object.metadata)?.name) === rollout),
    );
  // A standalone Experiment (no Rollout) goes to its own namespace.
  const r = find('Rollout') ?? find('Experiment');
  return asStr(asObj(r?.object.metadata)?.namespace);
}

/** The namespace the rollout goes to when no kubeconfig says otherwise: input, Rollout's, `default`. */
export function rolloutNamespace(
  docs: readonly ManifestDoc[],
  input: string | undefined,
  rollout: string | undefined,
): string {
  return input ?? rolloutDocNamespace(docs, rollout) ?? 'default';
}

/** Parses and validates every file. Pure; the caller reads the files. */
export function validateManifests(
  files: readonly ManifestFile[],
  options: ValidationOptions = {},
): ValidationResult {
  const docs: ManifestDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    if (f.problem !== undefined) {
      diagnostics.push(f.problem);
      continue;
    }
    const r = parseManifestText(f.display, f.text);
    docs.push(...r.docs);
    diagnostics.push(...r.diagnostics);
  }
  const wellFormed: ManifestDoc[] = [];
  for (const doc of docs) {
    const envelope = checkEnvelope(doc);
    diagnostics.push(...envelope);
    if (envelope.length > 0) continue;
    wellFormed.push(doc);
    const kind = doc.object.kind;
    if (doc.object.apiVersion !== ARGO_API_VERSION || !isArgoKind(kind)) continue;
    diagnostics.push(...(KIND_VALIDATORS.get(kind)?.(doc) ?? []));
    diagnostics.push(...featureGateDiagnostics(doc, kind));
  }
  diagnostics.push(...checkDuplicates(wellFormed));
  diagnostics.push(...referenceRules(wellFormed));
  diagnostics.push(...rolloutOrderRules(wellFormed));
  diagnostics.push(...routerReferenceRules(wellFormed));
  diagnostics.push(...limitDiagnostics(wellFormed));
  if (options.policy !== undefined) {
    const ns = options.policy.namespace;
    const namespace = typeof ns === 'string' ? ns : ns(wellFormed);
    diagnostics.push(...policyDiagnostics(wellFormed, namespace, options.policy.safety));
  }
  diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { docs, diagnostics };
}
