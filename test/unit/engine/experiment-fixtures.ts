/** Builders for the experiment engine tables: a spec, an input at a given second, ReplicaSets. */
import type {
  EngineExperiment,
  ExperimentInput,
  ExperimentReplicaSet,
  ExperimentStatus,
  TemplateStatus,
} from '../../../src/engine/experiment-types.ts';

/** 2026-01-01T00:00:00Z, so `at(s)` is that plus s seconds. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const at = (seconds: number): number => T0 + seconds * 1000;
export const iso = (seconds: number): string => new Date(at(seconds)).toISOString().replace('.000Z', 'Z');

export function spec(changes: Partial<EngineExperiment> = {}): EngineExperiment {
  return {
    name: 'exp',
    templates: [
      { name: 'baseline', replicas: 1 },
      { name: 'canary', replicas: 2 },
    ],
    progressDeadlineSeconds: 600,
    scaleDownDelaySeconds: 30,
    terminate: false,
    analyses: [],
    dryRun: [],
    measurementRetention: [],
    ...changes,
  };
}

export function emptyStatus(changes: Partial<ExperimentStatus> = {}): ExperimentStatus {
  return { templateStatuses: [], analysisRuns: [], ...changes };
}

export function rs(
  template: string,
  spec: number,
  available: number,
  changes: Partial<ExperimentReplicaSet> = {},
): ExperimentReplicaSet {
  return {
    name: `exp-${template}`,
    hash: `h-${template}`,
    specReplicas: spec,
    replicas: Math.max(spec, available),
    readyReplicas: available,
    availableReplicas: available,
    ...changes,
  };
}

export function templateStatus(
  name: string,
  status: TemplateStatus['status'],
  available: number,
  changes: Partial<TemplateStatus> = {},
): TemplateStatus {
  return {
    name,
    status,
    replicas: available,
    updatedReplicas: available,
    readyReplicas: available,
    availableReplicas: available,
    lastTransitionTime: iso(0),
    ...changes,
  };
}

export function input(changes: Partial<ExperimentInput> = {}): ExperimentInput {
  return {
    experiment: spec(),
    status: emptyStatus(),
    replicaSets: {},
    services: {},
    runs: {},
    missingTemplates: {},
    failures: {},
    now: at(0),
    ...changes,
  };
}

/** A Running experiment, available since `availableAt` seconds, both templates at their pods. */
export function running(availableAt: number, changes: Partial<ExperimentStatus> = {}): ExperimentStatus {
  return emptyStatus({
    phase: 'Running',
    availableAt: iso(availableAt),
    templateStatuses: [templateStatus('baseline', 'Running', 1), templateStatus('canary', 'Running', 2)],
    ...changes,
  });
}

export const fullReplicaSets = (): Record<string, ExperimentReplicaSet> => ({
  baseline: rs('baseline', 1, 1),
  canary: rs('canary', 2, 2),
});
