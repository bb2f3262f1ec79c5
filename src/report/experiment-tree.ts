/**
 * An Experiment as a tree for `get --watch`, the way `kubectl argo rollouts get experiment` shows it:
 * a summary, then the experiment (Σ) with each template's ReplicaSet (⧉) and pods (□), then each
 * analysis (α) with its measurements counted by phase. The rows can be embedded in a rollout's tree.
 */
import type { AnalysisRecord } from '../analysis/templates.ts';
import type { ExperimentPhase, RunPhase, TemplateStatusCode } from '../engine/experiment-types.ts';
import { countParts, measurementCounts } from './experiment-model.ts';
import { durationText } from './experiment-verdict.ts';
import type { ExperimentReport } from './experiment-model.ts';
import { age, alignRows, replicaSetRows, type TreeReplicaSet, type TreeRow } from './tree.ts';

export interface TreeExperimentTemplate {
  name: string;
  status: TemplateStatusCode;
  /** Its ReplicaSet with pods, once created. */
  replicaSet?: TreeReplicaSet | undefined;
}

export interface TreeExperimentAnalysis {
  name: string;
  phase: RunPhase;
  /** The run, once started: its id, start and measurements. */
  run?: AnalysisRecord | undefined;
}

export interface TreeExperiment {
  name: string;
  namespace: string;
  phase: ExperimentPhase;
  message?: string | undefined;
  /** RFC 3339. */
  createdAt: string;
  templates: TreeExperimentTemplate[];
  analyses: TreeExperimentAnalysis[];
  /** For the Duration line. */
  durationSeconds?: number | undefined;
  availableAt?: string | undefined;
  finishedAt?: string | undefined;
}

/** The tree's experiment from its report and the ReplicaSets with their pods, by template name. */
export function treeExperimentOf(
  r: ExperimentReport,
  replicaSets: Readonly<Record<string, TreeReplicaSet | undefined>>,
  createdAt: string,
): TreeExperiment {
  return {
    name: r.experiment,
    namespace: r.namespace,
    phase: r.phase,
    message: r.message,
    createdAt,
    templates: r.templates.map((t) => ({ name: t.name, status: t.status, replicaSet: replicaSets[t.name] })),
    analyses: r.analyses.map((a) => ({ name: a.name, phase: a.phase, run: a.run })),
    durationSeconds: r.durationSeconds,
    availableAt: r.availableAt,
    finishedAt: r.finishedAt,
  };
}

/** Argo's analysisIcon, for an experiment's or a run's phase. */
export const TREE_PHASE_ICON: Record<ExperimentPhase, string> = {
  Successful: '✔',
  Inconclusive: '?',
  Failed: '✖',
  Error: '⚠',
  Running: '◌',
  Pending: '◷',
};

function analysisRow(a: TreeExperimentAnalysis, experiment: string, prefix: string, now: Date): TreeRow {
  if (a.phase === '' || a.run === undefined) {
    return [`${prefix}α ${experiment}-${a.name}`, 'AnalysisRun', '◷ NotStarted', '', ''];
  }
  const c = measurementCounts(a.run);
  const icons = { successful: '✔', failed: '✖', inconclusive: '?', error: '⚠' };
  const info = countParts(c, icons, (n, icon) => `${icon} ${n}`).join(',');
  return [
    `${prefix}α ${a.run.id}`,
    'AnalysisRun',
    `${TREE_PHASE_ICON[a.phase]} ${a.phase}`,
    age(a.run.state.startedAt, now),
    info,
  ];
}

/**
 * The experiment's rows under a branch: `prefix` draws its own line (`├──`), `stem` continues the
 * lines of its children (`│  `); top level: both empty.
 */
export function experimentRows(x: TreeExperiment, prefix: string, stem: string, now: Date): TreeRow[] {
  const rows: TreeRow[] = [
    [
      `${prefix}Σ ${x.name}`,
      'Experiment',
      `${TREE_PHASE_ICON[x.phase]} ${x.phase}`,
      age(x.createdAt, now),
      '',
    ],
  ];
  const sets = x.templates.filter((t) => t.replicaSet !== undefined);
  const total = sets.length + x.analyses.length;
  let i = 0;
  for (const t of sets) {
    const last = ++i === total;
    const rs = t.replicaSet as TreeReplicaSet;
    const info = t.status === 'Failed' || t.status === 'Error' ? `${t.name},${t.status}` : t.name;
    rows.push(
      ...replicaSetRows(rs, `${stem}${last ? '└──' : '├──'}`, `${stem}${last ? '   ' : '│  '}`, info, now),
    );
  }
  for (const a of x.analyses) {
    const last = ++i === total;
    rows.push(analysisRow(a, x.name, `${stem}${last ? '└──' : '├──'}`, now));
  }
  return rows;
}

/** Templates without a ReplicaSet yet, as the summary lists them (the tree has no row for them). */
function templateLine(x: TreeExperiment): string {
  return x.templates
    .map((t) => {
      const rs = t.replicaSet;
      const pods = rs === undefined ? 'no ReplicaSet yet' : `${rs.availableReplicas}/${rs.specReplicas}`;
      return `${t.name} ${t.status} (${pods})`;
    })
    .join(', ');
}

export function renderExperimentTree(x: TreeExperiment, now: Date): string {
  const pad = (k: string): string => `${k}:`.padEnd(17);
  const images = x.templates.flatMap((t) => (t.replicaSet?.images ?? []).map((i) => `${i} (${t.name})`));
  const duration = durationText({ ...x, updatedAt: now.toISOString() });
  const lines = [
    `${pad('Name')}${x.name}`,
    `${pad('Namespace')}${x.namespace}`,
    `${pad('Status')}${TREE_PHASE_ICON[x.phase]} ${x.phase}`,
    ...(x.message ? [`${pad('Message')}${x.message}`] : []),
    ...(images.length > 0
      ? [`${pad('Images')}${images[0] ?? ''}`, ...images.slice(1).map((i) => `${' '.repeat(17)}${i}`)]
      : []),
    `${pad('Templates')}${templateLine(x)}`,
    ...(duration === undefined ? [] : [`${pad('Duration')}${duration}`]),
    '',
  ];
  const rows: TreeRow[] = [['NAME', 'KIND', 'STATUS', 'AGE', 'INFO'], ...experimentRows(x, '', '', now)];
  return [...lines, ...alignRows(rows)].join('\n');
}
