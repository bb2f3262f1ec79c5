import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { canaryManifests } from '../test/support/rollout.ts';

/** A canary Rollout of `replicas` pods at image version `version`, with its stable and canary Services. */
export const rolloutDocs = (name: string, version: number, replicas: number, steps: unknown[]): unknown[] =>
  canaryManifests({ name, replicas, image: `example/${name}:${version}`, steps });

/** `count` setWeight steps, evenly up to 100. */
export const weightSteps = (count: number): unknown[] =>
  Array.from({ length: count }, (_, i) => ({ setWeight: Math.round(((i + 1) * 100) / count) }));

/** A new directory holding `apps.yaml`: the documents, one YAML document each. */
export async function appsDir(docs: readonly unknown[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-bench-multi-'));
  await writeFile(path.join(dir, 'apps.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  return dir;
}

/** The environment the bundled action runs `run` on apps.yaml in: its inputs as INPUT_ variables. */
export function actionEnv(namespace: string, kubeconfig: string): Record<string, string> {
  const inputs = { manifests: 'apps.yaml', namespace, kubeconfig, 'watch-pauses': 'false' };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ROLLOUT_PILOT_DRIVER_ID: `bench-${namespace}#1`,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return env;
}

/** VmHWM (peak RSS) of a process, in kB, from /proc. */
export async function peakRssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
