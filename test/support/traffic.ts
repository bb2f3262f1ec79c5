// Helpers for sending real requests (scripts/traffic/up.sh: the pod network and Traefik): two
// revisions of an app as kwok pods that answer, requests through the proxy, the binomial bounds the
// measured shares are held to, and the backend's counters and failure rates. Used by the traffic
// integration and end-to-end tests.
import { execFileSync } from 'node:child_process';
import { Agent, request, type IncomingMessage } from 'node:http';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Ingress,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { eventually } from './cluster.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** The ports and names scripts/traffic/versions.sh pins, read from it so the two never differ. */
function trafficSetting(name: string): string {
  return execFileSync('bash', ['-c', `. scripts/traffic/versions.sh && printf %s "$${name}"`], {
    cwd: root,
    encoding: 'utf8',
  });
}

export const PROXY = `http://127.0.0.1:${trafficSetting('TRAEFIK_WEB_PORT')}`;
export const BACKEND_CONTROL = `http://127.0.0.1:${trafficSetting('BACKEND_CONTROL_PORT')}`;
export const GATEWAY = {
  namespace: trafficSetting('TRAFFIC_NAMESPACE'),
  name: trafficSetting('TRAFFIC_GATEWAY'),
};
export const INGRESS_CLASS = trafficSetting('TRAFFIC_INGRESS_CLASS');

/**
 * The `skip` option of a traffic test: the reason it cannot run when the pod network and Traefik are
 * not up, or undefined when they are. On CI (CI=true) a missing setup is a failure, never a skip:
 * scripts/test.sh starts it there, so its absence means the wiring broke.
 */
export function trafficSkip(): string | undefined {
  try {
    execFileSync('bash', [path.join(root, 'scripts/traffic/up.sh'), '--check'], { stdio: 'ignore' });
    return undefined;
  } catch {
    const why =
      'the traffic setup is not up: run `bash scripts/traffic/up.sh` (root; builds Traefik on first use)';
    if (process.env.CI === 'true') throw new Error(`CI=true, and ${why}`);
    return why;
  }
}

export interface Revision {
  readonly name: string;
  /** The pod-template-hash of the Deployment's pods, which the backend answers with. */
  readonly hash: string;
  readonly pods: readonly string[];
}

/** A pod template whose pods the backend answers for: one container declaring port 8080. */
export function answeringPodTemplate(labels: Record<string, string>, image: string): V1PodTemplateSpec {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
  };
}

/** A Deployment of `replicas` kwok pods on port 8080 and a Service `name` on port 80 in front of it. */
export async function deployRevision(
  kc: KubeConfig,
  namespace: string,
  name: string,
  replicas: number,
): Promise<Revision> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const labels = { app: 'web', track: name };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: answeringPodTemplate(labels, `example/web:${name}`),
      },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  const pods = await eventually(`${replicas} running ${name} pods`, async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector: `track=${name}` });
    const running = list.items.filter((p) => p.status?.phase === 'Running' && p.status.podIP);
    return running.length === replicas ? running : undefined;
  });
  const hash = pods[0]?.metadata?.labels?.['pod-template-hash'] ?? '';
  const names = pods.map((p) => p.metadata?.name ?? '');
  // Traffic only once the backend has bound every pod's IP.
  await eventually(`the backend binding ${name}'s pods`, async () => {
    const bound = (await (await fetch(`${BACKEND_CONTROL}/pods`)).json()) as { pods: { pod: string }[] };
    const boundNames = new Set(bound.pods.map((p) => p.pod));
    return names.every((n) => boundNames.has(n)) ? true : undefined;
  });
  return { name, hash, pods: names };
}

/** Another Service `name` in front of the pods of revision `track`, on port 80. */
export async function serviceFor(
  kc: KubeConfig,
  namespace: string,
  name: string,
  track: string,
): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace,
    body: {
      metadata: { name },
      spec: { selector: { app: 'web', track }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
}

/** An Ingress of the class Traefik serves, for `host`, to `service` port 80, with NGINX annotations. */
export function ingressFor(
  name: string,
  host: string,
  service: string,
  annotations: Record<string, string> = {},
): V1Ingress {
  const prefixed = Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]),
  );
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, annotations: prefixed },
    spec: {
      ingressClassName: INGRESS_CLASS,
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly pod: string;
  readonly revision: string;
}

// Keep-alive connections, as a real client's; fetch cannot be used, since it drops the Host header.
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** A response read whole: its status, and the pod and revision the backend answered as. */
export function answerOf(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      let body: { pod?: string; revision?: string } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // Traefik's own answers (404 before a route exists) are plain text.
      }
      resolve({ status: res.statusCode ?? 0, pod: body.pod ?? '', revision: body.revision ?? '' });
    });
    res.on('error', reject);
  });
}

