import { drive as driveRollout } from '../../../src/controller/driver.ts';
import type { KubeObject, StoredState } from '../../../src/controller/ports.ts';
import { podTemplateHash } from '../../../src/engine/hash.ts';
import { strategyServices, type CanaryEngineRollout, type EngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type RolloutStatus } from '../../../src/engine/state.ts';
import { MemoryLogger } from '../../../src/util/logger.ts';
import { FakeCluster, FakeWorld } from '../../support/fake-cluster.ts';

/** A waiting driver wakes at least this often (pod events); as fine-grained as the engine tests need. */
const WAKE_EVERY_MS = 250;
/** Fake time one scenario may take before the driver hands over. */
const MAX_RUNTIME_MS = 3_600_000;

/**
 * Engine scenarios on the in-memory cluster (test/support/fake-cluster.ts), driven by the real
 * driver (`drive` in src/controller/driver.ts) on the fake clock. Revisions are named by a label
 * ('v1', 'v2' ...) that becomes the image of the pod template; counts and Services are reported by
 * those labels instead of the pod-template hashes.
 */
export class SimCluster {
  readonly world = new FakeWorld();
  readonly cluster: SimPort;
  readonly rollout: EngineRollout;
  /** Fewest available pods seen behind the stable service after it first had some. */
  minStableEndpoints = Infinity;
  private readonly labels = new Map<string, string>();

  constructor(rollout: EngineRollout) {
    this.rollout = rollout;
    this.world.wakeEveryMs = WAKE_EVERY_MS;
    for (const svc of strategyServices(rollout)) this.world.services.set(svc, undefined);
    this.cluster = new SimPort(this, 'sim');
  }

  get now(): number {
    return this.world.clock.ms;
  }

  /** The Rollout object of revision `label`: its image is the label, the rest as the engine reads it. */
  kubeRollout(label: string): KubeObject {
    const template = this.template(label);
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: this.rollout.name, namespace: this.rollout.namespace },
      spec: {
        replicas: this.rollout.replicas,
        template,
        strategy:
          this.rollout.strategy === 'canary'
            ? { canary: { steps: this.rollout.canary.steps } }
            : { blueGreen: this.rollout.blueGreen },
      },
    };
  }

  private template(label: string): unknown {
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: label }] },
    };
    this.labels.set(podTemplateHash(template), label);
    return template;
  }

  labelOf(hash: string | undefined): string | undefined {
    return hash === undefined ? undefined : (this.labels.get(hash) ?? hash);
  }

  /** The pod-template hash of revision `label`. */
  hashOf(label: string): string {
    return podTemplateHash(this.template(label));
  }

  /** Hashes whose pods never become available (a crash-looping canary). */
  breakRevision(label: string): void {
    this.world.broken.add(podTemplateHash(this.template(label)));
  }

  /** Someone deletes a Service: it is observed as missing. */
  deleteService(name: string): void {
    this.world.services.delete(name);
  }

  /** Service name -> the label of the revision its selector picks. */
  get services(): Record<string, string | undefined> {
    return Object.fromEntries([...this.world.services].map(([name, hash]) => [name, this.labelOf(hash)]));
  }

  /** Label -> spec replicas of its ReplicaSet. */
  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.world.replicaSets.values()].map((rs) => [
        this.labels.get(rs.hash) ?? rs.hash,
        rs.specReplicas,
      ]),
    );
  }

  /** Label -> revision of its ReplicaSet. */
  revisions(): Record<string, number> {
    return Object.fromEntries(
      [...this.world.replicaSets.values()].map((rs) => [this.labels.get(rs.hash) ?? rs.hash, rs.revision]),
    );
  }

  /** Samples the stable (blue-green: active) Service's endpoints, after every action and observation. */
  sampleStableEndpoints(): void {
    const svc =
      this.rollout.strategy === 'canary'
        ? this.rollout.canary.stableService
        : this.rollout.blueGreen.activeService;
    const hash = svc === undefined ? undefined : this.world.services.get(svc);
    const rs = [...this.world.replicaSets.values()].find((r) => r.hash === hash);
    const endpoints = rs === undefined ? 0 : this.world.available(rs);
    if (endpoints > 0 || this.minStableEndpoints !== Infinity) {
      this.minStableEndpoints = Math.min(this.minStableEndpoints, endpoints);
    }
  }
}

