/**
 * `lint` accepts every blue-green Rollout in Argo Rollouts' own docs and examples (v1.10.2, read from
 * its Go module, the one scripts/conformance/build.sh builds; nothing of it is copied here).
 *
 * Left out, on purpose: docs/features/specification.md (the field reference, whose values are
 * placeholders such as "never|onsuccess|progressively"), docs/proposals/ (designs, not features),
 * and Helm templates (`{{ }}`). A `...` line in a snippet stands for "the rest of the spec" and is
 * filled with a selector and a pod template; the AnalysisTemplates a snippet names are added as
 * stubs that declare the args it passes, as a real repository would hold them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { validateManifests } from '../../src/manifests/validate.ts';

const root = path.resolve(import.meta.dirname, '../..');

function argoModuleDir(): string {
  const script = `. scripts/conformance/versions.sh && cd "$(mktemp -d)" && GOTOOLCHAIN=$ARGO_GOTOOLCHAIN GOFLAGS=-mod=mod go mod download -json github.com/argoproj/argo-rollouts@$ARGO_VERSION`;
  const out = execFileSync('bash', ['-c', script], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const FILLER = [
  '  replicas: 2',
  '  selector:',
  '    matchLabels: { app: example }',
  '  template:',
  '    metadata: { labels: { app: example } }',
  '    spec: { containers: [{ name: app, image: example/app:1 }] }',
].join('\n');

/** The AnalysisTemplates a snippet names, as stubs that declare the args it passes. */
function stubTemplates(text: string): string[] {
  const stubs = new Map<string, Set<string>>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (Array.isArray(o.templates)) {
      const args = (Array.isArray(o.args) ? o.args : []).map((a) => String((a as { name?: unknown }).name));
      for (const t of o.templates as { templateName?: unknown }[]) {
        const name = String(t.templateName);
        stubs.set(name, new Set([...(stubs.get(name) ?? []), ...args]));
      }
    }
    Object.values(o).forEach(visit);
  };
  parseAllDocuments(text).forEach((d) => {
    visit(d.toJS());
  });
  return [...stubs].map(([name, args]) =>
    stringify({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name },
      spec: {
        args: [...args].map((a) => ({ name: a })),
        metrics: [{ name: 'm', provider: { web: { url: 'https://metrics.example.com/ok' } } }],
      },
    }),
  );
}

function blueGreenExamples(dir: string): { where: string; text: string }[] {
  const files = [...walk(path.join(dir, 'docs/features')), ...walk(path.join(dir, 'examples'))].filter(
    (f) => /\.(md|ya?ml)$/.test(f) && !f.endsWith('specification.md'),
  );
  return files.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    const blocks = f.endsWith('.md')
      ? [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
      : [text];
    return blocks
      .map((b, i) => ({ where: `${path.relative(dir, f)} (block ${i + 1})`, text: b }))
      .filter((b) => /kind: Rollout/.test(b.text) && /blueGreen:/.test(b.text) && !/\{\{/.test(b.text))
      .map((b) => {
        const filled = b.text.replace(/^\s*\.\.\.\s*$/m, FILLER);
        return { where: b.where, text: [filled, ...stubTemplates(filled)].join('\n---\n') };
      });
  });
}

test("lint accepts every blue-green Rollout in Argo Rollouts' docs and examples", () => {
  const examples = blueGreenExamples(argoModuleDir());
  assert.ok(examples.length >= 5, `found ${examples.length} examples`);
  const problems = examples.flatMap(({ where, text }) =>
    validateManifests([{ display: where, text }]).diagnostics.map(
      (d) => `${where}: ${d.path ?? ''}: ${d.message}`,
    ),
  );
  assert.deepEqual(problems, []);
});
