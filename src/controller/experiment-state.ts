/**
 * What rollout-pilot keeps in the cluster for a standalone Experiment (design 3.2): its own state
 * ConfigMap `rollout-pilot-experiment.<name>` (and Lease of that name), holding the Experiment as
 * applied, its status in Argo's shape, the AnalysisTemplates, the analysis runs, the recorded
 * requests and the GitHub link; written by compare-and-swap like a rollout's.
 */
import type { GitHubLink } from '../adapters/github/reporter.ts';
import type { AnalysisRecord, StoredTemplate } from '../analysis/templates.ts';
import type { ExperimentPhase, ExperimentStatus } from '../engine/experiment-types.ts';
import { toExperimentObject, type Experiment } from '../manifests/experiment.ts';
import type { Logger } from '../util/logger.ts';
import type { ControlRequest } from '../engine/state.ts';
import type { ClusterPort, KubeObject } from './ports.ts';
import type { ExperimentClusterPort } from './experiment-ports.ts';

export interface ExperimentState {
  /** The Experiment object as applied; `abort` sets its `spec.terminate`. */
  experiment: KubeObject;
  status: ExperimentStatus;
  /** Commands (abort) from runs that found another driver, oldest first. */
  requests: ControlRequest[];
  templates: StoredTemplate[];
  /** The experiment's analysis runs (kind 'Experiment'). */
  analysis: AnalysisRecord[];
  github?: GitHubLink | undefined;
  /** The lease epoch of the driver that last claimed the state. */
  driver?: string | undefined;
  /** Opaque version for compare-and-swap writes. */
  version: string | undefined;
}

/** A standalone Experiment's state in the cluster. */
export interface ExperimentStatePort {
  readExperimentState(namespace: string, name: string): Promise<ExperimentState | undefined>;
  /** Writes only if `state.version` is still current; throws ConflictError otherwise. */
  writeExperimentState(namespace: string, name: string, state: ExperimentState): Promise<string>;
}

/** Everything the standalone experiment driver uses of the cluster. */
export type ExperimentDriverPort = ExperimentClusterPort &
  ExperimentStatePort &
  Pick<ClusterPort, 'acquireLease' | 'releaseLease' | 'leaseEpoch'>;

/** The run fails for these phases; Inconclusive and Successful exit 0 (design 7, question 8). */
export function experimentExitCode(phase: ExperimentPhase | undefined): 0 | 1 {
  return phase === 'Failed' || phase === 'Error' ? 1 : 0;
}

/** The typed Experiment of a stored one (it validated clean before it was stored). */
export function readExperiment(object: KubeObject): Experiment {
  const where = `Experiment ${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
  return toExperimentObject(object, { file: where, line: 1, column: 1 });
}

/** `abort` requests become Argo's `spec.terminate`; the requests are cleared. */
export function applyExperimentRequests(state: ExperimentState, log: Logger): ExperimentState {
  if (state.requests.length === 0) return state;
  let experiment = state.experiment;
  for (const request of state.requests) {
    if (request.command !== 'abort') {
      log.info(`${request.command} requested by ${request.requestedBy}: an Experiment only takes abort`);
      continue;
    }
    log.info(`abort requested by ${request.requestedBy}: the experiment terminates`);
    experiment = withTerminate(experiment);
  }
  return { ...state, experiment, requests: [] };
}

/** The stored Experiment with `spec.terminate: true` (Argo's `kubectl argo rollouts terminate`). */
export function withTerminate(experiment: KubeObject): KubeObject {
  const spec = (experiment.spec ?? {}) as Record<string, unknown>;
  return { ...experiment, spec: { ...spec, terminate: true } };
}
