import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses GITHUB_OUTPUT's `name<<DELIM\nvalue\nDELIM` blocks as the runner does. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2]) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
    out[m[1]] = value.join('\n');
  }
  return out;
}

/**
 * Runs the bundled action exactly as a runner does: `node dist/index.js` with INPUT_* and GITHUB_*
 * variables, and files for outputs and the job summary.
 */
export async function runAction(
  inputs: Record<string, string>,
  options: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal } = {},
): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-action-'));
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: options.cwd ?? root,
    RUNNER_TEMP: dir,
    ...options.env,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const child = spawn(process.execPath, [path.join(root, 'dist/index.js')], {
    cwd: options.cwd ?? root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: options.signal,
    // An abort is a hard kill, like a cancelled runner: no cleanup code runs.
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (code, sig) => {
      resolve([code, sig]);
    });
    child.on('error', () => undefined);
  });
  const outputs = parseOutputFile(await readFile(outputFile, 'utf8'));
  const summary = await readFile(summaryFile, 'utf8');
  await rm(dir, { recursive: true, force: true });
  return { exitCode, signal, stdout, stderr, outputs, summary };
}
