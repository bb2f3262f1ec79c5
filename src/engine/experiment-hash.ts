/**
 * The pod-template hash of an Experiment's template (design 3.1). It hashes the pod template
 * together with the experiment's and the template's names, so it never equals the stable or canary
 * hash of the same pod template: a rollout's Services, which select by hash, never pick up an
 * experiment's pods. (Argo's hash of a copied template differs from the source's only by accident
 * of API defaulting; ours differs by construction. docs/compatibility.md.) Pure.
 */
import { podTemplateHash } from './hash.ts';

export function experimentTemplateHash(experiment: string, templateName: string, template: unknown): string {
  return podTemplateHash({ template, experiment, templateName });
}
