/**
 * `provider: {judge: …}` read into what the judge runs: the baseline's and canary's query per metric,
 * each metric's rule, the thresholds, the group weights and the Prometheus block the queries go
 * through. One reader serves both `lint` (paths into the manifest, `{{args.x}}` accepted wherever a
 * value goes) and the provider (args already filled in). Pure. docs/providers.md has the spec.
 */

import {
  DEFAULT_OUTLIER_FACTOR,
  DEFAULT_THRESHOLDS,
  type Direction,
  type MetricRule,
  type Thresholds,
} from './types.ts';

type Obj = Record<string, unknown>;

/** The measurement's value is stored within 4 KiB: this many metrics fit with their summaries. */
export const MAX_JUDGE_METRICS = 6;

/** `{{scope}}` in a metric's query: replaced by the baseline's hash, then by the canary's. */
export const SCOPE_PLACEHOLDER = /\{\{\s*scope\s*\}\}/g;

export interface JudgeMetricSpec {
  rule: MetricRule;
  baselineQuery: string;
  canaryQuery: string;
}

export interface JudgeSpec {
  baseline: string;
  canary: string;
  metrics: JudgeMetricSpec[];
  thresholds: Thresholds;
  groupWeights: Record<string, number>;
  /** Argo's prometheus block minus `query` (address, rangeQuery, authentication, …). */
  prometheus: Obj;
}

export interface SpecProblem {
  /** Relative to the judge block, e.g. `metrics[0].direction`. */
  path: string;
  message: string;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (base: string, key: string): string => (base === '' ? key : `${base}.${key}`);

/** Reads values at paths, noting each problem; under lint a `{{…}}` string stands for any value. */
class Reader {
  readonly problems: SpecProblem[] = [];
  readonly lint: boolean;
  constructor(lint: boolean) {
    this.lint = lint;
  }

  fail(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  private placeholder(v: unknown): boolean {
    return this.lint && typeof v === 'string' && v.includes('{{');
  }

  str(o: Obj, key: string, base: string, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.fail(join(base, key), `${key} is required`);
      return undefined;
    }
    if (typeof v !== 'string') this.fail(join(base, key), `${key} must be a string`);
    else if (v.trim() === '' && required) this.fail(join(base, key), `${key} must not be empty`);
    return typeof v === 'string' ? v : undefined;
  }

  num(o: Obj, key: string, base: string, fallback: number, check: (n: number) => string | undefined): number {
    const v = o[key];
    if (v === undefined || v === null || this.placeholder(v)) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      this.fail(join(base, key), `${key} must be a number, not ${JSON.stringify(v)}`);
      return fallback;
    }
    const problem = check(n);
    if (problem !== undefined) this.fail(join(base, key), `${key} ${problem}`);
    return n;
  }

  bool(o: Obj, key: string, base: string): boolean {
    const v = o[key];
    if (v === undefined || v === null || this.placeholder(v)) return false;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    this.fail(join(base, key), `${key} must be true or false`);
    return false;
  }

  oneOf<T extends string>(o: Obj, key: string, base: string, values: readonly T[], fallback: T): T {
    const v = o[key];
    if (v === undefined || v === null || this.placeholder(v)) return fallback;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    this.fail(join(base, key), `${key} must be one of ${values.join(', ')}, not ${JSON.stringify(v)}`);
    return fallback;
  }

  obj(o: Obj, key: string, base: string): Obj {
    const v = o[key];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) this.fail(join(base, key), `${key} must be an object`);
    return isObj(v) ? v : {};
  }
}

const positive = (n: number): string | undefined => (n > 0 ? undefined : 'must be above 0');
const percent = (n: number): string | undefined => (n >= 0 && n <= 100 ? undefined : 'must be from 0 to 100');

function effectSize(r: Reader, m: Obj, base: string): MetricRule['effectSize'] {
  const path = join(base, 'effectSize');
  const e = r.obj(m, 'effectSize', base);
  const measure = r.oneOf(e, 'measure', path, ['meanRatio', 'cles'] as const, 'meanRatio');
  const fallback = measure === 'cles' ? 0.5 : 1;
  const check =
    measure === 'cles'
      ? (n: number): string | undefined => (n >= 0 && n <= 1 ? undefined : 'must be from 0 to 1 for cles')
      : positive;
  return {
    measure,
    allowedIncrease: r.num(e, 'allowedIncrease', path, fallback, check),
    allowedDecrease: r.num(e, 'allowedDecrease', path, fallback, check),
    criticalIncrease: r.num(e, 'criticalIncrease', path, fallback, check),
    criticalDecrease: r.num(e, 'criticalDecrease', path, fallback, check),
  };
}

/** The two queries: one `query` holding `{{scope}}`, or `baselineQuery` and `canaryQuery`. */
function queries(
  r: Reader,
  m: Obj,
  base: string,
  spec: { baseline: string; canary: string },
): [string, string] {
  const one = r.str(m, 'query', base, false);
  const pair = [r.str(m, 'baselineQuery', base, false), r.str(m, 'canaryQuery', base, false)] as const;
  if (one !== undefined) {
    if (pair[0] !== undefined || pair[1] !== undefined) {
      r.fail(join(base, 'query'), 'set query, or baselineQuery and canaryQuery, not both');
    } else if (!one.match(SCOPE_PLACEHOLDER)) {
      r.fail(
        join(base, 'query'),
        'query must hold {{scope}}, which becomes the baseline hash, then the canary hash',
      );
    }
    return [one.replace(SCOPE_PLACEHOLDER, spec.baseline), one.replace(SCOPE_PLACEHOLDER, spec.canary)];
  }
  if (pair[0] === undefined || pair[1] === undefined) {
    r.fail(base, 'needs query (with {{scope}}), or both baselineQuery and canaryQuery');
  }
  return [pair[0] ?? '', pair[1] ?? ''];
}

