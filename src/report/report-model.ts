/** What the lead fills from the cluster's state for the pull request report (`pr.ts`). */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type { Phase, StepRecord } from '../engine/state.ts';
import type { ExperimentReport } from './experiment-model.ts';

/** A step of the plan, with the pod counts it settles at. */
export interface PlannedStep {
  /** 1-based. */
  step: number;
  action: string;
  weight: number;
  canary: number;
  stable: number;
}

export interface ImageRow {
  container: string;
  from?: string | undefined;
  to: string;
}

export interface RolloutReport {
  rollout: string;
  namespace: string;
  /** `owner/repo`. */
  repository?: string | undefined;
  /** The deployed commit. */
  sha?: string | undefined;
  /** The workflow run that drives (or last drove) the rollout. */
  runUrl?: string | undefined;
  phase: Phase;
  message: string;
  aborted: boolean;
  /**
   * The revision is a first deploy judged by rollout-pilot's first-deploy analysis
   * (`rollout-pilot.dev/first-deploy-analysis: "true"`): there is no earlier revision to go back to.
   */
  firstDeploy?: boolean | undefined;
  /** At a pause without a duration: whether anything measures while it waits (one plain line). */
  pauseWatch?: string | undefined;
  images: ImageRow[];
  stepCount: number;
  /** 0-based index of the current step; `stepCount` once all are done. */
  currentStepIndex: number;
  /** The canary's weight, 0..100 (the router's, when there is a router). */
  weight: number;
  /** With a traffic router: what it serves now, the routes in force and the objects it changes. */
  router?: RouterReport | undefined;
  /** Completed and current steps with their times; the others are pending. */
  steps: StepRecord[];
  plannedSteps: PlannedStep[];
  /** The runs to show, with their measurements (values and queries already redacted). */
  analysis: AnalysisRecord[];
  /** The templateNames of `strategy.canary.analysis`, to find a background metric's template. */
  backgroundTemplates?: string[] | undefined;
  /** File name of the workflow_dispatch control workflow, e.g. `rollout-control.yml`. */
  controlWorkflow?: string | undefined;
  /** RFC 3339: when this report was made. */
  updatedAt: string;
  revertPr?: { number: number; url: string } | undefined;
  /** Set for a blue-green rollout: its Services, revisions and promotion analysis (no steps). */
  blueGreen?: BlueGreenReport | undefined;
  /**
   * The `experiment` steps' Experiments to show (the current one, and any that ended this update),
   * each with `rollout` set to its step; their runs' measurements belong in `analysis`.
   */
  experiments?: ExperimentReport[] | undefined;
}

/** One ReplicaSet of a blue-green rollout, as the report shows it. */
export interface BlueGreenRevision {
  revision: number;
  /** Its pod-template hash, the value a Service's selector holds. */
  hash: string;
  images: string[];
  /** Ready pods of `desired` (the ReplicaSet's spec.replicas). */
  ready: number;
  desired: number;
  /** RFC 3339: when its pods are scaled down (Argo's `scale-down-deadline`), if a deadline is set. */
  scaleDownAt?: string | undefined;
}

/** Where a blue-green rollout's Services point and what each revision runs. */
export interface BlueGreenReport {
  activeService: string;
  previewService?: string | undefined;
  /** The pod-template hash each Service selects, as of the last reconcile. */
  activeSelector?: string | undefined;
  previewSelector?: string | undefined;
  /** The stable revision's hash and the new revision's (the pod template being rolled out). */
  stableHash?: string | undefined;
  newHash?: string | undefined;
  /** Revisions that run pods, or that a Service or the status points at; newest first. */
  revisions: BlueGreenRevision[];
  /** Set when the pause before the switch ends by itself after this many seconds. */
  autoPromotionSeconds?: number | undefined;
  /** False when the switch needs no promote (autoPromotionEnabled without autoPromotionSeconds). */
  waitsForPromote: boolean;
  /** The templates of the pre- and post-promotion analysis; undefined when not configured. */
  prePromotionTemplates?: string[] | undefined;
  postPromotionTemplates?: string[] | undefined;
  scaleDownDelaySeconds: number;
  abortScaleDownDelaySeconds: number;
}

export interface RouterReport {
  routers: string[];
  /** The canary's weight the router was last set to, of `maxWeight`. */
  weight: number;
  maxWeight: number;
  /** Header and mirror routes in force, by name. */
  routes: string[];
  objects: string[];
}

export interface CheckRunReport {
  title: string;
  summary: string;
  text?: string;
  conclusion?: 'success' | 'failure' | 'neutral' | 'action_required';
  status: 'in_progress' | 'completed';
}

export interface AnalysisAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning';
  title: string;
  message: string;
}

/** Where a metric is written: the template's file and the metric's line. */
export type LocateMetric = (
  templateName: string,
  metricName: string,
) => { path: string; line: number } | undefined;
