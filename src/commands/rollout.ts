import { hostname } from 'node:os';
import { KubeCluster, loadKubeConfig, ROLLOUT_LABEL } from '../adapters/k8s/cluster.ts';
import { JobProvider } from '../analysis/providers/job.ts';
import { readManifestFiles } from '../adapters/files.ts';
import { createMetricProviders, type MetricProvider } from '../analysis/providers/index.ts';
import type { StoredTemplate } from '../analysis/templates.ts';
import {
  deployedSha,
  GitHubReporter,
  pullRequestFromEvent,
  type GitHubLink,
} from '../adapters/github/reporter.ts';
import { AnalysisRunner, type AnalysisRecord } from '../controller/analysis.ts';
import { buildReport, publish } from '../controller/publish.ts';
import type { Logger } from '../util/logger.ts';
import type { Config } from '../config/inputs.ts';
import { drive, LEASE_SECONDS, matrixSibling, sameJob, type DriveResult } from '../controller/driver.ts';
import { toEngineRollout, withImages } from '../controller/engine-rollout.ts';
import {
  ConflictError,
  systemClock,
  type ClusterPort,
  type KubeObject,
  type LeaseInfo,
  type StoredState,
} from '../controller/ports.ts';
import { applyControlRequest } from '../engine/commands.ts';
import { planRollout } from '../engine/plan.ts';
import { renderPlan } from '../report/plan.ts';
import { renderTree } from '../report/tree.ts';
import { podTemplateHash } from '../engine/hash.ts';
import {
  initialStatus,
  POD_TEMPLATE_HASH_LABEL,
  type ControlRequest,
  type RolloutStatus,
} from '../engine/state.ts';
import { completeTakeover, findTakeover } from './argo-takeover.ts';
import { ARGO_API_VERSION, rolloutDocNamespace, validateManifests } from '../manifests/validate.ts';
import { ConfigurationError, errorMessage, ManifestError, type Diagnostic } from '../util/errors.ts';
import {
  applyWithProgress,
  clusterTemplateJobProblems,
  missingReferences,
  preflightObjects,
} from './preflight.ts';
import { objectReferences, type ObjectRef } from '../manifests/object-refs.ts';
import type { ManifestDoc } from '../manifests/parse.ts';
import type { CommandContext, CommandResult, OutputName } from './types.ts';

/** Who is driving: one GitHub job (attempts of the same job may take over from each other). */
export function driverIdentity(env: NodeJS.ProcessEnv): string {
  if (env.ROLLOUT_PILOT_DRIVER_ID) return env.ROLLOUT_PILOT_DRIVER_ID;
  if (env.GITHUB_RUN_ID) {
    // The pid tells apart two legs of a matrix on one machine (same run, job and attempt).
    return `${env.GITHUB_REPOSITORY ?? ''}/actions/runs/${env.GITHUB_RUN_ID}/${env.GITHUB_JOB ?? ''}#${env.GITHUB_RUN_ATTEMPT ?? '1'}@${hostname()}/${process.pid}`;
  }
  return `cli@${hostname()}/${process.pid}#1`;
}

interface Connected {
  cluster: KubeCluster;
  namespace: string;
}

/** The cluster each command connected to, so that `releaseHeldLease` can release its Lease. */
const connected = new WeakMap<CommandContext, KubeCluster>();

/**
 * Releases the Lease if the command took it and still holds it: on every exit path, a handled
 * error included (best effort: a Lease that is not released lapses after LEASE_SECONDS).
 */
export async function releaseHeldLease(ctx: CommandContext): Promise<void> {
  await connected
    .get(ctx)
    ?.releaseHeld()
    .catch(() => undefined);
}

function connect(config: Config, ctx: CommandContext, manifestNamespace?: string): Connected {
  const kc = loadKubeConfig(config.kubeconfig, ctx.env);
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const namespace = config.namespace ?? manifestNamespace ?? contextNamespace ?? 'default';
  const cluster = new KubeCluster(kc);
  cluster.setRetryBudget(config.apiRetryBudgetMs);
  cluster.onRetry = (what, waitMs) => {
    ctx.log.info(`${what}; retrying in ${(waitMs / 1000).toFixed(1)}s (api-retry-budget)`);
  };
  connected.set(ctx, cluster);
  return { cluster, namespace };
}

