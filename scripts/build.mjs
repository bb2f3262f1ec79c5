// Bundles the action (dist/index.js) and the CLI (dist/cli.js), and writes dist/licenses.txt: the
// name, version, license and license text of every third-party package in the bundle. `--check`
// rebuilds into a temporary folder and fails when the committed dist/ differs: the runner executes
// dist/, not src/.
import { build } from 'esbuild';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const check = process.argv.includes('--check');
const outdir = check ? await mkdtemp(path.join(tmpdir(), 'rp-dist-')) : 'dist';
if (!check) await rm('dist', { recursive: true, force: true });

// The package's index loads modules src/ never uses; scripts/k8s-client.mjs names what it does.
// Its KubeConfig imports two names from the generated index; scripts/k8s-client-gen.mjs gives them
// without the index's model classes. The package's imports of undici go to
// scripts/k8s-client-undici.mjs: src/ talks to the API server over node:https.
const k8sClient = {
  name: 'k8s-client',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({
      path: path.resolve('scripts/k8s-client.mjs'),
    }));
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      /@kubernetes[/\\]client-node[/\\]dist[/\\]config\.js$/.test(args.importer)
        ? { path: path.resolve('scripts/k8s-client-gen.mjs') }
        : undefined,
    );
    b.onResolve({ filter: /^undici$/ }, (args) =>
      /@kubernetes[/\\]client-node[/\\]dist[/\\]/.test(args.importer)
        ? { path: path.resolve('scripts/k8s-client-undici.mjs') }
        : undefined,
    );
  },
};

// The bundle's ESM imports of node:http go through scripts/node-http.mjs (why: there). Only import
// statements: a bundled package's require('http') is Node's CommonJS module as it was, so code that
// reads `http.globalAgent` or sets it sees the real one.
const nodeHttp = {
  name: 'node-http',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.kind === 'import-statement' ? { path: path.resolve('scripts/node-http.mjs') } : undefined,
    );
  },
};

// @actions/core imports its OIDC client (and with it @actions/http-client and undici 6, 0.6 MB) for
// getIDToken, which rollout-pilot never calls: marked free of side effects, the unused module is
// left out and the action's entry does not load it.
const unusedOidc = {
  name: 'unused-oidc',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, async (args) => {
      if (!args.importer.includes('@actions/core') || args.pluginData === 'inner') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      return { ...resolved, sideEffects: false };
    });
  },
};

const result = await build({
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  // Without comments and indentation the bundle is half the size and pure ASCII: Node reads and
  // compiles it at start, and one non-ASCII character in a comment makes V8 hold all of it as
  // two-byte text. Names stay as written, so stack traces still read.
  minifyWhitespace: true,
  plugins: [k8sClient, unusedOidc, nodeHttp],
  logLevel: 'warning',
  metafile: true,
  // Some bundled dependencies are CommonJS and call require(); give them one.
  banner: {
    js: "import { createRequire as __rpCreateRequire } from 'node:module'; const require = __rpCreateRequire(import.meta.url);",
  },
});

// The CLI is run as a program (`npx rollout-pilot`): it needs an interpreter line.
const cli = path.join(outdir, 'cli.js');
await writeFile(cli, `#!/usr/bin/env node\n${await readFile(cli, 'utf8')}`);
await chmod(cli, 0o755);

// RP_METAFILE=FILE keeps esbuild's metafile (which inputs went into which chunk, and their bytes).
if (process.env.RP_METAFILE) await writeFile(process.env.RP_METAFILE, JSON.stringify(result.metafile));

// The packages esbuild put code of into the bundle (a module tree-shaken to nothing does not count),
// from the metafile: the path after the last node_modules/ starts with the package's name.
const packageDirs = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const parts = input.split('/');
    const at = parts.lastIndexOf('node_modules');
    if (at < 0 || bytesInOutput === 0) continue;
    const nameLength = parts[at + 1]?.startsWith('@') ? 2 : 1;
    packageDirs.add(parts.slice(0, at + 1 + nameLength).join('/'));
  }
}
const packages = new Map();
for (const dir of packageDirs) {
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
  const license =
    typeof pkg.license === 'string'
      ? pkg.license
      : (pkg.license?.type ??
        (Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type ?? l).join(' OR ') : 'UNKNOWN'));
  const files = (await readdir(dir))
    .filter((f) => /^((un)?licen[cs]e|copying|notice)([.-].*)?$/i.test(f))
    .sort();
  const texts = await Promise.all(files.map(async (f) => (await readFile(path.join(dir, f), 'utf8')).trim()));
  const text = texts.join('\n\n').replace(/\r\n?/g, '\n') || `(${pkg.name} ships no license file)`;
  packages.set(`${pkg.name}@${pkg.version}`, { name: pkg.name, version: pkg.version, license, text });
}
const byName = (a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1);
await writeFile(
  path.join(outdir, 'licenses.txt'),
  [...packages.values()]
    .sort(byName)
    .map((p) => `${p.name}@${p.version}\nLicense: ${p.license}\n\n${p.text}\n`)
    .join('\n-----\n\n'),
);

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
