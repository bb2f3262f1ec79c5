/** Where in a manifest something is wrong: every user-facing error about input carries one. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic extends SourceLocation {
  /** Dotted path of the offending field, e.g. `spec.strategy.canary.steps[2].setWeight`. */
  path: string;
  message: string;
  /** Set when an analysis template is not among the manifests: `run` also looks in the cluster. */
  missingTemplate?: { kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate'; name: string } | undefined;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path ? ` ${d.path}:` : '';
  return `${d.file}:${d.line}:${d.column}:${where} ${d.message}`;
}

/** The user's input (action inputs, CLI flags) is wrong. Exit code 1, nothing changed. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** One or more manifests are invalid. Raised before anything touches the cluster. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(
      `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in the manifests:\n` +
        diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n'),
    );
    this.diagnostics = diagnostics;
  }
}

/** A feature that a later release builds; said out loud instead of silently ignored. */
export class NotSupportedError extends Error {
  override name = 'NotSupportedError';
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
