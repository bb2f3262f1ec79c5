import { glob, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeManifest, type ManifestFile } from '../manifests/encoding.ts';
import { ConfigurationError } from '../util/errors.ts';

const YAML_FILE = /\.ya?ml$/i;

/**
 * Expands the `manifests` input (files, directories, globs) into YAML files, sorted and de-duplicated.
 * A pattern that matches nothing is an error: a typo must not deploy nothing silently.
 */
export async function expandManifestPaths(patterns: readonly string[], cwd: string): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const before = found.size;
    const abs = path.resolve(cwd, pattern);
    const info = await stat(abs).catch(() => undefined);
    if (info?.isFile()) {
      found.add(abs);
    } else if (info?.isDirectory()) {
      for await (const f of glob('**/*.{yaml,yml}', { cwd: abs })) found.add(path.join(abs, f));
    } else {
      for await (const f of glob(pattern, { cwd })) {
        const p = path.resolve(cwd, f);
        if (YAML_FILE.test(p)) found.add(p);
      }
    }
    if (found.size === before && !info?.isDirectory()) {
      throw new ConfigurationError(`manifests: "${pattern}" matches no YAML file (looked in ${cwd})`);
    }
  }
  return [...found].sort();
}

/** The type lives in the pure `manifests/` (the validator takes it); re-exported for the edges. */
export type { ManifestFile };

export async function readManifestFiles(patterns: readonly string[], cwd: string): Promise<ManifestFile[]> {
  const paths = await expandManifestPaths(patterns, cwd);
  return Promise.all(
    paths.map(async (p) => {
      const rel = path.relative(cwd, p);
      const display = rel.startsWith('..') ? p : rel;
      return decodeManifest(display, await readFile(p));
    }),
  );
}
