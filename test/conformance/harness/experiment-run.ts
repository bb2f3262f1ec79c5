import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { differencesIn, tableOf, type KnownFieldDifference } from './compare.ts';
import { ArgoExperimentSide, PilotExperimentSide, type ExperimentSide, type Timeline } from './experiment.ts';
import {
  EXPERIMENT_FIELDS,
  finalSettled,
  isComplete,
  runningSettled,
  type ExperimentPoint,
} from './experiment-observe.ts';
import { freshNamespace, roleKubeconfig, sleep } from './kube.ts';
import type { MetricServer, Verdicts } from './metric-server.ts';
import { holdSteady } from './settle.ts';

/**
 * A settle point: `running` = Running with every template available and every analysis started;
 * `final` = a completed phase with every ReplicaSet at 0 and no Service left. `terminate` first
 * sets `spec.terminate` (Argo's `terminate experiment`, rollout-pilot's `abort`).
 */
export type ExperimentOp = { at: 'running'; verdicts?: Verdicts } | { at: 'final'; terminate?: boolean };

/** A difference from Argo that docs/compatibility.md documents, asserted as it is. */
export interface KnownExperimentDifference extends KnownFieldDifference<ExperimentPoint> {
  /** Index of the op after which it shows. */
  after: number;
  /** A race in Argo: some runs show the known value, others the same as ours. */
  racy?: boolean;
}

export interface ExperimentScenario {
  name: string;
  /** The AnalysisTemplates and the Experiment (named `NAME`), with this run's metric URLs. */
  manifests: (metrics: MetricServer, key: string) => unknown[];
  /** What the run's `web` metrics answer at first (both pass unless set). */
  verdicts?: Verdicts;
  ops: ExperimentOp[];
  known?: KnownExperimentDifference[];
  /**
   * Compare when the phase completed, counted from availableAt (default) or from when the side's
   * ReplicaSets were first seen (its start: our side is a process that starts after the create).
   */
  timing?: 'fromAvailable' | 'fromCreate' | 'none';
}

export const NAME = 'exp';

/** Both sides, or only Argo's (ROLLOUT_PILOT_CONFORMANCE_SIDES=argo): what Argo does, recorded. */
const SIDES = process.env.ROLLOUT_PILOT_CONFORMANCE_SIDES === 'argo' ? 'argo' : 'both';
/** How far apart the two sides' completion times may be, in seconds (reconcile and tick jitter). */
const TIMING_TOLERANCE_S = 4;

export interface ExperimentTimes {
  available: number | undefined;
  /** The side's first ReplicaSet created (its creationTimestamp; else first seen). */
  created: number | undefined;
  complete: number | undefined;
  /** Every ReplicaSet at 0. */
  scaledDown: number | undefined;
}

export function timesOf(tl: Timeline): ExperimentTimes {
  const complete = tl.firstTime('phase', /^(Successful|Failed|Error|Inconclusive)$/);
  return {
    available: tl.availableAt() ?? tl.firstTime('availableAt', /^true$/),
    created: tl.createdAt() ?? tl.firstTime('replicaSets', /\S/),
    complete,
    // Argo creates each ReplicaSet at 0 first: only "every one at 0" after the end counts.
    scaledDown:
      complete === undefined ? undefined : tl.firstTime('replicaSets', /^(?!.* [1-9]\d*\/).+$/, complete),
  };
}

function settle(side: ExperimentSide, op: ExperimentOp, analyses: number): Promise<ExperimentPoint> {
  const hold = side.label === 'Argo Rollouts' ? 1500 : 600;
  return holdSteady(
    `${side.label} ${side.cluster}:${side.namespace}/${side.name} at ${op.at}`,
    async () => {
      const { point, facts, note } = await side.observe();
      const ok =
        op.at === 'running'
          ? runningSettled(point, facts, analyses, side.label === 'Argo Rollouts')
          : finalSettled(point, facts);
      return { point, ok, note };
    },
    hold,
  );
}

/**
 * Polls every side every 300 ms between and during settle points, so each timeline has no gap
 * while the other side is still settling.
 */
function sample(sides: ExperimentSide[]): { stop: () => void } {
  let on = true;
  const loop = async (side: ExperimentSide): Promise<void> => {
    while (on) {
      await side.observe().catch(() => undefined);
      await sleep(300);
    }
  };
  for (const side of sides) void loop(side);
  return {
    stop: () => {
      on = false;
    },
  };
}

export interface ExperimentResult {
  points: { op: ExperimentOp; argo: ExperimentPoint; pilot?: ExperimentPoint }[];
  argo: { timeline: Timeline; times: ExperimentTimes; runs: string };
  pilot?: { timeline: Timeline; times: ExperimentTimes; exitCode: number | null; phase: string | undefined };
}

function analysesOf(docs: unknown[]): number {
  const ex = docs.find((d) => (d as { kind: string }).kind === 'Experiment') as
    { spec: { analyses?: unknown[] } } | undefined;
  return ex?.spec.analyses?.length ?? 0;
}

/**
 * Runs `sc` through Argo's controller and through rollout-pilot side by side and compares every
 * settle point field by field (a side-by-side table on a mismatch), then when each side completed.
 */
