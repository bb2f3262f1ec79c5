/** A standalone Experiment's state ConfigMap (`rollout-pilot-experiment.<name>`), compare-and-swap. */
import type { ExperimentState } from '../../controller/experiment-state.ts';
import type { KubeApi } from './api-call.ts';
import { readStateMap, writeStateMap } from './state-store.ts';

export async function readExperimentState(
  api: KubeApi,
  namespace: string,
  name: string,
): Promise<ExperimentState | undefined> {
  const cm = await readStateMap(api, { namespace, name, kind: 'Experiment' });
  if (cm === undefined) return undefined;
  const data = cm.data ?? {};
  const parse = <T>(key: string, empty: string): T => JSON.parse(data[key] ?? empty) as T;
  return {
    experiment: parse('experiment.json', '{}'),
    status: { templateStatuses: [], analysisRuns: [], ...parse<object>('status.json', '{}') },
    requests: parse('requests.json', '[]'),
    templates: parse('templates.json', '[]'),
    analysis: parse('analysis.json', '[]'),
    github: data['github.json'] === undefined ? undefined : parse('github.json', '{}'),
    driver: data.driver,
    version: cm.metadata?.resourceVersion,
  };
}

export function writeExperimentState(
  api: KubeApi,
  namespace: string,
  name: string,
  state: ExperimentState,
): Promise<string> {
  return writeStateMap(api, { namespace, name, kind: 'Experiment' }, state.version, {
    'experiment.json': JSON.stringify(state.experiment),
    'status.json': JSON.stringify(state.status),
    'requests.json': JSON.stringify(state.requests),
    'templates.json': JSON.stringify(state.templates),
    'analysis.json': JSON.stringify(state.analysis),
    ...(state.github === undefined ? {} : { 'github.json': JSON.stringify(state.github) }),
    ...(state.driver === undefined ? {} : { driver: state.driver }),
  });
}
