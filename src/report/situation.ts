/** Where the rollout stands, read from a RolloutReport: its situation and the report's verdict. Pure. */
import { FIRST_DEPLOY_RUNNING } from '../engine/first-deploy.ts';
import { blueGreenVerdict } from './bluegreen-md.ts';
import type { RolloutReport } from './report-model.ts';
import { clip, code, text } from './markdown.ts';

export type PauseWhy = 'promote' | 'timed' | 'inconclusive' | 'manual';

export type Situation =
  | { kind: 'healthy' }
  | { kind: 'progressing' }
  | { kind: 'paused'; why: PauseWhy }
  | { kind: 'aborted'; reason: string }
  /** `firstDeploy`: the first-deploy analysis failed; there is nothing to roll back to. */
  | { kind: 'degraded'; reason: string; firstDeploy?: boolean };

export function actionOf(r: RolloutReport, step: number): string | undefined {
  return r.plannedSteps.find((s) => s.step === step)?.action ?? r.steps.find((s) => s.step === step)?.action;
}

/** The 1-based step the rollout is at, or undefined when all steps are done. */
export function currentStep(r: RolloutReport): number | undefined {
  return r.currentStepIndex < r.stepCount ? r.currentStepIndex + 1 : undefined;
}

function abortReason(message: string): string {
  const m = /^RolloutAborted: Rollout aborted update to revision \d+(?::\s*([\s\S]*))?$/.exec(message);
  if (m !== null) return m[1] ?? 'aborted with the abort command';
  return message || 'aborted';
}

export function situation(r: RolloutReport): Situation {
  if (r.aborted) return { kind: 'aborted', reason: abortReason(r.message) };
  switch (r.phase) {
    case 'Healthy':
      return { kind: 'healthy' };
    case 'Progressing':
      return { kind: 'progressing' };
    case 'Degraded': {
      const first = /^FirstDeployAnalysisFailed:\s*([\s\S]*)$/.exec(r.message);
      if (first !== null) return { kind: 'degraded', reason: first[1] ?? '', firstDeploy: true };
      const m = /^ProgressDeadlineExceeded:\s*([\s\S]*)$/.exec(r.message);
      return {
        kind: 'degraded',
        reason: m !== null ? `progress deadline exceeded: ${m[1] ?? ''}` : r.message || 'degraded',
      };
    }
    case 'Paused': {
      const step = currentStep(r);
      const action = step === undefined ? undefined : actionOf(r, step);
      const timed =
        r.blueGreen === undefined
          ? action !== undefined && /^pause \d+s$/.test(action)
          : r.blueGreen.autoPromotionSeconds !== undefined;
      const why: PauseWhy = /Inconclusive/i.test(r.message)
        ? 'inconclusive'
        : /manually paused/i.test(r.message)
          ? 'manual'
          : timed
            ? 'timed'
            : 'promote';
      return { kind: 'paused', why };
    }
  }
}

/** The step where an aborted or stuck rollout stopped. */
export function stoppedStep(r: RolloutReport, s: Situation): number | undefined {
  if (s.kind === 'degraded') return currentStep(r);
  if (s.kind !== 'aborted') return undefined;
  // An abort resets the step index: the records say where it was.
  const open = r.steps.find((x) => x.startedAt !== undefined && x.completedAt === undefined);
  if (open !== undefined) return open.step;
  const done = r.steps.filter((x) => x.completedAt !== undefined).map((x) => x.step);
  const next = done.length === 0 ? undefined : Math.max(...done) + 1;
  return next !== undefined && next <= r.stepCount ? next : undefined;
}

function changedImages(r: RolloutReport): string[] {
  const changed = r.images.filter((i) => i.from !== i.to);
  return (changed.length > 0 ? changed : r.images).map((i) => i.to);
}

export function position(r: RolloutReport, step: number): string {
  return `step ${step}/${r.stepCount}`;
}

interface Verdict {
  /** Markdown, for the comment's headline. */
  markdown: string;
  /** Plain text, for the check run's title. */
  plain: string;
}

export function verdict(r: RolloutReport, s: Situation): Verdict {
  const bg = r.blueGreen === undefined ? undefined : blueGreenVerdict(r, r.blueGreen, s);
  if (bg !== undefined) return bg;
  const imgs = changedImages(r);
  const imgsMd = imgs.map((i) => code(i)).join(', ');
  const imgsPlain = imgs.join(', ');
  const step = currentStep(r);
  const at = step === undefined ? '' : position(r, step);
  const action = step === undefined ? undefined : actionOf(r, step);
  switch (s.kind) {
    case 'healthy':
      return imgs.length > 0
        ? {
            markdown: `✅ Healthy: ${code(r.rollout)} rolled out ${imgsMd}`,
            plain: `Healthy: ${r.rollout} rolled out ${imgsPlain}`,
          }
        : {
            markdown: `✅ Healthy: ${code(r.rollout)} is fully rolled out`,
            plain: `Healthy: ${r.rollout} is fully rolled out`,
          };
    case 'progressing': {
      if (r.message === FIRST_DEPLOY_RUNNING) {
        const what = imgs.length > 0 ? imgsMd : code(r.rollout);
        return {
          markdown: `🔄 Progressing: first-deploy analysis of ${what} running`,
          plain: `Progressing: first-deploy analysis of ${imgs.length > 0 ? imgsPlain : r.rollout} running`,
        };
      }
      if (step === undefined) {
        const what = r.stepCount === 0 ? 'rolling out' : `all ${r.stepCount} steps done, promoting`;
        return {
          markdown: `🔄 Progressing: ${what} ${imgs.length > 0 ? imgsMd : code(r.rollout)}`,
          plain: `Progressing: ${what} ${imgs.length > 0 ? imgsPlain : r.rollout}`,
        };
      }
      const act = action === undefined ? '' : ` ${code(action)}`;
      return {
        markdown: `🔄 Progressing: ${at}${act}, canary at ${r.weight}%`,
        plain: `Progressing: ${at}${action === undefined ? '' : ` (${action})`}, canary at ${r.weight}%`,
      };
    }
    case 'paused': {
      const where = step === undefined ? '' : ` at ${at}`;
      switch (s.why) {
        case 'promote':
          return { markdown: `⏸️ Paused${where}: waiting for promote`, plain: `Waiting for promote${where}` };
        case 'timed':
          return {
            markdown: `⏸️ Paused${where}: ${code(action ?? 'pause')}, resumes by itself`,
            plain: `Paused${where}: ${action ?? 'pause'}, resumes by itself`,
          };
        case 'inconclusive':
          return {
            markdown: `⏸️ Paused${where}: analysis inconclusive, waiting for promote or abort`,
            plain: `Waiting for a decision${where}: analysis inconclusive`,
          };
        case 'manual':
          return {
            markdown: `⏸️ Paused${where} by the pause command: waiting for promote`,
            plain: `Paused${where} by the pause command: waiting for promote`,
          };
      }
      break;
    }
    case 'aborted':
      return {
        markdown: `❌ Aborted and rolled back: ${text(clip(s.reason, 500))}`,
        plain: `Aborted and rolled back: ${clip(s.reason.replace(/\s+/g, ' '), 180)}`,
      };
    case 'degraded':
      return {
        markdown: `❌ Degraded: ${text(clip(s.reason, 500))}`,
        plain: `Degraded: ${clip(s.reason.replace(/\s+/g, ' '), 180)}`,
      };
  }
  return { markdown: r.phase, plain: r.phase };
}
