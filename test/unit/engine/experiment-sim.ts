/**
 * A small fake cluster for the experiment engine: it applies the actions, makes pods available one
 * tick after they are asked for (unless a template never gets ready), and answers each analysis run
 * from a script. Used by experiment.test.ts to run whole experiments tick by tick.
 */
import { decideExperiment } from '../../../src/engine/experiment.ts';
import type {
  EngineExperiment,
  ExperimentAction,
  ExperimentDecision,
  ExperimentPhase,
  ExperimentReplicaSet,
  ExperimentRunView,
  ExperimentStatus,
} from '../../../src/engine/experiment-types.ts';
import { at, emptyStatus } from './experiment-fixtures.ts';

export interface SimOptions {
  /** Templates whose pods never become available. */
  neverReady?: string[];
  /** The phase of a run `seconds` after it started. */
  run?: (analysis: string, seconds: number) => ExperimentPhase;
  tickSeconds?: number;
}

export interface Tick {
  second: number;
  decision: ExperimentDecision;
}

interface World {
  replicaSets: Record<string, ExperimentReplicaSet>;
  services: Record<string, boolean>;
  runs: Record<string, { analysis: string; started: number; terminated: boolean }>;
}

function apply(world: World, action: ExperimentAction, second: number): void {
  switch (action.kind) {
    case 'createExperimentReplicaSet':
      world.replicaSets[action.template] = {
        name: action.name,
        hash: `h-${action.template}`,
        specReplicas: action.replicas,
        replicas: 0,
        readyReplicas: 0,
        availableReplicas: 0,
      };
      return;
    case 'scaleExperimentReplicaSet': {
      const rs = world.replicaSets[action.template];
      if (rs) rs.specReplicas = action.replicas;
      return;
    }
    case 'setExperimentScaleDownDeadline': {
      const rs = world.replicaSets[action.template];
      if (rs) rs.scaleDownDeadline = action.deadline;
      return;
    }
    case 'createExperimentService':
      world.services[action.template] = true;
      return;
    case 'deleteExperimentService':
      world.services[action.template] = false;
      return;
    case 'startExperimentAnalysis':
      world.runs[action.id] = { analysis: action.analysis, started: second, terminated: false };
      return;
    case 'terminateExperimentAnalysis': {
      const run = world.runs[action.id];
      if (run) run.terminated = true;
      return;
    }
  }
}

/** Pods follow the ReplicaSets' sizes, one tick late; never-ready templates get pods that never serve. */
function settle(world: World, neverReady: readonly string[]): void {
  for (const [template, rs] of Object.entries(world.replicaSets)) {
    rs.replicas = rs.specReplicas;
    const ready = neverReady.includes(template) ? 0 : rs.specReplicas;
    rs.readyReplicas = ready;
    rs.availableReplicas = ready;
  }
}

function runViews(world: World, second: number, options: SimOptions): Record<string, ExperimentRunView> {
  const views: Record<string, ExperimentRunView> = {};
  for (const [id, run] of Object.entries(world.runs)) {
    const phase = options.run?.(run.analysis, second - run.started) ?? 'Running';
    views[id] = {
      phase: run.terminated && phase === 'Running' ? 'Successful' : phase,
      terminated: run.terminated,
    };
  }
  return views;
}

/** Runs the experiment until it is done or `seconds` pass; `change` may edit the spec at a second. */
export function simulate(
  experiment: EngineExperiment,
  seconds: number,
  options: SimOptions = {},
  change?: (second: number, spec: EngineExperiment) => EngineExperiment,
): Tick[] {
  const world: World = { replicaSets: {}, services: {}, runs: {} };
  const ticks: Tick[] = [];
  let status: ExperimentStatus = emptyStatus();
  let spec = experiment;
  for (let second = 0; second <= seconds; second += options.tickSeconds ?? 5) {
    spec = change?.(second, spec) ?? spec;
    const decision = decideExperiment({
      experiment: spec,
      status,
      replicaSets: structuredClone(world.replicaSets),
      services: { ...world.services },
      runs: runViews(world, second, options),
      missingTemplates: {},
      failures: {},
      now: at(second),
    });
    ticks.push({ second, decision });
    for (const action of decision.actions) apply(world, action, second);
    settle(world, options.neverReady ?? []);
    status = decision.status;
    if (decision.done) break;
  }
  return ticks;
}

/** The phase after each tick, with consecutive repeats folded: the path the experiment took. */
export function phases(ticks: readonly Tick[]): string[] {
  const out: string[] = [];
  for (const t of ticks) {
    const p = t.decision.status.phase ?? '';
    if (out[out.length - 1] !== p) out.push(p);
  }
  return out;
}

/** Each ReplicaSet size the engine asked for, in order, as "template=replicas@second". */
export function sizes(ticks: readonly Tick[]): string[] {
  return ticks.flatMap((t) =>
    t.decision.actions.flatMap((a) =>
      a.kind === 'createExperimentReplicaSet' || a.kind === 'scaleExperimentReplicaSet'
        ? [`${a.template}=${a.replicas}@${t.second}`]
        : [],
    ),
  );
}
