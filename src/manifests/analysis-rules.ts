/**
 * Argo's rules for AnalysisTemplates / ClusterAnalysisTemplates (`ValidateMetrics` /
 * `ValidateMetric` in `utils/analysis`, the dry-run and retention rules applied when a run is
 * created) and for Experiments, checked offline. Cross-document rules (references, arguments,
 * placeholders) live in references.ts. Pure.
 */
import { checkCondition } from '../analysis/expr/index.ts';
import { judgeMetricRules } from './judge-rules.ts';
import { checkPodTemplate, checkSelector } from './k8s-rules.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { asList, asObj, asStr, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

/** The integer in an int-or-string metric field; undefined when unset or a placeholder. */
export function intValueOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

function uniqueNames(
  doc: ManifestDoc,
  base: string,
  list: unknown[],
  key: string,
  what: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const name = asStr(asObj(item)?.[key]);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) {
      out.push(
        diagnosticAt(doc, `${base}[${i}].${key}`, `duplicate ${what} "${name}" (also ${base}[${first}])`),
      );
    } else {
      seen.set(name, i);
    }
  });
  return out;
}

export function analysisTemplateRules(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const spec = asObj(doc.object.spec);
  if (!spec) return out;
  const metrics = asList(spec.metrics);
  const nested = asList(spec.templates);
  if (metrics.length === 0 && nested.length === 0) {
    out.push(
      diagnosticAt(doc, 'spec', 'needs at least one metric in spec.metrics (or templates to include)'),
    );
  }
  out.push(...uniqueNames(doc, 'spec.metrics', metrics, 'name', 'metric name'));
  out.push(...uniqueNames(doc, 'spec.args', asList(spec.args), 'name', 'arg'));
  metrics.forEach((m, i) => {
    const metric = asObj(m);
    if (metric) out.push(...metricRules(doc, `spec.metrics[${i}]`, metric));
    for (const key of ['successCondition', 'failureCondition'] as const) {
      const condition = asStr(metric?.[key]);
      if (condition === undefined || condition === '') continue;
      // Placeholders are filled in when the run starts: check the expression with a stand-in value.
      const problem = checkCondition(condition.replace(/\{\{[^}]*\}\}/g, '0'));
      if (problem !== undefined) {
        out.push(
          diagnosticAt(
            doc,
            `spec.metrics[${i}].${key}`,
            `${key} "${condition}" cannot be evaluated: ${problem}`,
          ),
        );
      }
    }
  });
  const metricNames = metrics.map((m) => asStr(asObj(m)?.name)).filter((n): n is string => n !== undefined);
  for (const listKey of ['dryRun', 'measurementRetention'] as const) {
    const list = asList(spec[listKey]);
    out.push(...uniqueNames(doc, `spec.${listKey}`, list, 'metricName', `${listKey} rule for metric`));
    if (nested.length > 0) continue; // metrics of included templates are not known here
    list.forEach((r, i) => {
      const pattern = asStr(asObj(r)?.metricName);
      if (pattern === undefined || pattern === '*') return;
      const path = `spec.${listKey}[${i}].metricName`;
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch {
        out.push(diagnosticAt(doc, path, `"${pattern}" is not a valid regular expression`));
        return;
      }
      if (!metricNames.some((n) => re.test(n))) {
        out.push(
          diagnosticAt(
            doc,
            path,
            `"${pattern}" matches no metric of this template (metrics: ${metricNames.join(', ') || 'none'})`,
          ),
        );
      }
    });
  }
  return out;
}

function metricRules(doc: ManifestDoc, base: string, metric: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const d = (path: string, message: string): void => {
    out.push(diagnosticAt(doc, path, message));
  };
  const count = intValueOf(metric.count);
  const failureLimit = intValueOf(metric.failureLimit);
  const inconclusiveLimit = intValueOf(metric.inconclusiveLimit);
  const successLimit = intValueOf(metric.consecutiveSuccessLimit);
  if (count !== undefined && count > 0) {
    if (failureLimit !== undefined && count < failureLimit) {
      d(`${base}.count`, `count (${count}) must be at least failureLimit (${failureLimit})`);
    }
    if (inconclusiveLimit !== undefined && count < inconclusiveLimit) {
      d(`${base}.count`, `count (${count}) must be at least inconclusiveLimit (${inconclusiveLimit})`);
    }
  }
  if (count !== undefined && count < 0) d(`${base}.count`, `count must be 0 or more, not ${count}`);
  if (count !== undefined && count > 1 && !isSet(metric.interval)) {
    d(
      `${base}.count`,
      `count ${count} needs an interval between the measurements (for example interval: 1m)`,
    );
  }
  if (failureLimit !== undefined) {
    if (failureLimit < -1) d(`${base}.failureLimit`, `failureLimit must be -1 or more, not ${failureLimit}`);
    if (failureLimit === -1 && !(successLimit !== undefined && successLimit > 0)) {
      d(
        `${base}.failureLimit`,
        'failureLimit -1 (never fail on failed measurements) needs consecutiveSuccessLimit of 1 or more',
      );
    }
  }
  for (const key of ['inconclusiveLimit', 'consecutiveErrorLimit', 'consecutiveSuccessLimit']) {
    const v = intValueOf(metric[key]);
    if (v !== undefined && v < 0) d(`${base}.${key}`, `${key} must be 0 or more, not ${v}`);
  }
  const plugin = asObj(asObj(metric.provider)?.plugin);
  if (plugin && Object.keys(plugin).length !== 1) {
    d(
      `${base}.provider.plugin`,
      `must name exactly one metric plugin; found ${Object.keys(plugin).length === 0 ? 'none' : Object.keys(plugin).join(', ')}`,
    );
  }
  out.push(...judgeMetricRules(doc, base, metric));
  return out;
}

export function experimentRules(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const spec = asObj(doc.object.spec);
  if (!spec) return out;
  const templates = asList(spec.templates);
  if (templates.length === 0 && Array.isArray(spec.templates)) {
    out.push(diagnosticAt(doc, 'spec.templates', 'needs at least one template'));
  }
  out.push(...uniqueNames(doc, 'spec.templates', templates, 'name', 'template name'));
  out.push(...uniqueNames(doc, 'spec.analyses', asList(spec.analyses), 'name', 'analysis name'));
  templates.forEach((t, i) => {
    const tmpl = asObj(t);
    if (!tmpl) return;
    const base = `spec.templates[${i}]`;
    if (isSet(tmpl.selector)) {
      out.push(
        ...checkSelector(
          doc,
          `${base}.selector`,
          isSet(tmpl.template) ? `${base}.template.metadata.labels` : undefined,
        ),
      );
    }
    if (isSet(tmpl.template)) out.push(...checkPodTemplate(doc, `${base}.template`));
  });
  return out;
}
