// The demo's side of the traffic setup (scripts/traffic/up.sh): its ports and names, read from
// scripts/traffic/versions.sh so the two never differ, and the backend's control endpoint, through
// which the demo makes one revision fail a share of its requests.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { revisionOfPod } from './shares.ts';

const root = path.resolve(import.meta.dirname, '../..');

export function trafficSetting(name: string): string {
  const script = `. scripts/traffic/versions.sh && printf %s "$${name}"`;
  return execFileSync('bash', ['-c', script], { cwd: root, encoding: 'utf8' });
}

/** Runs a setup script of the repo (`scripts/cluster/up.sh`) and returns the last line it printed. */
export function lastLineOf(script: string): string {
  const line = execFileSync('bash', [path.join(root, script)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  if (!line) throw new Error(`${script} printed nothing`);
  return line;
}

export const BACKEND = `http://127.0.0.1:${trafficSetting('BACKEND_CONTROL_PORT')}`;
export const TRAEFIK_METRICS = `127.0.0.1:${trafficSetting('TRAEFIK_ADMIN_PORT')}`;
export const INGRESS_CLASS = trafficSetting('TRAFFIC_INGRESS_CLASS');

interface BoundPod {
  readonly pod: string;
  readonly namespace: string;
  readonly revision: string;
}

/**
 * The revision the backend reports for a ReplicaSet's pods (by pod name), once one of them is
 * bound; undefined while none is. Throws when the backend reports none: it then predates reading
 * rollouts-pod-template-hash, and failures could not be aimed at one revision.
 */
async function backendRevision(
  namespace: string,
  rollout: string,
  hash: string,
): Promise<string | undefined> {
  const res = await fetch(`${BACKEND}/pods`, { signal: AbortSignal.timeout(5000) });
  const { pods } = (await res.json()) as { pods: BoundPod[] };
  const pod = pods.find((p) => p.namespace === namespace && revisionOfPod(rollout, p.pod) === hash);
  if (pod === undefined) return undefined;
  if (pod.revision === '')
    throw new Error(
      `the running backend reports no revision for ${pod.pod}: it predates reading rollouts-pod-template-hash; restart the traffic setup (bash scripts/traffic/down.sh && bash scripts/traffic/up.sh)`,
    );
  return pod.revision;
}

export async function setFailureShare(namespace: string, revision: string, rate: number): Promise<void> {
  const res = await fetch(`${BACKEND}/failures`, {
    method: 'POST',
    body: JSON.stringify({ namespace, revision, rate }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`POST ${BACKEND}/failures: ${res.status} ${await res.text()}`);
}

/**
 * The backend's revision key for the pods of ReplicaSet `<rollout>-<hash>`, once one of them is
 * bound (waits, bounded by `timeoutMs`). Throws when the backend reports none for them.
 */
export async function boundRevision(
  namespace: string,
  rollout: string,
  hash: string,
  timeoutMs = 60_000,
): Promise<string> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const revision = await backendRevision(namespace, rollout, hash);
    if (revision !== undefined) return revision;
    await sleep(100);
  }
  throw new Error(`no pod of ${rollout}-${hash} was bound in ${timeoutMs} ms`);
}
