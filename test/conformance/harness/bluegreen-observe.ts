import type { ActionRun } from '../../support/action.ts';
import type { ArgoRolloutObject, ArgoSide } from './argo.ts';
import { differencesIn } from './compare.ts';
import { clients, rsFacts, selectedHash, type RSFacts } from './kube.ts';
import type { PilotSide } from './pilot.ts';
import { holdSteady, observedLatest, replicaSetsSettled } from './settle.ts';

/**
 * One blue-green settle point, in a shape both implementations map into (Argo's Rollout.status,
 * its ReplicaSets and AnalysisRuns; rollout-pilot's state ConfigMap and its ReplicaSets). Hashes
 * differ by design, so everything is keyed by revision (0: a hash no ReplicaSet has).
 */
export interface BlueGreenPoint {
  phase: string;
  pauseReasons: string[];
  controllerPause: boolean;
  abort: boolean;
  currentRevision: number | undefined;
  stableRevision: number | undefined;
  /** The revision the active and the preview Service's selectors pick. */
  activeService: number | undefined;
  previewService: number | undefined;
  /** status.blueGreen.activeSelector / previewSelector, by revision. */
  activeSelector: number | undefined;
  previewSelector: number | undefined;
  scaleUpPreviewCheckPoint: boolean;
  /** The current revision's promotion analysis runs, oldest first: `PrePromotion:Successful`. */
  analysis: string[];
  /** `spec.replicas/ready/available` per revision. */
  replicaSets: Record<string, string>;
}

export const BLUEGREEN_FIELDS: (keyof BlueGreenPoint)[] = [
  'phase',
  'pauseReasons',
  'controllerPause',
  'abort',
  'currentRevision',
  'stableRevision',
  'activeService',
  'previewService',
  'activeSelector',
  'previewSelector',
  'scaleUpPreviewCheckPoint',
  'analysis',
  'replicaSets',
];

interface RawBlueGreen {
  phase?: string | undefined;
  pauseConditions?: { reason: string }[] | null | undefined;
  controllerPause?: boolean | undefined;
  abort?: boolean | undefined;
  currentPodHash?: string | undefined;
  stableRS?: string | undefined;
  blueGreen?:
    { activeSelector?: string; previewSelector?: string; scaleUpPreviewCheckPoint?: boolean } | undefined;
}

function toPoint(
  st: RawBlueGreen,
  sets: RSFacts[],
  services: { active: string | undefined; preview: string | undefined },
  analysis: string[],
): BlueGreenPoint {
  const revisionOf = (hash: string | undefined): number | undefined =>
    hash === undefined ? undefined : (sets.find((rs) => rs.hash === hash)?.revision ?? 0);
  const replicaSets: Record<string, string> = {};
  for (const rs of [...sets].sort((a, b) => a.revision - b.revision)) {
    replicaSets[String(rs.revision)] = `${rs.spec}/${rs.ready}/${rs.available}`;
  }
  return {
    phase: st.phase ?? '',
    pauseReasons: (st.pauseConditions ?? []).map((c) => c.reason).sort(),
    controllerPause: st.controllerPause === true,
    abort: st.abort === true,
    currentRevision: revisionOf(st.currentPodHash),
    stableRevision: revisionOf(st.stableRS),
    activeService: revisionOf(services.active),
    previewService: revisionOf(services.preview),
    activeSelector: revisionOf(st.blueGreen?.activeSelector),
    previewSelector: revisionOf(st.blueGreen?.previewSelector),
    scaleUpPreviewCheckPoint: st.blueGreen?.scaleUpPreviewCheckPoint === true,
    analysis,
    replicaSets,
  };
}

export const SERVICES = { active: 'app-active', preview: 'app-preview' } as const;

interface ArgoAnalysisRun {
  metadata?: { name?: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: { phase?: string };
}

/** The Argo Rollout's blue-green settle point. */
export async function observeArgo(
  argo: ArgoSide,
): Promise<{ point: BlueGreenPoint; sets: RSFacts[]; ro: ArgoRolloutObject }> {
  const ro = await argo.get();
  const sets = (await argo.ownedReplicaSets()).map(rsFacts);
  const st = ro.status ?? {};
  const runs = (await clients('argo').custom.listNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'analysisruns',
    namespace: argo.namespace,
  })) as { items: ArgoAnalysisRun[] };
  const analysis = runs.items
    .filter((r) => r.metadata?.labels?.['rollouts-pod-template-hash'] === st.currentPodHash)
    .sort((a, b) =>
      `${a.metadata?.creationTimestamp}${a.metadata?.name}`.localeCompare(
        `${b.metadata?.creationTimestamp}${b.metadata?.name}`,
      ),
    )
    .map((r) => `${r.metadata?.labels?.['rollout-type'] ?? '?'}:${r.status?.phase ?? 'Pending'}`);
  const services = {
    active: await selectedHash('argo', argo.namespace, SERVICES.active),
    preview: await selectedHash('argo', argo.namespace, SERVICES.preview),
  };
  return { point: toPoint(st, sets, services, analysis), sets, ro };
}

