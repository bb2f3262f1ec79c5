import { createHash } from 'node:crypto';

/** The alphabet Kubernetes uses for generated names: no vowels, no look-alike characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal objects always serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A short, stable hash of a pod template, used in ReplicaSet names and the
 * `rollouts-pod-template-hash` label. Shaped like Argo's (a 32-bit number, safe-encoded) but not
 * equal to it: Argo hashes a Go-specific dump of its structs (see docs/compatibility.md).
 */
export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(template)).digest();
  const n = digest.readUInt32BE(0);
  const digits = String(n);
  let out = '';
  for (let i = 0; i < digits.length; i++)
    out += SAFE_ALPHABET[digits.charCodeAt(i) % SAFE_ALPHABET.length] ?? 'b';
  return out;
}

/** Hash of the step list, so a changed list restarts the steps as Argo's currentStepHash does. */
export function stepsHash(steps: unknown): string {
  return podTemplateHash(steps ?? []);
}
