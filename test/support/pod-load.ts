// Requests straight to pods' IPs over the pod network (scripts/traffic/up.sh routes kwok's pod range
// to the backend, which answers as the pod whose IP was asked), with no proxy or Service between:
// for tests that must load given pods, such as an experiment's, which no route sends traffic to.
import { Agent, request } from 'node:http';
import { answerOf, BACKEND_CONTROL, type Answer } from './traffic.ts';

/** A pod the backend has bound: its IP answers as it. */
export interface BoundPod {
  readonly pod: string;
  readonly namespace: string;
  /** Its rollouts-pod-template-hash (or pod-template-hash): the backend's `revision` label. */
  readonly revision: string;
  readonly ip: string;
}

/** The pods of `namespace` whose IPs the backend answers on now. */
export async function boundPods(namespace: string): Promise<BoundPod[]> {
  const bound = (await (await fetch(`${BACKEND_CONTROL}/pods`)).json()) as { pods: BoundPod[] };
  return bound.pods.filter((p) => p.namespace === namespace);
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One request to `ip`:`port`, bounded in time (5 s); a request with no answer is status 0. */
export function askPod(ip: string, port = 8080): Promise<Answer> {
  const none: Answer = { status: 0, pod: '', revision: '' };
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path: '/', agent, timeout: 5000 }, (res) => {
      answerOf(res).then(resolve, () => {
        resolve(none);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${ip} timed out`)));
    req.on('error', () => {
      resolve(none);
    });
    req.end();
  });
}

/**
 * Steady load on each of `ips`: about `perSecondEach` requests a second to every one (in ten bursts a
 * second), until `stop` aborts or `maxMs` passes. Bounded in time and so in count.
 */
export async function steadyPodLoad(
  ips: readonly string[],
  o: { perSecondEach: number; maxMs: number; stop: AbortSignal },
): Promise<Answer[]> {
  const answers: Answer[] = [];
  const burst = Math.max(1, Math.round(o.perSecondEach / 10));
  const deadline = Date.now() + o.maxMs;
  while (!o.stop.aborted && Date.now() < deadline) {
    const tick = new Promise((r) => setTimeout(r, 100));
    const sent = ips.flatMap((ip) => Array.from({ length: burst }, () => askPod(ip)));
    answers.push(...(await Promise.all(sent)));
    await tick;
  }
  return answers;
}
