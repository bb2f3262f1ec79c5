/**
 * Argo Rollouts' validation rules for a Rollout that can be checked offline
 * (`pkg/apis/rollouts/validation/validation.go` and the reference checks that do not need the
 * cluster), plus a few that make an obviously broken spec fail here rather than at run time.
 * Runs after the schema check and reads values defensively: a field of the wrong type is skipped
 * (the schema has already reported it). The canary's rules are in `canary-rules.ts`, its traffic
 * routers' in `router-rules.ts`. Pure.
 */
import { CANARY, canaryRules } from './canary-rules.ts';
import { firstDeployRules } from './first-deploy-rules.ts';
import { checkIntOrPercent, checkPodTemplate, checkSelector } from './k8s-rules.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { analysisArgRules } from './rollout-arg-rules.ts';
import { routerRules } from './router-rules.ts';
import { asInt, asObj, asStr, isSet, type Obj } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

const BLUE_GREEN = 'spec.strategy.blueGreen';

export function rolloutRules(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  const d = (path: string, message: string): void => {
    out.push(diagnosticAt(doc, path, message));
  };
  const spec = asObj(doc.object.spec);
  if (!spec) return out;

  // template / workloadRef / selector
  const workloadRef = isSet(spec.workloadRef);
  const hasTemplate = isSet(spec.template);
  if (!workloadRef && !hasTemplate) {
    d(
      'spec',
      'missing required field "template" (the pods to run); alternatively set workloadRef to take the pod template from an existing Deployment, ReplicaSet or PodTemplate',
    );
  }
  if (workloadRef && hasTemplate) {
    d(
      'spec.template',
      'template and workloadRef cannot both be set: with workloadRef the pod template comes from the referenced workload; remove one of them',
    );
  }
  if (!workloadRef && !isSet(spec.selector)) {
    d('spec', 'missing required field "selector" (matchLabels that match spec.template.metadata.labels)');
  }
  if (isSet(spec.selector)) {
    out.push(
      ...checkSelector(
        doc,
        'spec.selector',
        hasTemplate && !workloadRef ? 'spec.template.metadata.labels' : undefined,
      ),
    );
  }
  if (hasTemplate) out.push(...checkPodTemplate(doc, 'spec.template'));

  // deadlines and limits
  const minReady = asInt(spec.minReadySeconds) ?? 0;
  const deadline = asInt(spec.progressDeadlineSeconds) ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  if (deadline <= minReady) {
    d(
      isSet(spec.progressDeadlineSeconds) ? 'spec.progressDeadlineSeconds' : 'spec.minReadySeconds',
      `progressDeadlineSeconds (${deadline}) must be greater than minReadySeconds (${minReady})`,
    );
  }
  const historyLimit = asInt(spec.revisionHistoryLimit) ?? DEFAULT_REVISION_HISTORY_LIMIT;

  const strategy = asObj(spec.strategy);
  const canary = asObj(strategy?.canary);
  const blueGreen = asObj(strategy?.blueGreen);
  for (const [s, base] of [
    [canary, CANARY],
    [blueGreen, BLUE_GREEN],
  ] as const) {
    const limit = asInt(s?.scaleDownDelayRevisionLimit);
    if (limit !== undefined && limit > historyLimit) {
      d(
        `${base}.scaleDownDelayRevisionLimit`,
        `scaleDownDelayRevisionLimit (${limit}) cannot be larger than revisionHistoryLimit (${historyLimit}${isSet(spec.revisionHistoryLimit) ? '' : ', the default'})`,
      );
    }
  }
  if (canary) out.push(...canaryRules(doc, canary), ...routerRules(doc, canary));
  if (blueGreen) out.push(...blueGreenRules(doc, blueGreen));
  out.push(...firstDeployRules(doc));
  return out;
}

function blueGreenRules(doc: ManifestDoc, bg: Obj): Diagnostic[] {
  const out: Diagnostic[] = [];
  const active = asStr(bg.activeService);
  if (active !== undefined && active !== '' && active === asStr(bg.previewService)) {
    out.push(
      diagnosticAt(
        doc,
        `${BLUE_GREEN}.previewService`,
        `activeService and previewService are both "${active}"; they must name two different Services`,
      ),
    );
  }
  out.push(...checkIntOrPercent(doc, `${BLUE_GREEN}.maxUnavailable`, bg.maxUnavailable, { max100: true }));
  for (const key of ['prePromotionAnalysis', 'postPromotionAnalysis']) {
    out.push(...analysisArgRules(doc, `${BLUE_GREEN}.${key}`, asObj(bg[key])));
  }
  return out;
}
