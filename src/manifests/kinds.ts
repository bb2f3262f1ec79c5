/** The Argo Rollouts API group version and the kinds rollout-pilot knows in it. */
export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

export const ARGO_KINDS = [
  'Rollout',
  'AnalysisTemplate',
  'ClusterAnalysisTemplate',
  'Experiment',
  'AnalysisRun',
] as const;
export type ArgoKind = (typeof ARGO_KINDS)[number];

export function isArgoKind(kind: unknown): kind is ArgoKind {
  return typeof kind === 'string' && (ARGO_KINDS as readonly string[]).includes(kind);
}
