import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ActionRun } from '../../support/action.ts';
import type { RSFacts } from './kube.ts';

/**
 * One settle point, in a shape both implementations map into: Argo's Rollout.status and the
 * ReplicaSets it owns, or rollout-pilot's stored status (the state ConfigMap) and its ReplicaSets.
 * Pod-template hashes differ by design, so everything is keyed by revision
 * (`rollout.argoproj.io/revision`).
 */
export interface SettlePoint {
  phase: string;
  currentStepIndex: number | undefined;
  pauseReasons: string[];
  controllerPause: boolean;
  abort: boolean;
  /** Revision of `currentPodHash`. */
  currentRevision: number | undefined;
  /** Revision of `stableRS`. */
  stableRevision: number | undefined;
  /** Revision the stable and canary Services select (0: a hash no ReplicaSet has; undefined: none). */
  stableServiceRevision: number | undefined;
  canaryServiceRevision: number | undefined;
  /** `spec.replicas/available` per revision, e.g. `{ "1": "4/4", "2": "1/1" }`. */
  replicaSets: Record<string, string>;
  /** With a traffic router: the canary weight in the status, then the router's objects (routers.ts). */
  router?: string | undefined;
}

/** What one status object says, before it is keyed by revision. */
export interface RawStatus {
  phase: string;
  currentStepIndex: number | undefined;
  pauseReasons: string[];
  controllerPause: boolean;
  abort: boolean;
  currentPodHash: string | undefined;
  stableRS: string | undefined;
}

export function toSettlePoint(
  status: RawStatus,
  sets: RSFacts[],
  services: { stable: string | undefined; canary: string | undefined },
  router?: string,
): SettlePoint {
  const revisionOf = (hash: string | undefined): number | undefined =>
    hash === undefined ? undefined : (sets.find((rs) => rs.hash === hash)?.revision ?? 0);
  const replicaSets: Record<string, string> = {};
  for (const rs of [...sets].sort((a, b) => a.revision - b.revision)) {
    replicaSets[String(rs.revision)] = `${rs.spec}/${rs.available}`;
  }
  return {
    phase: status.phase,
    currentStepIndex: status.currentStepIndex,
    pauseReasons: [...status.pauseReasons].sort(),
    controllerPause: status.controllerPause,
    abort: status.abort,
    currentRevision: revisionOf(status.currentPodHash),
    stableRevision: revisionOf(status.stableRS),
    stableServiceRevision: revisionOf(services.stable),
    canaryServiceRevision: revisionOf(services.canary),
    replicaSets,
    ...(router === undefined ? {} : { router }),
  };
}

export const FIELDS: (keyof SettlePoint)[] = [
  'phase',
  'currentStepIndex',
  'pauseReasons',
  'controllerPause',
  'abort',
  'currentRevision',
  'stableRevision',
  'stableServiceRevision',
  'canaryServiceRevision',
  'replicaSets',
  'router',
];

export function show(v: unknown): string {
  if (v === undefined) return '-';
  if (Array.isArray(v)) return v.length === 0 ? '[]' : v.join(',');
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v)
      .map(([k, x]) => `r${k}=${String(x)}`)
      .join(' ');
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : JSON.stringify(v);
}

/** The fields that differ, by name. */
export function differences(argo: SettlePoint, pilot: SettlePoint): (keyof SettlePoint)[] {
  return differencesIn(FIELDS, argo, pilot);
}

/** The fields of any point shape that differ (blue-green's points have their own fields). */
export function differencesIn<P>(fields: (keyof P)[], argo: P, pilot: P): (keyof P)[] {
  return fields.filter((f) => show(argo[f]) !== show(pilot[f]));
}

/** Two points of any shape side by side, the differing rows marked (`~`: a known difference). */
export function tableOf<P>(fields: (keyof P)[], argo: P, pilot: P, known: (keyof P)[] = []): string {
  const rows = fields.map((f) => {
    const a = show(argo[f]);
    const p = show(pilot[f]);
    const mark = a === p ? ' ' : known.includes(f) ? '~' : '!';
    return [mark, String(f), a, p];
  });
  const w1 = Math.max(5, ...rows.map((r) => (r[1] ?? '').length));
  const w2 = Math.max(18, ...rows.map((r) => (r[2] ?? '').length));
  const line = (r: string[]): string =>
    `${r[0] ?? ' '} ${(r[1] ?? '').padEnd(w1)} | ${(r[2] ?? '').padEnd(w2)} | ${r[3] ?? ''}`;
  return [line([' ', 'field', 'Argo Rollouts v1.10.2', 'rollout-pilot']), ...rows.map(line)].join('\n');
}

/** A documented difference from Argo, asserted as it is, in any point shape. */
export interface KnownFieldDifference<P> {
  field: keyof P;
  argo: string;
  pilot: string;
}

/**
 * Asserts one settle point of a side-by-side scenario: every field equal except the known
 * differences (which must stay exactly as documented), and rollout-pilot's exit code matching its
 * phase. The side-by-side table goes to the test's diagnostics either way.
 */
export function assertSettlePoint<P extends { phase: string }>(
  t: TestContext,
  where: string,
  fields: (keyof P)[],
  points: { argo: P; pilot: P; run: ActionRun },
  known: KnownFieldDifference<P>[],
): void {
  const { argo, pilot, run } = points;
  const table = tableOf(
    fields,
    argo,
    pilot,
    known.map((k) => k.field),
  );
  const unexpected = differencesIn(fields, argo, pilot).filter((f) => !known.some((k) => k.field === f));
  assert.deepEqual(unexpected, [], `${where}: rollout-pilot differs from Argo Rollouts\n${table}`);
  for (const k of known) {
    assert.deepEqual(
      [JSON.stringify(argo[k.field]), JSON.stringify(pilot[k.field])],
      [k.argo, k.pilot],
      `${where}: the known difference in ${String(k.field)} changed\n${table}`,
    );
  }
  const wantExit = pilot.phase === 'Degraded' ? 1 : 0;
  assert.equal(run.exitCode, wantExit, `${where}: exit code\n${run.stdout}\n${run.stderr}`);
  t.diagnostic(`${where}\n${table}`);
}
