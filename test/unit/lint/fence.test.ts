/**
 * The lint fence around the pure core (eslint.config.js, docs/architecture.md): a probe file written
 * into a pure folder that breaks one rule must be reported by that rule, and a clean probe (including
 * look-alikes: a local `fetch`, a sibling `./commands.ts`, `node:crypto`, `Date.parse`) must pass.
 * The probes are real files, so the type-aware configuration lints them as it lints the code, and
 * they are removed afterwards.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../../..');

interface Probe {
  name: string;
  /** Folder under the repository, one of the pure folders. */
  dir: string;
  code: string;
  /** The rule that must fire; none at all for a clean probe. */
  rule?:
    | 'no-restricted-imports'
    | 'no-restricted-globals'
    | 'no-restricted-properties'
    | 'no-restricted-syntax'
    | 'max-lines'
    | 'max-lines-per-function';
}

const probes: Probe[] = [
  {
    name: 'clean code passes',
    dir: 'src/engine',
    code: [
      "import { createHash } from 'node:crypto';",
      "import type { CommandOutcome } from './commands.ts';",
      'function fetch(from: Record<string, number>, key: string): number | undefined {',
      '  return from[key];',
      '}',
      'export type Outcome = CommandOutcome<string>;',
      'export const probe = (now: Date, values: Record<string, number>): string =>',
      "  createHash('sha256').update(now.toISOString()).digest('hex') +",
      "  String(fetch(values, 'a') ?? Date.parse('2020-01-01T00:00:00Z')) +",
      '  new Date(now.getTime() + 1000).toISOString();',
    ].join('\n'),
  },
  {
    name: 'importing an adapter',
    dir: 'src/manifests',
    code: "import type { ManifestFile } from '../adapters/files.ts';\nexport type Probe = ManifestFile;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing an adapter from two levels down',
    dir: 'src/analysis/engine',
    code: "import type { ManifestFile } from '../../adapters/files.ts';\nexport type Probe = ManifestFile;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing the controller',
    dir: 'src/report',
    code: "import type { AnalysisRecord } from '../controller/analysis.ts';\nexport type Probe = AnalysisRecord;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing a command',
    dir: 'src/analysis/expr',
    code: "import type { lint } from '../../commands/lint.ts';\nexport type Probe = typeof lint;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing node:fs',
    dir: 'src/engine',
    code: "import { readFileSync } from 'node:fs';\nexport const probe = (f: string): string => readFileSync(f, 'utf8');",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing fs/promises without node:',
    dir: 'src/report',
    code: "import { readFile } from 'fs/promises';\nexport const probe = (f: string): Promise<string> => readFile(f, 'utf8');",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing node:child_process',
    dir: 'src/manifests',
    code: "import { execSync } from 'node:child_process';\nexport const probe = (): string => execSync('true').toString();",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing node:https',
    dir: 'src/analysis/engine',
    code: "import { request } from 'node:https';\nexport const probe = typeof request;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing node:dns',
    dir: 'src/engine',
    code: "import { lookup } from 'node:dns/promises';\nexport const probe = typeof lookup;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing node:worker_threads',
    dir: 'src/engine',
    code: "import { isMainThread } from 'node:worker_threads';\nexport const probe = isMainThread;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing a Kubernetes client',
    dir: 'src/engine',
    code: "import type { V1Pod } from '@kubernetes/client-node';\nexport type Probe = V1Pod;",
    rule: 'no-restricted-imports',
  },
  {
    name: 'importing @actions/core',
    dir: 'src/report',
    code: "import { info } from '@actions/core';\nexport const probe = (s: string): void => {\n  info(s);\n};",
    rule: 'no-restricted-imports',
  },
  {
    name: 'a dynamic import()',
    dir: 'src/engine',
    code: "export const probe = (): Promise<unknown> => import('./hash.ts');",
    rule: 'no-restricted-syntax',
  },
  {
    name: 'fetch',
    dir: 'src/analysis/expr',
    code: "export const probe = (): Promise<Response> => fetch('http://example.invalid/');",
    rule: 'no-restricted-globals',
  },
  {
    name: 'globalThis.fetch',
    dir: 'src/analysis/expr',
    code: "export const probe = (): Promise<Response> => globalThis.fetch('http://example.invalid/');",
    rule: 'no-restricted-properties',
  },
  {
    name: 'setTimeout',
    dir: 'src/engine',
    code: 'export const probe = (f: () => void): void => {\n  setTimeout(f, 1);\n};',
    rule: 'no-restricted-globals',
  },
  {
    name: 'setInterval',
    dir: 'src/report',
    code: 'export const probe = (f: () => void): void => {\n  setInterval(f, 1);\n};',
    rule: 'no-restricted-globals',
  },
  {
    name: 'setImmediate',
    dir: 'src/manifests',
    code: 'export const probe = (f: () => void): void => {\n  setImmediate(f);\n};',
    rule: 'no-restricted-globals',
  },
  {
    name: 'process.env',
    dir: 'src/manifests',
    code: "export const probe = (): string | undefined => process.env['HOME'];",
    rule: 'no-restricted-properties',
  },
  {
    name: 'process',
    dir: 'src/analysis/engine',
    code: 'export const probe = (): string => process.cwd();',
    rule: 'no-restricted-globals',
  },
  {
    name: 'Date.now()',
    dir: 'src/engine',
    code: 'export const probe = (): number => Date.now();',
    rule: 'no-restricted-properties',
  },
  {
    name: 'new Date() with no arguments',
    dir: 'src/analysis/engine',
    code: 'export const probe = (): Date => new Date();',
    rule: 'no-restricted-syntax',
  },
  {
    name: 'Date() called as a function',
    dir: 'src/report',
    code: 'export const probe = (): string => Date();',
    rule: 'no-restricted-syntax',
  },
  {
    name: 'performance.now()',
    dir: 'src/analysis/expr',
    code: 'export const probe = (): number => performance.now();',
    rule: 'no-restricted-properties',
  },
  // The size limits hold in every folder of src/, pure or not.
  {
    name: 'a function of 81 lines',
    dir: 'src/controller',
    code: [
      'export function probe(): number {',
      '  let n = 0;',
      ...Array<string>(77).fill('  n += 1;'),
      '  return n;',
      '}',
    ].join('\n'),
    rule: 'max-lines-per-function',
  },
  {
    name: 'a file of 401 lines',
    dir: 'src/engine',
    code: Array.from({ length: 401 }, (_, i) => `export const probe${i} = ${i};`).join('\n'),
    rule: 'max-lines',
  },
];

