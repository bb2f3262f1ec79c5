/**
 * Kubernetes rules that Argo objects inherit: label selectors against pod template labels, pod
 * templates' containers, int-or-percent values. Pure.
 */
import { joinPath } from './manifest-doc.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { asList, asObj, asStr, asStringMap, dig, isSet, valueAt } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

const PERCENT = /^\d+%$/;

/**
 * An int-or-percent (maxSurge, maxUnavailable): a whole number of pods, or a percentage string.
 * `max100` for values that cannot exceed all pods (maxUnavailable).
 */
export function checkIntOrPercent(
  doc: ManifestDoc,
  path: string,
  value: unknown,
  options: { max100?: boolean } = {},
): Diagnostic[] {
  if (!isSet(value)) return [];
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0
      ? []
      : [
          diagnosticAt(
            doc,
            path,
            `must be a whole number of pods (0 or more) or a percentage such as "25%", not ${String(value)}`,
          ),
        ];
  }
  if (typeof value !== 'string') return []; // the schema reports the type
  if (!PERCENT.test(value)) {
    const hint = /^\d+$/.test(value) ? ` (write ${value} without quotes for pods, or "${value}%")` : '';
    return [
      diagnosticAt(
        doc,
        path,
        `must be a whole number of pods or a percentage such as "25%", not ${JSON.stringify(value)}${hint}`,
      ),
    ];
  }
  if (options.max100 && Number(value.slice(0, -1)) > 100) {
    return [diagnosticAt(doc, path, `cannot be more than 100%, found ${JSON.stringify(value)}`)];
  }
  return [];
}

/** 0 for `0` or `"0%"`, the number otherwise; undefined when the value is not a valid int-or-percent. */
export function intOrPercentValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && PERCENT.test(value)) return Number(value.slice(0, -1));
  return undefined;
}

export interface Requirement {
  text: string;
  ok: (labels: Readonly<Record<string, string>>) => boolean;
}

export function requirements(selector: Record<string, unknown>): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(asStringMap(selector.matchLabels))) {
    reqs.push({ text: `${k}=${v}`, ok: (l) => l[k] === v });
  }
  for (const e of asList(selector.matchExpressions)) {
    const key = asStr(dig(e, 'key'));
    const op = asStr(dig(e, 'operator'));
    const values = asList(dig(e, 'values')).filter((x): x is string => typeof x === 'string');
    if (key === undefined || op === undefined) continue;
    const set = `(${values.join(', ')})`;
    switch (op) {
      case 'In':
        reqs.push({ text: `${key} in ${set}`, ok: (l) => l[key] !== undefined && values.includes(l[key]) });
        break;
      case 'NotIn':
        reqs.push({
          text: `${key} notin ${set}`,
          ok: (l) => l[key] === undefined || !values.includes(l[key]),
        });
        break;
      case 'Exists':
        reqs.push({ text: `${key} exists`, ok: (l) => l[key] !== undefined });
        break;
      case 'DoesNotExist':
        reqs.push({ text: `!${key}`, ok: (l) => l[key] === undefined });
        break;
    }
  }
  return reqs;
}

/**
 * A label selector's own rules (not empty; operators with the right values) and, when `labelsPath`
 * is given, that it matches the pod template's labels, as Kubernetes requires of workloads.
 */
export function checkSelector(
  doc: ManifestDoc,
  selectorPath: string,
  templateLabelsPath: string | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const selector = asObj(valueAt(doc.object, selectorPath));
  if (!selector) return out;
  const exprs = asList(selector.matchExpressions);
  exprs.forEach((e, i) => {
    const op = asStr(dig(e, 'operator'));
    const values = asList(dig(e, 'values'));
    const at = joinPath(joinPath(selectorPath, 'matchExpressions'), i);
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      out.push(diagnosticAt(doc, at, `operator ${op} needs a non-empty values list`));
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      out.push(diagnosticAt(doc, joinPath(at, 'values'), `operator ${op} takes no values; remove them`));
    }
  });
  const reqs = requirements(selector);
  if (Object.keys(asStringMap(selector.matchLabels)).length === 0 && exprs.length === 0) {
    out.push(
      diagnosticAt(
        doc,
        selectorPath,
        'an empty selector is invalid: it would select every pod; add matchLabels matching the pod template labels',
      ),
    );
    return out;
  }
  if (templateLabelsPath === undefined) return out;
  const labels = asStringMap(valueAt(doc.object, templateLabelsPath));
  const failing = reqs.filter((r) => !r.ok(labels));
  if (failing.length > 0) {
    const have = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    out.push(
      diagnosticAt(
        doc,
        selectorPath,
        `selector does not match the pod template labels (${templateLabelsPath}): ` +
          `needs ${failing.map((r) => r.text).join(', ')}; the template has ` +
          (have.length > 0 ? have.join(', ') : 'no labels'),
      ),
    );
  }
  return out;
}

/** Containers of a pod template: at least one, names unique across containers and initContainers. */
export function checkPodTemplate(doc: ManifestDoc, templatePath: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const spec = asObj(valueAt(doc.object, `${templatePath}.spec`));
  if (!spec) return out;
  const containers = spec.containers;
  if (Array.isArray(containers) && containers.length === 0) {
    out.push(diagnosticAt(doc, `${templatePath}.spec.containers`, 'needs at least one container'));
  }
  const seen = new Map<string, string>();
  for (const listName of ['initContainers', 'containers']) {
    asList(spec[listName]).forEach((c, i) => {
      const name = asStr(dig(c, 'name'));
      if (name === undefined) return;
      const path = `${templatePath}.spec.${listName}[${i}].name`;
      const first = seen.get(name);
      if (first !== undefined) {
        out.push(
          diagnosticAt(
            doc,
            path,
            `duplicate container name "${name}" (also ${first}); names must be unique in a pod`,
          ),
        );
      } else {
        seen.set(name, `${listName}[${i}]`);
      }
    });
  }
  return out;
}
