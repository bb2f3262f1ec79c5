/**
 * Where a standalone Experiment is reported, as a Rollout is: the pull request comment and the check
 * run follow every change while it runs (with a token and a pull request), and the job summary says
 * where it ended. The Experiment's report model and renderers are pure (report/experiment-*.ts).
 */
import type { GitHubReporter } from '../adapters/github/reporter.ts';
import type { ExperimentState } from '../controller/experiment-state.ts';
import { readExperiment } from '../controller/experiment-state.ts';
import { systemClock } from '../controller/ports.ts';
import { engineExperiment } from '../engine/experiment-spec.ts';
import type { ExperimentReplicaSet } from '../engine/experiment-types.ts';
import {
  experimentMarker,
  renderExperimentCheckRun,
  renderExperimentComment,
  renderExperimentJobSummary,
} from '../report/experiment-md.ts';
import { experimentReportOf, type ExperimentReport } from '../report/experiment-model.ts';

type Reported = Pick<ExperimentState, 'experiment' | 'status' | 'analysis' | 'github'>;

/** The report of the Experiment as `state` has it; `replicaSets` as observed (by template). */
export function experimentReport(
  namespace: string,
  state: Reported,
  replicaSets: Readonly<Record<string, ExperimentReplicaSet | undefined>>,
): ExperimentReport {
  const runs = Object.fromEntries(state.analysis.map((r) => [r.analysisName ?? r.id, r]));
  const report = experimentReportOf({
    experiment: engineExperiment(readExperiment(state.experiment)),
    status: state.status,
    namespace,
    replicaSets,
    runs,
    updatedAt: systemClock.now().toISOString(),
  });
  const github = state.github;
  return { ...report, repository: github?.repository, sha: github?.sha, runUrl: github?.runUrl };
}

/** Updates the comment and the check run; returns their addresses and the job summary. */
export async function publishExperiment(
  reporter: GitHubReporter | undefined,
  report: ExperimentReport,
): Promise<{ summary: string; commentUrl?: string | undefined; checkRunUrl?: string | undefined }> {
  const summary = renderExperimentJobSummary(report);
  if (reporter === undefined) return { summary };
  const commentUrl = await reporter.upsertComment(
    renderExperimentComment(report),
    experimentMarker(report.namespace, report.experiment),
  );
  const checkRunUrl = await reporter.upsertCheckRun(renderExperimentCheckRun(report), []);
  return { summary, commentUrl, checkRunUrl };
}