function deadline(config: Config): Date {
  return new Date(systemClock.now().getTime() + config.maxRuntimeMs);
}

/** The `analysis` output: every run with every measurement kept (values, phases, times, queries). */
export function analysisOutput(records: readonly AnalysisRecord[]): unknown[] {
  return records.map((r) => ({
    id: r.id,
    kind: r.kind,
    ...(r.stepIndex === undefined ? {} : { step: r.stepIndex + 1 }),
    phase: r.state.phase,
    message: r.state.message,
    startedAt: r.state.startedAt,
    completedAt: r.state.completedAt,
    metrics: r.state.metrics.map((m) => {
      const spec = r.spec.metrics.find((x) => x.name === m.name);
      return {
        name: m.name,
        phase: m.phase,
        dryRun: m.dryRun,
        successCondition: spec?.successCondition,
        failureCondition: spec?.failureCondition,
        message: m.message,
        measurements: m.measurements.map((x) => ({
          phase: x.phase,
          value: x.value,
          message: x.message,
          startedAt: x.startedAt,
          finishedAt: x.finishedAt,
          query: x.query,
        })),
      };
    }),
  }));
}

/** The action's outputs from where the rollout stands. */
async function outputsFor(
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
    'step-count': String(engine.canary.steps.length),
    'canary-weight': String(s.canaryWeight),
    'stable-revision': revisionOf(s.stableRS),
    'canary-revision': revisionOf(s.currentPodHash),
    analysis: JSON.stringify(analysisOutput(state.analysis ?? [])),
  };
}

