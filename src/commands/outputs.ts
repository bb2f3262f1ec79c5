import type { AnalysisRecord } from '../controller/analysis.ts';
import type { DriveResult } from '../controller/driver.ts';
import { toEngineRollout } from '../controller/engine-rollout.ts';
import type { ClusterPort, KubeObject, StoredState } from '../controller/ports.ts';
import { stepCount, type EngineRollout } from '../engine/spec.ts';
import type { RolloutStatus } from '../engine/state.ts';
import type { CommandContext, CommandResult, OutputName } from './types.ts';
import { analysisOutput } from './analysis.ts';

/** The action's outputs from where the rollout stands. */
export async function outputsFor(
  cluster: ClusterPort,
  rollout: KubeObject,
  state: Pick<StoredState, 'status'> & { analysis?: readonly AnalysisRecord[] },
): Promise<Partial<Record<OutputName, string>>> {
  const engine = toEngineRollout(rollout);
  const s = state.status;
  const observed = await cluster.observe(rollout, []);
  const revisionOf = (hash: string | undefined): string =>
    String(observed.replicaSets.find((rs) => rs.hash === hash)?.revision ?? '');
  return {
    phase: s.phase,
    aborted: String(s.abort),
    message: s.message || `${rollout.metadata.name} is ${s.phase}`,
    'step-index': String(s.currentStepIndex ?? 0),
    'step-count': String(stepCount(engine)),
    'canary-weight': String(s.canaryWeight),
    'stable-revision': revisionOf(s.stableRS),
    'canary-revision': revisionOf(s.currentPodHash),
    ...strategyOutputs(engine, s, revisionOf),
    analysis: JSON.stringify(analysisOutput(state.analysis ?? [])),
  };
}

/**
 * `strategy`, and for blue-green the revisions behind its Services: `active-revision` is what the
 * active Service selects; `preview-revision` what the preview Service selects (without a preview
 * Service, the new revision until it is promoted).
 */
export function strategyOutputs(
  engine: EngineRollout,
  s: RolloutStatus,
  revisionOf: (hash: string | undefined) => string,
): Partial<Record<OutputName, string>> {
  if (engine.strategy !== 'blueGreen') return { strategy: engine.strategy };
  const bg = s.blueGreen;
  const updating = s.currentPodHash !== s.stableRS ? s.currentPodHash : undefined;
  const preview = engine.blueGreen.previewService === undefined ? updating : bg?.previewSelector;
  return {
    strategy: 'blueGreen',
    'active-revision': revisionOf(bg?.activeSelector),
    'preview-revision': revisionOf(preview),
  };
}

export async function finish(
  cluster: ClusterPort,
  result: DriveResult,
  ctx: CommandContext,
): Promise<CommandResult> {
  const outputs = await outputsFor(cluster, result.rollout, result);
  if (result.stoppedBecause === 'other-driver') {
    outputs.message = `another run drives ${result.rollout.metadata.name}: ${result.driver ?? '?'}`;
  } else if (result.stoppedBecause === 'max-runtime') {
    outputs.message = `${outputs.message ?? ''} (handed over at max-runtime; run again to resume)`;
  }
  ctx.log.info(
    `${result.rollout.metadata.name}: ${result.status.phase}${result.status.message ? ` - ${result.status.message}` : ''}`,
  );
  return { exitCode: result.exitCode, outputs };
}
