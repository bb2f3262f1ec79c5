/**
 * rollout-pilot's own opt-in: the annotation `rollout-pilot.dev/first-deploy-analysis: "true"` on a
 * Rollout runs its analysis once the first revision is fully up (Argo skips analysis on a first
 * deploy, argoproj/argo-rollouts#3984). The rules here check it on the Rollout alone: its value, that
 * there is analysis to run, and that the blocks it merges do not give one arg two values. The
 * templates the merged run combines are checked in `references.ts`. Pure.
 */
import { joinPath } from './manifest-doc.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { asList, asObj, asStr, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export const FIRST_DEPLOY_ANALYSIS_ANNOTATION = 'rollout-pilot.dev/first-deploy-analysis';

const ANNOTATION_PATH = joinPath('metadata.annotations', FIRST_DEPLOY_ANALYSIS_ANNOTATION);
const CANARY = 'spec.strategy.canary';

/** Whether a Rollout object opts in: the annotation's value is exactly "true". */
export function firstDeployAnalysisEnabled(rollout: Obj): boolean {
  return asStr(asObj(asObj(rollout.metadata)?.annotations)?.[FIRST_DEPLOY_ANALYSIS_ANNOTATION]) === 'true';
}

/** One analysis block the first-deploy run merges, with where it is written. */
export interface FirstDeployBlock {
  path: string;
  block: Obj;
}

/** The canary's background analysis, then every analysis step's, in order: what the run merges. */
export function firstDeployBlocks(canary: Obj | undefined): FirstDeployBlock[] {
  const out: FirstDeployBlock[] = [];
  const background = asObj(canary?.analysis);
  if (background) out.push({ path: `${CANARY}.analysis`, block: background });
  asList(canary?.steps).forEach((s, i) => {
    const block = asObj(asObj(s)?.analysis);
    if (block) out.push({ path: `${CANARY}.steps[${i}].analysis`, block });
  });
  return out;
}

/** How an arg of a Rollout's analysis block gets its value, to tell two definitions apart. */
export function argSource(arg: Obj): string {
  return JSON.stringify([asStr(arg.value) ?? '', asObj(arg.valueFrom) ?? null]);
}

export function firstDeployRules(doc: ManifestDoc): Diagnostic[] {
  const annotations = asObj(asObj(doc.object.metadata)?.annotations);
  if (annotations === undefined || !(FIRST_DEPLOY_ANALYSIS_ANNOTATION in annotations)) return [];
  const value = annotations[FIRST_DEPLOY_ANALYSIS_ANNOTATION];
  // A value of another type is the schema's to report (annotations are strings).
  if (typeof value !== 'string') return [];
  if (value !== 'true' && value !== 'false') {
    return [
      diagnosticAt(
        doc,
        ANNOTATION_PATH,
        `${FIRST_DEPLOY_ANALYSIS_ANNOTATION} is ${JSON.stringify(value)}; it takes "true" (run the rollout's analysis once the first revision is fully up) or "false"`,
      ),
    ];
  }
  if (value === 'false') return [];
  const strategy = asObj(asObj(doc.object.spec)?.strategy);
  const canary = asObj(strategy?.canary);
  if (canary === undefined) {
    // Blue-green's first revision goes active at once; judging it is not built yet.
    if (strategy?.blueGreen === undefined) return [];
    return [
      diagnosticAt(
        doc,
        ANNOTATION_PATH,
        `${FIRST_DEPLOY_ANALYSIS_ANNOTATION} is not supported yet for the blueGreen strategy (planned: first-deploy analysis for blue-green); remove the annotation`,
      ),
    ];
  }
  const blocks = firstDeployBlocks(canary);
  if (blocks.length === 0) {
    return [
      diagnosticAt(
        doc,
        ANNOTATION_PATH,
        `${FIRST_DEPLOY_ANALYSIS_ANNOTATION} is "true" but the Rollout has no analysis to run on its first deploy: add ${CANARY}.analysis or an analysis step, or remove the annotation`,
      ),
    ];
  }
  return argConflicts(doc, blocks);
}

/** The merged run gives each arg one value: the blocks must agree where they name the same arg. */
function argConflicts(doc: ManifestDoc, blocks: readonly FirstDeployBlock[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, { source: string; path: string }>();
  for (const { path, block } of blocks) {
    asList(block.args).forEach((a, i) => {
      const arg = asObj(a);
      const name = asStr(arg?.name);
      if (arg === undefined || name === undefined) return;
      const before = first.get(name);
      if (before === undefined) {
        first.set(name, { source: argSource(arg), path });
      } else if (before.source !== argSource(arg)) {
        out.push(
          diagnosticAt(
            doc,
            `${path}.args[${i}]${'value' in arg ? '.value' : 'valueFrom' in arg ? '.valueFrom' : ''}`,
            `arg "${name}" is given differently in ${before.path} and ${path}; the first-deploy analysis (${FIRST_DEPLOY_ANALYSIS_ANNOTATION}) merges them into one run, so give it the same value in both`,
          ),
        );
      }
    });
  }
  return out;
}
