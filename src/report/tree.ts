import { currentSetWeight } from '../engine/replicas.ts';
import { blueGreenRoles, blueGreenStrategyLines, scaleDownDelayInfo } from './bluegreen-tree.ts';
import { canaryOf, describeStep, stepsOf, type EngineRollout } from '../engine/spec.ts';
import type { RolloutStatus } from '../engine/state.ts';

export interface TreePod {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  reason: string | undefined;
  createdAt: string;
}

export interface TreeReplicaSet {
  name: string;
  hash: string;
  revision: number;
  specReplicas: number;
  availableReplicas: number;
  images: string[];
  createdAt: string;
  pods: TreePod[];
  /** Argo's `scale-down-deadline` annotation (RFC 3339), if set. */
  scaleDownDeadline?: string | undefined;
}

export interface TreeInput {
  rollout: EngineRollout;
  status: RolloutStatus;
  replicaSets: TreeReplicaSet[];
  now: Date;
  /**
   * More branches under the rollout after its revisions (the step experiments: `experimentRows` of
   * experiment-tree.ts), each drawn with the branch and stem it is given.
   */
  branches?: ((prefix: string, stem: string) => TreeRow[])[] | undefined;
}

const ICON: Record<string, string> = { Healthy: '✔', Progressing: '◌', Paused: '॥', Degraded: '✖' };

/** Display width in code points (the tree's box-drawing characters are one column each). */
function width(text: string): number {
  return Array.from(text).length;
}

export function age(from: string, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * The rollout as a tree, the way `kubectl argo rollouts get rollout` shows it: summary, then
 * revisions with their ReplicaSets and pods.
 */
export function renderTree(input: TreeInput): string {
  const { rollout, status, now } = input;
  const sets = [...input.replicaSets].sort((a, b) => b.revision - a.revision);
  const role = (rs: TreeReplicaSet): string => {
    if (rollout.strategy === 'blueGreen') return blueGreenRoles(status, rs).join(',');
    const roles: string[] = [];
    if (rs.hash === status.stableRS) roles.push('stable');
    if (rs.hash === status.currentPodHash && rs.hash !== status.stableRS) roles.push('canary');
    return roles.join(',');
  };
  const images = sets
    .filter((rs) => rs.specReplicas > 0 || rs.hash === status.stableRS || rs.hash === status.currentPodHash)
    .flatMap((rs) => rs.images.map((i) => `${i}${role(rs) ? ` (${role(rs)})` : ''}`));
  const available = sets.reduce((n, rs) => n + rs.availableReplicas, 0);
  const current = sets.reduce((n, rs) => n + rs.pods.length, 0);
  const updated = sets.find((rs) => rs.hash === status.currentPodHash)?.pods.length ?? 0;
  const ready = sets.reduce((n, rs) => n + rs.pods.filter((p) => p.ready).length, 0);
  const pad = (k: string): string => `${k}:`.padEnd(17);
  const sub = (k: string): string => `  ${`${k}:`.padEnd(15)}`.padEnd(`  ${k}: `.length);
  const lines = [
    `${pad('Name')}${rollout.name}`,
    `${pad('Namespace')}${rollout.namespace}`,
    `${pad('Status')}${ICON[status.phase] ?? '?'} ${status.phase}`,
    ...(status.message ? [`${pad('Message')}${status.message}`] : []),
    ...strategyLines(rollout, status, sets, pad, sub),
    `${pad('Images')}${images[0] ?? ''}`,
    ...images.slice(1).map((i) => `${' '.repeat(17)}${i}`),
    'Replicas:',
    `${sub('Desired')}${rollout.replicas}`,
    `${sub('Current')}${current}`,
    `${sub('Updated')}${updated}`,
    `${sub('Ready')}${ready}`,
    `${sub('Available')}${available}`,
    '',
  ];
  const rows: TreeRow[] = [['NAME', 'KIND', 'STATUS', 'AGE', 'INFO']];
  rows.push([`⟳ ${rollout.name}`, 'Rollout', `${ICON[status.phase] ?? '?'} ${status.phase}`, '', '']);
  const branches = input.branches ?? [];
  sets.forEach((rs, i) => {
    const lastRevision = i === sets.length - 1 && branches.length === 0;
    const branch = lastRevision ? '└──' : '├──';
    const stem = lastRevision ? '   ' : '│  ';
    rows.push([`${branch}# revision:${rs.revision}`, '', '', '', '']);
    rows.push(...replicaSetRows(rs, `${stem}└──`, `${stem}   `, role(rs), now));
  });
  branches.forEach((branch, i) => {
    const last = i === branches.length - 1;
    rows.push(...branch(last ? '└──' : '├──', last ? '   ' : '│  '));
  });
  lines.push(...alignRows(rows));
  return lines.join('\n');
}

/** NAME, KIND, STATUS, AGE, INFO. */
export type TreeRow = [string, string, string, string, string];

/** The rows in columns two spaces apart, as Argo's tab writer lays them out. */
export function alignRows(rows: readonly TreeRow[]): string[] {
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => width(r[c as 0 | 1 | 2 | 3]))));
  return rows.map((r) =>
    r
      .map((cell, c) => (c < 4 ? cell + ' '.repeat(Math.max(0, (widths[c] ?? 0) - width(cell))) : cell))
      .join('  ')
      .trimEnd(),
  );
}

