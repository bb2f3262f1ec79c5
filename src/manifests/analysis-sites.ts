/**
 * Where analyses are requested (the sites `references.ts` checks): a Rollout's background analysis,
 * analysis steps, experiment-step analyses and blue-green pre/post-promotion analysis, and an
 * Experiment's analyses, each with the templates it names and the arguments its caller supplies. Pure.
 */
import {
  FIRST_DEPLOY_ANALYSIS_ANNOTATION,
  firstDeployAnalysisEnabled,
  firstDeployBlocks,
} from './first-deploy-rules.ts';
import type { ManifestDoc } from './manifest-doc.ts';
import { asBool, asList, asObj, asStr, isSet, type Obj } from './values.ts';

export interface TemplateRef {
  name: string;
  clusterScope: boolean;
  /** Path of the reference (the item holding templateName). */
  path: string;
}

/** Where an analysis is requested: a set of templates combined into one run, plus the caller's args. */
export interface Site {
  doc: ManifestDoc;
  /** Path of the analysis block, e.g. `spec.strategy.canary.steps[2].analysis`. */
  path: string;
  /** What runs it, for messages. */
  what: string;
  /** Whether Argo requires every metric to end by itself (analysis steps, blue-green analysis). */
  mustFinish: boolean;
  refs: TemplateRef[];
  /** Names of the arguments the caller supplies. */
  supplied: Set<string>;
  /**
   * Set for a run that merges the templates of other sites (the first-deploy analysis): why they are
   * combined, for messages. Each template and arg was checked at its own site already.
   */
  mergedBecause?: string | undefined;
}

export function refsAt(base: string, list: unknown): TemplateRef[] {
  return asList(list).flatMap((item, i) => {
    const o = asObj(item);
    const name = asStr(o?.templateName);
    return name === undefined
      ? []
      : [{ name, clusterScope: asBool(o?.clusterScope) === true, path: `${base}[${i}]` }];
  });
}

/** Names of args that count as supplied: Rollout args always do (an empty value is ""); Experiment args need a value. */
function suppliedArgs(list: unknown, needsValue: boolean): Set<string> {
  const out = new Set<string>();
  for (const a of asList(list)) {
    const o = asObj(a);
    const name = asStr(o?.name);
    if (name === undefined) continue;
    if (!needsValue || isSet(o?.value) || isSet(o?.valueFrom)) out.add(name);
  }
  return out;
}

export function rolloutSites(doc: ManifestDoc): Site[] {
  const sites: Site[] = [];
  const strategy = asObj(asObj(doc.object.spec)?.strategy);
  const canary = asObj(strategy?.canary);
  const blueGreen = asObj(strategy?.blueGreen);
  const analysisSite = (path: string, block: Obj | undefined, what: string, mustFinish: boolean): void => {
    if (!block) return;
    sites.push({
      doc,
      path,
      what,
      mustFinish,
      refs: refsAt(`${path}.templates`, block.templates),
      supplied: suppliedArgs(block.args, false),
    });
  };
  analysisSite('spec.strategy.canary.analysis', asObj(canary?.analysis), 'background analysis', false);
  asList(canary?.steps).forEach((s, i) => {
    const step = asObj(s);
    const at = `spec.strategy.canary.steps[${i}]`;
    analysisSite(`${at}.analysis`, asObj(step?.analysis), 'an analysis step', true);
    asList(asObj(step?.experiment)?.analyses).forEach((a, j) => {
      sites.push(...experimentAnalysisSite(doc, `${at}.experiment.analyses[${j}]`, a, false));
    });
  });
  analysisSite(
    'spec.strategy.blueGreen.prePromotionAnalysis',
    asObj(blueGreen?.prePromotionAnalysis),
    'pre-promotion analysis',
    true,
  );
  analysisSite(
    'spec.strategy.blueGreen.postPromotionAnalysis',
    asObj(blueGreen?.postPromotionAnalysis),
    'post-promotion analysis',
    true,
  );
  const merged = firstDeploySite(doc, canary);
  if (merged !== undefined) sites.push(merged);
  return sites;
}

/** The first-deploy analysis: one run of the background analysis and every analysis step together. */
function firstDeploySite(doc: ManifestDoc, canary: Obj | undefined): Site | undefined {
  if (!firstDeployAnalysisEnabled(doc.object)) return undefined;
  const blocks = firstDeployBlocks(canary);
  if (blocks.length === 0) return undefined;
  return {
    doc,
    path: `metadata.annotations.${FIRST_DEPLOY_ANALYSIS_ANNOTATION}`,
    what: 'the first-deploy analysis',
    mustFinish: false,
    refs: blocks.flatMap((b) => refsAt(`${b.path}.templates`, b.block.templates)),
    supplied: new Set(blocks.flatMap((b) => [...suppliedArgs(b.block.args, false)])),
    mergedBecause: `the first-deploy analysis (${FIRST_DEPLOY_ANALYSIS_ANNOTATION}) merges the background analysis and every analysis step into one run`,
  };
}

export function experimentSites(doc: ManifestDoc): Site[] {
  return asList(asObj(doc.object.spec)?.analyses).flatMap((a, j) =>
    experimentAnalysisSite(doc, `spec.analyses[${j}]`, a, true),
  );
}

/**
 * One analysis of an Experiment (its own or one in a Rollout's experiment step): a single template
 * named in place. None without a templateName.
 */
function experimentAnalysisSite(
  doc: ManifestDoc,
  path: string,
  analysis: unknown,
  needsValue: boolean,
): Site[] {
  const o = asObj(analysis);
  const name = asStr(o?.templateName);
  if (name === undefined) return [];
  return [
    {
      doc,
      path,
      what: 'an experiment analysis',
      mustFinish: false,
      refs: [{ name, clusterScope: asBool(o?.clusterScope) === true, path }],
      supplied: suppliedArgs(o?.args, needsValue),
    },
  ];
}
