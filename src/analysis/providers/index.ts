/**
 * The metric providers rollout-pilot runs itself, keyed by their AnalysisTemplate name. Build them
 * once per run from the action inputs; they hold no state but an OAuth2 token cache.
 */

import { DatadogProvider, type DatadogProviderOptions } from './datadog.ts';
import { JudgeProvider } from './judge.ts';
import { NewRelicProvider, type NewRelicProviderOptions } from './newrelic.ts';
import { OAuth2TokenCache } from './oauth2.ts';
import { PrometheusProvider } from './prometheus.ts';
import type { MetricProvider } from './types.ts';
import { WebProvider } from './web.ts';

export interface ProvidersConfig {
  /** The `prometheus-address` input. */
  prometheusAddress?: string | undefined;
  datadog?: DatadogProviderOptions;
  newRelic?: NewRelicProviderOptions;
}

/** `prometheus`, `datadog`, `newRelic`, `web`, `judge` → provider. */
export function createMetricProviders(config: ProvidersConfig = {}): ReadonlyMap<string, MetricProvider> {
  const tokens = new OAuth2TokenCache();
  const prometheus = new PrometheusProvider({ defaultAddress: config.prometheusAddress, tokens });
  const list: MetricProvider[] = [
    prometheus,
    new DatadogProvider(config.datadog),
    new NewRelicProvider(config.newRelic),
    new WebProvider({ tokens }),
    new JudgeProvider(prometheus),
  ];
  return new Map(list.map((p) => [p.kind, p]));
}

export { DatadogProvider, datadogBaseUrl, shapeDatadogV1, shapeDatadogV2 } from './datadog.ts';
export type { DatadogCredentials, DatadogProviderOptions } from './datadog.ts';
export { NewRelicProvider, nerdGraphUrl, shapeNewRelicResults } from './newrelic.ts';
export type { NewRelicCredentials, NewRelicProviderOptions } from './newrelic.ts';
export { OAuth2TokenCache } from './oauth2.ts';
export { PrometheusProvider, shapePrometheusData } from './prometheus.ts';
export type { PrometheusProviderOptions } from './prometheus.ts';
export { ProviderError, redact } from './types.ts';
export type { MeasureContext, MeasureResult, MetricProvider } from './types.ts';
export { WebProvider, shapeWebBody } from './web.ts';
export { parseJsonPath, findResults } from './jsonpath.ts';
