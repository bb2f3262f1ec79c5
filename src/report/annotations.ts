/** Annotations at the lines of the failing metrics in their AnalysisTemplates. Pure. */
import type { AnalysisRecord } from '../analysis/templates.ts';
import { scrubber } from './analysis-md.ts';
import { clip } from './markdown.ts';
import type { AnalysisAnnotation, LocateMetric, RolloutReport } from './report-model.ts';
import { analysisTemplates, templatesOfStep } from './tables.ts';

const ANNOTATED = new Set(['Failed', 'Error', 'Inconclusive']);

/** The newest run of each slot (the background, each analysis step), as retries make new ones. */
function latestRuns(records: readonly AnalysisRecord[]): AnalysisRecord[] {
  const bySlot = new Map<string, AnalysisRecord>();
  for (const a of records) {
    const slot =
      a.kind === 'Background'
        ? 'background'
        : a.kind === 'FirstDeploy'
          ? 'first-deploy'
          : `step${a.stepIndex ?? 0}`;
    const before = bySlot.get(slot);
    if (before === undefined || a.state.startedAt.localeCompare(before.state.startedAt) >= 0)
      bySlot.set(slot, a);
  }
  return [...bySlot.values()];
}

/**
 * One annotation per Failed, Error or Inconclusive metric of the latest runs, at the metric's line in
 * its AnalysisTemplate. The templates are tried in order: the step's own (from its action), then
 * `backgroundTemplates`, then every other template the report names; `locate` answers undefined for
 * a template without the metric (or resolves included templates itself). Unlocated metrics are left
 * out: an annotation needs a place.
 */
export function analysisAnnotations(r: RolloutReport, locate: LocateMetric): AnalysisAnnotation[] {
  const everyTemplate = analysisTemplates(r);
  const out: AnalysisAnnotation[] = [];
  for (const a of latestRuns(r.analysis)) {
    const own =
      a.kind === 'Background'
        ? (r.backgroundTemplates ?? [])
        : a.kind === 'FirstDeploy'
          ? everyTemplate
          : templatesOfStep(r, (a.stepIndex ?? 0) + 1);
    const candidates = [...new Set([...own, ...everyTemplate])];
    for (const m of a.state.metrics) {
      if (!ANNOTATED.has(m.phase)) continue;
      let at: { path: string; line: number } | undefined;
      for (const t of candidates) {
        at = locate(t, m.name);
        if (at !== undefined) break;
      }
      if (at === undefined) continue;
      const spec = a.spec.metrics.find((x) => x.name === m.name);
      const scrub = scrubber(a);
      const values = m.measurements
        .filter((x) => x.phase !== 'Running')
        .slice(-5)
        .map((x) => x.value ?? (x.message === undefined ? x.phase : `${x.phase}: ${x.message}`));
      const where =
        a.kind === 'Background'
          ? 'background analysis'
          : a.kind === 'FirstDeploy'
            ? 'first-deploy analysis'
            : `step ${(a.stepIndex ?? 0) + 1} analysis`;
      const conditions = [
        ...(spec?.successCondition === undefined
          ? []
          : [`successCondition: ${scrub(spec.successCondition)}`]),
        ...(spec?.failureCondition === undefined
          ? []
          : [`failureCondition: ${scrub(spec.failureCondition)}`]),
      ];
      const last = m.measurements.filter((x) => x.query !== undefined).at(-1)?.query;
      const message = [
        `Metric ${m.name} of the ${where} (run ${a.id}) is ${m.phase}${m.dryRun ? ' (dry run: it does not decide the run)' : ''}${m.message ? `: ${m.message}` : '.'}`,
        `Measured ${m.count + m.error} times: ${m.successful} successful, ${m.failed} failed, ${m.inconclusive} inconclusive, ${m.error} errors.`,
        ...(values.length > 0 ? [`Last values: ${values.map((v) => clip(v, 200)).join(', ')}`] : []),
        ...conditions,
        ...(last === undefined ? [] : [`Query as sent: ${clip(last, 2_000)}`]),
      ]
        .map(scrub)
        .join('\n');
      out.push({
        path: at.path,
        start_line: at.line,
        end_line: at.line,
        annotation_level: m.phase === 'Inconclusive' || m.dryRun ? 'warning' : 'failure',
        title: `Analysis metric ${m.name} ${m.phase}`,
        message,
      });
    }
  }
  return out;
}
