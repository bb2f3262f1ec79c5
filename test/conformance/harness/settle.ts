import type { ActionRun } from '../../support/action.ts';
import type { ArgoRolloutObject, ArgoSide } from './argo.ts';
import { differences, type SettlePoint } from './compare.ts';
import { sleep, type RSFacts } from './kube.ts';
import type { PilotSide } from './pilot.ts';

const SETTLE_TIMEOUT_MS = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_SETTLE_MS ?? 120_000);

/**
 * The ReplicaSets are settled: each one's controller has seen its spec, its pods exist, and they
 * are available (unless the rollout is Degraded, where a crash-looping canary never is).
 */
export function replicaSetsSettled(sets: RSFacts[], phase: string): boolean {
  return sets.every(
    (rs) =>
      rs.observed &&
      !rs.draining &&
      rs.replicas === rs.spec &&
      (rs.available === rs.spec || phase === 'Degraded'),
  );
}

/**
 * The rollout waits for somebody: paused at a step without a duration (or `spec.paused`), Healthy,
 * or Degraded. A timed pause is not a settle point: rollout-pilot drives through it in one run.
 */
export function waiting(point: SettlePoint, steps: unknown[], paused: boolean): boolean {
  if (point.phase === 'Healthy' || point.phase === 'Degraded') return true;
  if (point.phase !== 'Paused') return false;
  if (paused) return true;
  if (point.pauseReasons.length === 0) return false;
  const step = steps[point.currentStepIndex ?? -1] as { pause?: { duration?: unknown } } | undefined;
  return !(point.pauseReasons.includes('CanaryPauseStep') && step?.pause?.duration !== undefined);
}

function describe(point: unknown, extra: string): string {
  return `${JSON.stringify(point)}${extra}`;
}

/**
 * Polls until `probe` returns the same settle point for `holdMs`, or throws after the timeout
 * with the last thing seen.
 */
export async function holdSteady<P>(
  what: string,
  probe: () => Promise<{ point: P; ok: boolean; note: string }>,
  holdMs: number,
): Promise<P> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let key: string | undefined;
  let since = 0;
  let last: { point: P; ok: boolean; note: string } | undefined;
  for (;;) {
    try {
      last = await probe();
      const k = JSON.stringify(last.point);
      if (!last.ok) key = undefined;
      else if (k !== key) {
        key = k;
        since = Date.now();
      } else if (Date.now() - since >= holdMs) return last.point;
    } catch (e) {
      key = undefined;
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not settled after ${SETTLE_TIMEOUT_MS} ms; last seen ${describe(last?.point, last?.note ?? '')}`,
      );
    }
    await sleep(200);
  }
}

/**
 * Argo's Rollout has settled on revision `revision`: the controller has seen the latest spec, the
 * rollout waits (see `waiting`), `currentPodHash` is that revision's (a finished earlier revision
 * also looks settled), the ReplicaSets match their spec, something changed since the previous
 * settle point (a status patch is seen before the controller acts on it), and all of it holds
 * for 1.5 s.
 */
export function settleArgo(
  argo: ArgoSide,
  steps: unknown[],
  revision: number,
  previous: SettlePoint | undefined,
): Promise<SettlePoint> {
  return holdSteady(
    `Argo Rollouts ${argo.namespace}/${argo.name} at revision ${revision}`,
    async () => {
      const { point, sets, ro } = await argo.observe();
      const ok =
        observedLatest(ro) &&
        waiting(point, steps, ro.spec?.paused === true) &&
        point.currentRevision === revision &&
        replicaSetsSettled(sets, point.phase) &&
        (previous === undefined || differences(previous, point).length > 0);
      return { point, ok, note: ` (status.message ${JSON.stringify(ro.status?.message ?? '')})` };
    },
    1500,
  );
}

export function observedLatest(ro: ArgoRolloutObject): boolean {
  return ro.status?.observedGeneration === String(ro.metadata?.generation ?? '');
}

/**
 * rollout-pilot has settled: its run ended (the run ends only when the rollout waits), the stored
 * status is that of revision `revision`, and the ReplicaSets match their spec, for 0.6 s.
 */
export async function settlePilot(pilot: PilotSide, revision: number, run: ActionRun): Promise<SettlePoint> {
  if (run.exitCode !== 0 && !run.outputs.phase) {
    throw new Error(
      `rollout-pilot failed before it drove (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`,
    );
  }
  return holdSteady(
    `rollout-pilot ${pilot.cluster}:${pilot.namespace}/${pilot.name} at revision ${revision}`,
    async () => {
      const { point, sets } = await pilot.observe();
      const ok = point.currentRevision === revision && replicaSetsSettled(sets, point.phase);
      return {
        point,
        ok,
        note: `\n--- run (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}\n${run.stderr}`,
      };
    },
    600,
  );
}
