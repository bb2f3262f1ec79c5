/**
 * What rollout-pilot keeps in the cluster for a standalone Experiment (design 3.2): its own state
 * ConfigMap `rollout-pilot-experiment.<name>` (and Lease of that name), holding the Experiment as
 * applied, its status in Argo's shape, the AnalysisTemplates, the analysis runs, the recorded
 * requests and the GitHub link; written by compare-and-swap like a rollout's.
 */
import type { GitHubLink } from '../adapters/github/reporter.ts';
import type { AnalysisRecord, StoredTemplate } from '../analysis/templates.ts';
import type { ExperimentStatus } from '../engine/experiment-types.ts';
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
