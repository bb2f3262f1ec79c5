import { approximateWeightedCanaryStableReplicaCounts, canaryLimits, currentSetWeight } from './replicas.ts';
import { routedStepCounts, routerPlan, type RouterPlan } from './plan-routing.ts';
import { planBlueGreen } from './plan-bluegreen.ts';
import { describeStep, type EngineRollout } from './spec.ts';
import type { RolloutStatus } from './state.ts';

export interface PlanRow {
  /** 1-based step number; undefined for the final promotion row. */
  step: number | undefined;
  action: string;
  weight: number;
  canary: number;
  stable: number;
}

export type PlanKind = 'first-deploy' | 'update' | 'rollback-to-stable' | 'no-change' | 'supersede';

export interface Plan {
  kind: PlanKind;
  summary: string;
  rows: PlanRow[];
  maxSurge: number;
  maxUnavailable: number;
  /** With a traffic router: which one, the objects it changes, and the weight of all traffic. */
  router?: RouterPlan | undefined;
  /** Blue-green: the Services; each row's `canary` is the preview's pods, `stable` the active's, and weight 100 means the active Service is on the new revision. */
  blueGreen?: { activeService: string; previewService?: string | undefined } | undefined;
}

/**
 * What `run` would do from where the cluster stands, step by step, with the replica counts each
 * step settles at (Argo's target counts for a basic canary). Pure: no cluster access here.
 */
export function planRollout(
  rollout: EngineRollout,
  templateHash: string,
  status: RolloutStatus | undefined,
): Plan {
  if (rollout.strategy === 'blueGreen') return planBlueGreen(rollout, templateHash, status);
  const { replicas } = rollout;
  const { canary } = rollout;
  const limits = canaryLimits(canary.maxSurge, canary.maxUnavailable, replicas);
  const steps = canary.steps;
  const routing = canary.trafficRouting;
  const base = {
    maxSurge: limits.maxSurge,
    maxUnavailable: limits.maxUnavailable,
    router: routing === undefined ? undefined : routerPlan(rollout.name, routing),
  };
  const full: PlanRow = {
    step: undefined,
    action: 'promote: new revision becomes stable',
    weight: 100,
    canary: replicas,
    stable: 0,
  };
  if (status?.stableRS === undefined) {
    return {
      ...base,
      kind: 'first-deploy',
      summary: `first deploy: no stable ReplicaSet yet, so it goes straight to ${replicas} replicas without steps (as Argo Rollouts does)${rollout.firstDeployAnalysis === true ? '; then its analysis runs once (rollout-pilot.dev/first-deploy-analysis) and a failure fails the deploy' : ''}`,
      rows: [
        { ...full, action: 'deploy at full scale' },
        ...(rollout.firstDeployAnalysis === true
          ? [{ ...full, action: 'first-deploy analysis: background and analysis steps, once' }]
          : []),
      ],
    };
  }
  if (status.currentPodHash === templateHash && status.stableRS === templateHash) {
    return {
      ...base,
      kind: 'no-change',
      summary: 'no change: this pod template is already the stable revision',
      rows: [],
    };
  }
  if (status.stableRS === templateHash) {
    return {
      ...base,
      kind: 'rollback-to-stable',
      summary: 'back to the stable revision: the steps are skipped and the update in flight is scaled away',
      rows: [{ ...full, action: 'scale stable back to full', canary: 0, stable: replicas }],
    };
  }
  const rows: PlanRow[] = steps.map((step, i) => {
    if (routing !== undefined) {
      const routed = routedStepCounts(replicas, canary, routing, i);
      const row = { step: i + 1, action: describeStep(step), weight: routed.weight };
      return { ...row, canary: routed.counts.canary, stable: routed.counts.stable };
    }
    const weight = currentSetWeight({ steps, currentStepIndex: i, aborted: false });
    const counts = approximateWeightedCanaryStableReplicaCounts(replicas, weight, 100, limits.maxSurge);
    return { step: i + 1, action: describeStep(step), weight, canary: counts.canary, stable: counts.stable };
  });
  rows.push(full);
  const superseding = status.currentPodHash !== undefined && status.currentPodHash !== status.stableRS;
  return {
    ...base,
    kind: superseding ? 'supersede' : 'update',
    summary: superseding
      ? `new revision: it supersedes the update in flight (${status.currentPodHash}) and the steps start over`
      : `update: ${steps.length} step${steps.length === 1 ? '' : 's'}, then the new revision becomes stable`,
    rows,
  };
}
