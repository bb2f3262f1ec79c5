import { deployedSha, GitHubReporter, pullRequestFromEvent } from '../adapters/github/reporter.ts';
import type { Config } from '../config/inputs.ts';
import { containerImages, podTemplateOf, withImages } from '../controller/engine-rollout.ts';
import type { ClusterPort, StoredState } from '../controller/ports.ts';
import type { BlueGreenNow } from '../report/plan-bluegreen-md.ts';
import { engineRollout, stepCount } from '../engine/spec.ts';
import { planRollout } from '../engine/plan.ts';
import { renderPlan } from '../report/plan.ts';
import { podTemplateHash } from '../engine/hash.ts';
import { initialStatus } from '../engine/state.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { connect, namespaceOf } from './wiring.ts';
import { prepare } from './prepare.ts';

/** `plan`: what `run` would do from the cluster's current state. Changes nothing. */
export async function plan(config: Config, ctx: CommandContext): Promise<CommandResult> {
  const prepared = await prepare(config, ctx, (ns) => {
    try {
      return namespaceOf(config, ctx, ns);
    } catch {
      return config.namespace ?? ns ?? 'default';
    }
  });
  let rollout = prepared.rollout;
  let namespace = config.namespace ?? rollout.metadata.namespace ?? 'default';
  let stored: StoredState | undefined;
  let now: BlueGreenNow | undefined;
  let offline = '';
  try {
    const connected = connect(config, ctx, rollout.metadata.namespace);
    namespace = connected.namespace;
    stored = await connected.cluster.readState(namespace, rollout.metadata.name);
    if (stored !== undefined) now = await servicesNow(connected.cluster, stored);
    rollout = withImages(
      await connected.cluster.resolveWorkloadRef({
        ...rollout,
        metadata: { ...rollout.metadata, namespace },
      }),
      config.images,
    );
  } catch (e) {
    offline = `\n\n_The cluster could not be read (${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}): planned as an update from a stable revision._`;
  }
  // The workloadRef and the namespace change neither the strategy nor the steps the model holds.
  const engine = engineRollout(prepared.model);
  const hash = podTemplateHash(podTemplateOf(rollout));
  const status = stored?.status ?? (offline ? { ...initialStatus(), stableRS: '(unknown)' } : undefined);
  const result = planRollout(engine, hash, status);
  const before = containerImages(stored === undefined ? undefined : podTemplateOf(stored.rollout));
  const changes = [...containerImages(podTemplateOf(rollout))]
    .filter(([c, image]) => before.get(c) !== image)
    .map(([container, to]) => ({ container, from: before.get(container), to }));
  const summary = renderPlan(rollout.metadata.name, namespace, result, changes, now) + offline;
  const outputs: CommandResult['outputs'] = {
    message: result.summary,
    strategy: engine.strategy,
    'step-count': String(stepCount(engine)),
  };
  // On a pull request, the plan goes on the pull request: what will happen, before anyone merges.
  const repository = ctx.env.GITHUB_REPOSITORY;
  const sha = deployedSha(ctx.env);
  const pr = config.prNumber ?? pullRequestFromEvent(ctx.env);
  if (
    config.comment &&
    config.githubToken !== undefined &&
    repository !== undefined &&
    sha !== undefined &&
    pr !== undefined
  ) {
    const reporter = await GitHubReporter.create({
      token: config.githubToken,
      apiUrl: ctx.env.GITHUB_API_URL ?? 'https://api.github.com',
      link: { repository, sha, prNumber: pr },
      log: ctx.log,
      checkName: `rollout-pilot plan ${namespace}/${rollout.metadata.name}`,
      comment: true,
      checkRun: false,
    });
    const marker = `<!-- rollout-pilot-plan:${namespace}/${rollout.metadata.name} -->`;
    const url = await reporter.upsertComment(`${marker}\n${summary}`, marker);
    if (url !== undefined) outputs['comment-url'] = url;
  }
  return {
    exitCode: 0,
    outputs,
    summary,
  };
}

/** Where a blue-green rollout's Services point now, with the revision of each hash. */
async function servicesNow(cluster: ClusterPort, stored: StoredState): Promise<BlueGreenNow | undefined> {
  const bg = stored.status.blueGreen;
  if (bg === undefined) return undefined;
  const revisions = await cluster.revisions(stored.rollout);
  const at = (hash: string | undefined): BlueGreenNow['active'] => {
    if (hash === undefined) return undefined;
    const revision = [...revisions].find(([, r]) => r.hash === hash)?.[0];
    return { hash, revision };
  };
  return { active: at(bg.activeSelector), preview: at(bg.previewSelector) };
}
