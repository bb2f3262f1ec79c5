import { ConfigurationError } from '../util/errors.ts';

/** Every input of action.yml, by name. A unit test keeps this and action.yml identical. */
export const Inputs = {
  command: 'command',
  manifests: 'manifests',
  rollout: 'rollout',
  namespace: 'namespace',
  image: 'image',
  kubeconfig: 'kubeconfig',
  githubToken: 'github-token',
  maxRuntime: 'max-runtime',
  watchPauses: 'watch-pauses',
  onFailure: 'on-failure',
  order: 'order',
  whenOneFails: 'when-one-fails',
  comment: 'comment',
  checkRun: 'check-run',
  prNumber: 'pr-number',
  environment: 'environment',
  prometheusAddress: 'prometheus-address',
  datadogApiKey: 'datadog-api-key',
  datadogAppKey: 'datadog-app-key',
  datadogSite: 'datadog-site',
  newrelicApiKey: 'newrelic-api-key',
  newrelicAccountId: 'newrelic-account-id',
  newrelicRegion: 'newrelic-region',
  allowNamespaces: 'allow-namespaces',
  allowKinds: 'allow-kinds',
  allowClusterScoped: 'allow-cluster-scoped',
  allowExternalIps: 'allow-external-ips',
  allowPrivilegedJobs: 'allow-privileged-jobs',
  allowMetadataAddresses: 'allow-metadata-addresses',
  apiRetryBudget: 'api-retry-budget',
} as const;

/** Every output of action.yml, by name. */
export const Outputs = {
  phase: 'phase',
  aborted: 'aborted',
  message: 'message',
  stepIndex: 'step-index',
  stepCount: 'step-count',
  canaryWeight: 'canary-weight',
  stableRevision: 'stable-revision',
  canaryRevision: 'canary-revision',
  strategy: 'strategy',
  activeRevision: 'active-revision',
  previewRevision: 'preview-revision',
  analysis: 'analysis',
  commentUrl: 'comment-url',
  checkRunUrl: 'check-run-url',
  results: 'results',
} as const;

export const Commands = [
  'run',
  'promote',
  'promote-full',
  'abort',
  'retry',
  'undo',
  'pause',
  'status',
  'lint',
  'plan',
] as const;
export type Command = (typeof Commands)[number];

export interface Config {
  command: Command;
  manifests: string[];
  rollout: string | undefined;
  namespace: string | undefined;
  /** container name (or `*`) to image. */
  images: Map<string, string>;
  kubeconfig: string | undefined;
  githubToken: string | undefined;
  maxRuntimeMs: number;
  /** Stay at a pause without a duration while background analysis measures (default true). */
  watchPauses: boolean;
  onFailure: 'abort' | 'revert-pr';
  /** Several Rollouts: lines `c after a, b` (merged with their `rollout-pilot.dev/after`). */
  order: string;
  /** Several Rollouts: whether one failing aborts the others still in progress. */
  whenOneFails: 'continue' | 'abort-others';
  comment: boolean;
  checkRun: boolean;
  prNumber: number | undefined;
  environment: string | undefined;
  /** `undo --to-revision`: only the CLI sets it. */
  toRevision: number | undefined;
  metrics: {
    prometheusAddress: string | undefined;
    datadogApiKey: string | undefined;
    datadogAppKey: string | undefined;
    datadogSite: string | undefined;
    newrelicApiKey: string | undefined;
    newrelicAccountId: string | undefined;
    newrelicRegion: string | undefined;
  };
  /** Doors that are shut by default (docs/security.md); each opened only by its input. */
  safety: {
    /** Namespaces besides the rollout's that manifests may place objects in. */
    namespaces: string[];
    /** Kinds beyond the allowlist, as `Kind` or `group/Kind`. */
    kinds: string[];
    clusterScoped: boolean;
    externalIps: boolean;
    privilegedJobs: boolean;
    metadataAddresses: boolean;
  };
  /** How long transient API server failures are retried before the run gives up. */
  apiRetryBudgetMs: number;
}

/** Transient API failures (refused, reset, 429/5xx) are retried this long by default. */
export const DEFAULT_API_RETRY_BUDGET_MS = 3 * 60_000;

/** A bit under GitHub's 6-hour job limit, so the run always hands over cleanly. */
export const DEFAULT_MAX_RUNTIME_MS = 5 * 3600_000 + 45 * 60_000;

/** `30s`, `5m`, `1h30m`, or a bare number of seconds. */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3600_000;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length) {
    throw new ConfigurationError(
      `${what}: "${text}" is not a duration (use e.g. 30s, 5m, 1h30m, or seconds)`,
    );
  }
  return Math.round(total);
}

