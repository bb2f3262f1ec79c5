/** The blue-green lines of the `get` tree, as Argo's kubectl plugin shows them, with the Services. */
import type { BlueGreenEngineRollout } from '../engine/spec.ts';
import type { RolloutStatus } from '../engine/state.ts';
import type { TreeReplicaSet } from './tree.ts';

/** `stable,active`, `preview`: what a ReplicaSet is to a blue-green rollout (Argo's INFO column). */
export function blueGreenRoles(status: RolloutStatus, rs: TreeReplicaSet): string[] {
  const roles: string[] = [];
  const updating = status.currentPodHash !== undefined && status.currentPodHash !== status.stableRS;
  if (rs.hash === status.stableRS) roles.push('stable');
  if (rs.hash === status.blueGreen?.activeSelector) roles.push('active');
  if (updating && rs.hash === status.currentPodHash && rs.hash !== status.blueGreen?.activeSelector)
    roles.push(status.abort ? 'aborted' : 'preview');
  return roles;
}

/** `delay:4m12s` until a ReplicaSet's scale-down deadline, `delay:passed` after, as Argo shows it. */
export function scaleDownDelayInfo(rs: TreeReplicaSet, now: Date): string | undefined {
  if (rs.scaleDownDeadline === undefined || rs.specReplicas === 0) return undefined;
  const left = Math.ceil((Date.parse(rs.scaleDownDeadline) - now.getTime()) / 1000);
  if (Number.isNaN(left)) return undefined;
  if (left <= 0) return 'delay:passed';
  return `delay:${left >= 60 ? `${Math.floor(left / 60)}m${left % 60}s` : `${left}s`}`;
}

/** The Strategy block: each Service, the revision and hash it selects, and the promotion setup. */
export function blueGreenStrategyLines(
  rollout: BlueGreenEngineRollout,
  status: RolloutStatus,
  sets: readonly TreeReplicaSet[],
  sub: (k: string) => string,
): string[] {
  const bg = rollout.blueGreen;
  const target = (hash: string | undefined): string => {
    if (hash === undefined) return '(none)';
    const rs = sets.find((x) => x.hash === hash);
    return rs === undefined ? hash : `revision ${rs.revision} (${hash})`;
  };
  const analysis = [
    ...(bg.prePromotionAnalysis === undefined ? [] : ['pre-promotion']),
    ...(bg.postPromotionAnalysis === undefined ? [] : ['post-promotion']),
  ];
  return [
    `${sub('ActiveService')}${bg.activeService} → ${target(status.blueGreen?.activeSelector)}`,
    ...(bg.previewService === undefined
      ? []
      : [`${sub('PreviewService')}${bg.previewService} → ${target(status.blueGreen?.previewSelector)}`]),
    ...(analysis.length > 0 ? [`${sub('Analysis')}${analysis.join(', ')}`] : []),
  ];
}