function metric(
  r: Reader,
  m: Obj,
  base: string,
  spec: { baseline: string; canary: string },
): JudgeMetricSpec {
  const name = r.str(m, 'name', base, true) ?? '';
  const [baselineQuery, canaryQuery] = queries(r, m, base, spec);
  const outliers = r.obj(m, 'outliers', base);
  const outlierPath = join(base, 'outliers');
  const strategy = r.oneOf(outliers, 'strategy', outlierPath, ['keep', 'remove'] as const, 'keep');
  const factor = r.num(outliers, 'factor', outlierPath, DEFAULT_OUTLIER_FACTOR, positive);
  const rule: MetricRule = {
    name,
    group: r.str(m, 'group', base, false) ?? name,
    direction: r.oneOf<Direction>(m, 'direction', base, ['either', 'increase', 'decrease'], 'either'),
    nanStrategy: r.oneOf(m, 'nanStrategy', base, ['remove', 'replace'] as const, 'remove'),
    outlierFactor: strategy === 'remove' ? factor : undefined,
    critical: r.bool(m, 'critical', base),
    mustHaveData: r.bool(m, 'mustHaveData', base),
    muted: r.bool(m, 'muted', base),
    effectSize: effectSize(r, m, base),
  };
  return { rule, baselineQuery, canaryQuery };
}

function thresholds(r: Reader, block: Obj): Thresholds {
  const t = r.obj(block, 'thresholds', '');
  const pass = r.num(t, 'pass', 'thresholds', DEFAULT_THRESHOLDS.pass, percent);
  const marginal = r.num(t, 'marginal', 'thresholds', DEFAULT_THRESHOLDS.marginal, percent);
  if (marginal > pass)
    r.fail('thresholds.marginal', `marginal (${marginal}) must not be above pass (${pass})`);
  return { pass, marginal };
}

function groupWeights(r: Reader, block: Obj, groups: ReadonlySet<string>): Record<string, number> {
  const w = r.obj(block, 'groupWeights', '');
  const out: Record<string, number> = {};
  for (const name of Object.keys(w)) {
    out[name] = r.num(w, name, 'groupWeights', 0, percent);
    if (!groups.has(name)) r.fail(`groupWeights.${name}`, `no metric is in group "${name}"`);
  }
  const sum = Object.values(out).reduce((s, v) => s + v, 0);
  const allWeighted = [...groups].every((g) => out[g] !== undefined);
  if (sum > 100) r.fail('groupWeights', `the weights add up to ${sum}, over 100`);
  else if (allWeighted && groups.size > 0 && Object.keys(w).length > 0 && sum !== 100) {
    r.fail('groupWeights', `every group has a weight, so they must add up to 100, not ${sum}`);
  }
  return out;
}

/** Reads a judge block; `lint` accepts `{{…}}` placeholders where values go. */
export function readJudgeSpec(block: Obj, lint = false): { spec: JudgeSpec; problems: SpecProblem[] } {
  const r = new Reader(lint);
  const baseline = r.str(block, 'baseline', '', true) ?? '';
  const canary = r.str(block, 'canary', '', true) ?? '';
  if (!lint && baseline !== '' && baseline === canary) {
    r.fail(
      'canary',
      `canary and baseline are both "${baseline}": the judge would compare a version with itself`,
    );
  }
  const prometheus = r.obj(block, 'prometheus', '');
  if (!isObj(block.prometheus))
    r.fail('prometheus', 'prometheus is required: the address and rangeQuery the queries use');
  else if (!isObj(prometheus.rangeQuery)) {
    r.fail(
      'prometheus.rangeQuery',
      'rangeQuery is required: the judge compares the samples of a time window',
    );
  }
  const list = Array.isArray(block.metrics) ? (block.metrics as unknown[]) : [];
  if (list.length === 0) r.fail('metrics', 'metrics needs at least one metric');
  if (list.length > MAX_JUDGE_METRICS) {
    r.fail(
      'metrics',
      `at most ${MAX_JUDGE_METRICS} metrics per judge (its result is stored within 4 KiB); split them`,
    );
  }
  const metrics = list.map((m, i) => metric(r, isObj(m) ? m : {}, `metrics[${i}]`, { baseline, canary }));
  const seen = new Set<string>();
  metrics.forEach((m, i) => {
    if (seen.has(m.rule.name)) r.fail(`metrics[${i}].name`, `duplicate metric name "${m.rule.name}"`);
    seen.add(m.rule.name);
  });
  const spec: JudgeSpec = {
    baseline,
    canary,
    metrics,
    thresholds: thresholds(r, block),
    groupWeights: groupWeights(r, block, new Set(metrics.map((m) => m.rule.group))),
    prometheus,
  };
  return { spec, problems: r.problems };
}
