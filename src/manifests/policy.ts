/**
 * What the manifests may ask the action to do in the cluster, safe by default (docs/security.md):
 * only kinds a rollout needs, only in the rollout's namespace (and namespaces the user lists), nothing
 * cluster-scoped, no Service with `externalIPs`, and no privileged `job` metric. Each door is opened
 * only by its input (Config.safety). Pure: the caller gives the namespace the rollout goes to.
 */
import { ARGO_API_VERSION } from './kinds.ts';
import { diagnosticAt, type ManifestDoc } from './manifest-doc.ts';
import { jobPodDiagnostics } from './job-policy.ts';
import { metadataHostOf, metadataRefusal } from './metadata-address.ts';
import { asList, asObj, asStr, dig } from './values.ts';
import type { Diagnostic } from '../util/errors.ts';

/** The doors of Config.safety this check reads. */
export interface SafetyOptions {
  /** Namespaces besides the rollout's that objects may be placed in. */
  namespaces: readonly string[];
  /** Kinds beyond the allowlist, as `Kind` or `group/Kind`. */
  kinds: readonly string[];
  clusterScoped: boolean;
  externalIps: boolean;
  privilegedJobs: boolean;
  /** Metric URLs may reach link-local metadata addresses (169.254.0.0/16, fd00:ec2::254). */
  metadataAddresses?: boolean;
}

export const SAFE_DEFAULTS: SafetyOptions = {
  namespaces: [],
  kinds: [],
  clusterScoped: false,
  externalIps: false,
  privilegedJobs: false,
  metadataAddresses: false,
};

/**
 * What a rollout needs, by `group/Kind` ('' is the core group). Argo's kinds are never applied: they
 * are stored in the rollout's state. A Deployment is allowed only as the Rollout's workloadRef.
 */
export const ALLOWED_KINDS: readonly string[] = [
  'argoproj.io/Rollout',
  'argoproj.io/AnalysisTemplate',
  'argoproj.io/ClusterAnalysisTemplate',
  'argoproj.io/Experiment',
  'argoproj.io/AnalysisRun',
  '/Service',
  '/ConfigMap',
  'networking.k8s.io/Ingress',
  'networking.istio.io/VirtualService',
  'networking.istio.io/DestinationRule',
  'gateway.networking.k8s.io/HTTPRoute',
  'gateway.networking.k8s.io/GRPCRoute',
  'gateway.networking.k8s.io/TLSRoute',
  'gateway.networking.k8s.io/TCPRoute',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
];

