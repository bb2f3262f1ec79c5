/** The blue-green part of the pull request report, read from the cluster and the rollout's state. */
import type { BlueGreenEngineRollout } from '../engine/spec.ts';
import type { RolloutStatus } from '../engine/state.ts';
import type { BlueGreenReport } from '../report/report-model.ts';
import { containerImages } from './engine-rollout.ts';
import type { ClusterPort, KubeObject } from './ports.ts';

const templateNames = (a: { templates: { templateName: string }[] } | undefined): string[] | undefined =>
  a?.templates.map((t) => t.templateName);

export async function buildBlueGreenReport(
  cluster: ClusterPort,
  rollout: KubeObject,
  engine: BlueGreenEngineRollout,
  s: RolloutStatus,
): Promise<BlueGreenReport> {
  const bg = engine.blueGreen;
  const observed = await cluster.observe(rollout, []);
  const templates = await cluster.revisions(rollout);
  const imagesOf = (hash: string): string[] => {
    const found = [...templates.values()].find((t) => t.hash === hash);
    return [...containerImages(found?.template).values()];
  };
  const pointed = [s.stableRS, s.currentPodHash, s.blueGreen?.activeSelector, s.blueGreen?.previewSelector];
  const revisions = observed.replicaSets
    .filter((rs) => rs.experiment === undefined)
    .filter((rs) => rs.specReplicas > 0 || rs.readyReplicas > 0 || pointed.includes(rs.hash))
    .sort((a, b) => b.revision - a.revision)
    .map((rs) => ({
      revision: rs.revision,
      hash: rs.hash,
      images: imagesOf(rs.hash),
      ready: rs.readyReplicas,
      desired: rs.specReplicas,
      ...(rs.scaleDownDeadline === undefined ? {} : { scaleDownAt: rs.scaleDownDeadline }),
    }));
  return {
    activeService: bg.activeService,
    previewService: bg.previewService,
    activeSelector: s.blueGreen?.activeSelector,
    previewSelector: s.blueGreen?.previewSelector,
    stableHash: s.stableRS,
    newHash: s.currentPodHash,
    revisions,
    autoPromotionSeconds:
      bg.autoPromotionEnabled && bg.autoPromotionSeconds > 0 ? bg.autoPromotionSeconds : undefined,
    waitsForPromote: !bg.autoPromotionEnabled || bg.autoPromotionSeconds > 0,
    prePromotionTemplates: templateNames(bg.prePromotionAnalysis),
    postPromotionTemplates: templateNames(bg.postPromotionAnalysis),
    scaleDownDelaySeconds: bg.scaleDownDelaySeconds,
    abortScaleDownDelaySeconds: bg.abortScaleDownDelaySeconds,
  };
}
