// Bundles the action (dist/index.js) and the CLI (dist/cli.js). `--check` rebuilds into a temporary
// folder and fails when the committed dist/ differs: the runner executes dist/, not src/.
import { build } from 'esbuild';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const check = process.argv.includes('--check');
const outdir = check ? await mkdtemp(path.join(tmpdir(), 'rp-dist-')) : 'dist';
if (!check) await rm('dist', { recursive: true, force: true });

await build({
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  // Some bundled dependencies are CommonJS and call require(); give them one.
  banner: {
    js: "import { createRequire as __rpCreateRequire } from 'node:module'; const require = __rpCreateRequire(import.meta.url);",
  },
});

// The CLI is run as a program (`npx rollout-pilot`): it needs an interpreter line.
const cli = path.join(outdir, 'cli.js');
await writeFile(cli, `#!/usr/bin/env node\n${await readFile(cli, 'utf8')}`);
await chmod(cli, 0o755);

if (check) {
  const list = async (dir) =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  const want = await list(outdir);
  const have = await list('dist').catch(() => []);
  const diffs = [];
  for (const f of new Set([...want, ...have])) {
    const a = await readFile(path.join(outdir, f), 'utf8').catch(() => null);
    const b = await readFile(path.join('dist', f), 'utf8').catch(() => null);
    if (a !== b) diffs.push(f);
  }
  await rm(outdir, { recursive: true, force: true });
  if (diffs.length > 0) {
    console.error(
      `dist/ does not match a clean build of src/ (${diffs.join(', ')}): run npm run build and commit dist/`,
    );
    process.exit(1);
  }
  console.log('dist/ matches a clean build');
}
