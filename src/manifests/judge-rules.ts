/**
 * rollout-pilot's own metric provider, `provider: {judge: …}` (docs/providers.md#judge): its schema
 * (registered in argo-schema.ts beside Argo's providers) and its rules, which name the file and line
 * of each bad field. The values are read by the same code the provider runs. Pure.
 */
import { readJudgeSpec } from '../analysis/judge/spec.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { anything, arrayOf, mapOf, object, str } from './schema.ts';
import { asObj, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

/**
 * The judge block's shape. Numbers, booleans and enums are `anything()` here: the reader checks them,
 * accepting `{{args.x}}`, so each problem is reported once.
 */
export const judgeProviderSchema = object(
  {
    baseline: str(),
    canary: str(),
    prometheus: object(
      {
        address: str(),
        authentication: anything(),
        timeout: anything(),
        insecure: anything(),
        headers: arrayOf(object({ key: str(), value: str() }, { required: ['key', 'value'] })),
        rangeQuery: object({ start: str(), end: str(), step: str() }, { required: ['start', 'end', 'step'] }),
      },
      { required: ['rangeQuery'] },
    ),
    thresholds: object({ pass: anything(), marginal: anything() }),
    groupWeights: mapOf(anything()),
    metrics: arrayOf(
      object(
        {
          name: str(),
          query: str(),
          baselineQuery: str(),
          canaryQuery: str(),
          group: str(),
          direction: anything(),
          nanStrategy: anything(),
          outliers: object({ strategy: anything(), factor: anything() }),
          critical: anything(),
          mustHaveData: anything(),
          muted: anything(),
          effectSize: object({
            measure: anything(),
            allowedIncrease: anything(),
            allowedDecrease: anything(),
            criticalIncrease: anything(),
            criticalDecrease: anything(),
          }),
        },
        { required: ['name'] },
      ),
    ),
  },
  { required: ['baseline', 'canary', 'prometheus', 'metrics'] },
);

/** The rules of one metric's judge block; `base` is the metric's path (`spec.metrics[0]`). */
export function judgeMetricRules(doc: ManifestDoc, base: string, metric: Obj): Diagnostic[] {
  const block = asObj(asObj(metric.provider)?.judge);
  if (!block) return [];
  const at = `${base}.provider.judge`;
  const out = readJudgeSpec(block, true).problems.map((p) =>
    diagnosticAt(doc, p.path === '' ? at : `${at}.${p.path}`, p.message),
  );
  for (const key of ['successCondition', 'failureCondition']) {
    if (isSet(metric[key]) && metric[key] !== '') {
      out.push(
        diagnosticAt(
          doc,
          `${base}.${key}`,
          `a judge metric decides its phase itself (Pass → Successful, Marginal → Inconclusive, Fail → Failed); remove ${key} and set judge.thresholds instead`,
        ),
      );
    }
  }
  return out;
}
