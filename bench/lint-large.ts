/**
 * How long `lint` takes on one very large manifest file, and how much memory it needs.
 *
 *   node bench/lint-large.ts [--documents 30000]
 *
 * Writes a file of one Rollout and N-1 Services, runs the built CLI (`dist/cli.js lint`) on it as a
 * user would, and prints the wall time, CPU time and peak RSS of that process, then one JSON line.
 * Asserts nothing: the figures are for docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { documents: { type: 'string', default: '30000' } } });
const documents = Number(values.documents);

function service(i: number): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: svc-${String(i)}`,
    'spec:',
    '  selector:',
    '    app: web',
    '  ports:',
    '    - port: 80',
    '      targetPort: 8080',
  ].join('\n');
}

const rollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 5
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: example/web:1
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause: {}`;

/** Runs the CLI and measures it from inside the child (CPU and peak RSS of that process alone). */
async function lint(
  file: string,
): Promise<{ exitCode: number; wallMs: number; cpuMs: number; rssMiB: number }> {
  const cli = path.resolve(import.meta.dirname, '../dist/cli.js');
  const probe = `
    process.on('exit', () => {
      const u = process.resourceUsage();
      process.stderr.write('\\nBENCH ' + JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssMiB: u.maxRSS / 1024 }) + '\\n');
    });
    process.argv.splice(1, 0, ${JSON.stringify(cli)});
    await import(${JSON.stringify(cli)});`;
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', probe, 'lint', '--manifests', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number>((resolve) =>
    child.on('close', (code) => {
      resolve(code ?? 1);
    }),
  );
  const wallMs = performance.now() - started;
  const line = stderr.split('\n').find((l) => l.startsWith('BENCH '));
  const usage = JSON.parse(line?.slice(6) ?? '{"cpuMs":0,"rssMiB":0}') as { cpuMs: number; rssMiB: number };
  return { exitCode, wallMs, ...usage };
}

const dir = await mkdtemp(path.join(tmpdir(), 'rp-lint-bench-'));
try {
  const file = path.join(dir, 'large.yaml');
  const text =
    [rollout, ...Array.from({ length: documents - 1 }, (_, i) => service(i))].join('\n---\n') + '\n';
  await writeFile(file, text);
  const result = await lint(file);
  const mib = Buffer.byteLength(text) / 1024 / 1024;
  console.log(
    `lint of ${String(documents)} documents (${mib.toFixed(1)} MiB) exit ${String(result.exitCode)}`,
  );
  console.log(
    `  wall ${(result.wallMs / 1000).toFixed(2)} s, CPU ${(result.cpuMs / 1000).toFixed(2)} s, peak RSS ${result.rssMiB.toFixed(0)} MiB`,
  );
  console.log(JSON.stringify({ documents, mib, ...result }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
