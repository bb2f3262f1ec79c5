/**
 * Standalone Experiments' state ConfigMaps in memory (compare-and-swap versions), shared by every
 * driver of a test, on top of the fake cluster with experiments.
 */
import type { ExperimentState, ExperimentStatePort } from '../../src/controller/experiment-state.ts';
import { ConflictError } from '../../src/controller/ports.ts';
import type { FakeWorld } from './fake-cluster.ts';
import { FakeClusterWithExperiments, FakeExperimentWorld } from './fake-experiment-cluster.ts';

export class FakeExperimentStates {
  /** `namespace/name` → the state and its version. */
  readonly states = new Map<string, { state: Omit<ExperimentState, 'version'>; version: number }>();
  /** Every successful write, in order. */
  readonly writes: { by: string; state: Omit<ExperimentState, 'version'> }[] = [];
}

/** One driver's port: the fake cluster with experiments, plus the experiments' states. */
export class FakeExperimentDriverCluster extends FakeClusterWithExperiments implements ExperimentStatePort {
  readonly states: FakeExperimentStates;

  constructor(world: FakeWorld, me: string, experiments: FakeExperimentWorld, states: FakeExperimentStates) {
    super(world, me, experiments);
    this.states = states;
  }

  readExperimentState(namespace: string, name: string): Promise<ExperimentState | undefined> {
    const found = this.states.states.get(`${namespace}/${name}`);
    if (found === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ ...structuredClone(found.state), version: String(found.version) });
  }

  writeExperimentState(namespace: string, name: string, state: ExperimentState): Promise<string> {
    const key = `${namespace}/${name}`;
    const found = this.states.states.get(key);
    if ((found === undefined ? undefined : String(found.version)) !== state.version)
      return Promise.reject(new ConflictError(`the state of ${name} changed meanwhile`));
    const rest: Omit<ExperimentState, 'version'> & { version?: string | undefined } = structuredClone(state);
    delete rest.version;
    const version = (found?.version ?? 0) + 1;
    this.states.states.set(key, { state: rest, version });
    this.states.writes.push({ by: this.me, state: rest });
    return Promise.resolve(String(version));
  }
}

export { FakeExperimentWorld };
