/**
 * The API server's limits that `lint` can check offline, so `run` never stops halfway on a value the
 * server refuses: name formats and lengths, label keys and values, annotation sizes, port ranges and
 * 32-bit counts of plain objects, and the names rollout-pilot generates from the Rollout's name
 * (label `rollout-pilot.dev/rollout`, ReplicaSet `<name>-<hash>`, ConfigMap and Lease
 * `rollout-pilot.<name>`). The Argo kinds' integer fields are checked as int32 by the schema. Pure.
 */
import { ARGO_API_VERSION } from './kinds.ts';
import { joinPath } from './manifest-doc.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { asList, asObj, asStr, dig } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export const INT32_MAX = 2_147_483_647;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** The API server's limit on all annotations of one object together (keys and values). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/** A pod-template hash as rollout-pilot writes it (at most 10 characters). */
const HASH_LENGTH = 10;
const utf8 = new TextEncoder();
const byteLength = (s: string): number => utf8.encode(s).length;

/** Why a label or annotation key is invalid, or undefined. */
export function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `key "${key}": the prefix before "/" must be a DNS subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `key "${key}": the name must be 1 to 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit (found ${name.length})`;
  }
  return undefined;
}

/** Why a label value is invalid, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters; a label value has at most 63`;
  if (!LABEL_VALUE.test(value)) {
    return 'must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

function metadataDiagnostics(doc: ManifestDoc, base: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const meta = asObj(dig(doc.object, ...base.split('.')));
  if (meta === undefined) return out;
  for (const [key, value] of Object.entries(asObj(meta.labels) ?? {})) {
    const path = joinPath(joinPath(base, 'labels'), key);
    const k = keyProblem(key);
    if (k !== undefined) out.push(diagnosticAt(doc, path, `label ${k}`));
    const v = typeof value === 'string' ? labelValueProblem(value) : undefined;
    if (v !== undefined) out.push(diagnosticAt(doc, path, `label ${key}: the value ${v}`));
  }
  let bytes = 0;
  for (const [key, value] of Object.entries(asObj(meta.annotations) ?? {})) {
    const k = keyProblem(key);
    if (k !== undefined)
      out.push(diagnosticAt(doc, joinPath(joinPath(base, 'annotations'), key), `annotation ${k}`));
    bytes += byteLength(key) + (typeof value === 'string' ? byteLength(value) : 0);
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) {
    out.push(
      diagnosticAt(
        doc,
        joinPath(base, 'annotations'),
        `annotations total ${bytes} bytes; the API server allows at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) per object`,
      ),
    );
  }
  return out;
}

/** The Rollout's name becomes a label value and part of generated names. */
function rolloutNameDiagnostics(doc: ManifestDoc): Diagnostic[] {
  const name = asStr(dig(doc.object, 'metadata', 'name'));
  if (name === undefined) return [];
  const problems: string[] = [];
  if (name.length > 63) {
    problems.push(
      `is ${name.length} characters; at most 63, because it becomes the value of label rollout-pilot.dev/rollout on the rollout's ReplicaSets and pods`,
    );
  }
  if (`${name}-${'x'.repeat(HASH_LENGTH)}`.length > 253)
    problems.push("is too long for its ReplicaSets' names");
  if (`rollout-pilot.${name}`.length > 253) problems.push("is too long for its state ConfigMap's name");
  return problems.length === 0
    ? []
    : [
        diagnosticAt(
          doc,
          'metadata.name',
          `Rollout name "${name.slice(0, 80)}${name.length > 80 ? '...' : ''}" ${problems[0] ?? ''}`,
        ),
      ];
}

function intDiagnostic(
  doc: ManifestDoc,
  path: string,
  value: unknown,
  min: number,
  max: number,
): Diagnostic[] {
  if (typeof value !== 'number') return [];
  if (Number.isInteger(value) && value >= min && value <= max) return [];
  return [diagnosticAt(doc, path, `must be an integer between ${min} and ${max}, not ${String(value)}`)];
}

function plainObjectDiagnostics(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const kind = asStr(doc.object.kind);
  const name = asStr(dig(doc.object, 'metadata', 'name')) ?? '';
  const ns = dig(doc.object, 'metadata', 'namespace');
  if (typeof ns === 'string' && (ns.length > 63 || !DNS_LABEL.test(ns))) {
    out.push(
      diagnosticAt(
        doc,
        'metadata.namespace',
        'a namespace must be a DNS-1123 label: at most 63 lower-case letters, digits and "-"',
      ),
    );
  }
  if (kind === 'Service' && (name.length > 63 || !DNS_1035_LABEL.test(name))) {
    out.push(
      diagnosticAt(
        doc,
        'metadata.name',
        `a Service name must be a DNS-1035 label: at most 63 lower-case letters, digits and "-", starting with a letter (found "${name.slice(0, 80)}", ${name.length} characters)`,
      ),
    );
  }
  const spec = asObj(doc.object.spec);
  if (spec === undefined) return out;
  out.push(...intDiagnostic(doc, 'spec.replicas', spec.replicas, 0, INT32_MAX));
  if (kind === 'HorizontalPodAutoscaler') {
    out.push(...intDiagnostic(doc, 'spec.minReplicas', spec.minReplicas, 1, INT32_MAX));
    out.push(...intDiagnostic(doc, 'spec.maxReplicas', spec.maxReplicas, 1, INT32_MAX));
  }
  if (kind === 'Service') {
    asList(spec.ports).forEach((p, i) => {
      const port = asObj(p);
      if (port === undefined) return;
      const at = `spec.ports[${i}]`;
      out.push(...intDiagnostic(doc, `${at}.port`, port.port, 1, 65535));
      out.push(...intDiagnostic(doc, `${at}.targetPort`, port.targetPort, 1, 65535));
      out.push(...intDiagnostic(doc, `${at}.nodePort`, port.nodePort, 0, 65535));
    });
  }
  return out;
}

/** Every API server limit the documents break. */
export function limitDiagnostics(docs: readonly ManifestDoc[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const doc of docs) {
    out.push(...metadataDiagnostics(doc, 'metadata'));
    const argo = doc.object.apiVersion === ARGO_API_VERSION;
    if (argo && doc.object.kind === 'Rollout') {
      out.push(...rolloutNameDiagnostics(doc));
      out.push(...metadataDiagnostics(doc, 'spec.template.metadata'));
    } else if (!argo) {
      out.push(...plainObjectDiagnostics(doc));
    }
  }
  return out;
}
