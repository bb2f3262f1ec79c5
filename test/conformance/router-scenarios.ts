import type { Op, Scenario } from './harness/scenario.ts';

const v = (n: number): Op => ({ do: 'deploy', image: `example/app:${n}` });
const promote: Op = { do: 'promote' };
const abort: Op = { do: 'abort' };
const retry: Op = { do: 'retry' };
const pause = { pause: {} };
/** Short delays keep the suite quick; two scenarios keep Argo's 30 s defaults. */
const quick = { scaleDownDelaySeconds: 2, abortScaleDownDelaySeconds: 2 };

const header = (name: string, value: Record<string, string>): unknown => ({
  setHeaderRoute: { name, match: [{ headerName: 'x-tester', headerValue: value }] },
});

/** Traffic-routed scenarios: every settle point also compares the router's objects and weight. */
export const ROUTER_SCENARIOS: Scenario[] = [
  {
    name: 'nginx: ladder 20/50, 5 replicas, promote through both pauses',
    replicas: 5,
    steps: [{ setWeight: 20 }, pause, { setWeight: 50 }, pause],
    canary: quick,
    router: { kind: 'nginx' },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'nginx: abort at each pause and retry, 4 replicas',
    replicas: 4,
    steps: [{ setWeight: 25 }, pause, { setWeight: 75 }, pause],
    canary: quick,
    router: { kind: 'nginx' },
    ops: [v(1), v(2), abort, retry, promote, abort, retry, promote, promote],
  },
  {
    name: 'nginx: seed 3 shape, header annotations through additionalIngressAnnotations, 1 replica',
    replicas: 1,
    steps: [{ setWeight: 10 }, pause],
    canary: quick,
    router: {
      kind: 'nginx',
      nginx: {
        annotationPrefix: 'nginx.ingress.kubernetes.io',
        additionalIngressAnnotations: { 'canary-by-header': 'X-Canary', 'canary-by-header-value': 'true' },
        canaryIngressAnnotations: { 'example.com/team': 'web' },
      },
    },
    ops: [v(1), v(2), promote],
  },
  {
    name: 'nginx: maxTrafficWeight 1000 (canary-weight-total), 10 replicas',
    replicas: 10,
    steps: [{ setWeight: 100 }, pause, { setWeight: 550 }, pause],
    canary: quick,
    router: { kind: 'nginx', extra: { maxTrafficWeight: 1000 } },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'nginx: setCanaryScale 2 pods at weight 0, then matchTrafficWeight at 50',
    replicas: 6,
    steps: [
      { setCanaryScale: { replicas: 2 } },
      pause,
      { setWeight: 50 },
      { setCanaryScale: { matchTrafficWeight: true } },
      pause,
    ],
    canary: quick,
    router: { kind: 'nginx' },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'nginx: promote-full from the first pause, 5 replicas',
    replicas: 5,
    steps: [{ setWeight: 20 }, pause, { setWeight: 60 }, pause],
    canary: quick,
    router: { kind: 'nginx' },
    ops: [v(1), v(2), { do: 'promote-full' }],
  },
  {
    name: 'nginx: a new revision in the middle, 4 replicas',
    replicas: 4,
    steps: [{ setWeight: 25 }, pause, { setWeight: 50 }, pause],
    canary: quick,
    router: { kind: 'nginx' },
    ops: [v(1), v(2), v(3), promote, promote],
  },
  {
    name: 'nginx: Argo’s default 30 s scale-down delays after a promotion and an abort, 2 replicas',
    replicas: 2,
    steps: [{ setWeight: 50 }, pause],
    router: { kind: 'nginx' },
    ops: [v(1), v(2), promote, v(3), abort],
  },
  {
    name: 'nginx: undo to the stable revision mid-rollout, 3 replicas',
    replicas: 3,
    steps: [{ setWeight: 34 }, pause, { setWeight: 67 }, pause],
    canary: quick,
    router: { kind: 'nginx' },
    ops: [v(1), v(2), { do: 'undo' }],
  },
  {
    name: 'nginx: minPodsPerReplicaSet 2 with setWeight 10 on 5 replicas',
    replicas: 5,
    steps: [{ setWeight: 10 }, pause, { setWeight: 40 }, pause],
    canary: { ...quick, minPodsPerReplicaSet: 2 },
    router: { kind: 'nginx' },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'istio host-level: ladder 25/50, 4 replicas, the user route left alone',
    replicas: 4,
    steps: [{ setWeight: 25 }, pause, { setWeight: 50 }, pause],
    canary: quick,
    router: { kind: 'istio-host' },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'istio host-level: abort and retry, 3 replicas',
    replicas: 3,
    steps: [{ setWeight: 34 }, pause, { setWeight: 67 }, pause],
    canary: quick,
    router: { kind: 'istio-host' },
    ops: [v(1), v(2), abort, retry, promote, promote],
  },
  {
    name: 'istio host-level: header and mirror routes set by steps, removed at promotion',
    replicas: 2,
    steps: [
      { setWeight: 20 },
      header('testers', { exact: 'yes' }),
      {
        setMirrorRoute: {
          name: 'shadow',
          percentage: 50,
          match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }],
        },
      },
      pause,
      { setWeight: 60 },
      pause,
    ],
    canary: quick,
    router: { kind: 'istio-host', extra: { managedRoutes: [{ name: 'testers' }, { name: 'shadow' }] } },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'istio host-level: a header route removed by an empty setHeaderRoute, then aborted',
    replicas: 2,
    // Not at step 0: an abort goes back to step 0, and Argo v1.10.2 may then set a header route
    // of step 0 again on an aborted canary (docs/compatibility.md, Traffic routers).
    steps: [
      { setWeight: 20 },
      header('testers', { prefix: 'qa-' }),
      pause,
      { setHeaderRoute: { name: 'testers' } },
      { setWeight: 50 },
      pause,
    ],
    canary: quick,
    router: { kind: 'istio-host', extra: { managedRoutes: [{ name: 'testers' }] } },
    ops: [v(1), v(2), promote, abort],
  },
  {
    name: 'istio host-level: promote-full and a new revision mid-rollout, 5 replicas',
    replicas: 5,
    steps: [{ setWeight: 20 }, pause, { setWeight: 80 }, pause],
    canary: quick,
    router: { kind: 'istio-host' },
    ops: [v(1), v(2), v(3), { do: 'promote-full' }],
  },
  {
    name: 'istio host-level: setCanaryScale weight 50 while the router stays at 10',
    replicas: 4,
    steps: [{ setCanaryScale: { weight: 50 } }, { setWeight: 10 }, pause],
    canary: quick,
    router: { kind: 'istio-host' },
    ops: [v(1), v(2), promote],
  },
  {
    name: 'istio subset-level: ladder 25/75 with the DestinationRule subsets pinned, 4 replicas',
    replicas: 4,
    steps: [{ setWeight: 25 }, pause, { setWeight: 75 }, pause],
    canary: quick,
    router: { kind: 'istio-subset' },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'istio subset-level: abort, retry and a new revision, 3 replicas',
    replicas: 3,
    steps: [{ setWeight: 34 }, pause, { setWeight: 67 }, pause],
    canary: quick,
    router: { kind: 'istio-subset' },
    ops: [v(1), v(2), abort, retry, v(3), promote, promote],
  },
  {
    name: 'istio subset-level: a header route to the canary subset',
    replicas: 2,
    steps: [{ setWeight: 10 }, header('testers', { regex: '^(qa|dev)$' }), pause],
    canary: quick,
    router: { kind: 'istio-subset', extra: { managedRoutes: [{ name: 'testers' }] } },
    ops: [v(1), v(2), promote],
  },
  {
    name: 'istio host-level: dynamicStableScale shrinks the stable as the canary grows, then an abort',
    replicas: 4,
    steps: [{ setWeight: 25 }, pause, { setWeight: 75 }, pause],
    canary: { dynamicStableScale: true },
    router: { kind: 'istio-host' },
    ops: [v(1), v(2), promote, abort],
  },
];
