/** Shared by the manifest tests: lint YAML text or fixture files the way `lint` does. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { type ManifestDoc } from '../../../src/manifests/manifest-doc.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import { validateManifests } from '../../../src/manifests/validate.ts';
import type { Diagnostic } from '../../../src/util/errors.ts';

export const FIXTURES = path.join(import.meta.dirname, '../../fixtures/manifests');

export function lintText(text: string, display = 'test.yaml'): Diagnostic[] {
  return validateManifests([{ display, text }]).diagnostics;
}

export function lintObjects(...objects: unknown[]): Diagnostic[] {
  return lintText(objects.map((o) => stringify(o)).join('---\n'));
}

export function lintFixture(...relative: string[]): Diagnostic[] {
  return validateManifests(
    relative.map((r) => ({ display: r, text: readFileSync(path.join(FIXTURES, r), 'utf8') })),
  ).diagnostics;
}

export function fixtureNames(dir: string): string[] {
  return readdirSync(path.join(FIXTURES, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

export function onlyDoc(text: string): ManifestDoc {
  const { docs, diagnostics } = parseManifestText('test.yaml', text);
  if (diagnostics.length > 0 || docs.length !== 1 || !docs[0]) {
    throw new Error(`expected one clean document, got ${docs.length} and ${JSON.stringify(diagnostics)}`);
  }
  return docs[0];
}

export function docFromObject(o: unknown): ManifestDoc {
  return onlyDoc(stringify(o));
}

/** `path: message` lines, for readable assertion failures. */
export function show(ds: readonly Diagnostic[]): string {
  return ds.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n');
}

/** A valid basic-canary Rollout to mutate in table rows. */
export function baseRollout(): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'demo' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'demo' } },
      template: {
        metadata: { labels: { app: 'demo' } },
        spec: { containers: [{ name: 'demo', image: 'nginx:1.27' }] },
      },
      strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }] } },
    },
  };
}

/** A valid AnalysisTemplate with one required arg (`service`) and one defaulted arg. */
export function baseTemplate(name = 'error-rate'): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      args: [{ name: 'service' }, { name: 'threshold', value: '5' }],
      metrics: [
        {
          name: 'errors',
          interval: '1m',
          count: 3,
          successCondition: 'result[0] < {{args.threshold}}',
          provider: {
            prometheus: { address: 'http://prometheus:9090', query: 'errors{service="{{args.service}}"}' },
          },
        },
      ],
    },
  };
}

/**
 * A deep copy of `base` with each `path: value` applied (`spec.strategy.canary.steps[1].pause`);
 * `undefined` deletes the field. Missing intermediate objects are created.
 */
export function patch(base: unknown, changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const [p, value] of Object.entries(changes)) {
    const keys = p.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
    let cur: Record<string, unknown> | unknown[] = copy;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const k: string | number = /^\d+$/.test(key) ? Number(key) : key;
      const container = cur as Record<string | number, unknown>;
      if (last) {
        if (value === undefined) {
          if (Array.isArray(cur) && typeof k === 'number') cur.splice(k, 1);
          else Reflect.deleteProperty(container, k);
        } else {
          container[k] = value;
        }
        return;
      }
      const next = container[k];
      if (typeof next !== 'object' || next === null) {
        const created: Record<string, unknown> | unknown[] = /^\d+$/.test(keys[i + 1] ?? '') ? [] : {};
        container[k] = created;
        cur = created;
      } else {
        cur = next as Record<string, unknown> | unknown[];
      }
    });
  }
  return copy;
}

/**
 * A Rollout `web` (namespace `namespace` when given) as YAML text, with `canary` as the lines of its
 * `spec.strategy.canary`, indented two spaces a level as written; `#@` marks lines a test expects.
 */
export function rolloutText(canary: readonly string[], namespace?: string): string {
  return [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Rollout',
    'metadata:',
    '  name: web',
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    'spec:',
    '  replicas: 2',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    '    metadata: {labels: {app: web}}',
    '    spec: {containers: [{name: web, image: example/web:1}]}',
    '  strategy:',
    '    canary:',
    ...canary.map((l) => `      ${l}`),
  ].join('\n');
}

/** Documents joined into one file. */
export const yamlDocs = (...docs: string[]): string => docs.join('\n---\n') + '\n';

/** The 1-based lines holding `#@tag` (`#@` alone: tag ''), by tag. */
export function markedLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  text.split('\n').forEach((l, i) => {
    const m = /#@(\w*)/.exec(l);
    if (m) out.set(m[1] ?? '', i + 1);
  });
  return out;
}

/**
 * Lints `text` and compares every diagnostic, as `line message`, with `expect` (`[tag, message]`,
 * the line taken from the `#@tag` marker).
 */
export function lintMarked(
  text: string,
  expect: readonly (readonly [string, string])[],
): {
  actual: string[];
  expected: string[];
} {
  const lines = markedLines(text);
  const actual = lintText(text).map((d) => `${d.line} ${d.message}`);
  const expected = expect.map(([tag, message]) => {
    const line = lines.get(tag);
    if (line === undefined) throw new Error(`no #@${tag} marker`);
    return `${line} ${message}`;
  });
  return { actual, expected };
}
