/**
 * `provider.judge`, rollout-pilot's own provider: for each metric, the same Prometheus range query
 * for the baseline and for the canary (their pod-template hashes put in `{{scope}}`), sent through
 * the Prometheus provider, then the judge (src/analysis/judge, Kayenta's NetflixACAJudge rules)
 * compares the two sets of samples. The judge decides the phase itself, as Argo's Kayenta provider
 * does: Pass → Successful, Marginal → Inconclusive, Fail → Failed. The value is the judgement in the
 * compact form the report draws (summary.ts). docs/providers.md#judge has the fields.
 */

import { judge, type MetricSamples } from '../judge/index.ts';
import { readJudgeSpec, type JudgeSpec } from '../judge/spec.ts';
import { summarize } from '../judge/summary.ts';
import { ProviderError, type MeasureContext, type MeasureResult, type MetricProvider } from './types.ts';

const PHASES = { Pass: 'Successful', Marginal: 'Inconclusive', Fail: 'Failed' } as const;

/** One side's samples: the values of every series of the range query, flattened. */
async function samples(
  prometheus: MetricProvider,
  spec: JudgeSpec,
  query: string,
  ctx: MeasureContext,
): Promise<{ values: number[]; sent: string }> {
  const r = await prometheus.measure({ ...spec.prometheus, query }, ctx);
  const v = r.value;
  const values = Array.isArray(v)
    ? v.filter((x): x is number => typeof x === 'number')
    : typeof v === 'number'
      ? [v]
      : [];
  return { values, sent: r.query };
}

async function measureMetric(
  prometheus: MetricProvider,
  spec: JudgeSpec,
  metric: JudgeSpec['metrics'][number],
  ctx: MeasureContext,
): Promise<{ samples: MetricSamples; sent: string[] }> {
  const side = async (which: 'baseline' | 'canary', query: string) => {
    try {
      return await samples(prometheus, spec, query, ctx);
    } catch (e) {
      if (ctx.signal.aborted || !(e instanceof ProviderError)) throw e;
      throw new ProviderError(`judge metric "${metric.rule.name}", ${which} query: ${e.message}`, e.query);
    }
  };
  const [b, c] = await Promise.all([
    side('baseline', metric.baselineQuery),
    side('canary', metric.canaryQuery),
  ]);
  return { samples: { rule: metric.rule, baseline: b.values, canary: c.values }, sent: [b.sent, c.sent] };
}

export class JudgeProvider implements MetricProvider {
  readonly kind = 'judge';
  private readonly prometheus: MetricProvider;

  /** `prometheus`: the provider the queries go through (the one `createMetricProviders` built). */
  constructor(prometheus: MetricProvider) {
    this.prometheus = prometheus;
  }

  async measure(block: Record<string, unknown>, ctx: MeasureContext): Promise<MeasureResult> {
    const { spec, problems } = readJudgeSpec(block);
    if (problems.length > 0) {
      throw new ProviderError(`judge: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    }
    const measured = await Promise.all(spec.metrics.map((m) => measureMetric(this.prometheus, spec, m, ctx)));
    const judgement = judge(
      measured.map((m) => m.samples),
      spec.thresholds,
      spec.groupWeights,
    );
    const summary = summarize(judgement);
    const display = JSON.stringify(summary);
    const failing = judgement.metrics.filter((m) => m.classification !== 'Pass' && !m.muted);
    const why =
      judgement.reason ??
      (failing.length === 0
        ? 'every metric passed'
        : failing.map((m) => `${m.name} ${m.classification}: ${m.reason}`).join('; '));
    return {
      value: summary,
      display,
      query: measured.flatMap((m) => m.sent).join('\n'),
      forcedPhase: PHASES[judgement.verdict],
      message: `judge: ${judgement.verdict}, score ${judgement.score} (pass ${spec.thresholds.pass}, marginal ${spec.thresholds.marginal}): ${why}`,
    };
  }
}