/**
 * Kinds that have no namespace. The API server knows them all; these are the ones a manifest is
 * likely to hold, so `lint` can refuse them offline.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'gateway.networking.k8s.io/GatewayClass',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'cert-manager.io/ClusterIssuer',
]);

/** `group/Kind` of a document: `apps/v1` + `Deployment` is `apps/Deployment`, `v1` + `Service` is `/Service`. */
export function groupKind(doc: ManifestDoc): string {
  const apiVersion = asStr(doc.object.apiVersion) ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${group}/${asStr(doc.object.kind) ?? ''}`;
}

/** Whether `allow-kinds` names this kind: `Kind` (any group) or `group/Kind` (`/Kind` for the core group). */
function opened(gk: string, kinds: readonly string[]): boolean {
  const kind = gk.slice(gk.indexOf('/') + 1);
  return kinds.some((k) => k === gk || k === kind || (k.startsWith('v1/') && `/${k.slice(3)}` === gk));
}

function workloadRefNames(docs: readonly ManifestDoc[]): Set<string> {
  const names = new Set<string>();
  for (const d of docs) {
    if (d.object.apiVersion !== ARGO_API_VERSION || d.object.kind !== 'Rollout') continue;
    const ref = asObj(dig(d.object, 'spec', 'workloadRef'));
    if (ref?.kind === 'Deployment' && typeof ref.name === 'string') names.add(ref.name);
  }
  return names;
}

function kindDiagnostics(
  doc: ManifestDoc,
  gk: string,
  workloadRefs: ReadonlySet<string>,
  safety: SafetyOptions,
): Diagnostic[] {
  const kind = asStr(doc.object.kind) ?? '';
  const name = asStr(dig(doc.object, 'metadata', 'name')) ?? '';
  const allowed =
    ALLOWED_KINDS.includes(gk) ||
    (gk === 'apps/Deployment' && workloadRefs.has(name)) ||
    opened(gk, safety.kinds);
  if (!allowed) {
    const hint =
      gk === 'apps/Deployment' ? "a Deployment is applied only as the Rollout's workloadRef; " : '';
    return [
      diagnosticAt(
        doc,
        'kind',
        `refused: kind ${kind} (${gk.startsWith('/') ? 'core' : gk.slice(0, gk.indexOf('/'))} group) is not among the kinds a rollout needs; ${hint}name it in the allow-kinds input to apply it anyway (docs/security.md)`,
      ),
    ];
  }
  if (CLUSTER_SCOPED_KINDS.has(gk) && !safety.clusterScoped) {
    return [
      diagnosticAt(
        doc,
        'kind',
        `refused: ${kind} ${name} is cluster-scoped; set allow-cluster-scoped: true to apply cluster-scoped objects (docs/security.md)`,
      ),
    ];
  }
  return [];
}

/**
 * Every refusal, at the line of what is refused. `namespace` is where the rollout goes (the namespace
 * input, else the Rollout's, else the kubeconfig's or `default`, as `run` resolves it).
 */
export function policyDiagnostics(
  docs: readonly ManifestDoc[],
  namespace: string,
  safety: SafetyOptions,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const workloadRefs = workloadRefNames(docs);
  const namespaces = new Set([namespace, ...safety.namespaces]);
  for (const doc of docs) {
    if (typeof doc.object.kind !== 'string' || typeof doc.object.apiVersion !== 'string') continue;
    const gk = groupKind(doc);
    if (gk === 'argoproj.io/AnalysisTemplate' || gk === 'argoproj.io/ClusterAnalysisTemplate') {
      if (!safety.privilegedJobs) out.push(...templateJobDiagnostics(doc));
      if (safety.metadataAddresses !== true) out.push(...templateUrlDiagnostics(doc));
      continue;
    }
    if (gk.startsWith('argoproj.io/')) continue; // stored in the state, never applied
    const refused = kindDiagnostics(doc, gk, workloadRefs, safety);
    out.push(...refused);
    if (refused.length > 0) continue;
    const ns = asStr(dig(doc.object, 'metadata', 'namespace'));
    if (ns !== undefined && !CLUSTER_SCOPED_KINDS.has(gk) && !namespaces.has(ns)) {
      out.push(
        diagnosticAt(
          doc,
          'metadata.namespace',
          `refused: ${asStr(doc.object.kind) ?? ''} ${asStr(dig(doc.object, 'metadata', 'name')) ?? ''} is in namespace "${ns}", not the rollout's ("${namespace}"); list "${ns}" in the allow-namespaces input to apply it there (docs/security.md)`,
        ),
      );
    }
    if (
      gk === '/Service' &&
      !safety.externalIps &&
      asList(dig(doc.object, 'spec', 'externalIPs')).length > 0
    ) {
      out.push(
        diagnosticAt(
          doc,
          'spec.externalIPs',
          'refused: a Service with spec.externalIPs can capture traffic for any address in the cluster (CVE-2020-8554); set allow-external-ips: true to apply it (docs/security.md)',
        ),
      );
    }
  }
  return out;
}

/** The `job` metrics of a template: their pods must not reach the node. */
function templateJobDiagnostics(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  asList(dig(doc.object, 'spec', 'metrics')).forEach((m, i) => {
    const podSpec = asObj(dig(m, 'provider', 'job', 'spec', 'template', 'spec'));
    if (podSpec === undefined) return;
    const base = `spec.metrics[${i}].provider.job.spec.template.spec`;
    const metric = asStr(dig(m, 'name')) ?? String(i);
    for (const issue of jobPodDiagnostics(podSpec)) {
      out.push(
        diagnosticAt(
          doc,
          issue.path === '' ? base : `${base}.${issue.path}`,
          `refused: job metric "${metric}": ${issue.message}; set allow-privileged-jobs: true to run it (docs/security.md)`,
        ),
      );
    }
  });
  return out;
}

/** The URL fields of a metric's provider block, relative to `provider`. */
const METRIC_URL_FIELDS: readonly (readonly string[])[] = [
  ['web', 'url'],
  ['web', 'authentication', 'oauth2', 'tokenUrl'],
  ['prometheus', 'address'],
  ['prometheus', 'authentication', 'oauth2', 'tokenUrl'],
  ['judge', 'prometheus', 'address'],
];

/** Metric URLs that name a link-local metadata address (one built from args is checked when measured). */
function templateUrlDiagnostics(doc: ManifestDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  asList(dig(doc.object, 'spec', 'metrics')).forEach((m, i) => {
    const metric = asStr(dig(m, 'name')) ?? String(i);
    for (const field of METRIC_URL_FIELDS) {
      const url = asStr(dig(m, 'provider', ...field));
      const host = url === undefined ? undefined : metadataHostOf(url);
      if (host === undefined) continue;
      out.push(
        diagnosticAt(
          doc,
          `spec.metrics[${i}].provider.${field.join('.')}`,
          metadataRefusal(`metric "${metric}": ${field.join('.')}`, host),
        ),
      );
    }
  });
  return out;
}