const FENCE_RULES = [
  'no-restricted-imports',
  'no-restricted-globals',
  'no-restricted-properties',
  'no-restricted-syntax',
];

const file = (p: Probe, i: number): string => path.join(root, p.dir, `fence-probe-${process.pid}-${i}.ts`);

describe('the lint fence around the pure core', () => {
  let eslint: ESLint;
  before(async () => {
    eslint = new ESLint({ cwd: root });
    await Promise.all(probes.map((p, i) => writeFile(file(p, i), `${p.code}\n`)));
  });
  after(async () => {
    await Promise.all(probes.map((p, i) => rm(file(p, i), { force: true })));
  });

  for (const [i, p] of probes.entries()) {
    test(p.rule === undefined ? p.name : `${p.name}: ${p.rule}`, { timeout: 120_000 }, async () => {
      const [result] = await eslint.lintText(`${p.code}\n`, { filePath: file(p, i) });
      const messages = (result?.messages ?? []).map((m) => `${m.ruleId ?? '(parser)'}: ${m.message}`);
      if (p.rule === undefined) assert.deepEqual(messages, []);
      else
        assert.ok(
          messages.some((m) => m.startsWith(`${p.rule}: `)),
          `expected ${p.rule}, got ${JSON.stringify(messages)}`,
        );
    });
  }

  test('the fence covers every pure module and nothing else', async () => {
    const fenced = async (f: string): Promise<boolean> => {
      const config = (await eslint.calculateConfigForFile(path.join(root, f))) as {
        rules?: Record<string, unknown>;
      };
      return FENCE_RULES.every((rule) => {
        const setting = config.rules?.[rule];
        return Array.isArray(setting) && (setting[0] === 2 || setting[0] === 'error');
      });
    };
    for (const f of [
      'src/engine/canary.ts',
      'src/manifests/validate.ts',
      'src/analysis/engine/run.ts',
      'src/analysis/expr/evaluate.ts',
      'src/analysis/templates.ts',
      'src/report/pr.ts',
    ])
      assert.equal(await fenced(f), true, `${f} is not fenced`);
    for (const f of [
      'src/controller/analysis.ts',
      'src/adapters/files.ts',
      'src/analysis/providers/index.ts',
    ])
      assert.equal(await fenced(f), false, `${f} is fenced`);
  });
});
