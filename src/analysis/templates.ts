/**
 * From a Rollout's analysis block (`strategy.canary.analysis` or an `analysis` step) and the
 * AnalysisTemplates it names, to a RunSpec: templates (and the templates they include) merged as Argo
 * merges them, arguments resolved, `{{args.x}}` substituted outside the provider block. Pure. The
 * provider block keeps its placeholders and is resolved in one pass at measurement time with the
 * args and the Secret values (`resolveProvider`), so no secret is ever stored in the rollout's state
 * and no arg value is expanded twice.
 */
import { argSource, firstDeployBlocks } from '../manifests/first-deploy-rules.ts';
import {
  effectiveCount,
  metricSpecFromArgo,
  type MetricSpec,
  type RunSpec,
  type RunState,
} from './engine/index.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A template as stored: the object from the manifests (or the cluster). */
export interface StoredTemplate {
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate';
  name: string;
  spec: Obj;
  /** Where it was written: reports annotate a failing metric at its line. */
  source?: { file: string; line: number; metrics: Record<string, number> } | undefined;
}

export interface SecretArg {
  name: string;
  secretName: string;
  key: string;
}

export interface BuiltRun {
  spec: RunSpec;
  /** Args whose values come from Secrets; their placeholders remain in `spec`. */
  secretArgs: SecretArg[];
  /** Resolved non-secret args, for the record. */
  args: Record<string, string>;
}

/** One analysis run as kept in the rollout's state. Holds no secret: their placeholders stay. */
export interface AnalysisRecord {
  id: string;
  /**
   * A canary step's, the canary's background, blue-green's pre- or post-promotion analysis, or
   * FirstDeploy: rollout-pilot's first-deploy analysis (the rollout's analysis, merged), or an
   * Experiment's analysis (standalone, or of an `experiment` step).
   */
  kind: 'Step' | 'Background' | 'PrePromotion' | 'PostPromotion' | 'FirstDeploy' | 'Experiment';
  stepIndex?: number | undefined;
  /** An Experiment's run: the experiment and the analysis (`spec.analyses[].name`) it is for. */
  experiment?: string | undefined;
  analysisName?: string | undefined;
  podHash: string;
  args: Record<string, string>;
  secretArgs: SecretArg[];
  spec: RunSpec;
  state: RunState;
  /** For people: what this run is when it is not one of Argo's (the first-deploy analysis). */
  note?: string | undefined;
}

export interface ArgContext {
  /** The Rollout object, for `valueFrom.fieldRef`. */
  rollout: Obj;
  stableHash: string | undefined;
  latestHash: string;
}

export class AnalysisSetupError extends Error {
  override name = 'AnalysisSetupError';
}

function findTemplate(all: readonly StoredTemplate[], name: string, clusterScope: boolean): StoredTemplate {
  const kind = clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
  const t = all.find((x) => x.name === name && x.kind === kind);
  if (t === undefined) throw new AnalysisSetupError(`${kind} "${name}" not found`);
  return t;
}