/** The scenario's port: samples the stable endpoints and reports each tick's outcome to `onTick`. */
class SimPort extends FakeCluster {
  private readonly sim: SimCluster;
  /** Decision lines logged since the tick began. */
  tickLog: string[] = [];
  onTick: ((status: RolloutStatus, log: string[]) => void) | undefined;
  onApply: (() => void) | undefined;

  constructor(sim: SimCluster, me: string) {
    super(sim.world, me);
    this.sim = sim;
  }

  override readState(): Promise<StoredState | undefined> {
    this.tickLog = [];
    return super.readState();
  }

  override observe(...args: Parameters<FakeCluster['observe']>): ReturnType<FakeCluster['observe']> {
    this.sim.sampleStableEndpoints();
    return super.observe(...args);
  }

  override async apply(...args: Parameters<FakeCluster['apply']>): Promise<void> {
    await super.apply(...args);
    this.sim.sampleStableEndpoints();
    this.onApply?.();
  }

  override async writeState(...args: Parameters<FakeCluster['writeState']>): Promise<string> {
    const version = await super.writeState(...args);
    this.onTick?.(args[2].status, this.tickLog);
    return version;
  }
}

export interface Driven {
  status: RolloutStatus;
  /** Set when the run stopped because the rollout needs nobody (not handed over by `until`). */
  done: { exitCode: 0 | 1 } | undefined;
  log: string[];
  ticks: number;
}

/**
 * Records revision `label` with `status` (as a `run` would) and drives it with the real driver until
 * it is done, or until `until` holds after a tick (seen when the tick writes its state).
 */
export async function drive(
  sim: SimCluster,
  label: string,
  status: RolloutStatus = initialStatus(),
  opts: {
    until?: (d: { status: RolloutStatus; log: string[] }, s: SimCluster) => boolean;
    /** Checked after each change to the cluster: the run hands over after that tick. */
    untilCluster?: (s: SimCluster) => boolean;
  } = {},
): Promise<Driven> {
  const world = sim.world;
  world.state = { rollout: sim.kubeRollout(label), status, requests: [], templates: [], analysis: [] };
  world.version++;
  world.consumeChange();
  const port = sim.cluster;
  const logger = new (class extends MemoryLogger {
    override info(line: string): void {
      super.info(line);
      port.tickLog.push(line);
    }
  })();
  const deadline = new Date(world.clock.ms + MAX_RUNTIME_MS);
  port.onTick = (s, lines) => {
    // Stop here: the driver hands over right after this tick, as at max-runtime.
    if (opts.until?.({ status: s, log: lines }, sim) === true) deadline.setTime(0);
  };
  port.onApply = () => {
    if (opts.untilCluster?.(sim) === true) deadline.setTime(0);
  };
  const result = await driveRollout(port, world.clock, logger, {
    namespace: sim.rollout.namespace,
    name: sim.rollout.name,
    identity: 'sim',
    deadline,
    toEngine: () => sim.rollout,
  });
  port.onTick = undefined;
  port.onApply = undefined;
  const done = result.stoppedBecause === 'done' ? { exitCode: result.exitCode } : undefined;
  return { status: result.status, done, log: logger.lines, ticks: result.ticks };
}

/** A 5-replica canary Rollout `web` (maxSurge and maxUnavailable 25 %, both Services) with `steps`. */
export function canaryRollout(steps: CanaryEngineRollout['canary']['steps']): CanaryEngineRollout {
  return {
    name: 'web',
    namespace: 'ns',
    replicas: 5,
    paused: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    revisionHistoryLimit: 10,
    strategy: 'canary',
    canary: {
      steps,
      maxSurge: '25%',
      maxUnavailable: '25%',
      stableService: 'web-stable',
      canaryService: 'web-canary',
    },
  };
}
