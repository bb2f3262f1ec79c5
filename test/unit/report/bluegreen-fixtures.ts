/** Blue-green report fixtures: seed 4's shape (an active and a preview Service, post-promotion analysis). */
import type { BlueGreenEngineRollout, BlueGreenPart } from '../../../src/engine/spec.ts';
import type { RolloutAnalysis } from '../../../src/manifests/rollout-model.ts';
import type { BlueGreenReport, RolloutReport } from '../../../src/report/report-model.ts';

export const V1 = { revision: 1, hash: 'aaa111', images: ['example/grpc:1'], ready: 2, desired: 2 };
export const V2 = { revision: 2, hash: 'bbb222', images: ['example/grpc:2'], ready: 2, desired: 2 };

export function blueGreen(over: Partial<BlueGreenReport> = {}): BlueGreenReport {
  return {
    activeService: 'service',
    previewService: 'service-preview',
    activeSelector: V1.hash,
    previewSelector: V2.hash,
    stableHash: V1.hash,
    newHash: V2.hash,
    revisions: [V2, V1],
    waitsForPromote: true,
    postPromotionTemplates: ['success-rate'],
    scaleDownDelaySeconds: 300,
    abortScaleDownDelaySeconds: 30,
    ...over,
  };
}

export function report(over: Partial<RolloutReport> = {}, bg: Partial<BlueGreenReport> = {}): RolloutReport {
  return {
    rollout: 'rollout',
    namespace: 'shop',
    repository: 'acme/shop',
    sha: '0123456789abcdef0123456789abcdef01234567',
    runUrl: 'https://github.com/acme/shop/actions/runs/42',
    phase: 'Paused',
    message: 'BlueGreenPause',
    aborted: false,
    images: [{ container: 'grpc-server', from: 'example/grpc:1', to: 'example/grpc:2' }],
    stepCount: 0,
    currentStepIndex: 0,
    weight: 0,
    steps: [],
    plannedSteps: [],
    analysis: [],
    controlWorkflow: 'rollout-control.yml',
    updatedAt: '2026-11-22T10:00:00Z',
    blueGreen: blueGreen(bg),
    ...over,
  };
}

/** An analysis block naming one template, nothing else set. */
export function analysis(templateName: string): RolloutAnalysis {
  return {
    templates: [{ templateName, clusterScope: false }],
    args: [],
    dryRun: [],
    measurementRetention: [],
    analysisRunMetadata: { labels: {}, annotations: {} },
  };
}

/** Active `service`, preview `service-preview`, no auto-promotion, Argo's default delays; `over` wins. */
export function blueGreenRollout(
  replicas: number,
  over: Partial<BlueGreenPart> = {},
): BlueGreenEngineRollout {
  return {
    name: 'rollout',
    namespace: 'shop',
    replicas,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    strategy: 'blueGreen',
    blueGreen: {
      activeService: 'service',
      previewService: 'service-preview',
      autoPromotionEnabled: false,
      autoPromotionSeconds: 0,
      scaleDownDelaySeconds: 300,
      scaleDownDelayWritten: true,
      abortScaleDownDelaySeconds: 30,
      ...over,
    },
  };
}
