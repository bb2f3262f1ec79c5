/**
 * A standalone Experiment (design 3.7): `run` with manifests that hold an Experiment and no Rollout
 * drives it to its end; `abort <name>` sets its `terminate`; `status <name>` and `run <name>`
 * (resume) work by name. Its state lives in `rollout-pilot-experiment.<name>` with its own Lease.
 */
import type { GitHubLink } from '../adapters/github/reporter.ts';
import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import type { StoredTemplate } from '../analysis/templates.ts';
import type { Config } from '../config/inputs.ts';
import { driveExperiment, type ExperimentDriveResult } from '../controller/experiment-driver.ts';
import { initialExperimentStatus } from '../controller/experiment-reconcile.ts';
import { experimentExitCode, withTerminate, type ExperimentState } from '../controller/experiment-state.ts';
import { ConflictError, systemClock, type KubeObject } from '../controller/ports.ts';
import type { ControlRequest } from '../engine/state.ts';
import { ARGO_API_VERSION } from '../manifests/validate.ts';
import type { ManifestDoc } from '../manifests/manifest-doc.ts';
import { asObj, asStr } from '../manifests/values.ts';
import { ConfigurationError } from '../util/errors.ts';
import { analysisOutput, analysisRunner } from './analysis.ts';
import { reporterFor } from './drive.ts';
import { experimentReport, publishExperiment } from './experiment-report.ts';
import { githubLink } from './github.ts';
import { takeLease } from './lease.ts';
import { applyWithProgress } from './preflight.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { connect, deadline, driverIdentity } from './wiring.ts';

/** The Experiment documents among the validated manifests. */
export function experimentDocs(docs: readonly ManifestDoc[]): ManifestDoc[] {
  return docs.filter((d) => d.object.apiVersion === ARGO_API_VERSION && d.object.kind === 'Experiment');
}

/** The Experiment to run: the one the `rollout` input names, or the only one. */
function selectExperiment(docs: readonly ManifestDoc[], name: string | undefined): ManifestDoc {
  const all = experimentDocs(docs);
  const nameOf = (d: ManifestDoc): string => asStr(asObj(d.object.metadata)?.name) ?? '';
  const chosen = name === undefined ? all : all.filter((d) => nameOf(d) === name);
  const doc = chosen[0];
  if (doc === undefined || chosen.length > 1) {
    throw new ConfigurationError(
      doc === undefined
        ? `manifests: no Experiment named "${name ?? ''}" (found ${all.map(nameOf).join(', ') || 'none'})`
        : `manifests hold ${chosen.length} Experiments: say which one with the rollout input (${chosen.map(nameOf).join(', ')})`,
    );
  }
  return doc;
}

/** The action's outputs for an experiment: its phase (Argo's names), message and runs. */
export function experimentOutputs(
  state: Pick<ExperimentState, 'status' | 'analysis' | 'experiment'>,
): CommandResult['outputs'] {
  const phase = state.status.phase ?? 'Pending';
  return {
    phase,
    message: state.status.message || `Experiment ${state.experiment.metadata.name} is ${phase}`,
    analysis: JSON.stringify(analysisOutput(state.analysis)),
  };
}

/** Stores the Experiment for a first run; an Experiment already in the cluster is re-attached as it is. */
async function storeExperiment(
  cluster: KubeCluster,
  namespace: string,
  experiment: KubeObject,
  templates: StoredTemplate[],
  ctx: CommandContext,
): Promise<void> {
  const name = experiment.metadata.name;
  const existing = await cluster.readExperimentState(namespace, name);
  if (existing !== undefined) {
    if (JSON.stringify(existing.experiment.spec) !== JSON.stringify(experiment.spec))
      ctx.log.warn(`Experiment ${name} is already in the cluster with another spec: resuming it as it is`);
    return;
  }
  const state = { experiment, status: initialExperimentStatus(), requests: [], templates, analysis: [] };
  await cluster.writeExperimentState(namespace, name, { ...state, version: undefined });
  ctx.log.info(`stored Experiment ${name}`);
}

/** `run` with an Experiment and no Rollout: apply the plain objects, store it, drive it to its end. */
export async function runExperiment(
  config: Config,
  ctx: CommandContext,
  docs: readonly ManifestDoc[],
  shared: { plain: KubeObject[]; templates: StoredTemplate[] },
): Promise<CommandResult> {
  const doc = selectExperiment(docs, config.rollout);
  const meta = asObj(doc.object.metadata) ?? {};
  const { cluster, namespace } = connect(config, ctx, asStr(meta.namespace));
  const experiment = structuredClone(doc.object) as unknown as KubeObject;
  delete experiment.status;
  const name = experiment.metadata.name;
  experiment.metadata = {
    name,
    namespace,
    ...(meta.labels === undefined ? {} : { labels: meta.labels }),
    ...(meta.annotations === undefined ? {} : { annotations: meta.annotations }),
  };
  if (shared.plain.length > 0) {
    await applyWithProgress(cluster, shared.plain, { dryRun: true, namespace }, ctx.log);
  }
  const identity = driverIdentity(ctx.env);
  const other = await takeLease(cluster, namespace, name, identity, ctx.log, 'Experiment');
  if (other !== undefined) {
    await storeExperiment(cluster, namespace, experiment, shared.templates, ctx);
    const existing = await cluster.readExperimentState(namespace, name);
    const message = `another run drives Experiment ${name}: ${other.holder}`;
    ctx.log.info(message);
    return { exitCode: 0, outputs: { ...(existing ? experimentOutputs(existing) : {}), message } };
  }
  if (shared.plain.length > 0) {
    await applyWithProgress(cluster, shared.plain, { dryRun: false, namespace }, ctx.log);
  }
  await storeExperiment(cluster, namespace, experiment, shared.templates, ctx);
  return ctx.log.group(`Drive Experiment ${namespace}/${name}`, () =>
    driveAndFinish(config, ctx, cluster, namespace, name, identity),
  );
}

