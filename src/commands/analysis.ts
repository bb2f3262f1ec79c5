import { KubeCluster, ROLLOUT_LABEL } from '../adapters/k8s/cluster.ts';
import { JobProvider } from '../analysis/providers/job.ts';
import { createMetricProviders, type MetricProvider } from '../analysis/providers/index.ts';
import { AnalysisRunner, type AnalysisRecord } from '../controller/analysis.ts';
import type { Logger } from '../util/logger.ts';
import type { Config } from '../config/inputs.ts';
import { asStr, dig } from '../manifests/values.ts';
import { systemClock } from '../controller/ports.ts';

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
    ...(r.note === undefined ? {} : { note: r.note }),
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

/** The metric providers and the analysis runner, from the action's inputs and the cluster. */
export function analysisRunner(
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
          const ref = asStr(dig(block, 'secretRef', 'name')) ?? 'datadog';
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
