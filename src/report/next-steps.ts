/** "What to do next": the control commands that fit the rollout's situation. Pure. */
import { blueGreenNextSteps } from './bluegreen-next-steps.ts';
import { code, fence } from './markdown.ts';
import type { RolloutReport } from './report-model.ts';
import { actionOf, currentStep, type PauseWhy, type Situation } from './situation.ts';

function githubOrigin(r: RolloutReport): string {
  return /^(https?:\/\/[^/]+)\//.exec(r.runUrl ?? '')?.[1] ?? 'https://github.com';
}

function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A list item telling how to run a control command, with the `gh` line to paste. */
export function command(r: RolloutReport, cmd: string, purpose: string): string[] {
  const file = r.controlWorkflow;
  if (file === undefined) {
    return [
      `- ${purpose}: run rollout-pilot with \`command: ${cmd}\` and ${code(`rollout: ${r.rollout}`)} (namespace ${code(r.namespace)}), from a \`workflow_dispatch\` workflow as in rollout-pilot's README.`,
    ];
  }
  const name = file.replace(/\.ya?ml$/, '');
  const workflow =
    r.repository === undefined
      ? `**${name}**`
      : `[**${name}**](${githubOrigin(r)}/${r.repository}/actions/workflows/${encodeURIComponent(file)})`;
  const gh = `gh workflow run ${shellWord(file)} -f command=${cmd} -f rollout=${shellWord(r.rollout)}${r.repository === undefined ? '' : ` --repo ${shellWord(r.repository)}`}`;
  return [
    `- ${purpose}: run the ${workflow} workflow with \`command: ${cmd}\`:`,
    '',
    ...fence(gh, 'sh').map((l) => `  ${l}`),
  ];
}

export function revertLine(r: RolloutReport): string[] {
  if (r.revertPr === undefined) return [];
  return [
    `- A revert pull request is open: [#${r.revertPr.number}](${r.revertPr.url}). Merge it so that main matches what runs.`,
  ];
}

export function nextSteps(r: RolloutReport, s: Situation): string[] {
  if (r.blueGreen !== undefined) return ['### What to do next', '', ...blueGreenNextSteps(r, r.blueGreen, s)];
  const step = currentStep(r);
  const following = step === undefined ? undefined : step + 1;
  const followingAction = following === undefined ? undefined : actionOf(r, following);
  const goOn =
    following !== undefined && following <= r.stepCount
      ? `go on with step ${following}${followingAction === undefined ? '' : ` (${code(followingAction)})`}`
      : 'finish the rollout';
  const abort = command(r, 'abort', '**Abort** to send all traffic back to the stable revision');
  const full = command(r, 'promote-full', '**Promote fully** to skip every remaining step');
  const out: string[] = [];
  switch (s.kind) {
    case 'healthy':
      out.push(
        `Nothing to do: the new revision is stable and serves all traffic.`,
        '',
        ...command(r, 'undo', 'If it misbehaves, **undo** goes back to the previous revision'),
        '',
        '  After an undo, revert the change in git too, or the next deploy brings it back.',
      );
      break;
    case 'progressing':
      if (r.firstDeploy === true && currentStep(r) === undefined) {
        out.push(
          'Nothing to do: this first deploy is at full scale and its first-deploy analysis (below) measures it. If the analysis fails, the deploy job fails; nothing is scaled down.',
        );
        break;
      }
      out.push(
        'Nothing to do: the deploy job drives the rollout through its steps, and this report follows it.',
        '',
        ...abort,
        ...full,
      );
      break;
    case 'paused':
      out.push(...pausedNextSteps(r, s.why, goOn, abort, full));
      break;
    case 'aborted':
      out.push(
        'The canary is scaled away and the stable revision serves all traffic.',
        '',
        ...revertLine(r),
        '- Fix the cause and push: a new revision starts a new rollout from the first step.',
        ...command(r, 'retry', '**Retry** the same revision from the first step'),
        ...command(r, 'undo', '**Undo** to settle on the stable revision and clear the abort'),
      );
      break;
    case 'degraded':
      if (s.firstDeploy === true) {
        out.push(...firstDeployFailedSteps(r));
        break;
      }
      out.push(
        'The rollout is stuck and was not aborted: the canary pods stay as they are.',
        '',
        ...revertLine(r),
        '- Fix the cause (see the message above) and re-run the deploy job: the rollout goes on once the canary progresses.',
        ...abort,
        ...command(r, 'undo', '**Undo** to go back to the previous revision'),
      );
      break;
  }
  return ['### What to do next', '', ...out];
}

/** What to do at a pause: who or what ends it depends on why the rollout waits. */
function pausedNextSteps(
  r: RolloutReport,
  why: PauseWhy,
  goOn: string,
  abort: string[],
  full: string[],
): string[] {
  const out: string[] = [];
  switch (why) {
    case 'promote':
      out.push(
        `The rollout waits at a pause without a duration until someone promotes it.`,
        ...(r.pauseWatch === undefined ? [] : ['', `_${r.pauseWatch}._`]),
        '',
        ...command(r, 'promote', `**Promote** to ${goOn}`),
        ...full,
        ...abort,
      );
      break;
    case 'timed':
      out.push(
        'Nothing to do: the pause ends by itself and the deploy job goes on.',
        '',
        ...command(r, 'promote', `**Promote** to skip the wait and ${goOn}`),
        ...abort,
      );
      break;
    case 'inconclusive':
      if (r.firstDeploy === true && currentStep(r) === undefined) {
        out.push(
          'The first-deploy analysis was inconclusive: its measurements (below) met neither condition, so a person decides. There is no earlier revision to go back to.',
          '',
          ...command(r, 'promote', '**Promote** to accept this revision'),
          '- To reject it, fix forward: push a fixed revision, which rolls out through the steps.',
        );
        break;
      }
      out.push(
        'An analysis run was inconclusive: its measurements (below) met neither condition, so a person decides.',
        '',
        ...command(r, 'promote', `**Promote** to accept it and ${goOn}`),
        ...abort,
      );
      break;
    case 'manual':
      out.push(
        'Someone paused the rollout with the pause command.',
        ...(r.pauseWatch === undefined ? [] : ['', `_${r.pauseWatch}._`]),
        '',
        ...command(r, 'promote', `**Promote** to resume and ${goOn}`),
        ...abort,
      );
      break;
  }
  return out;
}

/** A first deploy that failed its analysis: nothing to roll back to, so forward, to zero, or again. */
function firstDeployFailedSteps(r: RolloutReport): string[] {
  return [
    'The first-deploy analysis failed. There is no earlier revision to roll back to, so rollout-pilot scaled nothing down: this revision keeps serving.',
    '',
    '- **Fix forward**: fix the cause and push. The new revision rolls out through the steps and their analysis, with this one as the stable revision.',
    `- **Scale to 0** to take it out of service: set ${code('spec.replicas: 0')} in the Rollout and run the deploy again.`,
    ...command(
      r,
      'retry',
      '**Retry** to measure it again (a new first-deploy run), for example after a metrics outage',
    ),
    `- To accept it as it is: set ${code('rollout-pilot.dev/first-deploy-analysis: "false"')} on the Rollout and run the deploy again.`,
  ];
}