/** One request through Traefik for `host`, with extra request headers; bounded in time (5 s). */
export function ask(host: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${PROXY}/`, { agent, headers: { ...headers, host }, timeout: 5000 }, (res) => {
      answerOf(res).then(resolve, reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request for ${host} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** `count` requests, `concurrency` at a time; bounded in count, and each in time (5 s). */
export async function askMany(
  host: string,
  count: number,
  headers: Record<string, string> = {},
  concurrency = 8,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      answers.push(await ask(host, headers));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

/**
 * Steady load, as real users send: about `perSecond` requests a second for `host` (in ten bursts a
 * second) until `stop` aborts or `maxMs` passes, whichever is first. Bounded in time and so in count.
 * A request that fails outright (no answer within 5 s) counts as status 0.
 */
export async function steadyLoad(
  host: string,
  o: { perSecond: number; maxMs: number; stop: AbortSignal; headers?: Record<string, string> },
): Promise<Answer[]> {
  const answers: Answer[] = [];
  const burst = Math.max(1, Math.round(o.perSecond / 10));
  const deadline = Date.now() + o.maxMs;
  while (!o.stop.aborted && Date.now() < deadline) {
    const tick = new Promise((r) => setTimeout(r, 100));
    const sent = Array.from({ length: burst }, () =>
      ask(host, o.headers).catch(() => ({ status: 0, pod: '', revision: '' })),
    );
    answers.push(...(await Promise.all(sent)));
    await tick;
  }
  return answers;
}

/** The revision the backend answers with for each pod it has bound, by pod name. */
export async function backendRevisions(namespace: string): Promise<Map<string, string>> {
  const bound = (await (await fetch(`${BACKEND_CONTROL}/pods`)).json()) as {
    pods: { pod: string; namespace: string; revision: string }[];
  };
  return new Map(bound.pods.filter((p) => p.namespace === namespace).map((p) => [p.pod, p.revision]));
}

/** Waits until a probe request for `host` is answered by a pod of `revision` (the route is live). */
export async function untilAnsweredBy(
  host: string,
  revision: Revision,
  headers: Record<string, string> = {},
): Promise<void> {
  await eventually(
    `${host} routed to ${revision.name}`,
    async () => ((await ask(host, headers)).revision === revision.hash ? true : undefined),
    30_000,
    50,
  );
}

/**
 * The acceptance interval for the count of successes in `n` draws with probability `p`: the
 * narrowest [lo, hi] with P(X < lo) ≤ alpha/2 and P(X > hi) ≤ alpha/2 under Binomial(n, p). A
 * count outside it has probability at most `alpha` if the split really is p.
 */
export function binomialBounds(n: number, p: number, alpha: number): { lo: number; hi: number } {
  // In logs, scaled by the largest term: (1 - p)^n alone underflows to 0 for a few thousand requests.
  const logs: number[] = [n * Math.log1p(-p)];
  for (let k = 0; k < n; k++)
    logs.push((logs[k] ?? 0) + Math.log(n - k) + Math.log(p) - Math.log(k + 1) - Math.log1p(-p));
  const top = Math.max(...logs);
  const scaled = logs.map((l) => Math.exp(l - top));
  const total = scaled.reduce((a, b) => a + b, 0);
  const pmf = scaled.map((x) => x / total);
  let lo = 0;
  let below = 0;
  while (lo < n && below + (pmf[lo] ?? 0) <= alpha / 2) below += pmf[lo++] ?? 0;
  let hi = n;
  let above = 0;
  while (hi > lo && above + (pmf[hi] ?? 0) <= alpha / 2) above += pmf[hi--] ?? 0;
  return { lo, hi };
}

/** The backend's request counter for one pod and status code. */
export async function backendCount(namespace: string, pod: string, code: number): Promise<number> {
  const text = await (await fetch(`${BACKEND_CONTROL}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('backend_requests_total{') &&
        l.includes(`namespace="${namespace}"`) &&
        l.includes(`pod="${pod}"`) &&
        l.includes(`code="${code}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Sets the share of requests a revision's pods fail with 500. */
export async function setFailureRate(namespace: string, revision: string, rate: number): Promise<void> {
  const res = await fetch(`${BACKEND_CONTROL}/failures`, {
    method: 'POST',
    body: JSON.stringify({ namespace, revision, rate }),
  });
  if (!res.ok) throw new Error(`setting the failure rate: ${res.status} ${await res.text()}`);
}