/** A ReplicaSet's row and its pods' rows; `prefix` draws its branch, `stem` the line below it. */
export function replicaSetRows(
  rs: TreeReplicaSet,
  prefix: string,
  stem: string,
  role: string,
  now: Date,
): TreeRow[] {
  const rsState =
    rs.specReplicas === 0
      ? '• ScaledDown'
      : rs.availableReplicas >= rs.specReplicas
        ? '✔ Healthy'
        : '◌ Progressing';
  const info = [role, scaleDownDelayInfo(rs, now) ?? ''].filter((x) => x !== '').join(',');
  const rows: TreeRow[] = [[`${prefix}⧉ ${rs.name}`, 'ReplicaSet', rsState, age(rs.createdAt, now), info]];
  rs.pods.forEach((p, j) => {
    const last = j === rs.pods.length - 1;
    const podState = p.ready ? '✔ Running' : p.reason !== undefined ? `✖ ${p.reason}` : `◌ ${p.phase}`;
    rows.push([
      `${stem}${last ? '└──' : '├──'}□ ${p.name}`,
      'Pod',
      podState,
      age(p.createdAt, now),
      `ready:${p.ready ? 1 : 0}/1${p.restarts > 0 ? `,restarts:${p.restarts}` : ''}`,
    ]);
  });
  return rows;
}

/** The Strategy block: the canary's step and weights, or blue-green's Services. */
function strategyLines(
  rollout: EngineRollout,
  status: RolloutStatus,
  sets: readonly TreeReplicaSet[],
  pad: (k: string) => string,
  sub: (k: string) => string,
): string[] {
  if (rollout.strategy === 'blueGreen')
    return [`${pad('Strategy')}BlueGreen`, ...blueGreenStrategyLines(rollout, status, sets, sub)];
  const steps = stepsOf(rollout);
  const index = status.currentStepIndex ?? 0;
  return [
    `${pad('Strategy')}Canary`,
    `${sub('Step')}${Math.min(index, steps.length)}/${steps.length}${index < steps.length ? ` (${describeStep(steps[index])})` : ''}`,
    ...weightLines(rollout, status, sets, sub),
  ];
}

/**
 * SetWeight and ActualWeight as Argo's kubectl plugin shows them: with a router, the step's weight
 * and the weight the router was last set to; without one, the weight and the share of available
 * pods the canary has.
 */
function weightLines(
  rollout: EngineRollout,
  status: RolloutStatus,
  sets: readonly TreeReplicaSet[],
  sub: (k: string) => string,
): string[] {
  const canary = canaryOf(rollout);
  const routing = canary?.trafficRouting;
  if (canary !== undefined && routing !== undefined) {
    const set = currentSetWeight({
      steps: canary.steps,
      currentStepIndex: status.currentStepIndex,
      aborted: status.abort,
      maxTrafficWeight: routing.maxTrafficWeight,
    });
    const routes = status.managedRoutes ?? [];
    return [
      `${sub('SetWeight')}${status.stableRS === status.currentPodHash ? routing.maxTrafficWeight : set}`,
      `${sub('ActualWeight')}${status.trafficWeights?.canary.weight ?? 0}`,
      ...(routes.length > 0 ? [`${sub('Routes')}${routes.join(', ')}`] : []),
    ];
  }
  const available = sets.reduce((n, rs) => n + rs.availableReplicas, 0);
  const canaryAvailable =
    sets.find((rs) => rs.hash === status.currentPodHash && rs.hash !== status.stableRS)?.availableReplicas ??
    (status.stableRS === status.currentPodHash ? available : 0);
  return [
    `${sub('SetWeight')}${status.canaryWeight}`,
    `${sub('ActualWeight')}${available === 0 ? 0 : Math.round((100 * canaryAvailable) / available)}`,
  ];
}
