/**
 * Rules across documents, as Argo applies them when it builds an AnalysisRun from templates
 * (`NewAnalysisRunFromTemplates`, `FlattenTemplates`, `MergeArgs` in `utils/analysis`, and
 * `ValidateAnalysisTemplatesWithType` in `validation_references.go`):
 *
 * - every referenced AnalysisTemplate / ClusterAnalysisTemplate (`templateName` + `clusterScope`,
 *   also templates included by other templates) exists among the manifests;
 * - a template argument with neither `value` nor `valueFrom` is supplied by the caller's `args`;
 * - templates combined in one analysis do not define the same metric twice nor give one argument two
 *   different values;
 * - analysis steps and blue-green pre/post-promotion analysis use no metric that runs until stopped;
 * - `{{args.x}}` placeholders in a template name arguments the template (or one it includes) declares.
 *
 * As in Argo, an argument supplied by the caller that no template declares is ignored, not an error.
 * Namespaces: a template matches a reference from the same namespace; a document without a namespace
 * (applied into the default one) matches any. Pure.
 */
import { experimentSites, refsAt, rolloutSites, type Site, type TemplateRef } from './analysis-sites.ts';
import { ARGO_API_VERSION } from './kinds.ts';
import { joinPath } from './manifest-doc.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { closestMatch } from './schema.ts';
import { intValueOf } from './analysis-rules.ts';
import { asList, asObj, asStr, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

type TemplateKind = 'AnalysisTemplate' | 'ClusterAnalysisTemplate';

interface TemplateDoc {
  doc: ManifestDoc;
  kind: TemplateKind;
  name: string;
  namespace: string | undefined;
  spec: Obj;
}

const namespaceOf = (doc: ManifestDoc): string | undefined => asStr(asObj(doc.object.metadata)?.namespace);

function templateDocs(docs: readonly ManifestDoc[]): TemplateDoc[] {
  const out: TemplateDoc[] = [];
  for (const doc of docs) {
    const kind = doc.object.kind;
    if (doc.object.apiVersion !== ARGO_API_VERSION) continue;
    if (kind !== 'AnalysisTemplate' && kind !== 'ClusterAnalysisTemplate') continue;
    const name = asStr(asObj(doc.object.metadata)?.name);
    if (name === undefined) continue;
    out.push({ doc, kind, name, namespace: namespaceOf(doc), spec: asObj(doc.object.spec) ?? {} });
  }
  return out;
}

class TemplateIndex {
  readonly all: TemplateDoc[];
  constructor(docs: readonly ManifestDoc[]) {
    this.all = templateDocs(docs);
  }

  find(ref: TemplateRef, fromNamespace: string | undefined): TemplateDoc | undefined {
    const kind: TemplateKind = ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    const named = this.all.filter((t) => t.kind === kind && t.name === ref.name);
    if (kind === 'ClusterAnalysisTemplate') return named[0];
    return (
      named.find((t) => t.namespace === fromNamespace) ??
      named.find((t) => fromNamespace === undefined || t.namespace === undefined)
    );
  }

  names(kind: TemplateKind): string[] {
    return [...new Set(this.all.filter((t) => t.kind === kind).map((t) => t.name))];
  }
}

function kindOf(ref: TemplateRef): TemplateKind {
  return ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
}

function notFound(index: TemplateIndex, ref: TemplateRef): string {
  const kind = kindOf(ref);
  const known = index.names(kind);
  const guess = closestMatch(ref.name, known);
  const other: TemplateKind = ref.clusterScope ? 'AnalysisTemplate' : 'ClusterAnalysisTemplate';
  const otherHint = index.names(other).includes(ref.name)
    ? ref.clusterScope
      ? `; an AnalysisTemplate "${ref.name}" exists: remove clusterScope: true`
      : `; a ClusterAnalysisTemplate "${ref.name}" exists: add clusterScope: true`
    : '';
  return (
    `${kind} "${ref.name}" is not among the manifests` +
    (guess ? ` (did you mean "${guess}"?)` : '') +
    (otherHint || (known.length > 0 ? `; ${kind}s found: ${known.join(', ')}` : `; no ${kind} was found`))
  );
}

interface Flattened {
  /** Template and the top-level reference through which it was reached. */
  templates: { t: TemplateDoc; via: TemplateRef }[];
}

/** The templates a site combines, following `spec.templates` inclusions (cycles are cut). */
function flatten(index: TemplateIndex, site: Site): Flattened {
  const seen = new Set<TemplateDoc>();
  const templates: Flattened['templates'] = [];
  const from = namespaceOf(site.doc);
  const visit = (ref: TemplateRef, via: TemplateRef, namespace: string | undefined): void => {
    const t = index.find(ref, namespace);
    if (!t || seen.has(t)) return;
    seen.add(t);
    templates.push({ t, via });
    for (const inner of refsAt('spec.templates', t.spec.templates))
      visit(inner, via, t.namespace ?? namespace);
  };
  for (const ref of site.refs) visit(ref, ref, from);
  return { templates };
}

function describe(t: TemplateDoc): string {
  return `${t.kind} "${t.name}"`;
}

/** The rules of one site: its templates exist, their metrics combine, their args are all supplied. */
function siteRules(index: TemplateIndex, site: Site): Diagnostic[] {
  const { templates } = flatten(index, site);
  // A merged run's templates and args were each checked at their own site: only what merging adds.
  return [
    ...(site.mergedBecause === undefined ? missingTemplateRules(index, site) : []),
    ...metricRules(site, templates),
    ...argRules(site, templates),
  ];
}

function missingTemplateRules(index: TemplateIndex, site: Site): Diagnostic[] {
  const out: Diagnostic[] = [];
  const from = namespaceOf(site.doc);
  for (const ref of site.refs) {
    if (!index.find(ref, from)) {
      out.push({
        ...diagnosticAt(site.doc, `${ref.path}.templateName`, notFound(index, ref)),
        missingTemplate: { kind: kindOf(ref), name: ref.name },
      });
    }
  }
  return out;
}

/** Metrics: one name per run, and an end of their own where the site waits for them. */
function metricRules(site: Site, templates: Flattened['templates']): Diagnostic[] {
  const out: Diagnostic[] = [];
  const metricOwner = new Map<string, TemplateDoc>();
  for (const { t, via } of templates) {
    for (const m of asList(t.spec.metrics)) {
      const name = asStr(asObj(m)?.name);
      if (name === undefined) continue;
      const owner = metricOwner.get(name);
      if (owner && owner !== t) {
        out.push(
          diagnosticAt(
            site.doc,
            `${via.path}.templateName`,
            `${describe(owner)} and ${describe(t)} both define a metric "${name}"; metrics combined in one analysis need distinct names${site.mergedBecause === undefined ? '' : ` (${site.mergedBecause})`}`,
          ),
        );
      } else {
        metricOwner.set(name, t);
      }
      const metric = asObj(m);
      if (site.mustFinish && metric && runsUntilStopped(metric)) {
        out.push(
          diagnosticAt(
            site.doc,
            `${via.path}.templateName`,
            `metric "${name}" of ${describe(t)} has an interval but no count, so it runs until stopped; ${site.what} waits for it to finish, so set count`,
          ),
        );
      }
    }
  }
  return out;
}

/** Args: merged across templates (one value each), then every one without a value supplied by the caller. */
function argRules(site: Site, templates: Flattened['templates']): Diagnostic[] {
  const out: Diagnostic[] = [];
  const args = new Map<
    string,
    { value: string | undefined; resolved: boolean; t: TemplateDoc; via: TemplateRef }
  >();
  for (const { t, via } of templates) {
    for (const a of asList(t.spec.args)) {
      const o = asObj(a);
      const name = asStr(o?.name);
      if (name === undefined) continue;
      const value = asStr(o?.value);
      const resolved = isSet(o?.value) || isSet(o?.valueFrom);
      const prev = args.get(name);
      if (prev && prev.value !== undefined && value !== undefined && prev.value !== value) {
        out.push(
          diagnosticAt(
            site.doc,
            `${via.path}.templateName`,
            `arg "${name}" has different values in ${describe(prev.t)} (${JSON.stringify(prev.value)}) and ${describe(t)} (${JSON.stringify(value)})${site.mergedBecause === undefined ? '' : ` (${site.mergedBecause})`}`,
          ),
        );
        continue;
      }
      if (!prev || !prev.resolved) args.set(name, { value, resolved, t, via });
    }
  }
  for (const [name, arg] of args) {
    if (arg.resolved || site.supplied.has(name) || site.mergedBecause !== undefined) continue;
    out.push(
      diagnosticAt(
        site.doc,
        `${arg.via.path}.templateName`,
        `${describe(arg.t)} needs arg "${name}", which has no value or valueFrom in the template: ` +
          `supply it in ${site.path}.args`,
      ),
    );
  }
  return out;
}

/** Argo's `EffectiveCount() == nil`: an interval and no (or a zero) count. */
function runsUntilStopped(metric: Obj): boolean {
  if (!isSet(metric.interval)) return false;
  if (!isSet(metric.count)) return true;
  const count = intValueOf(metric.count);
  return count === 0;
}

const PLACEHOLDER = /\{\{\s*args\.([^}\s]+)\s*\}\}/g;