export async function runExperimentScenario(
  t: TestContext,
  sc: ExperimentScenario,
  metrics: MetricServer,
): Promise<ExperimentResult> {
  const argoNs = await freshNamespace(t, 'argo', 'exp-conformance-argo');
  const argo = new ArgoExperimentSide(argoNs, NAME);
  const key = argoNs;
  metrics.set(key, sc.verdicts ?? {});
  const docs = sc.manifests(metrics, key);
  const analyses = analysesOf(docs);
  let pilot: PilotExperimentSide | undefined;
  if (SIDES === 'both') {
    const pilotNs = await freshNamespace(t, 'main', 'exp-conformance-rp');
    pilot = new PilotExperimentSide('main', pilotNs, NAME, await roleKubeconfig('main', pilotNs));
  }
  await Promise.all([argo.create(docs as never[]), pilot?.start(docs)]);
  const sampling = sample([argo, ...(pilot === undefined ? [] : [pilot])]);
  t.after(() => {
    sampling.stop();
  });
  const result: ExperimentResult = { points: [], argo: undefined as never };
  for (const [i, op] of sc.ops.entries()) {
    if (op.at === 'running' && op.verdicts !== undefined) metrics.set(key, op.verdicts);
    const go = async (side: ExperimentSide): Promise<ExperimentPoint> => {
      if (op.at === 'final' && op.terminate === true) await side.terminate();
      return settle(side, op, analyses);
    };
    const [a, p] = await Promise.all([go(argo), pilot === undefined ? undefined : go(pilot)]);
    const where = `${sc.name}: settle point ${i + 1} (${op.at}${op.at === 'final' && op.terminate ? ', terminated' : ''})`;
    if (p === undefined) t.diagnostic(`${where} (Argo only)\n${tableOf(EXPERIMENT_FIELDS, a, a)}`);
    else
      assertExperimentPoint(
        t,
        where,
        a,
        p,
        (sc.known ?? []).filter((k) => k.after === i),
      );
    result.points.push({ op, argo: a, ...(p === undefined ? {} : { pilot: p }) });
  }
  sampling.stop();
  result.argo = { timeline: argo.timeline, times: timesOf(argo.timeline), runs: await argo.runPhases() };
  t.diagnostic(
    `${sc.name}: Argo's timeline\n${argo.timeline.toString()}\n  AnalysisRuns: ${result.argo.runs}`,
  );
  if (pilot !== undefined) {
    const run = await pilot.running;
    assert.ok(run !== undefined);
    result.pilot = {
      timeline: pilot.timeline,
      times: timesOf(pilot.timeline),
      exitCode: run.exitCode,
      phase: run.outputs.phase,
    };
    t.diagnostic(`${sc.name}: rollout-pilot's timeline\n${pilot.timeline.toString()}`);
    assertEnd(sc, result, run.stdout + run.stderr);
  }
  return result;
}

function assertExperimentPoint(
  t: TestContext,
  where: string,
  argo: ExperimentPoint,
  pilot: ExperimentPoint,
  known: KnownExperimentDifference[],
): void {
  const table = tableOf(
    EXPERIMENT_FIELDS,
    argo,
    pilot,
    known.map((k) => k.field),
  );
  const unexpected = differencesIn(EXPERIMENT_FIELDS, argo, pilot).filter(
    (f) => !known.some((k) => k.field === f),
  );
  assert.deepEqual(unexpected, [], `${where}: rollout-pilot differs from Argo Rollouts\n${table}`);
  for (const k of known) {
    if (k.racy === true && String(argo[k.field]) === String(pilot[k.field])) continue;
    assert.deepEqual(
      [argo[k.field], pilot[k.field]].map(String),
      [k.argo, k.pilot],
      `${where}: the known difference in ${k.field} changed\n${table}`,
    );
  }
  t.diagnostic(`${where}\n${table}`);
}

/** The run's outputs and exit code, and when each side completed. */
function assertEnd(sc: ExperimentScenario, r: ExperimentResult, log: string): void {
  const last = r.points.at(-1);
  assert.ok(r.pilot !== undefined && last?.pilot !== undefined);
  if (isComplete(last.pilot.phase)) {
    assert.equal(r.pilot.phase, last.pilot.phase, `output phase\n${log.slice(-3000)}`);
    const failed = ['Failed', 'Error'].includes(last.pilot.phase);
    assert.equal(r.pilot.exitCode !== 0, failed, `exit ${r.pilot.exitCode} for ${last.pilot.phase}`);
  }
  const from = sc.timing ?? 'fromAvailable';
  if (from === 'none' || sc.ops.some((o) => o.at === 'final' && o.terminate === true)) return;
  const span = (x: ExperimentTimes): number | undefined =>
    x.complete === undefined
      ? undefined
      : x.complete - ((from === 'fromAvailable' ? x.available : x.created) ?? 0);
  const a = span(r.argo.times);
  const p = span(r.pilot.times);
  assert.ok(a !== undefined && p !== undefined, `completion times: Argo ${a}, rollout-pilot ${p}`);
  assert.ok(
    Math.abs(a - p) <= TIMING_TOLERANCE_S,
    `${sc.name}: completed ${a.toFixed(1)} s (Argo) vs ${p.toFixed(1)} s (rollout-pilot) ${from}`,
  );
}
