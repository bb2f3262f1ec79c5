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
  const parse = (key: string, empty: string): unknown => JSON.parse(data[key] ?? empty);
  type S = ExperimentState;
  return {
    experiment: parse('experiment.json', '{}') as S['experiment'],
    status: {
      templateStatuses: [],
      analysisRuns: [],
      ...(parse('status.json', '{}') as Partial<S['status']>),
    },
    requests: parse('requests.json', '[]') as S['requests'],
    templates: parse('templates.json', '[]') as S['templates'],
    analysis: parse('analysis.json', '[]') as S['analysis'],
    github: data['github.json'] === undefined ? undefined : (parse('github.json', '{}') as S['github']),
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