function eachString(value: unknown, path: string, visit: (s: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value))
    value.forEach((v: unknown, i) => {
      eachString(v, joinPath(path, i), visit);
    });
  else {
    const o = asObj(value);
    if (o) for (const [k, v] of Object.entries(o)) eachString(v, joinPath(path, k), visit);
  }
}

/** `{{args.x}}` in a template's metrics must name an argument it (or a template it includes) declares. */
function placeholderRules(index: TemplateIndex, t: TemplateDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const self: TemplateRef = { name: t.name, clusterScope: t.kind === 'ClusterAnalysisTemplate', path: '' };
  const site: Site = { doc: t.doc, path: '', what: '', mustFinish: false, refs: [self], supplied: new Set() };
  const declared = new Set<string>();
  for (const { t: inc } of flatten(index, site).templates) {
    for (const a of asList(inc.spec.args)) {
      const name = asStr(asObj(a)?.name);
      if (name !== undefined) declared.add(name);
    }
  }
  for (const a of asList(t.spec.args)) {
    const name = asStr(asObj(a)?.name);
    if (name !== undefined) declared.add(name);
  }
  eachString(t.spec.metrics, 'spec.metrics', (s, path) => {
    for (const m of s.matchAll(PLACEHOLDER)) {
      const name = m[1] ?? '';
      if (declared.has(name)) continue;
      const guess = closestMatch(name, [...declared]);
      out.push(
        diagnosticAt(
          t.doc,
          path,
          `{{args.${name}}} refers to arg "${name}", which ${describe(t)} does not declare in spec.args` +
            (guess
              ? ` (did you mean ${guess}?)`
              : declared.size > 0
                ? ` (declared: ${[...declared].join(', ')})`
                : ''),
        ),
      );
    }
  });
  return out;
}

/** All cross-document diagnostics for a set of manifests. */
export function referenceRules(docs: readonly ManifestDoc[]): Diagnostic[] {
  const index = new TemplateIndex(docs);
  const out: Diagnostic[] = [];
  for (const doc of docs) {
    if (doc.object.apiVersion !== ARGO_API_VERSION) continue;
    const kind = doc.object.kind;
    const sites = kind === 'Rollout' ? rolloutSites(doc) : kind === 'Experiment' ? experimentSites(doc) : [];
    for (const site of sites) out.push(...siteRules(index, site));
  }
  for (const t of index.all) {
    const from = t.namespace;
    for (const ref of refsAt('spec.templates', t.spec.templates)) {
      if (!index.find(ref, from))
        out.push(diagnosticAt(t.doc, `${ref.path}.templateName`, notFound(index, ref)));
    }
    out.push(...placeholderRules(index, t));
  }
  return out;
}
