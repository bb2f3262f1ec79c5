/**
 * The order of several Rollouts driven by one run: the annotation `rollout-pilot.dev/after: a, b`
 * on a Rollout starts it once the Rollouts `a` and `b` of the same manifests are Healthy; Rollouts
 * without it start at once, in parallel. The lint rules here check the names and look for cycles.
 * Pure.
 */
import { ARGO_API_VERSION } from './kinds.ts';
import { joinPath } from './manifest-doc.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { asObj, asStr } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export const AFTER_ANNOTATION = 'rollout-pilot.dev/after';

const AFTER_PATH = joinPath('metadata.annotations', AFTER_ANNOTATION);

/** Which Rollouts each one waits for, by name. */
export type RolloutOrder = ReadonlyMap<string, readonly string[]>;

/** `a, b` → ['a', 'b']: names separated by commas or spaces. */
export function parseAfter(value: string): string[] {
  return [
    ...new Set(
      value
        .split(/[\s,]+/)
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  ];
}

const isRollout = (d: ManifestDoc): boolean =>
  d.object.apiVersion === ARGO_API_VERSION && d.object.kind === 'Rollout';

const nameOf = (d: ManifestDoc): string | undefined => asStr(asObj(d.object.metadata)?.name);

/** The annotation's value on a Rollout document; undefined when absent or not a string. */
function afterOf(doc: ManifestDoc): string | undefined {
  return asStr(asObj(asObj(doc.object.metadata)?.annotations)?.[AFTER_ANNOTATION]);
}

/** The order the Rollouts' annotations give, every Rollout of the manifests a key. */
export function orderFromDocs(docs: readonly ManifestDoc[]): Map<string, string[]> {
  const order = new Map<string, string[]>();
  for (const doc of docs.filter(isRollout)) {
    const name = nameOf(doc);
    if (name === undefined) continue;
    const after = afterOf(doc);
    order.set(name, after === undefined ? [] : parseAfter(after));
  }
  return order;
}

/**
 * A cycle in the order, as the names along it (`a → b → a`); undefined when there is none.
 * Depth-first, in the order of the map, so the same manifests always name the same cycle.
 */
export function findCycle(order: RolloutOrder): string[] | undefined {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const at = onPath.indexOf(name);
    if (at >= 0) return [...onPath.slice(at), name];
    if (done.has(name)) return undefined;
    onPath.push(name);
    for (const dep of order.get(name) ?? []) {
      const cycle = visit(dep);
      if (cycle !== undefined) return cycle;
    }
    onPath.pop();
    done.add(name);
    return undefined;
  };
  for (const name of order.keys()) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Names no other Rollout of the manifests has (its own name included), with the Rollout that names them. */
export function unknownNames(order: RolloutOrder): { rollout: string; unknown: string }[] {
  const out: { rollout: string; unknown: string }[] = [];
  for (const [rollout, after] of order) {
    for (const name of after) if (!order.has(name) || name === rollout) out.push({ rollout, unknown: name });
  }
  return out;
}

/** Lint: every name in `after` is another Rollout of the manifests, and the order has no cycle. */
export function rolloutOrderRules(docs: readonly ManifestDoc[]): Diagnostic[] {
  const rollouts = docs.filter(isRollout);
  const order = orderFromDocs(rollouts);
  const docOf = (name: string): ManifestDoc | undefined => rollouts.find((d) => nameOf(d) === name);
  const out: Diagnostic[] = [];
  const known = [...order.keys()].join(', ');
  for (const { rollout, unknown } of unknownNames(order)) {
    const doc = docOf(rollout);
    if (doc === undefined) continue;
    const message =
      unknown === rollout
        ? `${AFTER_ANNOTATION}: ${rollout} cannot wait for itself`
        : `${AFTER_ANNOTATION}: no Rollout named "${unknown}" in the manifests (found ${known})`;
    out.push(diagnosticAt(doc, AFTER_PATH, message));
  }
  // Unknown names and self-references are reported above; the cycle check looks at the rest.
  const resolvable = new Map([...order].map(([k, v]) => [k, v.filter((n) => order.has(n) && n !== k)]));
  const cycle = findCycle(resolvable);
  const first = cycle?.[0];
  const doc = first === undefined ? undefined : docOf(first);
  if (cycle !== undefined && doc !== undefined) {
    out.push(
      diagnosticAt(
        doc,
        AFTER_PATH,
        `${AFTER_ANNOTATION}: the Rollouts wait for each other in a cycle (${cycle.join(' → ')}), so none of them could start`,
      ),
    );
  }
  return out;
}
