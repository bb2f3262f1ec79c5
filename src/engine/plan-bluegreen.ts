/** What `run` would do for a blue-green rollout, stage by stage, with the pods each stage runs. */
import type { Plan, PlanRow } from './plan.ts';
import type { BlueGreenEngineRollout } from './spec.ts';
import type { RolloutStatus } from './state.ts';

const templates = (a: { templates: { templateName: string }[] }): string =>
  a.templates.map((t) => t.templateName).join(', ');

export function planBlueGreen(
  rollout: BlueGreenEngineRollout,
  templateHash: string,
  status: RolloutStatus | undefined,
): Plan {
  const { replicas } = rollout;
  const bg = rollout.blueGreen;
  const base = {
    maxSurge: replicas,
    maxUnavailable: 0,
    router: undefined,
    blueGreen: { activeService: bg.activeService, previewService: bg.previewService },
  };
  const row = (action: string, preview: number, active: number, weight = 0): PlanRow => ({
    step: undefined,
    action,
    weight,
    canary: preview,
    stable: active,
  });
  if (status?.stableRS === undefined) {
    return {
      ...base,
      kind: 'first-deploy',
      summary: `first deploy: nothing is active yet, so ${replicas} pods start and the active Service ${bg.activeService} takes them at once (as Argo Rollouts does)`,
      rows: [row(`deploy at full scale, active Service ${bg.activeService} on it`, 0, replicas, 100)],
    };
  }
  if (status.currentPodHash === templateHash && status.stableRS === templateHash) {
    return {
      ...base,
      kind: 'no-change',
      summary: 'no change: this pod template is already active',
      rows: [],
    };
  }
  if (status.stableRS === templateHash) {
    return {
      ...base,
      kind: 'rollback-to-stable',
      summary: 'back to the active revision: the preview in flight is scaled away',
      rows: [row('scale the preview away; the active Service stays', 0, replicas, 100)],
    };
  }
  const previewCount = bg.previewReplicaCount ?? replicas;
  const rows: PlanRow[] = [
    row(
      `preview up: ${previewCount} pods${bg.previewService ? ` behind ${bg.previewService}` : ''}`,
      previewCount,
      replicas,
    ),
  ];
  if (bg.prePromotionAnalysis)
    rows.push(row(`pre-promotion analysis ${templates(bg.prePromotionAnalysis)}`, previewCount, replicas));
  if (!bg.autoPromotionEnabled) rows.push(row('pause until promoted', previewCount, replicas));
  else if (bg.autoPromotionSeconds > 0)
    rows.push(row(`pause ${bg.autoPromotionSeconds}s, then promote`, previewCount, replicas));
  if (previewCount !== replicas) rows.push(row(`scale the preview to ${replicas}`, replicas, replicas));
  rows.push(row(`switch active Service ${bg.activeService} to the new revision`, replicas, replicas, 100));
  if (bg.postPromotionAnalysis)
    rows.push(row(`post-promotion analysis ${templates(bg.postPromotionAnalysis)}`, replicas, replicas, 100));
  rows.push(row(`scale the previous revision down after ${bg.scaleDownDelaySeconds}s`, replicas, 0, 100));
  const superseding = status.currentPodHash !== undefined && status.currentPodHash !== status.stableRS;
  return {
    ...base,
    kind: superseding ? 'supersede' : 'update',
    summary: superseding
      ? `new revision: it supersedes the preview in flight (${status.currentPodHash}) and starts over`
      : `update: a preview beside the active revision, then the switch`,
    rows,
  };
}