/** The templates a reference list names, including the ones they include, each once. */
function collect(
  all: readonly StoredTemplate[],
  refs: unknown[],
  seen: Set<string>,
  out: StoredTemplate[],
): void {
  for (const r of refs) {
    const ref = obj(r);
    const name = str(ref.templateName) ?? '';
    const t = findTemplate(all, name, ref.clusterScope === true);
    const key = `${t.kind}/${t.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
    collect(all, list(t.spec.templates), seen, out);
  }
}

/** Reads `metadata.labels['env']`, `spec.template.metadata.labels.version`, ... from the Rollout. */
export function fieldRef(rollout: Obj, path: string): string | undefined {
  const parts: string[] = [];
  const re = /([^.[\]]+)|\[['"]?([^'"\]]+)['"]?\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) parts.push(m[1] ?? m[2] ?? '');
  let cur: unknown = rollout;
  for (const p of parts) cur = Array.isArray(cur) ? cur[Number(p)] : obj(cur)[p];
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

function substitute(value: unknown, args: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*args\.([\w.-]+)\s*\}\}/g, (whole, name: string) => args.get(name) ?? whole);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, args));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, args)]));
  }
  return value;
}

/**
 * The provider block as a measurement sends it: every `{{args.x}}` the template wrote replaced, in
 * one pass, by the run's args and the Secret values (read at measurement time), as Argo's
 * `ResolveMetricArgs` does. A value is never expanded again: an arg whose value is `{{args.token}}`
 * puts that text, not the Secret, where the template placed the arg.
 */
export function resolveProvider<T>(
  block: T,
  args: Readonly<Record<string, string>>,
  secrets: ReadonlyMap<string, string>,
): T {
  return substitute(block, new Map([...Object.entries(args), ...secrets])) as T;
}

/**
 * Builds the run for one analysis block: `{ templates, args, dryRun, measurementRetention }` as in
 * a Rollout (background analysis or an analysis step).
 */
export function buildRun(block: Obj, templates: readonly StoredTemplate[], ctx: ArgContext): BuiltRun {
  const chosen: StoredTemplate[] = [];
  collect(templates, list(block.templates), new Set(), chosen);
  if (chosen.length === 0) throw new AnalysisSetupError('the analysis names no template');

  const declared = mergeTemplateArgs(chosen);
  applyRolloutArgs(declared, list(block.args), ctx);
  const { args, secretArgs } = resolveArgs(declared, chosen, ctx);
  const metrics = mergeMetrics(chosen, args);
  const names = (v: unknown): string[] => list(v).map((d) => str(obj(d).metricName) ?? '');
  const dryRun = [...chosen.flatMap((t) => names(t.spec.dryRun)), ...names(block.dryRun)];
  const measurementRetention = [
    ...chosen.flatMap((t) => list(t.spec.measurementRetention)),
    ...list(block.measurementRetention),
  ].map((r) => ({ metricName: str(obj(r).metricName) ?? '', limit: Number(obj(r).limit ?? 0) }));
  return {
    spec: {
      metrics,
      ...(dryRun.length > 0 ? { dryRun } : {}),
      ...(measurementRetention.length > 0 ? { measurementRetention } : {}),
    },
    secretArgs,
    args: Object.fromEntries(args),
  };
}

/** The templates' args by name: a name declared twice must agree on its value (Argo's merge rule). */
function mergeTemplateArgs(chosen: readonly StoredTemplate[]): Map<string, Obj> {
  const declared = new Map<string, Obj>();
  for (const t of chosen) {
    for (const a of list(t.spec.args)) {
      const arg = obj(a);
      const name = str(arg.name) ?? '';
      const before = declared.get(name);
      if (
        before !== undefined &&
        before.value !== undefined &&
        arg.value !== undefined &&
        before.value !== arg.value
      ) {
        throw new AnalysisSetupError(`arg "${name}" has two different values in the merged templates`);
      }
      declared.set(name, { ...before, ...arg });
    }
  }
  return declared;
}

/** The Rollout's args override the templates' defaults (in place); undeclared ones are ignored. */
function applyRolloutArgs(declared: Map<string, Obj>, rolloutArgs: unknown[], ctx: ArgContext): void {
  for (const a of rolloutArgs) {
    const arg = obj(a);
    const name = str(arg.name) ?? '';
    const from = obj(arg.valueFrom);
    let value = str(arg.value);
    if (from.podTemplateHashValue !== undefined) {
      value = from.podTemplateHashValue === 'Stable' ? ctx.stableHash : ctx.latestHash;
      if (value === undefined) throw new AnalysisSetupError(`arg "${name}": no stable ReplicaSet yet`);
    } else if (from.fieldRef !== undefined) {
      value = rolloutField(ctx, name, from.fieldRef);
    }
    if (!declared.has(name)) continue; // Argo ignores args no template declares
    declared.set(name, { name, value });
  }
}

/** An arg's `valueFrom.fieldRef` read from the Rollout; an error when the field is not set. */
function rolloutField(ctx: ArgContext, name: string, ref: unknown): string {
  const path = str(obj(ref).fieldPath) ?? '';
  const value = fieldRef(ctx.rollout, path);
  if (value === undefined)
    throw new AnalysisSetupError(`arg "${name}": fieldRef ${path} is not set on the Rollout`);
  return value;
}

/** Each merged arg's value, or the Secret it comes from; an arg with neither is an error. */
function resolveArgs(
  declared: ReadonlyMap<string, Obj>,
  chosen: readonly StoredTemplate[],
  ctx: ArgContext,
): { args: Map<string, string>; secretArgs: SecretArg[] } {
  const args = new Map<string, string>();
  const secretArgs: SecretArg[] = [];
  for (const [name, arg] of declared) {
    const from = obj(arg.valueFrom);
    if (typeof arg.value === 'string') {
      args.set(name, arg.value);
    } else if (from.secretKeyRef !== undefined) {
      const ref = obj(from.secretKeyRef);
      secretArgs.push({ name, secretName: str(ref.name) ?? '', key: str(ref.key) ?? '' });
    } else if (from.fieldRef !== undefined) {
      args.set(name, rolloutField(ctx, name, from.fieldRef));
    } else {
      const users = chosen
        .filter((t) => list(t.spec.args).some((a) => obj(a).name === name))
        .map((t) => t.name);
      throw new AnalysisSetupError(
        `arg "${name}" of template ${users.join(', ')} has no value: give it in the Rollout's args`,
      );
    }
  }
  return { args, secretArgs };
}

