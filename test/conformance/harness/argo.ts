import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PatchStrategy, setHeaderOptions, type V1ReplicaSet } from '@kubernetes/client-node';
import { toSettlePoint, type RawStatus, type SettlePoint } from './compare.ts';
import { clients, kubeconfigOf, rsFacts, selectedHash, type ClusterName, type RSFacts } from './kube.ts';
import { createObjects, routerView, type RouterSetup } from './routers.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const ROLLOUTS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

export interface ArgoRolloutObject {
  metadata?: { generation?: number; name?: string };
  spec?: {
    paused?: boolean;
    strategy?: {
      canary?: { stableService?: string; canaryService?: string; steps?: unknown[] };
      blueGreen?: {
        activeService?: string;
        previewService?: string;
        autoPromotionEnabled?: boolean;
        autoPromotionSeconds?: number;
      };
    };
  };
  status?: {
    phase?: string;
    message?: string;
    observedGeneration?: string;
    currentStepIndex?: number;
    pauseConditions?: { reason: string }[] | null;
    controllerPause?: boolean;
    abort?: boolean;
    currentPodHash?: string;
    stableRS?: string;
    canary?: { weights?: { canary?: { weight?: number } } };
    blueGreen?: { activeSelector?: string; previewSelector?: string; scaleUpPreviewCheckPoint?: boolean };
  };
}

/**
 * The oracle: a Rollout object driven by the real Argo Rollouts controller. Commands are the
 * patches `kubectl argo rollouts` sends (pkg/kubectl-argo-rollouts/cmd/{promote,abort,retry,undo}).
 */
/** The CLI's commands that a scenario op may name. */
export type ArgoCommand = 'promote' | 'promote-full' | 'abort' | 'retry' | 'undo';

export class ArgoSide {
  readonly cluster: ClusterName = 'argo';
  readonly namespace: string;
  readonly name: string;
  private readonly k = clients('argo');

  private readonly router: RouterSetup | undefined;
  /**
   * How the patches go out: in-process (the suite), or each through a `kubectl patch` process, as a
   * person's `kubectl argo rollouts` command sends it, its start included (bench/side-by-side.ts).
   */
  via: 'api' | 'kubectl' = 'api';
  /** This command's process has started: its next patches are requests of the same process. */
  private started = false;

  constructor(namespace: string, name: string, router?: RouterSetup) {
    this.namespace = namespace;
    this.name = name;
    this.router = router;
  }

  /** Creates the plain objects, then the Rollout object itself. */
  async create(docs: unknown[]): Promise<void> {
    for (const doc of docs as { kind: string; metadata: { name: string } }[]) {
      const body = { ...doc, metadata: { ...doc.metadata, namespace: this.namespace } };
      if (doc.kind === 'Service')
        await this.k.core.createNamespacedService({ namespace: this.namespace, body });
      if (doc.kind === 'Deployment') {
        await this.k.apps.createNamespacedDeployment({ namespace: this.namespace, body });
      }
    }
    for (const doc of docs as { kind: string; metadata: object }[]) {
      if (doc.kind !== 'AnalysisTemplate') continue;
      const body = { ...doc, metadata: { ...doc.metadata, namespace: this.namespace } };
      await this.k.custom.createNamespacedCustomObject({
        ...ROLLOUTS,
        plural: 'analysistemplates',
        namespace: this.namespace,
        body,
      });
    }
    const routed = ['Ingress', 'VirtualService', 'DestinationRule'];
    await createObjects(
      'argo',
      this.namespace,
      docs.filter((d) => routed.includes((d as { kind: string }).kind)),
    );
    const rollout = docs.find((d) => (d as { kind: string }).kind === 'Rollout');
    if (rollout === undefined) throw new Error('no Rollout among the manifests');
    await this.k.custom.createNamespacedCustomObject({
      ...ROLLOUTS,
      namespace: this.namespace,
      body: { ...(rollout as object), metadata: { name: this.name, namespace: this.namespace } },
    });
  }

  async get(): Promise<ArgoRolloutObject> {
    return (await this.k.custom.getNamespacedCustomObject({
      ...ROLLOUTS,
      namespace: this.namespace,
      name: this.name,
    })) as ArgoRolloutObject;
  }

  /** `kubectl patch` of the Rollout (or its status): the patch as the plugin sends it, in a process. */
  private async kubectlPatch(type: 'merge' | 'json', body: object, subresource?: 'status'): Promise<void> {
    const args = ['--kubeconfig', kubeconfigOf('argo'), '-n', this.namespace, 'patch'];
    args.push(`rollouts.argoproj.io/${this.name}`, `--type=${type}`, '-p', JSON.stringify(body));
    if (subresource !== undefined) args.push(`--subresource=${subresource}`);
    this.started = true;
    await promisify(execFile)('kubectl', args);
  }

