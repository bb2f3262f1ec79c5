import type { Config } from '../config/inputs.ts';
import { readManifestFiles } from '../adapters/files.ts';
import { rolloutNamespace, validateManifests } from '../manifests/validate.ts';
import { ConfigurationError, formatDiagnostic } from '../util/errors.ts';
import type { CommandContext, CommandResult } from './types.ts';

/** `lint`: validates every manifest offline and reports every problem, each with file and line. */
export async function lint(config: Config, ctx: CommandContext): Promise<CommandResult> {
  if (config.manifests.length === 0) {
    throw new ConfigurationError('lint needs the manifests input: files, directories or globs');
  }
  const files = await readManifestFiles(config.manifests, ctx.cwd);
  // The namespace as `run` resolves it without a cluster: the input, the Rollout's, else `default`.
  const { docs, diagnostics } = validateManifests(files, {
    policy: {
      namespace: (all) => rolloutNamespace(all, config.namespace, config.rollout),
      safety: config.safety,
    },
  });
  for (const d of diagnostics) ctx.log.error(formatDiagnostic(d), d);
  const message =
    diagnostics.length === 0
      ? `lint: ${docs.length} object${docs.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}, no problems`
      : `lint: ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`;
  ctx.log.info(message);
  return { exitCode: diagnostics.length === 0 ? 0 : 1, outputs: { message } };
}
