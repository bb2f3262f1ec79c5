import { diagnosticAt, parseManifestText, type ManifestDoc } from './parse.ts';
import type { Diagnostic } from '../util/errors.ts';
import type { ManifestFile } from '../adapters/files.ts';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** A validator for one kind; returns every problem it finds, never throws. */
export type KindValidator = (doc: ManifestDoc, all: readonly ManifestDoc[]) => Diagnostic[];

const kindValidators = new Map<string, KindValidator>();

/** Kind-specific validators register here, keyed `apiVersion/kind` (e.g. `argoproj.io/v1alpha1/Rollout`). */
export function registerKindValidator(apiVersion: string, kind: string, validator: KindValidator): void {
  kindValidators.set(`${apiVersion}/${kind}`, validator);
}

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
  if (
    typeof o.apiVersion === 'string' &&
    o.apiVersion.startsWith('argoproj.io/') &&
    o.apiVersion !== ARGO_API_VERSION
  ) {
    out.push(diagnosticAt(doc, 'apiVersion', `Argo Rollouts objects use apiVersion ${ARGO_API_VERSION}`));
  }
  return out;
}

export interface ValidationResult {
  docs: ManifestDoc[];
  diagnostics: Diagnostic[];
}

/** Parses and validates every file. Pure; the caller reads the files. */
export function validateManifests(files: readonly ManifestFile[]): ValidationResult {
  const docs: ManifestDoc[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const r = parseManifestText(f.display, f.text);
    docs.push(...r.docs);
    diagnostics.push(...r.diagnostics);
  }
  for (const doc of docs) {
    const envelope = checkEnvelope(doc);
    diagnostics.push(...envelope);
    if (envelope.length > 0) continue;
    const validator = kindValidators.get(`${String(doc.object.apiVersion)}/${String(doc.object.kind)}`);
    if (validator) diagnostics.push(...validator(doc, docs));
  }
  diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { docs, diagnostics };
}
