/**
 * A small in-memory ExperimentClusterPort for the reconciler's and the standalone driver's unit
 * tests: ReplicaSets whose pods are available `readyDelayMs` after a scale-up (fake clock),
 * Services, templates whose creates are refused, and the most pods each template ever had.
 */
import type { ExperimentReplicaSet } from '../../src/engine/experiment-types.ts';
import type {
  ExperimentClusterAction,
  ExperimentClusterPort,
  ExperimentObservation,
  ExperimentOwner,
} from '../../src/controller/experiment-ports.ts';
import type { Experiment } from '../../src/manifests/experiment.ts';
import type { FakeClock } from './fake-cluster.ts';

interface MemoryReplicaSet {
  name: string;
  hash: string;
  specReplicas: number;
  /** Fake-clock time (ms) each pod becomes available. */
  pods: number[];
  scaleDownDeadline?: string | undefined;
}

export class MemoryExperimentPort implements ExperimentClusterPort {
  readyDelayMs = 1000;
  /** By template name. */
  readonly replicaSets = new Map<string, MemoryReplicaSet>();
  readonly services = new Set<string>();
  /** Templates whose ReplicaSet create the API server refuses. */
  readonly refuse = new Set<string>();
  /** The most available pods each template's ReplicaSet ever had. */
  readonly maxAvailable = new Map<string, number>();
  readonly applied: ExperimentClusterAction[] = [];
  private readonly clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  private available(rs: MemoryReplicaSet): number {
    return rs.pods.filter((t) => t <= this.clock.ms).length;
  }

  observeExperiment(_owner: ExperimentOwner, experiment: Experiment): Promise<ExperimentObservation> {
    const replicaSets: Record<string, ExperimentReplicaSet | undefined> = {};
    const services: Record<string, boolean> = {};
    for (const t of experiment.spec.templates) {
      const rs = this.replicaSets.get(t.name);
      services[t.name] = this.services.has(t.name);
      if (rs === undefined) continue;
      const available = this.available(rs);
      this.maxAvailable.set(t.name, Math.max(this.maxAvailable.get(t.name) ?? 0, available));
      replicaSets[t.name] = {
        name: rs.name,
        hash: rs.hash,
        specReplicas: rs.specReplicas,
        replicas: rs.pods.length,
        readyReplicas: available,
        availableReplicas: available,
        scaleDownDeadline: rs.scaleDownDeadline,
      };
    }
    return Promise.resolve({ replicaSets, services, failures: {} });
  }

  private scale(rs: MemoryReplicaSet, replicas: number): void {
    rs.specReplicas = replicas;
    while (rs.pods.length < replicas) rs.pods.push(this.clock.ms + this.readyDelayMs);
    rs.pods.length = Math.min(rs.pods.length, replicas);
  }

  applyExperimentAction(
    _owner: ExperimentOwner,
    _experiment: Experiment,
    action: ExperimentClusterAction,
  ): Promise<void> {
    this.applied.push(action);
    switch (action.kind) {
      case 'createExperimentReplicaSet': {
        if (this.refuse.has(action.template))
          return Promise.reject(new Error(`create ReplicaSet ${action.name}: refused`));
        const rs: MemoryReplicaSet = {
          name: action.name,
          hash: `h${action.template}`,
          specReplicas: 0,
          pods: [],
        };
        this.scale(rs, action.replicas);
        this.replicaSets.set(action.template, rs);
        break;
      }
      case 'scaleExperimentReplicaSet': {
        const rs = this.replicaSets.get(action.template);
        if (rs !== undefined) this.scale(rs, action.replicas);
        break;
      }
      case 'setExperimentScaleDownDeadline': {
        const rs = this.replicaSets.get(action.template);
        if (rs !== undefined) rs.scaleDownDeadline = action.deadline;
        break;
      }
      case 'createExperimentService':
        this.services.add(action.template);
        break;
      case 'deleteExperimentService':
        this.services.delete(action.template);
        break;
    }
    return Promise.resolve();
  }

  deleteExperiment(): Promise<void> {
    this.replicaSets.clear();
    this.services.clear();
    return Promise.resolve();
  }
  /** Nothing watches in memory: the time passes on the fake clock. */
  waitForExperimentChange(_owner: ExperimentOwner, ms: number): Promise<void> {
    return this.clock.sleep(ms);
  }
}
