import type { KubeCluster } from '../adapters/k8s/cluster.ts';
import type { Config } from '../config/inputs.ts';
import { podTemplateOf, withImages } from '../controller/engine-rollout.ts';
import { canaryOf, engineRollout, strategyServices } from '../engine/spec.ts';
import { asObj } from '../manifests/values.ts';
import { podTemplateHash } from '../engine/hash.ts';
import { initialStatus, POD_TEMPLATE_HASH_LABEL } from '../engine/state.ts';
import { completeTakeover, findTakeover } from './argo-takeover.ts';
import { ManifestError, type Diagnostic } from '../util/errors.ts';
import type { KubeObject } from '../controller/ports.ts';
import {
  applyWithProgress,
  clusterTemplateJobProblems,
  missingReferences,
  preflightObjects,
} from './preflight.ts';
import type { CommandContext, CommandResult } from './types.ts';
import { driverIdentity, connect, namespaceOf } from './wiring.ts';
import { outputsFor } from './outputs.ts';
import {
  analysisTemplates,
  plainObjects,
  prepareAll,
  rolloutDocs,
  validated,
  type PreparedRun,
  type ValidatedDocs,
} from './prepare.ts';
import { runMany } from './run-many.ts';
import { routerObjectsInCluster } from './router-objects.ts';
import { routingKeeper, withLiveRouting } from './keep-routing.ts';
import { takeLease } from './lease.ts';
import { githubLink } from './github.ts';
import { driveAndReport } from './drive.ts';
import { storeRollout } from './store.ts';
import { control } from './control.ts';

/** `run`: validate, apply the plain objects, store the Rollout, and drive it (or several: run-many.ts). */
export async function run(config: Config, ctx: CommandContext): Promise<CommandResult> {
  if (config.manifests.length === 0 && config.rollout !== undefined) return control(config, ctx, undefined);
  const namespaceFor = (ns: string | undefined): string => namespaceOf(config, ctx, ns);
  const given = await validated(config, ctx, namespaceFor);
  if (standaloneExperiment(config, given.docs)) {
    const shared = { plain: plainObjects(given.docs), templates: analysisTemplates(given.docs) };
    return (await import('./experiment.ts')).runExperiment(config, ctx, given.docs, shared);
  }
  const { runs, order } = await prepareAll(config, ctx, namespaceFor, given);
  const prepared = runs[0];
  if (runs.length > 1 || prepared === undefined) return runMany(config, ctx, runs, order);
  const { cluster, namespace } = connect(config, ctx, prepared.rollout.metadata.namespace);
  const one = await settle(config, ctx, cluster, namespace, prepared);
  const { name, rollout } = one;
  const plain = prepared.plain;
  await keepServiceHashes(cluster, namespace, plain, one.managed);
  await dryRun(ctx, cluster, namespace, plain, [one]);
  const takeover = await takeoverOf(cluster, namespace, one);

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
  await applyPlain(ctx, cluster, namespace, plain, [one.keeper]);
  await storeRevision(ctx, cluster, namespace, one, takeover);
  const before = (await cluster.readState(namespace, name))?.github;
  const link = githubLink(config, ctx.env, before);
  return ctx.log.group(`Drive Rollout ${namespace}/${name}`, () =>
    driveAndReport(config, ctx, cluster, namespace, name, identity, link),
  );
}

/**
 * The manifests hold an Experiment to run on its own: no Rollout (or none of the name the rollout
 * input gives, which names an Experiment instead).
 */
function standaloneExperiment(config: Config, docs: ValidatedDocs): boolean {
  const named = (d: ValidatedDocs[number]): boolean =>
    config.rollout === undefined || asObj(d.object.metadata)?.name === config.rollout;
  const experiments = docs.filter(
    (d) => d.object.apiVersion === 'argoproj.io/v1alpha1' && d.object.kind === 'Experiment' && named(d),
  );
  return experiments.length > 0 && !rolloutDocs(docs).some(named);
}

/** A Rollout ready to store: in its namespace, its workloadRef resolved, its references found. */
export interface Settled {
  name: string;
  rollout: KubeObject;
  prepared: PreparedRun;
  /** Keeps the live weights of the router objects it drives; undefined without a router. */
  keeper: ReturnType<typeof routingKeeper>;
  /** The Services the strategy points at ReplicaSets, and the one that serves production. */
  managed: string[];
  serving: string | undefined;
}