async function finish(
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

/** Finds the Rollout to drive among the validated manifests. */
function selectRolloutDoc(
  docs: ReturnType<typeof validateManifests>['docs'],
  name: string | undefined,
): ManifestDoc {
  const rollouts = docs.filter(
    (d) => d.object.apiVersion === ARGO_API_VERSION && d.object.kind === 'Rollout',
  );
  const chosen =
    name === undefined
      ? rollouts
      : rollouts.filter((d) => (d.object.metadata as { name?: string }).name === name);
  if (chosen.length === 0) {
    throw new ConfigurationError(
      name === undefined
        ? 'manifests: no Rollout found'
        : `manifests: no Rollout named "${name}" (found ${rollouts.map((d) => String((d.object.metadata as { name?: string }).name)).join(', ') || 'none'})`,
    );
  }
  if (chosen.length > 1) {
    throw new ConfigurationError(
      `manifests hold ${chosen.length} Rollouts: say which one with the rollout input (${chosen.map((d) => String((d.object.metadata as { name?: string }).name)).join(', ')})`,
    );
  }
  const doc = chosen[0];
  if (doc === undefined) throw new ConfigurationError('manifests: no Rollout found');
  return doc;
}

interface PreparedRun {
  rollout: KubeObject;
  plain: KubeObject[];
  templates: StoredTemplate[];
  /** Templates the manifests name but do not hold; `run` looks for them in the cluster. */
  missing: Diagnostic[];
  /** Services and Secrets the Rollout and its templates need; `run` checks that each exists. */
  references: ObjectRef[];
}

/**
 * Reads and validates the manifests, refuses what they may not do (docs/security.md) and picks the
 * Rollout; throws on any problem (nothing is touched). `namespaceFor` resolves the rollout's
 * namespace from the Rollout's own, as `connect` does.
 */
async function prepare(
  config: Config,
  ctx: CommandContext,
  namespaceFor: (manifestNamespace: string | undefined) => string,
): Promise<PreparedRun> {
  if (config.manifests.length === 0)
    throw new ConfigurationError(`${config.command} needs the manifests input`);
  const files = await readManifestFiles(config.manifests, ctx.cwd);
  const { docs, diagnostics } = validateManifests(files, {
    policy: {
      namespace: (all) => namespaceFor(rolloutDocNamespace(all, config.rollout)),
      safety: config.safety,
    },
  });
  const missing = diagnostics.filter((d) => d.missingTemplate !== undefined);
  const problems = diagnostics.filter((d) => d.missingTemplate === undefined);
  if (problems.length > 0 || (missing.length > 0 && config.command !== 'run')) {
    for (const d of diagnostics) ctx.log.error(d.message, d);
    throw new ManifestError(diagnostics);
  }
  const rolloutDoc = selectRolloutDoc(docs, config.rollout);
  const rollout = structuredClone(rolloutDoc.object) as unknown as KubeObject;
  const references = objectReferences(rolloutDoc, docs);
  delete rollout.status;
  // With a workloadRef the template comes from the cluster: images are set on it in `run`.
  if ((rollout.spec as { workloadRef?: unknown } | undefined)?.workloadRef === undefined) {
    return {
      rollout: withImages(rollout, config.images),
      plain: plainObjects(docs),
      templates: analysisTemplates(docs),
      missing,
      references,
    };
  }
  return { rollout, plain: plainObjects(docs), templates: analysisTemplates(docs), missing, references };
}

function analysisTemplates(docs: ReturnType<typeof validateManifests>['docs']): StoredTemplate[] {
  return docs
    .filter(
      (d) =>
        d.object.apiVersion === ARGO_API_VERSION &&
        (d.object.kind === 'AnalysisTemplate' || d.object.kind === 'ClusterAnalysisTemplate'),
    )
    .map((d) => {
      const spec = (d.object.spec ?? {}) as Record<string, unknown>;
      const metrics = Array.isArray(spec.metrics) ? (spec.metrics as { name?: unknown }[]) : [];
      return {
        kind: d.object.kind as StoredTemplate['kind'],
        name: String((d.object.metadata as { name?: unknown }).name),
        spec,
        source: {
          file: d.file,
          line: d.location.line,
          metrics: Object.fromEntries(
            metrics.map((m, i) => [
              String(m.name),
              d.positions.get(`spec.metrics[${i}]`)?.line ?? d.location.line,
            ]),
          ),
        },
      };
    });
}

/** The metric providers and the analysis runner, from the action's inputs and the cluster. */
function analysisRunner(
  config: Config,
  cluster: KubeCluster,
  namespace: string,
  name: string,
  log: Logger,
): AnalysisRunner {
  const secret = async (secretName: string, key: string): Promise<string | undefined> =>
    cluster.readSecret(namespace, secretName, key);
  const m = config.metrics;
  const providers = new Map<string, MetricProvider>(
    createMetricProviders({
      prometheusAddress: m.prometheusAddress,
      datadog: {
        apiKey: m.datadogApiKey,
        appKey: m.datadogAppKey,
        site: m.datadogSite,
        // Argo's layout: a Secret named `datadog` (or the metric's secretRef) with api-key, app-key, address.
        credentials: async (block) => {
          if (m.datadogApiKey !== undefined && m.datadogAppKey !== undefined) return undefined;
          const ref = (block.secretRef as { name?: string } | undefined)?.name ?? 'datadog';
          const apiKey = await secret(ref, 'api-key');
          const appKey = await secret(ref, 'app-key');
          if (apiKey === undefined || appKey === undefined) return undefined;
          return { apiKey, appKey, address: await secret(ref, 'address') };
        },
      },
      newRelic: {
        apiKey: m.newrelicApiKey,
        accountId: m.newrelicAccountId,
        region: m.newrelicRegion,
        // Argo's layout: the metric's `profile` Secret (default `newrelic`).
        credentials: async (block) => {
          if (m.newrelicApiKey !== undefined && m.newrelicAccountId !== undefined) return undefined;
          const profile = typeof block.profile === 'string' ? block.profile : 'newrelic';
          const apiKey = await secret(profile, 'personal-api-key');
          const accountId = await secret(profile, 'account-id');
          if (apiKey === undefined || accountId === undefined) return undefined;
          return {
            apiKey,
            accountId,
            region: await secret(profile, 'region'),
            nerdGraphUrl: await secret(profile, 'base-url-nerdgraph'),
          };
        },
      },
    }),
  );
  providers.set(
    'job',
    new JobProvider({
      kubeConfig: cluster.kubeConfig,
      namespace,
      labels: { [ROLLOUT_LABEL]: name },
      retryBudgetMs: config.apiRetryBudgetMs,
    }),
  );
  return new AnalysisRunner(
    providers,
    async (secretName, key) => {
      const v = await secret(secretName, key);
      if (v === undefined) throw new Error(`Secret ${namespace}/${secretName} has no key "${key}"`);
      return v;
    },
    log,
    name,
    () => systemClock.now(),
    { allowMetadataAddresses: config.safety.metadataAddresses },
  );
}

function plainObjects(docs: ReturnType<typeof validateManifests>['docs']): KubeObject[] {
  return docs
    .filter((d) => d.object.apiVersion !== ARGO_API_VERSION)
    .map((d) => structuredClone(d.object) as unknown as KubeObject);
}

function images(rollout: KubeObject | undefined): Map<string, string> {
  const containers =
    (rollout?.spec as { template?: { spec?: { containers?: { name: string; image: string }[] } } })?.template
      ?.spec?.containers ?? [];
  return new Map(containers.map((c) => [c.name, c.image]));
}

/** `plan`: what `run` would do from the cluster's current state. Changes nothing. */
export async function plan(config: Config, ctx: CommandContext): Promise<CommandResult> {
  let { rollout } = await prepare(config, ctx, (ns) => {
    try {
      return connect(config, ctx, ns).namespace;
    } catch {
      return config.namespace ?? ns ?? 'default';
    }
  });
  let namespace = config.namespace ?? rollout.metadata.namespace ?? 'default';
  let stored: StoredState | undefined;
  let offline = '';
  try {
    const connected = connect(config, ctx, rollout.metadata.namespace);
    namespace = connected.namespace;
    stored = await connected.cluster.readState(namespace, rollout.metadata.name);
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
  const engine = toEngineRollout(rollout);
  const hash = podTemplateHash((rollout.spec as { template?: unknown }).template);
  const status = stored?.status ?? (offline ? { ...initialStatus(), stableRS: '(unknown)' } : undefined);
  const result = planRollout(engine, hash, status);
  const before = images(stored?.rollout);
  const changes = [...images(rollout)]
    .filter(([c, image]) => before.get(c) !== image)
    .map(([container, to]) => ({ container, from: before.get(container), to }));
  const summary = renderPlan(rollout.metadata.name, namespace, result, changes) + offline;
  const outputs: CommandResult['outputs'] = {
    message: result.summary,
    'step-count': String(engine.canary.steps.length),
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
    const reporter = new GitHubReporter({
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

/**
 * Takes the driver lease. When another run holds it, waits to see whether that run is alive (it
 * renews every few seconds) or gone (a cancelled job, whose lease lapses): a live driver is left to
 * drive; a dead one's rollout is taken over, so a cancelled run never leaves a rollout undriven.
 */
async function takeLease(
  cluster: ClusterPort,
  namespace: string,
  name: string,
  identity: string,
  log: Logger,
): Promise<LeaseInfo | undefined> {
  const first = await cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, (h) =>
    sameJob(identity, h),
  );
  if (first === undefined) return undefined;
  if (matrixSibling(identity, first.holder)) {
    throw new ConfigurationError(
      `two runs of the same job drive ${name}: ${first.holder} holds its lease and this run is ${identity}. They share the run id, job and attempt (legs of a matrix?): drive each rollout from one leg only`,
    );
  }
  log.info(`the lease of ${name} is held by ${first.holder}: checking that it is still driving`);
  const until = first.renewedAt.getTime() + first.durationSeconds * 1000 + 1000;
  while (systemClock.now().getTime() < until) {
    await systemClock.sleep(1000);
    const now = await cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, (h) =>
      sameJob(identity, h),
    );
    if (now === undefined) {
      log.info(`${first.holder} stopped renewing its lease: taking over`);
      return undefined;
    }
    if (now.holder !== first.holder || now.renewedAt.getTime() !== first.renewedAt.getTime()) return now;
  }
  return cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, (h) => sameJob(identity, h));
}

/** `run`: validate, apply the plain objects, store the Rollout, and drive it. */
export async function run(config: Config, ctx: CommandContext): Promise<CommandResult> {
  if (config.manifests.length === 0 && config.rollout !== undefined) return control(config, ctx, undefined);
  const prepared = await prepare(config, ctx, (ns) => connect(config, ctx, ns).namespace);
  const plain = prepared.plain;
  const { cluster, namespace } = connect(config, ctx, prepared.rollout.metadata.namespace);
  prepared.rollout.metadata = {
    name: prepared.rollout.metadata.name,
    namespace,
    ...pick(prepared.rollout.metadata, ['labels', 'annotations']),
  };
  const rollout = withImages(await cluster.resolveWorkloadRef(prepared.rollout), config.images);
  // Templates the manifests name but do not hold may live in the cluster (Argo's CRDs installed).
  const unresolved: Diagnostic[] = [];
  for (const d of prepared.missing) {
    const ref = d.missingTemplate;
    if (ref === undefined) continue;
    if (prepared.templates.some((t) => t.kind === ref.kind && t.name === ref.name)) continue;
    const found = await cluster.readAnalysisTemplate(ref.kind, ref.name, namespace);
    if (found === undefined) {
      unresolved.push({ ...d, message: `${d.message}; not in the cluster either` });
      continue;
    }
    const spec = (found.spec ?? {}) as Record<string, unknown>;
    const refused = config.safety.privilegedJobs ? [] : clusterTemplateJobProblems(ref.name, spec);
    unresolved.push(...refused.map((message) => ({ ...d, message })));
    prepared.templates.push({ kind: ref.kind, name: ref.name, spec });
    ctx.log.info(`using ${ref.kind} ${ref.name} from the cluster`);
  }
  unresolved.push(...(await missingReferences(cluster, namespace, prepared.references, plain)));
  if (unresolved.length > 0) {
    for (const d of unresolved) ctx.log.error(d.message, d);
    throw new ManifestError(unresolved);
  }
  const engine = toEngineRollout(rollout);
  const name = rollout.metadata.name;

  // Plain objects: Services, Ingresses, ConfigMaps... Argo's kinds have no CRD here; we keep them.
  const managed = [engine.canary.stableService, engine.canary.canaryService].filter((s): s is string => !!s);
  const hashes = await cluster.serviceHashes(namespace, managed);
  for (const obj of plain) {
    // Re-applying a Service must keep the ReplicaSet it points at, or traffic would jump.
    const hash = hashes.get(obj.metadata.name);
    if (obj.kind === 'Service' && hash !== undefined) {
      const spec = (obj.spec ?? {}) as { selector?: Record<string, string> };
      obj.spec = { ...spec, selector: { ...spec.selector, [POD_TEMPLATE_HASH_LABEL]: hash } };
    }
  }
  // The server validates everything first, the ReplicaSet and the state too; an error here changes nothing.
  const checked = [...plain, ...preflightObjects(rollout, namespace, prepared.templates)];
  await ctx.log.group(`Validate ${checked.length} objects on the server (dry run)`, () =>
    applyWithProgress(cluster, checked, { dryRun: true, namespace }, ctx.log),
  );

  // Argo Rollouts' ReplicaSets of this rollout, on the first run after a move from its controller.
  const known = (await cluster.readState(namespace, name))?.status.stableRS;
  const foreign = await findTakeover(cluster, rollout, engine.canary.stableService);
  const takeover =
    foreign !== undefined && (known === undefined || known === foreign.stableHash) ? foreign : undefined;

  const identity = driverIdentity(ctx.env);
  const other = await takeLease(cluster, namespace, name, identity, ctx.log);
  if (other !== undefined) {
    const changed = await storeRollout(cluster, namespace, rollout, prepared.templates);
    const message = `another run drives ${name}: ${other.holder}${changed ? '; it picks up this revision' : ''}`;
    ctx.log.info(message);
    const existing = await cluster.readState(namespace, name);
    return {
      exitCode: 0,
      outputs: { ...(existing ? await outputsFor(cluster, rollout, existing) : {}), message },
    };
  }
  await ctx.log.group(`Apply ${plain.length} object${plain.length === 1 ? '' : 's'}`, async () => {
    await applyWithProgress(cluster, plain, { dryRun: false, namespace }, ctx.log);
  });
  const initial = takeover === undefined ? undefined : { ...initialStatus(), stableRS: takeover.stableHash };
  if (await storeRollout(cluster, namespace, rollout, prepared.templates, initial)) {
    ctx.log.info(
      `stored Rollout ${name}, pod template ${podTemplateHash((rollout.spec as { template?: unknown }).template)}`,
    );
  }
  if (takeover !== undefined) await completeTakeover(cluster, rollout, takeover, ctx.log);
  const sha = deployedSha(ctx.env);
  const repository = ctx.env.GITHUB_REPOSITORY;
  const before = (await cluster.readState(namespace, name))?.github;
  const link: GitHubLink | undefined =
    repository === undefined || sha === undefined
      ? undefined
      : before !== undefined && before.sha === sha && before.repository === repository
        ? { ...before, runUrl: runUrl(ctx.env), prNumber: config.prNumber ?? before.prNumber }
        : { repository, sha, prNumber: config.prNumber, runUrl: runUrl(ctx.env) };
  return ctx.log.group(`Drive Rollout ${namespace}/${name}`, () =>
    driveAndReport(config, ctx, cluster, namespace, name, identity, link),
  );
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_RUN_ID === undefined || env.GITHUB_REPOSITORY === undefined) return undefined;
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/**
 * Drives the rollout and tells people about it: the pull request comment and check run follow every
 * step; the job summary and the outputs say where it ended.
 */
async function driveAndReport(
  config: Config,
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  name: string,
  identity: string,
  link: GitHubLink | undefined,
): Promise<CommandResult> {
  const token = config.githubToken;
  const reporter =
    link === undefined || token === undefined || (!config.comment && !config.checkRun && !config.environment)
      ? undefined
      : new GitHubReporter({
          token,
          apiUrl: ctx.env.GITHUB_API_URL ?? 'https://api.github.com',
          link: { ...link, runUrl: runUrl(ctx.env) ?? link.runUrl },
          log: ctx.log,
          environment: config.environment,
          checkName: `rollout-pilot ${namespace}/${name}`,
          comment: config.comment,
          checkRun: config.checkRun,
        });
  await reporter?.resolvePullRequest(ctx.env);
  const report = async (state: StoredState) =>
    publish(reporter, await buildReport(cluster, state, systemClock.now(), CONTROL_WORKFLOW), state);
  let lastKnown: StoredState | undefined;
  let result: DriveResult;
  try {
    result = await drive(cluster, systemClock, ctx.log, {
      namespace,
      name,
      identity,
      analysis: analysisRunner(config, cluster, namespace, name, ctx.log),
      deadline: deadline(config),
      toEngine: toEngineRollout,
      github: () => reporter?.link ?? link,
      onProgress: async (state) => {
        lastKnown = state;
        await report(state);
      },
    });
  } catch (e) {
    return failedRun(
      e,
      cluster,
      lastKnown ?? (await cluster.readState(namespace, name).catch(() => undefined)),
      report,
      ctx,
    );
  }
  const outcome = await finish(cluster, result, ctx);
  if (result.stoppedBecause === 'other-driver') return outcome;
  const final = await cluster.readState(namespace, name);
  if (
    final !== undefined &&
    reporter !== undefined &&
    config.onFailure === 'revert-pr' &&
    final.status.abort &&
    final.status.abortMessage !== 'aborted by a person'
  ) {
    await reporter.openRevertPr(final.status.abortMessage ?? final.status.message, `${namespace}/${name}`);
  }
  if (final !== undefined) {
    const published = await report({ ...final, github: reporter?.link ?? final.github });
    if (reporter !== undefined) {
      await cluster.writeState(namespace, name, { ...final, github: reporter.link }).catch(() => undefined); // the ids are saved again by the next run's ticks
    }
    outcome.summary = published.summary;
    if (published.commentUrl !== undefined) outcome.outputs['comment-url'] = published.commentUrl;
    if (published.checkRunUrl !== undefined) outcome.outputs['check-run-url'] = published.checkRunUrl;
  }
  return outcome;
}

/**
 * The run failed (the API server stayed away past the api-retry-budget, a refused write...): every
 * output still comes from the last state the run knew, and the report and summary say where the
 * rollout stands. Requests get a short budget now: the API server may still be away.
 */
async function failedRun(
  e: unknown,
  cluster: KubeCluster,
  last: StoredState | undefined,
  report: (
    state: StoredState,
  ) => Promise<{ summary: string; commentUrl?: string | undefined; checkRunUrl?: string | undefined }>,
  ctx: CommandContext,
): Promise<CommandResult> {
  cluster.setRetryBudget(5000);
  const error = errorMessage(e);
  if (last === undefined) return { exitCode: 1, outputs: { message: error } };
  const s = last.status;
  const steps = toEngineRollout(last.rollout).canary.steps.length;
  const where = `${last.rollout.metadata.name} was ${s.phase} at step ${Math.min((s.currentStepIndex ?? 0) + 1, steps)}/${steps}, weight ${s.canaryWeight}`;
  const outputs: CommandResult['outputs'] = {
    phase: s.phase,
    aborted: String(s.abort),
    message: `${error} (${where})`,
    'step-index': String(s.currentStepIndex ?? 0),
    'step-count': String(steps),
    'canary-weight': String(s.canaryWeight),
    analysis: JSON.stringify(analysisOutput(last.analysis)),
  };
  ctx.log.error(outputs.message ?? error);
  let summary = `## rollout-pilot: ${last.rollout.metadata.name} failed\n\n${error}\n\n${where}.\n`;
  try {
    const published = await report(last);
    summary = `${published.summary}\n\n**The run failed:** ${error}\n`;
    if (published.commentUrl !== undefined) outputs['comment-url'] = published.commentUrl;
    if (published.checkRunUrl !== undefined) outputs['check-run-url'] = published.checkRunUrl;
  } catch {
    // The report needs the cluster too; the summary above still says where the rollout stands.
  }
  return { exitCode: 1, outputs, summary };
}

/** The workflow_dispatch workflow people run to promote or abort; docs/workflows/control.yml. */
const CONTROL_WORKFLOW = 'rollout-control.yml';

/**
 * Stores the Rollout as the desired spec, compare-and-swap; a concurrent writer makes it read and
 * try again. Returns false when the cluster already held exactly this Rollout.
 */
async function storeRollout(
  cluster: ClusterPort,
  namespace: string,
  rollout: KubeObject,
  templates: StoredTemplate[],
  initial: RolloutStatus = initialStatus(),
): Promise<boolean> {
  const name = rollout.metadata.name;
  for (;;) {
    const existing = await cluster.readState(namespace, name);
    if (
      existing !== undefined &&
      JSON.stringify(existing.rollout) === JSON.stringify(rollout) &&
      JSON.stringify(existing.templates) === JSON.stringify(templates) &&
      statusToStore(existing.status, initial) === existing.status
    ) {
      return false;
    }
    try {
      await cluster.writeState(namespace, name, {
        driver: existing?.driver,
        rollout,
        status: statusToStore(existing?.status, initial),
        requests: existing?.requests ?? [],
        templates,
        analysis: existing?.analysis ?? [],
        version: existing?.version,
      });
      return true;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
}

/** The stored status, or `initial` for a new rollout; a takeover fills in a missing stable. */
function statusToStore(existing: RolloutStatus | undefined, initial: RolloutStatus): RolloutStatus {
  if (existing === undefined) return initial;
  if (existing.stableRS === undefined && initial.stableRS !== undefined) {
    return { ...existing, stableRS: initial.stableRS };
  }
  return existing;
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

async function stateFor(
  config: Config,
  ctx: CommandContext,
): Promise<Connected & { name: string; state: StoredState }> {
  if (config.rollout === undefined) throw new ConfigurationError(`${config.command} needs the rollout input`);
  const connected = connect(config, ctx);
  const state = await connected.cluster.readState(connected.namespace, config.rollout);
  if (state === undefined) {
    throw new ConfigurationError(
      `no rollout "${config.rollout}" in namespace ${connected.namespace} is managed by rollout-pilot (run the "run" command first)`,
    );
  }
  return { ...connected, name: config.rollout, state };
}

/** promote, promote-full, abort, retry, pause: need only the rollout's name and namespace. */
export async function control(
  config: Config,
  ctx: CommandContext,
  command: ControlRequest['command'] | undefined,
): Promise<CommandResult> {
  const { cluster, namespace, name, state } = await stateFor(config, ctx);
  const identity = driverIdentity(ctx.env);
  const other = await takeLease(cluster, namespace, name, identity, ctx.log);
  if (other !== undefined && command === undefined) {
    const message = `another run drives ${name}: ${other.holder}`;
    ctx.log.info(message);
    return { exitCode: 0, outputs: { ...(await outputsFor(cluster, state.rollout, state)), message } };
  }
  if (command === undefined) {
    // `run` with only the rollout's name: resume driving from where the cluster stands.
    ctx.log.info(`resuming ${name} from the state in the cluster`);
    return driveAndReport(config, ctx, cluster, namespace, name, identity, state.github);
  }
  if (other !== undefined) {
    // A live driver acts on it at its next tick; recording is a compare-and-swap like any write.
    for (;;) {
      const current = (await cluster.readState(namespace, name)) ?? state;
      const request: ControlRequest = {
        command,
        requestedBy: identity,
        requestedAt: systemClock.now().toISOString(),
      };
      try {
        await cluster.writeState(namespace, name, { ...current, requests: [...current.requests, request] });
        break;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    const message = `recorded ${command} for ${name}: the driving run (${other.holder}) acts on it`;
    ctx.log.info(message);
    return { exitCode: 0, outputs: { ...(await outputsFor(cluster, state.rollout, state)), message } };
  }
  const outcome = applyControlRequest(state.rollout, state.status, { command }, systemClock.now());
  ctx.log.info(`${command}: ${outcome.message}`);
  if (!outcome.applied) {
    await cluster.releaseLease(namespace, name, identity);
    return {
      exitCode: 1,
      outputs: { ...(await outputsFor(cluster, state.rollout, state)), message: outcome.message },
    };
  }
  await cluster.writeState(namespace, name, { ...state, rollout: outcome.rollout, status: outcome.status });
  return driveAndReport(config, ctx, cluster, namespace, name, identity, state.github);
}

/** undo: back to the previous revision (or `--to-revision`), as a new update. */
export async function undo(config: Config, ctx: CommandContext): Promise<CommandResult> {
  const { cluster, namespace, name, state } = await stateFor(config, ctx);
  const revisions = await cluster.revisions(state.rollout);
  const currentHash = podTemplateHash((state.rollout.spec as { template?: unknown }).template);
  const current =
    [...revisions].find(([, r]) => r.hash === currentHash)?.[0] ?? Math.max(0, ...revisions.keys());
  const target = config.toRevision ?? Math.max(-1, ...[...revisions.keys()].filter((r) => r < current));
  const found = revisions.get(target);
  if (found === undefined) {
    throw new ConfigurationError(
      `undo: no revision ${target < 0 ? 'before the current one' : target} of ${name} (have ${[...revisions.keys()].sort((a, b) => a - b).join(', ') || 'none'})`,
    );
  }
  const rollout = structuredClone(state.rollout);
  rollout.spec = { ...(rollout.spec ?? {}), template: found.template };
  await cluster.writeState(namespace, name, { ...state, rollout });
  ctx.log.info(`undo: ${name} goes back to revision ${target} (${found.hash})`);
  const identity = driverIdentity(ctx.env);
  return driveAndReport(config, ctx, cluster, namespace, name, identity, state.github);
}

/** status: where the rollout stands, read-only. Exit 1 when Degraded. */
export async function status(config: Config, ctx: CommandContext): Promise<CommandResult> {
  const { cluster, state } = await stateFor(config, ctx);
  const outputs = await outputsFor(cluster, state.rollout, state);
  ctx.log.info(
    `${config.rollout ?? ''}: ${state.status.phase}${state.status.message ? ` - ${state.status.message}` : ''}`,
  );
  return { exitCode: state.status.phase === 'Degraded' ? 1 : 0, outputs };
}

/** CLI `get [rollout] NAME [--watch]`: the rollout as a live tree. */
export async function get(
  config: Config,
  ctx: CommandContext,
  options: { watch: boolean; write: (screen: string) => void; signal?: AbortSignal },
): Promise<CommandResult> {
  const { cluster, namespace, name } = await stateFor(config, ctx);
  for (;;) {
    const state = await cluster.readState(namespace, name);
    if (state === undefined) throw new ConfigurationError(`rollout ${name} is gone from ${namespace}`);
    const screen = renderTree({
      rollout: toEngineRollout(state.rollout),
      status: state.status,
      replicaSets: await cluster.details(state.rollout),
      now: systemClock.now(),
    });
    options.write(screen);
    if (!options.watch || options.signal?.aborted) {
      return { exitCode: state.status.phase === 'Degraded' ? 1 : 0, outputs: { phase: state.status.phase } };
    }
    await systemClock.sleep(1000, options.signal);
    if (options.signal?.aborted) return { exitCode: 0, outputs: { phase: state.status.phase } };
  }
}
