import { readManifestFiles } from '../adapters/files.ts';
import type { StoredTemplate } from '../analysis/templates.ts';
import type { Config } from '../config/inputs.ts';
import { withImages } from '../controller/engine-rollout.ts';
import type { KubeObject } from '../controller/ports.ts';
import { ARGO_API_VERSION, rolloutDocNamespace, validateManifests } from '../manifests/validate.ts';
import { ConfigurationError, ManifestError, type Diagnostic } from '../util/errors.ts';
import { objectReferences, type ObjectRef } from '../manifests/object-refs.ts';
import type { ManifestDoc } from '../manifests/manifest-doc.ts';
import { toRollout, type Rollout } from '../manifests/rollout.ts';
import { orderFromDocs } from '../manifests/rollout-order.ts';
import { findRouterObject, routerObjectCheck, routerObjectRefs } from '../manifests/router-references.ts';
import { asList, asObj, asStr, dig } from '../manifests/values.ts';
import type { RouterObjectsToCheck } from './router-objects.ts';
import type { CommandContext } from './types.ts';

const nameOf = (d: ManifestDoc): unknown => dig(d.object, 'metadata', 'name');

/** Finds the Rollout to drive among the validated manifests. */
export function selectRolloutDoc(
  docs: ReturnType<typeof validateManifests>['docs'],
  name: string | undefined,
): ManifestDoc {
  const rollouts = docs.filter(
    (d) => d.object.apiVersion === ARGO_API_VERSION && d.object.kind === 'Rollout',
  );
  const chosen = name === undefined ? rollouts : rollouts.filter((d) => nameOf(d) === name);
  if (chosen.length === 0) {
    throw new ConfigurationError(
      name === undefined
        ? 'manifests: no Rollout found'
        : `manifests: no Rollout named "${name}" (found ${rollouts.map((d) => String(nameOf(d))).join(', ') || 'none'})`,
    );
  }
  if (chosen.length > 1) {
    throw new ConfigurationError(
      `manifests hold ${chosen.length} Rollouts: say which one with the rollout input (${chosen.map((d) => String(nameOf(d))).join(', ')})`,
    );
  }
  const doc = chosen[0];
  if (doc === undefined) throw new ConfigurationError('manifests: no Rollout found');
  return doc;
}

export interface PreparedRun {
  /** The Rollout object as it is applied and stored (image overrides in, status out). */
  rollout: KubeObject;
  /** Its typed model, parsed once from the validated document. */
  model: Rollout;
  plain: KubeObject[];
  templates: StoredTemplate[];
  /** Templates the manifests name but do not hold; `run` looks for them in the cluster. */
  missing: Diagnostic[];
  /** Services and Secrets the Rollout and its templates need; `run` checks that each exists. */
  references: ObjectRef[];
  /** Router objects the Rollout names that the manifests lack; `run` reads and checks them. */
  routerObjects: RouterObjectsToCheck;
}

/**
 * Reads and validates the manifests, refuses what they may not do (docs/security.md) and picks the
 * Rollout; throws on any problem (nothing is touched). `namespaceFor` resolves the rollout's
 * namespace from the Rollout's own, as `connect` does.
 */
export async function prepare(
  config: Config,
  ctx: CommandContext,
  namespaceFor: (manifestNamespace: string | undefined) => string,
): Promise<PreparedRun> {
  const { docs, missing } = await validated(config, ctx, namespaceFor);
  return preparedFrom(config, selectRolloutDoc(docs, config.rollout), docs, missing);
}

/**
 * As `prepare`, for every Rollout the run drives: the one the rollout input names, or all of them
 * (in the manifests' order) when it names none. Also the order their annotations give.
 */
export async function prepareAll(
  config: Config,
  ctx: CommandContext,
  namespaceFor: (manifestNamespace: string | undefined) => string,
  /** The manifests already read and validated (`validated`). */
  given?: { docs: ValidatedDocs; missing: Diagnostic[] },
): Promise<{ runs: PreparedRun[]; order: Map<string, string[]> }> {
  const { docs, missing } = given ?? (await validated(config, ctx, namespaceFor));
  const chosen = config.rollout === undefined ? rolloutDocs(docs) : [selectRolloutDoc(docs, config.rollout)];
  if (chosen.length === 0) throw new ConfigurationError('manifests: no Rollout found');
  // The plain objects and templates are the same for every Rollout: one parsed copy for them all.
  const shared = { plain: plainObjects(docs), templates: analysisTemplates(docs) };
  return {
    runs: chosen.map((doc) => preparedFrom(config, doc, docs, missing, shared)),
    order: orderFromDocs(chosen),
  };
}

export const rolloutDocs = (docs: ValidatedDocs): ManifestDoc[] =>
  docs.filter((d) => d.object.apiVersion === ARGO_API_VERSION && d.object.kind === 'Rollout');

export type ValidatedDocs = ReturnType<typeof validateManifests>['docs'];

export async function validated(
  config: Config,
  ctx: CommandContext,
  namespaceFor: (manifestNamespace: string | undefined) => string,
): Promise<{ docs: ValidatedDocs; missing: Diagnostic[] }> {
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
  return { docs, missing };
}

function preparedFrom(
  config: Config,
  rolloutDoc: ManifestDoc,
  docs: ValidatedDocs,
  missing: Diagnostic[],
  shared?: Pick<PreparedRun, 'plain' | 'templates'>,
): PreparedRun {
  const model = toRollout(rolloutDoc);
  // Validated: a Rollout document is a Kubernetes object with a name.
  const rollout = structuredClone(rolloutDoc.object) as unknown as KubeObject;
  const references = objectReferences(rolloutDoc, docs);
  const rolloutNs = asStr(asObj(rolloutDoc.object.metadata)?.namespace);
  const routerObjects = {
    refs: routerObjectRefs(rolloutDoc).filter((ref) => !findRouterObject(docs, ref, rolloutNs)),
    check: routerObjectCheck(rolloutDoc),
  };
  delete rollout.status;
  // With a workloadRef the template comes from the cluster: images are set on it in `run`.
  return {
    rollout: model.spec.workloadRef === undefined ? withImages(rollout, config.images) : rollout,
    model,
    plain: shared?.plain ?? plainObjects(docs),
    // A list of its own: run adds the templates it finds in the cluster for this Rollout.
    templates: shared === undefined ? analysisTemplates(docs) : [...shared.templates],
    missing,
    references,
    routerObjects,
  };
}

export function analysisTemplates(docs: ValidatedDocs): StoredTemplate[] {
  return docs
    .filter(
      (d) =>
        d.object.apiVersion === ARGO_API_VERSION &&
        (d.object.kind === 'AnalysisTemplate' || d.object.kind === 'ClusterAnalysisTemplate'),
    )
    .map((d) => {
      const spec = asObj(d.object.spec) ?? {};
      const metrics = asList(spec.metrics);
      return {
        kind: d.object.kind === 'AnalysisTemplate' ? 'AnalysisTemplate' : 'ClusterAnalysisTemplate',
        name: String(nameOf(d)),
        spec,
        source: {
          file: d.file,
          line: d.location.line,
          metrics: Object.fromEntries(
            metrics.map((m, i) => [
              String(dig(m, 'name')),
              d.positions.get(`spec.metrics[${i}]`)?.line ?? d.location.line,
            ]),
          ),
        },
      };
    });
}

export function plainObjects(docs: ValidatedDocs): KubeObject[] {
  return docs
    .filter((d) => d.object.apiVersion !== ARGO_API_VERSION)
    .map((d) => structuredClone(d.object) as unknown as KubeObject);
}