function parseBool(text: string, name: string): boolean {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(t)) return true;
  if (['false', 'no', '0', 'off'].includes(t)) return false;
  throw new ConfigurationError(`input ${name}: "${text}" is not a boolean (true or false)`);
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export function parseImages(text: string, name = Inputs.image): Map<string, string> {
  const images = new Map<string, string>();
  for (const line of lines(text)) {
    const eq = line.indexOf('=');
    if (eq <= 0 || eq === line.length - 1) {
      throw new ConfigurationError(
        `input ${name}: "${line}" is not container=image (for example app=registry/app:1.2.3, or *=image for all containers)`,
      );
    }
    const container = line.slice(0, eq).trim();
    const before = images.get(container);
    if (before !== undefined) {
      throw new ConfigurationError(
        `input ${name}: container "${container}" is given twice (${container}=${before} and ${line}); give each container one image`,
      );
    }
    images.set(container, line.slice(eq + 1).trim());
  }
  return images;
}

/**
 * Turns raw inputs into a validated Config. Pure: `get` returns the raw input ('' when unset), so the
 * same parser serves the action (INPUT_* variables) and the CLI (flags).
 */
export function parseInputs(get: (name: string) => string): Config {
  const opt = (name: string): string | undefined => {
    const v = get(name).trim();
    return v === '' ? undefined : v;
  };
  const commandText = opt(Inputs.command) ?? 'run';
  if (!(Commands as readonly string[]).includes(commandText)) {
    throw new ConfigurationError(`input command: "${commandText}" is not one of ${Commands.join(', ')}`);
  }
  const command = commandText as Command;
  const onFailure = opt(Inputs.onFailure) ?? 'abort';
  if (onFailure !== 'abort' && onFailure !== 'revert-pr') {
    throw new ConfigurationError(`input on-failure: "${onFailure}" is not abort or revert-pr`);
  }
  const whenOneFails = opt(Inputs.whenOneFails) ?? 'continue';
  if (whenOneFails !== 'continue' && whenOneFails !== 'abort-others') {
    throw new ConfigurationError(`input when-one-fails: "${whenOneFails}" is not continue or abort-others`);
  }
  const prText = opt(Inputs.prNumber);
  let prNumber: number | undefined;
  if (prText !== undefined) {
    if (!/^\d+$/.test(prText) || Number(prText) < 1) {
      throw new ConfigurationError(`input pr-number: "${prText}" is not a pull request number`);
    }
    prNumber = Number(prText);
  }
  const maxRuntimeText = opt(Inputs.maxRuntime);
  const maxRuntimeMs =
    maxRuntimeText === undefined
      ? DEFAULT_MAX_RUNTIME_MS
      : parseDuration(maxRuntimeText, 'input max-runtime');
  const region = opt(Inputs.newrelicRegion);
  if (region !== undefined && !['us', 'eu'].includes(region.toLowerCase())) {
    throw new ConfigurationError(`input newrelic-region: "${region}" is not us or eu`);
  }
  return {
    command,
    manifests: lines(get(Inputs.manifests)),
    rollout: opt(Inputs.rollout),
    namespace: opt(Inputs.namespace),
    images: parseImages(get(Inputs.image)),
    kubeconfig: opt(Inputs.kubeconfig),
    githubToken: opt(Inputs.githubToken),
    maxRuntimeMs,
    watchPauses: parseBool(opt(Inputs.watchPauses) ?? 'true', Inputs.watchPauses),
    onFailure,
    order: get(Inputs.order),
    whenOneFails,
    comment: parseBool(opt(Inputs.comment) ?? 'true', Inputs.comment),
    checkRun: parseBool(opt(Inputs.checkRun) ?? 'true', Inputs.checkRun),
    prNumber,
    environment: opt(Inputs.environment),
    toRevision: undefined,
    metrics: {
      prometheusAddress: opt(Inputs.prometheusAddress),
      datadogApiKey: opt(Inputs.datadogApiKey),
      datadogAppKey: opt(Inputs.datadogAppKey),
      datadogSite: opt(Inputs.datadogSite),
      newrelicApiKey: opt(Inputs.newrelicApiKey),
      newrelicAccountId: opt(Inputs.newrelicAccountId),
      newrelicRegion: region?.toLowerCase(),
    },
    safety: {
      namespaces: lines(get(Inputs.allowNamespaces)),
      kinds: lines(get(Inputs.allowKinds)),
      clusterScoped: parseBool(opt(Inputs.allowClusterScoped) ?? 'false', Inputs.allowClusterScoped),
      externalIps: parseBool(opt(Inputs.allowExternalIps) ?? 'false', Inputs.allowExternalIps),
      privilegedJobs: parseBool(opt(Inputs.allowPrivilegedJobs) ?? 'false', Inputs.allowPrivilegedJobs),
      metadataAddresses: parseBool(
        opt(Inputs.allowMetadataAddresses) ?? 'false',
        Inputs.allowMetadataAddresses,
      ),
    },
    apiRetryBudgetMs: ((text) =>
      text === undefined ? DEFAULT_API_RETRY_BUDGET_MS : parseDuration(text, 'input api-retry-budget'))(
      opt(Inputs.apiRetryBudget),
    ),
  };
}
