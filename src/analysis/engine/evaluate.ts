/**
 * Judging one measured value, as Argo's `EvaluateResult` (utils/evaluate/evaluate.go):
 * - no conditions: Successful;
 * - only successCondition: Successful when true, else Failed;
 * - only failureCondition: Failed when true, else Successful;
 * - both: Failed when the failure condition holds (whatever the success condition says), Successful
 *   when only the success condition holds, Inconclusive when neither does;
 * - a condition that cannot be evaluated (or does not give a boolean): Error. The success condition is
 *   evaluated first, and an error there stops before the failure condition.
 * The expression language itself is injected. Pure.
 */
import type { CompletedPhase, ConditionEvaluator, MetricSpec } from './types.ts';

export interface Evaluation {
  phase: CompletedPhase;
  /** How each condition evaluated (absent: not written, or not reached). */
  conditions: { success?: boolean; failure?: boolean };
  /** Why the phase is Error. */
  error?: string;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function evalOne(
  which: 'successCondition' | 'failureCondition',
  condition: string,
  value: unknown,
  evaluate: ConditionEvaluator,
): boolean | { error: string } {
  let out: unknown;
  try {
    out = evaluate(condition, value);
  } catch (e) {
    return { error: `${which} "${condition}" could not be evaluated: ${errorText(e)}` };
  }
  if (typeof out !== 'boolean') {
    return { error: `${which} "${condition}" gave ${typeof out}, expected bool` };
  }
  return out;
}

export function evaluateResult(metric: MetricSpec, value: unknown, evaluate: ConditionEvaluator): Evaluation {
  const conditions: Evaluation['conditions'] = {};
  const hasSuccess = metric.successCondition !== undefined && metric.successCondition !== '';
  const hasFailure = metric.failureCondition !== undefined && metric.failureCondition !== '';
  let success = false;
  let failure = false;
  if (hasSuccess) {
    const r = evalOne('successCondition', metric.successCondition ?? '', value, evaluate);
    if (typeof r !== 'boolean') return { phase: 'Error', conditions, error: r.error };
    success = r;
    conditions.success = r;
  }
  if (hasFailure) {
    const r = evalOne('failureCondition', metric.failureCondition ?? '', value, evaluate);
    if (typeof r !== 'boolean') return { phase: 'Error', conditions, error: r.error };
    failure = r;
    conditions.failure = r;
  }
  if (!hasSuccess && !hasFailure) return { phase: 'Successful', conditions };
  if (hasSuccess && !hasFailure) failure = !success;
  if (!hasSuccess && hasFailure) success = !failure;
  if (failure) return { phase: 'Failed', conditions };
  if (!success) return { phase: 'Inconclusive', conditions };
  return { phase: 'Successful', conditions };
}