interface PilotRecord {
  kind: string;
  podHash: string;
  state: { phase: string };
}

/** rollout-pilot's blue-green settle point, from its state ConfigMap. */
export async function observePilot(pilot: PilotSide): Promise<{ point: BlueGreenPoint; sets: RSFacts[] }> {
  const k = clients(pilot.cluster);
  const cm = await k.core.readNamespacedConfigMap({
    name: `rollout-pilot.${pilot.name}`,
    namespace: pilot.namespace,
  });
  const st = JSON.parse(cm.data?.['status.json'] ?? '{}') as RawBlueGreen;
  const records = JSON.parse(cm.data?.['analysis.json'] ?? '[]') as PilotRecord[];
  const list = await k.apps.listNamespacedReplicaSet({
    namespace: pilot.namespace,
    labelSelector: `rollout-pilot.dev/rollout=${pilot.name}`,
  });
  const sets = list.items.map(rsFacts);
  const analysis = records
    .filter((r) => r.podHash === st.currentPodHash)
    .map((r) => `${r.kind}:${r.state.phase}`);
  const services = {
    active: await selectedHash(pilot.cluster, pilot.namespace, SERVICES.active),
    preview: await selectedHash(pilot.cluster, pilot.namespace, SERVICES.preview),
  };
  return { point: toPoint(st, sets, services, analysis), sets };
}

/**
 * The rollout waits for somebody: Healthy, Degraded, or paused for a person. A pause that
 * autoPromotionSeconds ends by itself is not a settle point: rollout-pilot drives through it.
 */
export function waitingBlueGreen(point: BlueGreenPoint, ro: ArgoRolloutObject): boolean {
  if (point.phase === 'Healthy' || point.phase === 'Degraded') return true;
  if (point.phase !== 'Paused') return false;
  if (ro.spec?.paused === true) return true;
  if (point.pauseReasons.length === 0) return false;
  const bg = ro.spec?.strategy?.blueGreen;
  const timed = bg?.autoPromotionEnabled !== false && (bg?.autoPromotionSeconds ?? 0) > 0;
  return !(timed && point.pauseReasons.every((r) => r === 'BlueGreenPause'));
}

/**
 * Argo has settled on revision `revision`: the controller saw the latest spec, the rollout waits,
 * `currentPodHash` is that revision's (a finished earlier revision also looks settled), no
 * ReplicaSet is within its scale-down delay, something changed since the previous settle point
 * (a status patch is seen before the controller acts on it), and all of it holds for 1.5 s.
 */
export function settleArgoBlueGreen(
  argo: ArgoSide,
  revision: number,
  previous: BlueGreenPoint | undefined,
): Promise<BlueGreenPoint> {
  return holdSteady(
    `Argo Rollouts ${argo.namespace}/${argo.name} (blue-green) at revision ${revision}`,
    async () => {
      const { point, sets, ro } = await observeArgo(argo);
      const ok =
        observedLatest(ro) &&
        waitingBlueGreen(point, ro) &&
        point.currentRevision === revision &&
        replicaSetsSettled(sets, point.phase) &&
        !point.analysis.some((a) => a.endsWith(':Running') || a.endsWith(':Pending')) &&
        (previous === undefined || differencesIn(BLUEGREEN_FIELDS, previous, point).length > 0);
      return { point, ok, note: ` (status.message ${JSON.stringify(ro.status?.message ?? '')})` };
    },
    1500,
  );
}

/** rollout-pilot has settled: its run ended, the stored status is revision `revision`'s, for 0.6 s. */
export async function settlePilotBlueGreen(
  pilot: PilotSide,
  revision: number,
  run: ActionRun,
): Promise<BlueGreenPoint> {
  if (run.exitCode !== 0 && !run.outputs.phase) {
    throw new Error(
      `rollout-pilot failed before it drove (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`,
    );
  }
  return holdSteady(
    `rollout-pilot ${pilot.cluster}:${pilot.namespace}/${pilot.name} (blue-green) at revision ${revision}`,
    async () => {
      const { point, sets } = await observePilot(pilot);
      const ok = point.currentRevision === revision && replicaSetsSettled(sets, point.phase);
      return {
        point,
        ok,
        note: `\n--- run (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}\n${run.stderr}`,
      };
    },
    600,
  );
}
