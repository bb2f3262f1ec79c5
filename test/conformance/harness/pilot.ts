import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { runAction, type ActionRun } from '../../support/action.ts';
import { toSettlePoint, type RawStatus, type SettlePoint } from './compare.ts';
import { clients, rsFacts, selectedHash, type ClusterName, type RSFacts } from './kube.ts';
import { routerView, type RouterSetup } from './routers.ts';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

interface StoredStatus {
  phase?: string;
  currentStepIndex?: number;
  pauseConditions?: { reason: string }[];
  controllerPause?: boolean;
  abort?: boolean;
  currentPodHash?: string;
  stableRS?: string;
  trafficWeights?: { canary?: { weight?: number } };
}

export type PilotCommand = 'promote' | 'promote-full' | 'abort' | 'retry' | 'undo';

/**
 * rollout-pilot as a runner runs it: `node dist/index.js` with the action's inputs, the manifests
 * in a checkout, and a ServiceAccount bound to docs/rbac.yaml's Role.
 */
export class PilotSide {
  readonly cluster: ClusterName;
  readonly namespace: string;
  readonly name: string;
  readonly kubeconfig: string;
  private repo: string | undefined;
  private readonly k: ReturnType<typeof clients>;
  private readonly canary: { stableService?: string; canaryService?: string };
  private readonly router: RouterSetup | undefined;

  constructor(
    cluster: ClusterName,
    namespace: string,
    name: string,
    kubeconfig: string,
    canary: { stableService?: string; canaryService?: string },
    router?: RouterSetup,
  ) {
    this.router = router;
    this.cluster = cluster;
    this.namespace = namespace;
    this.name = name;
    this.kubeconfig = kubeconfig;
    this.canary = canary;
    this.k = clients(cluster);
  }

  private run(inputs: Record<string, string>): Promise<ActionRun> {
    return runAction(
      { namespace: this.namespace, kubeconfig: this.kubeconfig, ...inputs },
      {
        cwd: this.repo ?? tmpdir(),
        env: { ROLLOUT_PILOT_DRIVER_ID: `conformance-${this.cluster}-${this.namespace}#1` },
      },
    );
  }

  /** Creates plain objects the manifests do not carry (a workloadRef's Deployment). */
  async createObjects(docs: unknown[]): Promise<void> {
    for (const doc of docs as { kind: string; metadata: { name: string } }[]) {
      const body = { ...doc, metadata: { ...doc.metadata, namespace: this.namespace } };
      if (doc.kind === 'Deployment') {
        await this.k.apps.createNamespacedDeployment({ namespace: this.namespace, body });
      }
    }
  }

  /** `run` of these manifests, with `image` set as the `image` input does. */
  async deploy(docs: unknown[], image: { container: string; image: string } | undefined): Promise<ActionRun> {
    this.repo ??= await mkdtemp(path.join(tmpdir(), 'rp-conf-repo-'));
    await writeFile(path.join(this.repo, 'rollout.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    return this.run({
      manifests: 'rollout.yaml',
      ...(image === undefined ? {} : { image: `${image.container}=${image.image}` }),
    });
  }

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

  /** A control command from `workflow_dispatch`: only the rollout's name and namespace. */
  command(command: PilotCommand): Promise<ActionRun> {
    return this.run({ command, rollout: this.name });
  }

  async observe(): Promise<{ point: SettlePoint; sets: RSFacts[] }> {
    const cm = await this.k.core.readNamespacedConfigMap({
      name: `rollout-pilot.${this.name}`,
      namespace: this.namespace,
    });
    const st = JSON.parse(cm.data?.['status.json'] ?? '{}') as StoredStatus;
    const list = await this.k.apps.listNamespacedReplicaSet({
      namespace: this.namespace,
      labelSelector: `rollout-pilot.dev/rollout=${this.name}`,
    });
    const sets = list.items.map(rsFacts);
    const raw: RawStatus = {
      phase: st.phase ?? '',
      currentStepIndex: st.currentStepIndex,
      pauseReasons: (st.pauseConditions ?? []).map((c) => c.reason),
      controllerPause: st.controllerPause === true,
      abort: st.abort === true,
      currentPodHash: st.currentPodHash,
      stableRS: st.stableRS,
    };
    const svc = async (name: string | undefined): Promise<string | undefined> =>
      name === undefined ? undefined : selectedHash(this.cluster, this.namespace, name);
    const router =
      this.router === undefined
        ? undefined
        : `weight=${st.trafficWeights?.canary?.weight ?? '-'} ${await routerView(this.cluster, this.namespace, this.router, this.name, sets)}`;
    const point = toSettlePoint(
      raw,
      sets,
      { stable: await svc(this.canary.stableService), canary: await svc(this.canary.canaryService) },
      router,
    );
    return { point, sets };
  }
}