export async function settle(
  config: Config,
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  prepared: PreparedRun,
): Promise<Settled> {
  prepared.rollout.metadata = {
    name: prepared.rollout.metadata.name,
    namespace,
    ...pick(prepared.rollout.metadata, ['labels', 'annotations']),
  };
  const rollout = withImages(await cluster.resolveWorkloadRef(prepared.rollout), config.images);
  await resolveInCluster(config, ctx, cluster, namespace, prepared);
  // The workloadRef and the namespace change neither the strategy nor the steps the model holds.
  const engine = engineRollout(prepared.model);
  const canary = canaryOf(engine);
  const name = rollout.metadata.name;
  return {
    name,
    rollout,
    prepared,
    // Built before any write, so a router block it cannot read stops the run here.
    keeper: canary === undefined ? undefined : routingKeeper({ name, namespace }, canary),
    // Plain objects: Services, Ingresses, ConfigMaps... Argo's kinds have no CRD here; we keep them.
    managed: strategyServices(engine),
    // The Service that serves production: its ReplicaSet is the one adopted from Argo Rollouts.
    serving: engine.strategy === 'canary' ? engine.canary.stableService : engine.blueGreen.activeService,
  };
}

/** Re-applying a Service must keep the ReplicaSet it points at, or traffic would jump. */
export async function keepServiceHashes(
  cluster: KubeCluster,
  namespace: string,
  plain: KubeObject[],
  managed: readonly string[],
): Promise<void> {
  const hashes = await cluster.serviceHashes(namespace, managed);
  for (const obj of plain) {
    const hash = hashes.get(obj.metadata.name);
    if (obj.kind === 'Service' && hash !== undefined) {
      const spec = asObj(obj.spec) ?? {};
      obj.spec = { ...spec, selector: { ...asObj(spec.selector), [POD_TEMPLATE_HASH_LABEL]: hash } };
    }
  }
}

/** The server validates everything first, the ReplicaSets and the states too; nothing changes. */
export async function dryRun(
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  plain: readonly KubeObject[],
  rollouts: readonly Settled[],
): Promise<void> {
  const checked = [
    ...plain,
    ...rollouts.flatMap((r) => preflightObjects(r.rollout, namespace, r.prepared.templates)),
  ];
  await ctx.log.group(`Validate ${checked.length} objects on the server (dry run)`, () =>
    applyWithProgress(cluster, checked, { dryRun: true, namespace }, ctx.log),
  );
}

/** Argo Rollouts' ReplicaSets of this rollout, on the first run after a move from its controller. */
export async function takeoverOf(
  cluster: KubeCluster,
  namespace: string,
  one: Settled,
): Promise<Awaited<ReturnType<typeof findTakeover>>> {
  const known = (await cluster.readState(namespace, one.name))?.status.stableRS;
  const foreign = await findTakeover(cluster, one.rollout, one.serving);
  return foreign !== undefined && (known === undefined || known === foreign.stableHash) ? foreign : undefined;
}

/** Applies the plain objects, under the Leases: the routers' live weights are read just before. */
export async function applyPlain(
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  plain: readonly KubeObject[],
  keepers: readonly Settled['keeper'][],
): Promise<void> {
  await ctx.log.group(`Apply ${plain.length} object${plain.length === 1 ? '' : 's'}`, async () => {
    let applied = [...plain];
    for (const keeper of keepers) {
      applied = await withLiveRouting(cluster, keeper, applied, namespace, ctx.log);
    }
    await applyWithProgress(cluster, applied, { dryRun: false, namespace }, ctx.log);
  });
}

/** Stores the Rollout's revision (the driver picks it up) and completes a takeover from Argo. */
export async function storeRevision(
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  one: Settled,
  takeover: Awaited<ReturnType<typeof takeoverOf>>,
): Promise<void> {
  const initial = takeover === undefined ? undefined : { ...initialStatus(), stableRS: takeover.stableHash };
  if (await storeRollout(cluster, namespace, one.rollout, one.prepared.templates, initial)) {
    ctx.log.info(`stored Rollout ${one.name}, pod template ${podTemplateHash(podTemplateOf(one.rollout))}`);
  }
  if (takeover !== undefined) await completeTakeover(cluster, one.rollout, takeover, ctx.log);
}

export function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/**
 * Templates the manifests name but do not hold may live in the cluster (Argo's CRDs installed); the
 * Services, Secrets and router objects the Rollout needs must exist (router objects read from the
 * cluster are checked as lint checks them in the manifests). Throws on anything missing.
 */
async function resolveInCluster(
  config: Config,
  ctx: CommandContext,
  cluster: KubeCluster,
  namespace: string,
  prepared: PreparedRun,
): Promise<void> {
  const plain = prepared.plain;
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
    const spec = asObj(found.spec) ?? {};
    const refused = config.safety.privilegedJobs ? [] : clusterTemplateJobProblems(ref.name, spec);
    unresolved.push(...refused.map((message) => ({ ...d, message })));
    prepared.templates.push({ kind: ref.kind, name: ref.name, spec });
    ctx.log.info(`using ${ref.kind} ${ref.name} from the cluster`);
  }
  unresolved.push(...(await missingReferences(cluster, namespace, prepared.references, plain)));
  unresolved.push(...(await routerObjectsInCluster(cluster, namespace, prepared.routerObjects)));
  if (unresolved.length > 0) {
    for (const d of unresolved) ctx.log.error(d.message, d);
    throw new ManifestError(unresolved);
  }
}
