import type { Op, Scenario } from './harness/scenario.ts';

const v = (n: number, podAnnotations?: Record<string, string>): Op => ({
  do: 'deploy',
  image: `example/app:${n}`,
  ...(podAnnotations ? { podAnnotations } : {}),
});
const promote: Op = { do: 'promote' };
const abort: Op = { do: 'abort' };
const retry: Op = { do: 'retry' };
const pause = { pause: {} };

/** Hand-written scenarios: each op ends at a settle point compared field by field. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'reference ladder, 5 replicas, default 25%/25%, promote through every pause',
    replicas: 5,
    steps: [
      { setWeight: 20 },
      pause,
      { setWeight: 40 },
      { pause: { duration: '1s' } },
      { setWeight: 70 },
      pause,
    ],
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'abort at each pause, retry after each abort, 4 replicas',
    replicas: 4,
    steps: [{ setWeight: 25 }, pause, { setWeight: 50 }, pause, { setWeight: 75 }, pause],
    ops: [v(1), v(2), abort, retry, promote, abort, retry, promote, promote, abort, retry],
  },
  {
    name: 'promote-full from the first pause, 10 replicas, maxSurge 3, maxUnavailable 0',
    replicas: 10,
    steps: [{ setWeight: 10 }, pause, { setWeight: 30 }, pause],
    canary: { maxSurge: 3, maxUnavailable: 0 },
    ops: [v(1), v(2), { do: 'promote-full' }],
  },
  {
    name: 'a new revision in the middle of a rollout, 6 replicas, 50% surge, 0% unavailable',
    replicas: 6,
    steps: [{ setWeight: 33 }, pause, { setWeight: 67 }, pause],
    canary: { maxSurge: '50%', maxUnavailable: '0%' },
    ops: [v(1), v(2), promote, v(3), promote, promote],
  },
  {
    name: 'undo to the stable revision mid-rollout, then undo a finished update, 5 replicas',
    replicas: 5,
    steps: [{ setWeight: 40 }, pause, { setWeight: 80 }, pause],
    ops: [v(1), v(2), { do: 'undo' }, v(4), promote, promote, { do: 'undo' }],
  },
  {
    name: 'minReadySeconds 2, 3 replicas, maxSurge 1, maxUnavailable 0',
    replicas: 3,
    spec: { minReadySeconds: 2 },
    steps: [{ setWeight: 34 }, pause, { setWeight: 67 }, pause],
    canary: { maxSurge: 1, maxUnavailable: 0 },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: 'a crash-looping canary is aborted by progressDeadlineAbort, then a good revision goes through',
    replicas: 4,
    spec: { progressDeadlineSeconds: 10, progressDeadlineAbort: true },
    steps: [{ setWeight: 25 }, pause, { setWeight: 50 }, pause],
    ops: [v(1), v(2, { 'rollout-pilot.dev/pod-behaviour': 'crashloop' }), v(3), promote, promote],
  },
  {
    name: '1 replica, maxSurge 0, maxUnavailable 1',
    replicas: 1,
    steps: [{ setWeight: 50 }, pause, { setWeight: 90 }, pause],
    canary: { maxSurge: 0, maxUnavailable: 1 },
    ops: [v(1), v(2), promote, promote],
  },
  {
    name: '25 replicas, maxSurge 10%, maxUnavailable 5%, odd weights',
    replicas: 25,
    steps: [{ setWeight: 7 }, pause, { setWeight: 33 }, pause, { setWeight: 91 }, pause],
    canary: { maxSurge: '10%', maxUnavailable: '5%' },
    ops: [v(1), v(2), promote, promote, promote],
  },
  {
    // Known difference (docs/compatibility.md): at full weight Argo drains the old stable while its
    // stable Service still selects it, so the Service has no endpoints while paused; rollout-pilot
    // points the stable Service at the new ReplicaSet first.
    name: 'a setWeight 100 step before the last pause: where the stable Service points',
    replicas: 4,
    steps: [{ setWeight: 50 }, pause, { setWeight: 100 }, pause],
    ops: [v(1), v(2), promote, promote],
    known: [{ after: 2, field: 'stableServiceRevision', argo: '1', pilot: '2' }],
  },
  {
    name: 'workloadRef: the template comes from a Deployment, 3 replicas',
    replicas: 3,
    workloadRef: {},
    steps: [{ setWeight: 34 }, pause],
    ops: [v(1), v(2), promote],
  },
];
