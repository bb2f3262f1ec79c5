/**
 * Argo's InvalidSpec rules for Experiments (`VerifyExperimentSpec`, utils/conditions/experiments.go),
 * checked offline for a standalone Experiment and for the Experiment a Rollout's `experiment` step
 * makes (GetExperimentFromTemplate, rollout/experiment.go). Argo stops at the first violation and
 * only sets a condition; lint reports each one at its line. Schema and selector-shape rules (a
 * missing selector, an empty one, duplicate names) are in argo-schema.ts and analysis-rules.ts. Pure.
 */
import { EXPERIMENT_DEFAULTS } from './experiment.ts';
import { requirements } from './k8s-rules.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { GATEWAY_API_PLUGIN } from './routers.ts';
import { asInt, asList, asObj, asStr, asStringMap, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

const EMPTY_NAME =
  'a template name must not be empty (Argo marks the Experiment InvalidSpec: "has empty template name")';

/** A standalone Experiment: empty template names and minReadySeconds beyond the progress deadline. */
export function experimentSpecRules(doc: ManifestDoc): Diagnostic[] {
  const spec = asObj(doc.object.spec);
  if (!spec) return [];
  const deadline = asInt(spec.progressDeadlineSeconds) ?? EXPERIMENT_DEFAULTS.progressDeadlineSeconds;
  return asList(spec.templates).flatMap((t, i): Diagnostic[] => {
    const tmpl = asObj(t);
    if (!tmpl) return [];
    const out: Diagnostic[] = [];
    const at = `spec.templates[${i}]`;
    if (asStr(tmpl.name) === '') out.push(diagnosticAt(doc, `${at}.name`, EMPTY_NAME));
    const minReady = asInt(tmpl.minReadySeconds);
    if (minReady !== undefined && minReady > deadline) {
      out.push(
        diagnosticAt(
          doc,
          `${at}.minReadySeconds`,
          `minReadySeconds (${minReady}) must not be longer than progressDeadlineSeconds (${deadline})`,
        ),
      );
    }
    return out;
  });
}

/** The labels the step's template pods get: the Rollout's pod labels plus the step's `metadata.labels`. */
function stepPodLabels(rolloutSpec: Obj, template: Obj): Record<string, string> | undefined {
  const podTemplate = asObj(rolloutSpec.template);
  if (!podTemplate) return undefined; // workloadRef: the labels live in the workload
  return {
    ...asStringMap(asObj(podTemplate.metadata)?.labels),
    ...asStringMap(asObj(template.metadata)?.labels),
  };
}

function stepTemplateRules(doc: ManifestDoc, at: string, templates: unknown[], spec: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, number>();
  templates.forEach((t, j) => {
    const tmpl = asObj(t);
    const name = asStr(tmpl?.name);
    const path = `${at}.templates[${j}]`;
    if (name === '') out.push(diagnosticAt(doc, `${path}.name`, EMPTY_NAME));
    const first = name === undefined || name === '' ? undefined : seen.get(name);
    if (first !== undefined) {
      out.push(
        diagnosticAt(
          doc,
          `${path}.name`,
          `duplicate template name "${name ?? ''}" (also ${at}.templates[${first}]); Argo marks the Experiment InvalidSpec`,
        ),
      );
    } else if (name !== undefined && name !== '') seen.set(name, j);
    const selector = asObj(tmpl?.selector);
    const labels = tmpl && selector ? stepPodLabels(spec, tmpl) : undefined;
    if (!selector || !labels) return;
    // Argo adds the step's metadata.labels to the selector too, so only the selector as written can miss.
    const failing = requirements(selector).filter((r) => !r.ok(labels));
    if (failing.length > 0) {
      out.push(
        diagnosticAt(
          doc,
          `${path}.selector`,
          `selector does not match the experiment pods' labels (the Rollout's pod labels plus metadata.labels): needs ${failing.map((r) => r.text).join(', ')}`,
        ),
      );
    }
  });
  return out;
}

function stepAnalysisNames(doc: ManifestDoc, at: string, analyses: unknown[]): Diagnostic[] {
  const seen = new Map<string, number>();
  return analyses.flatMap((a, j): Diagnostic[] => {
    const name = asStr(asObj(a)?.name);
    if (name === undefined) return [];
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, j);
      return [];
    }
    return [
      diagnosticAt(
        doc,
        `${at}.analyses[${j}].name`,
        `duplicate analysis name "${name}" (also ${at}.analyses[${first}]): both would be the run ${name}`,
      ),
    ];
  });
}

/**
 * Template weights need a router that can send traffic to an Experiment's Service: Argo accepts
 * ALB, SMI, Istio and plugins (validation.go ValidateRolloutStrategyCanary); rollout-pilot's
 * gatewayAPI plugin cannot add such destinations.
 */
export function experimentWeightProblem(tr: Obj | undefined): string | undefined {
  if (!tr) return 'an experiment template weight requires trafficRouting';
  if (isSet(tr.alb) || isSet(tr.smi) || isSet(tr.istio)) return undefined;
  const plugins = Object.keys(asObj(tr.plugins) ?? {});
  if (plugins.length === 0) {
    return 'an experiment template weight works only with the alb, smi or istio traffic routers, or a plugin';
  }
  if (plugins.every((p) => p === GATEWAY_API_PLUGIN)) {
    return `an experiment template weight is not supported with the ${GATEWAY_API_PLUGIN} plugin (it cannot route to an Experiment's Service)`;
  }
  return undefined;
}

/** The Experiment each canary `experiment` step makes, checked as Argo would check it. */
export function experimentStepRules(doc: ManifestDoc): Diagnostic[] {
  const spec = asObj(doc.object.spec);
  const canary = asObj(asObj(spec?.strategy)?.canary);
  if (!spec || !canary) return [];
  return asList(canary.steps).flatMap((s, i): Diagnostic[] => {
    const experiment = asObj(asObj(s)?.experiment);
    if (!experiment) return [];
    const at = `spec.strategy.canary.steps[${i}].experiment`;
    return [
      ...stepTemplateRules(doc, at, asList(experiment.templates), spec),
      ...stepAnalysisNames(doc, at, asList(experiment.analyses)),
    ];
  });
}
