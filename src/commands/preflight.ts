/**
 * What `run` will create besides the plain objects, as the API server will see it: the ReplicaSet of
 * the Rollout's pod template and the state ConfigMap holding the Rollout and its templates. `run`
 * validates them with a server-side dry run before its first write, so a value the server refuses
 * (a label, a name, a count, a ConfigMap over 1 MiB) stops the run with nothing changed.
 */
import { FIELD_MANAGER, ROLLOUT_LABEL, stateName, type KubeCluster } from '../adapters/k8s/cluster.ts';
import type { StoredTemplate } from '../analysis/templates.ts';
import type { KubeObject } from '../controller/ports.ts';
import { canonicalJson, podTemplateHash } from '../engine/hash.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../engine/state.ts';
import { jobPodDiagnostics } from '../manifests/job-policy.ts';
import type { Logger } from '../util/logger.ts';
import type { ObjectRef } from '../manifests/object-refs.ts';
import type { Diagnostic } from '../util/errors.ts';
import { asInt, asList, asObj, dig } from '../manifests/values.ts';

export function preflightObjects(
  rollout: KubeObject,
  namespace: string,
  templates: StoredTemplate[],
): KubeObject[] {
  const name = rollout.metadata.name;
  // As written, not the typed model's defaults: the stored template and the counts given.
  const spec = asObj(rollout.spec) ?? {};
  const template = asObj(spec.template) ?? {};
  const minReadySeconds = asInt(spec.minReadySeconds);
  // A count the server would refuse on the Rollout: the ReplicaSet is created at 0 and scaled later.
  const replicas = asInt(spec.replicas);
  const hash = podTemplateHash(template);
  const labels = {
    ...asObj(dig(template, 'metadata', 'labels')),
    [POD_TEMPLATE_HASH_LABEL]: hash,
    [ROLLOUT_LABEL]: name,
  };
  const replicaSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${hash}`,
      namespace,
      labels,
      annotations: {
        'rollout.argoproj.io/revision': '1',
        'rollout-pilot.dev/template': canonicalJson(template),
      },
    },
    spec: {
      replicas: replicas ?? 0,
      ...(minReadySeconds === undefined ? {} : { minReadySeconds }),
      selector: {
        matchLabels: { ...asObj(dig(spec, 'selector', 'matchLabels')), [POD_TEMPLATE_HASH_LABEL]: hash },
      },
      template: { ...template, metadata: { ...asObj(template.metadata), labels } },
    },
  };
  const state: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: stateName(name),
      namespace,
      labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, [ROLLOUT_LABEL]: name },
    },
    data: { 'rollout.json': JSON.stringify(rollout), 'templates.json': JSON.stringify(templates) },
  };
  return [replicaSet, state];
}

/** Applies (or dry-runs) objects in batches, saying how far it got, so a big input shows progress. */
export async function applyWithProgress(
  cluster: Pick<KubeCluster, 'applyObjects'>,
  objects: readonly KubeObject[],
  options: { dryRun: boolean; namespace: string },
  log: Logger,
): Promise<void> {
  const verb = options.dryRun ? 'validated' : 'applied';
  for (let i = 0; i < objects.length; i += PROGRESS_BATCH) {
    const batch = objects.slice(i, i + PROGRESS_BATCH);
    await cluster.applyObjects(batch, options);
    if (objects.length > PROGRESS_BATCH) {
      log.info(`${verb} ${Math.min(i + PROGRESS_BATCH, objects.length)} of ${objects.length} objects`);
    } else if (!options.dryRun) {
      for (const o of batch) log.info(`applied ${o.kind} ${o.metadata.name}`);
    }
  }
}

const PROGRESS_BATCH = 200;

/** Why a template read from the cluster may not run its `job` metrics (without allow-privileged-jobs). */
export function clusterTemplateJobProblems(name: string, spec: Record<string, unknown>): string[] {
  return asList(spec.metrics).flatMap((m) => {
    // A template read from the cluster: nothing validated it, so each level is checked.
    const podSpec = asObj(dig(m, 'provider', 'job', 'spec', 'template', 'spec'));
    if (podSpec === undefined) return [];
    return jobPodDiagnostics(podSpec).map(
      (i) =>
        `template ${name} (from the cluster), job metric "${String(dig(m, 'name'))}": ${i.path}: ${i.message}; set allow-privileged-jobs: true to run it (docs/security.md)`,
    );
  });
}

/**
 * The Services and Secrets the Rollout and its templates name that are neither among the manifests
 * nor in the cluster, as errors at the referencing line. Without this, a missing Service left the
 * run waiting for it forever; Argo marks such a Rollout `InvalidSpec`.
 */
export async function missingReferences(
  cluster: Pick<KubeCluster, 'serviceExists' | 'readSecret'>,
  namespace: string,
  refs: readonly ObjectRef[],
  plain: readonly KubeObject[],
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const ref of refs) {
    if (plain.some((o) => o.kind === ref.kind && o.metadata.name === ref.name)) continue;
    if (ref.kind === 'Service') {
      if (await cluster.serviceExists(namespace, ref.name)) continue;
      out.push({
        ...ref,
        message: `Service "${ref.name}" is neither in the manifests nor in namespace ${namespace}: add it to the manifests or create it first`,
      });
      continue;
    }
    const key = ref.key ?? '';
    if ((await cluster.readSecret(namespace, ref.name, key)) !== undefined) continue;
    out.push({
      ...ref,
      message: `Secret "${ref.name}" with key "${key}" is not in namespace ${namespace}: create it (Secrets are never applied from the manifests) before the analysis needs it`,
    });
  }
  return out;
}