/** Drives the experiment and makes the command's result from where it ended. */
async function driveAndFinish(
  config: Config,
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  name: string,
  identity: string,
): Promise<CommandResult> {
  const before = await cluster.readExperimentState(namespace, name);
  const link = githubLink(config, ctx.env, before?.github);
  const reporter = await reporterFor(config, ctx, link, `${namespace}/experiment/${name}`);
  await reporter?.resolvePullRequest(ctx.env);
  const github = (): GitHubLink | undefined => reporter?.link ?? link;
  const result: ExperimentDriveResult = await driveExperiment(cluster, systemClock, ctx.log, {
    namespace,
    name,
    identity,
    deadline: deadline(config),
    analysis: analysisRunner(config, cluster, namespace, name, ctx.log),
    github,
    ...(reporter === undefined
      ? {}
      : {
          onProgress: async (state: ExperimentState) => {
            await publishExperiment(reporter, experimentReport(namespace, state, {}));
          },
        }),
  });
  const outputs = experimentOutputs({ ...result, experiment: result.experiment });
  if (result.stoppedBecause === 'other-driver') {
    outputs.message = `another run drives Experiment ${name}: ${result.driver ?? '?'}`;
  } else if (result.stoppedBecause === 'max-runtime') {
    outputs.message = `${outputs.message ?? ''} (handed over at max-runtime; run again to resume)`;
  }
  ctx.log.info(
    `Experiment ${name}: ${outputs.phase ?? ''}${result.status.message ? ` - ${result.status.message}` : ''}`,
  );
  if (result.stoppedBecause === 'other-driver') return { exitCode: result.exitCode, outputs };
  // The end as the comment, the check run and the job summary show it.
  const report = experimentReport(namespace, { ...result, github: github() }, result.replicaSets);
  const published = await publishExperiment(reporter, report);
  if (published.commentUrl !== undefined) outputs['comment-url'] = published.commentUrl;
  if (published.checkRunUrl !== undefined) outputs['check-run-url'] = published.checkRunUrl;
  return { exitCode: result.exitCode, outputs, summary: published.summary };
}

/** Records `abort` for the driving run, compare-and-swap; it acts on it at its next tick. */
async function recordAbort(cluster: KubeCluster, namespace: string, name: string, by: string): Promise<void> {
  for (;;) {
    const current = await cluster.readExperimentState(namespace, name);
    if (current === undefined) return;
    const request: ControlRequest = {
      command: 'abort',
      requestedBy: by,
      requestedAt: systemClock.now().toISOString(),
    };
    try {
      await cluster.writeExperimentState(namespace, name, {
        ...current,
        requests: [...current.requests, request],
      });
      return;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
}

/**
 * Sets the Experiment's `terminate` in its state, read again under the lease just taken: the run
 * that held it may have written once more before it let go (compare-and-swap, retried).
 */
async function writeTerminate(cluster: KubeCluster, namespace: string, name: string): Promise<void> {
  for (;;) {
    const current = await cluster.readExperimentState(namespace, name);
    if (current === undefined) return;
    try {
      await cluster.writeExperimentState(namespace, name, {
        ...current,
        experiment: withTerminate(current.experiment),
      });
      return;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
}

/**
 * `abort`, `status` and `run` (resume) by name when the name is a standalone Experiment's and no
 * Rollout's; undefined when it is not one. Other control commands do not apply to an Experiment.
 */
export async function experimentCommand(
  config: Config,
  ctx: CommandContext,
  command: 'abort' | 'status' | 'resume' | ControlRequest['command'],
): Promise<CommandResult | undefined> {
  const name = config.rollout;
  if (name === undefined) return undefined;
  const { cluster, namespace } = connect(config, ctx);
  if ((await cluster.readState(namespace, name)) !== undefined) return undefined;
  const state = await cluster.readExperimentState(namespace, name);
  if (state === undefined) return undefined;
  if (command === 'status') {
    const outputs = experimentOutputs(state);
    ctx.log.info(`Experiment ${name}: ${outputs.phase ?? ''} - ${outputs.message ?? ''}`);
    return { exitCode: experimentExitCode(state.status.phase), outputs };
  }
  if (command !== 'abort' && command !== 'resume') {
    throw new ConfigurationError(
      `${command} does not apply to Experiment ${name}: it takes abort, status and run`,
    );
  }
  const identity = driverIdentity(ctx.env);
  const other = await takeLease(cluster, namespace, name, identity, ctx.log, 'Experiment');
  if (other !== undefined) {
    if (command === 'abort') await recordAbort(cluster, namespace, name, identity);
    const message =
      command === 'abort'
        ? `recorded abort for Experiment ${name}: the driving run (${other.holder}) terminates it`
        : `another run drives Experiment ${name}: ${other.holder}`;
    ctx.log.info(message);
    return { exitCode: 0, outputs: { ...experimentOutputs(state), message } };
  }
  if (command === 'abort') {
    await writeTerminate(cluster, namespace, name);
    ctx.log.info(`abort: Experiment ${name} terminates`);
  } else {
    ctx.log.info(`resuming Experiment ${name} from the state in the cluster`);
  }
  return driveAndFinish(config, ctx, cluster, namespace, name, identity);
}
