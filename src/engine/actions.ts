import type { SetHeaderRoute, SetMirrorRoute } from '../manifests/rollout.ts';
import type { CanaryRouting, EngineRollout, PodMetadata } from './spec.ts';
import type { ReplicaSetRole } from './roles.ts';
import type { AnalysisView, Observation, PodTemplate, RolloutStatus, WeightDestination } from './state.ts';

/** One change to the cluster. Each is absolute (set X to Y), so applying it twice is harmless. */
export type Action =
  /** `template`: the pod template it runs, as written; the adapter adds the hash and rollout labels. */
  | { kind: 'createReplicaSet'; hash: string; revision: number; replicas: number; template: PodTemplate }
  | { kind: 'scaleReplicaSet'; name: string; replicas: number; role: ReplicaSetRole }
  | { kind: 'setRevision'; name: string; revision: number }
  | { kind: 'switchService'; service: string; hash: string }
  | { kind: 'deleteReplicaSet'; name: string }
  | { kind: 'setEphemeralMetadata'; name: string; metadata: PodMetadata }
  | { kind: 'scaleWorkload'; name: string; replicas: number }
  /** Sets (or, undefined, removes) the time an old ReplicaSet keeps its pods until. */
  | { kind: 'setScaleDownDeadline'; name: string; deadline: string | undefined }
  | { kind: 'routeTraffic'; router: RouterTarget; call: RouterCall };

/** What a router adapter is built from: the rollout's router configuration and its Services. */
export interface RouterTarget {
  routing: CanaryRouting;
  stableService: string | undefined;
  canaryService: string | undefined;
}

/**
 * One call to the rollout's traffic router (the TrafficRouter port), in Argo's order. `additional`:
 * the running experiment's weighted templates (unset when there are none).
 */
export type RouterCall =
  | { call: 'updateHash'; canaryHash: string; stableHash: string; additional?: WeightDestination[] }
  | { call: 'setWeight'; weight: number; additional?: WeightDestination[] }
  | { call: 'setHeaderRoute'; route: SetHeaderRoute & { name: string } }
  | { call: 'setMirrorRoute'; route: SetMirrorRoute }
  | { call: 'removeManagedRoutes' };

/**
 * Where an analysis run comes from: a canary step, the canary's background, blue-green's promotion,
 * or FirstDeploy: rollout-pilot's first-deploy analysis, all the rollout's analysis in one run.
 */
export type AnalysisKind = 'Step' | 'Background' | 'PrePromotion' | 'PostPromotion' | 'FirstDeploy';

/** Starts or stops an analysis run: the controller's analysis runner acts on these, not the cluster. */
export type AnalysisAction =
  | { kind: 'startAnalysis'; analysis: AnalysisKind; stepIndex: number | undefined; id: string }
  | { kind: 'terminateAnalysis'; id: string };

/** One tick's input; a strategy's decider narrows `R` to its own member of EngineRollout. */
export interface TickInput<R extends EngineRollout> {
  rollout: R;
  /** Hash of the desired pod template (after image overrides). */
  templateHash: string;
  /** The desired pod template (`spec.template`), which a new ReplicaSet of this revision runs. */
  podTemplate: PodTemplate;
  stepsHash: string;
  status: RolloutStatus;
  observed: Observation;
  now: Date;
  /** Analysis runs of the current revision and attempt, by id (see analysisId). */
  analysis?: ReadonlyMap<string, AnalysisView> | undefined;
  /**
   * The `watch-pauses` input: at a pause without a duration the run goes on while the background
   * analysis of this revision still measures. Unset: the run ends at the pause (the old behaviour).
   */
  watchPauses?: boolean | undefined;
}

export interface Decision {
  actions: Action[];
  /** Analysis runs to start or stop, in order. */
  analysis: AnalysisAction[];
  status: RolloutStatus;
  /** One line per decision, for the log. */
  log: string[];
  /** When to look again: 0 right away; otherwise how long nothing can change by itself. */
  requeueAfterMs: number;
  /**
   * The run can stop: Healthy, paused until a person acts, or Degraded and settled. `exitCode` 1
   * for aborts and timeouts.
   */
  done: { exitCode: 0 | 1 } | undefined;
  /** At a pause without a duration, the run stays because background analysis still measures. */
  watchingPause?: boolean | undefined;
}

/** How often to look while waiting for pods; the ReplicaSets' watch wakes the driver earlier. */
export const POLL_INTERVAL_MS = 5000;