  /**
   * `kubectl apply -f` of the Rollout manifest (a team's update by hand or by a GitOps step), in a
   * process, its start counted. The Rollout keeps this side's name.
   */
  async kubectlApply(rollout: object): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'rp-argo-apply-'));
    const file = path.join(dir, 'rollout.json');
    const named = { ...rollout, metadata: { name: this.name, namespace: this.namespace } };
    await writeFile(file, JSON.stringify(named));
    try {
      await promisify(execFile)('kubectl', ['--kubeconfig', kubeconfigOf('argo'), 'apply', '-f', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Through kubectl: the first patch of a command only (the plugin sends them all from one process). */
  private throughKubectl(): boolean {
    return this.via === 'kubectl' && !this.started;
  }

  /** A new pod template: `kubectl argo rollouts set image` plus the pod annotations. */
  async setTemplate(image: string, annotations: Record<string, string>): Promise<void> {
    this.started = false;
    if (this.throughKubectl()) {
      await this.kubectlPatch('json', [
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
        { op: 'add', path: '/spec/template/metadata/annotations', value: annotations },
      ]);
      return;
    }
    await this.k.custom.patchNamespacedCustomObject(
      {
        ...ROLLOUTS,
        namespace: this.namespace,
        name: this.name,
        body: [
          { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
          { op: 'add', path: '/spec/template/metadata/annotations', value: annotations },
        ],
      },
      jsonPatch,
    );
  }

  /** A new template of the Deployment a workloadRef names. */
  async setDeploymentImage(deployment: string, image: string): Promise<void> {
    await this.k.apps.patchNamespacedDeployment(
      {
        name: deployment,
        namespace: this.namespace,
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
      },
      jsonPatch,
    );
  }

  private async patchStatus(body: object): Promise<void> {
    if (this.throughKubectl()) return this.kubectlPatch('merge', body, 'status');
    await this.k.custom.patchNamespacedCustomObjectStatus(
      { ...ROLLOUTS, namespace: this.namespace, name: this.name, body },
      mergePatch,
    );
  }

  private async patchSpec(body: object): Promise<void> {
    if (this.throughKubectl()) return this.kubectlPatch('merge', body);
    await this.k.custom.patchNamespacedCustomObject(
      { ...ROLLOUTS, namespace: this.namespace, name: this.name, body },
      mergePatch,
    );
  }

  /** One of the CLI's commands, by the name scenarios use. */
  async command(name: ArgoCommand): Promise<void> {
    this.started = false;
    const run: Record<ArgoCommand, () => Promise<void>> = {
      promote: () => this.promote(),
      'promote-full': () => this.promoteFull(),
      abort: () => this.abort(),
      retry: () => this.retry(),
      undo: () => this.undo(),
    };
    return run[name]();
  }

  /**
   * `kubectl argo rollouts promote`: clear the pause conditions, or else skip the canary step (a
   * blue-green Rollout without a pause condition gets no status patch), and unpause.
   */
  async promote(): Promise<void> {
    this.started = false;
    const ro = await this.get();
    if ((ro.status?.pauseConditions ?? []).length > 0) {
      await this.patchStatus({ status: { pauseConditions: null } });
    } else if ((ro.spec?.strategy?.canary?.steps?.length ?? 0) > 0) {
      const steps = ro.spec?.strategy?.canary?.steps?.length ?? 0;
      const index = Math.min(steps, (ro.status?.currentStepIndex ?? 0) + 1);
      await this.patchStatus({ status: { pauseConditions: null, currentStepIndex: index } });
    }
    if (ro.spec?.paused === true) await this.patchSpec({ spec: { paused: false } });
  }

  /** `kubectl argo rollouts promote --full`. */
  async promoteFull(): Promise<void> {
    const ro = await this.get();
    if (ro.status?.currentPodHash !== ro.status?.stableRS)
      await this.patchStatus({ status: { promoteFull: true } });
  }

  /** `kubectl argo rollouts abort`. */
  async abort(): Promise<void> {
    await this.patchStatus({ status: { abort: true } });
  }

  /** `kubectl argo rollouts retry rollout`. */
  async retry(): Promise<void> {
    await this.patchStatus({ status: { abort: false } });
  }

  /**
   * `kubectl argo rollouts undo`: the template of the second-newest revision, without its hash
   * label, replaces the Rollout's template.
   */
  async undo(): Promise<void> {
    const sets = (await this.ownedReplicaSets()).sort((a, b) => revisionOf(b) - revisionOf(a));
    const previous = sets[1];
    if (previous?.spec?.template === undefined) throw new Error('undo: no previous revision');
    const template = structuredClone(previous.spec.template);
    delete template.metadata?.labels?.['rollouts-pod-template-hash'];
    await this.k.custom.patchNamespacedCustomObject(
      {
        ...ROLLOUTS,
        namespace: this.namespace,
        name: this.name,
        body: [{ op: 'replace', path: '/spec/template', value: template }],
      },
      jsonPatch,
    );
  }

  async ownedReplicaSets(): Promise<V1ReplicaSet[]> {
    const list = await this.k.apps.listNamespacedReplicaSet({ namespace: this.namespace });
    return list.items.filter((rs) =>
      (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === this.name),
    );
  }

  /** Where the rollout stands now, mapped into the shared shape. */
  async observe(): Promise<{ point: SettlePoint; sets: RSFacts[]; ro: ArgoRolloutObject }> {
    const ro = await this.get();
    const sets = (await this.ownedReplicaSets()).map(rsFacts);
    const canary = ro.spec?.strategy?.canary;
    const svc = async (name: string | undefined): Promise<string | undefined> =>
      name === undefined ? undefined : selectedHash('argo', this.namespace, name);
    const st = ro.status ?? {};
    const raw: RawStatus = {
      phase: st.phase ?? '',
      currentStepIndex: st.currentStepIndex,
      pauseReasons: (st.pauseConditions ?? []).map((c) => c.reason),
      controllerPause: st.controllerPause === true,
      abort: st.abort === true,
      currentPodHash: st.currentPodHash,
      stableRS: st.stableRS,
    };
    const router =
      this.router === undefined
        ? undefined
        : `weight=${st.canary?.weights?.canary?.weight ?? '-'} ${await routerView('argo', this.namespace, this.router, this.name, sets)}`;
    const point = toSettlePoint(
      raw,
      sets,
      { stable: await svc(canary?.stableService), canary: await svc(canary?.canaryService) },
      router,
    );
    return { point, sets, ro };
  }
}

function revisionOf(rs: V1ReplicaSet): number {
  return Number(rs.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? 0);
}