/** Every template's metrics with the args substituted; a metric name defined twice is an error. */
function mergeMetrics(chosen: readonly StoredTemplate[], args: ReadonlyMap<string, string>): MetricSpec[] {
  const metrics: MetricSpec[] = [];
  const seen = new Set<string>();
  for (const t of chosen) {
    for (const m of list(t.spec.metrics)) {
      // The provider keeps its placeholders: it is resolved once, with the Secrets, per measurement.
      const raw: Obj = {
        ...(substitute({ ...obj(m), provider: undefined }, args) as Obj),
        provider: obj(m).provider,
      };
      const name = str(raw.name) ?? '';
      if (seen.has(name)) throw new AnalysisSetupError(`metric "${name}" is defined by two merged templates`);
      seen.add(name);
      metrics.push(metricSpec(name, raw));
    }
  }
  return metrics;
}

/** One merged metric as the engine's MetricSpec (Argo's field names and checks). */
function metricSpec(name: string, raw: Obj): MetricSpec {
  const converted = metricSpecFromArgo({
    name,
    interval: str(raw.interval),
    initialDelay: str(raw.initialDelay),
    count: raw.count as number | string | undefined,
    successCondition: str(raw.successCondition),
    failureCondition: str(raw.failureCondition),
    failureLimit: raw.failureLimit as number | string | undefined,
    inconclusiveLimit: raw.inconclusiveLimit as number | string | undefined,
    consecutiveErrorLimit: raw.consecutiveErrorLimit as number | string | undefined,
    consecutiveSuccessLimit: raw.consecutiveSuccessLimit as number | string | undefined,
    provider: obj(raw.provider),
  });
  if ('error' in converted) throw new AnalysisSetupError(`metric "${name}": ${converted.error}`);
  return converted.spec;
}

/**
 * rollout-pilot's first-deploy run, from `strategy.canary` as stored: the background analysis
 * (without `startingStep`) and every analysis step merged into one block, built as `buildRun` builds
 * any run, with each metric that would measure until stopped given a count (`boundIndefinite`).
 */
export function buildFirstDeployRun(
  canary: Obj,
  templates: readonly StoredTemplate[],
  ctx: ArgContext,
): BuiltRun & { note: string } {
  const built = buildRun(firstDeployBlock(canary), templates, ctx);
  const { spec, bounded } = boundIndefinite(built.spec);
  const counts = bounded.map((b) => `${b.metric} ${b.count}×`).join(', ');
  const note =
    'First-deploy analysis (rollout-pilot.dev/first-deploy-analysis): Argo Rollouts runs no analysis on a first deploy; rollout-pilot ran the background analysis and the analysis steps once the revision was fully up' +
    (bounded.length === 0
      ? '.'
      : `. Metrics without a count measured a bounded number of times (the fewest in which their limits can decide): ${counts}.`);
  return { ...built, spec, note };
}

/** The blocks of `strategy.canary` merged: their templates, their args (one value each), dry runs and retention. */
export function firstDeployBlock(canary: Obj): Obj {
  const blocks = firstDeployBlocks(canary);
  if (blocks.length === 0)
    throw new AnalysisSetupError('the Rollout has no analysis to run on its first deploy');
  const args = new Map<string, Obj>();
  for (const { path, block } of blocks) {
    for (const a of list(block.args)) {
      const arg = obj(a);
      const name = str(arg.name) ?? '';
      const before = args.get(name);
      if (before !== undefined && argSource(before) !== argSource(arg)) {
        throw new AnalysisSetupError(
          `arg "${name}" is given differently in ${path} and an earlier analysis block; the first-deploy analysis needs one value`,
        );
      }
      args.set(name, arg);
    }
  }
  const all = (key: string): unknown[] => blocks.flatMap((b) => list(b.block[key]));
  return {
    templates: all('templates'),
    args: [...args.values()],
    dryRun: all('dryRun'),
    measurementRetention: all('measurementRetention'),
  };
}

/**
 * A metric with an interval and no count measures until stopped (Argo stops a background run at
 * promotion). A first-deploy run has no promotion to wait for, so such a metric is measured the
 * fewest times in which each of its limits can decide: max(failureLimit + 1, inconclusiveLimit + 1,
 * consecutiveSuccessLimit, 1). Errors do not count, so consecutiveErrorLimit still applies.
 */
export function boundIndefinite(spec: RunSpec): {
  spec: RunSpec;
  bounded: { metric: string; count: number }[];
} {
  const bounded: { metric: string; count: number }[] = [];
  const metrics = spec.metrics.map((m) => {
    if (effectiveCount(m) !== undefined) return m;
    const count = Math.max(
      1,
      (m.failureLimit ?? 0) + 1,
      (m.inconclusiveLimit ?? 0) + 1,
      m.consecutiveSuccessLimit ?? 0,
    );
    bounded.push({ metric: m.name, count });
    return { ...m, count };
  });
  return { spec: { ...spec, metrics }, bounded };
}
