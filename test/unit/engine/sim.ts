import { decideCanary } from '../../../src/engine/canary.ts';
import type { Action, Decision } from '../../../src/engine/actions.ts';
import { canonicalJson } from '../../../src/engine/hash.ts';
import type { EngineRollout } from '../../../src/engine/spec.ts';
import { initialStatus, type Observation, type RolloutStatus } from '../../../src/engine/state.ts';

interface SimRS {
  name: string;
  hash: string;
  revision: number;
  spec: number;
  /** Time (ms) each existing pod becomes available; Infinity never. */
  pods: number[];
  createdAt: number;
  ephemeral?: string;
}

/**
 * An in-memory stand-in for the cluster in engine unit tests: it applies the engine's actions and
 * makes pods available after `readyDelayMs`. The real cluster is exercised by the e2e suites.
 */
export class SimCluster {
  now = 0;
  readyDelayMs = 1000;
  /** Hashes whose pods never become available (a broken canary). */
  broken = new Set<string>();
  rs = new Map<string, SimRS>();
  services: Record<string, string | undefined> = {};
  /** Services someone deleted: observed as missing. */
  deletedServices = new Set<string>();
  /** Fewest available pods seen behind the stable service after it first had some. */
  minStableEndpoints = Infinity;

  readonly rollout: EngineRollout;

  constructor(rollout: EngineRollout) {
    this.rollout = rollout;
    for (const svc of [rollout.canary.stableService, rollout.canary.canaryService]) {
      if (svc !== undefined) this.services[svc] = undefined;
    }
  }

  private available(rs: SimRS): number {
    return rs.pods.filter((t) => t <= this.now).length;
  }

  observe(): Observation {
    return {
      replicaSets: [...this.rs.values()].map((rs) => ({
        name: rs.name,
        hash: rs.hash,
        revision: rs.revision,
        specReplicas: rs.spec,
        replicas: rs.pods.length,
        readyReplicas: this.available(rs),
        availableReplicas: this.available(rs),
        createdAt: new Date(rs.createdAt).toISOString(),
        podIssues: this.broken.has(rs.hash) && rs.pods.length > 0 ? ['pod x: CrashLoopBackOff'] : [],
        ephemeralMetadata: rs.ephemeral,
      })),
      services: Object.fromEntries(
        Object.entries(this.services).map(([name, hash]) => [
          name,
          this.deletedServices.has(name) ? undefined : { name, selectedHash: hash },
        ]),
      ),
    };
  }

  apply(actions: Action[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'createReplicaSet':
          this.rs.set(a.hash, {
            name: `${this.rollout.name}-${a.hash}`,
            hash: a.hash,
            revision: a.revision,
            spec: 0,
            pods: [],
            createdAt: this.now,
          });
          this.scale(a.hash, a.replicas);
          break;
        case 'scaleReplicaSet': {
          const rs = [...this.rs.values()].find((r) => r.name === a.name);
          if (!rs) throw new Error(`no RS ${a.name}`);
          this.scale(rs.hash, a.replicas);
          break;
        }
        case 'setRevision': {
          const rs = [...this.rs.values()].find((r) => r.name === a.name);
          if (rs) rs.revision = a.revision;
          break;
        }
        case 'switchService':
          this.services[a.service] = a.hash;
          break;
        case 'deleteReplicaSet':
          for (const [h, r] of this.rs) if (r.name === a.name) this.rs.delete(h);
          break;
        case 'setEphemeralMetadata': {
          const rs = [...this.rs.values()].find((r) => r.name === a.name);
          if (rs) rs.ephemeral = canonicalJson(a.metadata);
          break;
        }
      }
    }
  }

  private scale(hash: string, replicas: number): void {
    const rs = this.rs.get(hash);
    if (!rs) return;
    rs.spec = replicas;
    const readyAt = this.broken.has(hash) ? Infinity : this.now + this.readyDelayMs;
    while (rs.pods.length < replicas) rs.pods.push(readyAt);
    // Scale-down removes unavailable pods first, as the ReplicaSet controller does.
    rs.pods.sort((x, y) => x - y);
    rs.pods.length = Math.min(rs.pods.length, replicas);
  }

  stableEndpoints(): number {
    const svc = this.rollout.canary.stableService;
    const hash = svc === undefined ? undefined : this.services[svc];
    const rs = hash === undefined ? undefined : this.rs.get(hash);
    return rs ? this.available(rs) : 0;
  }

  counts(): Record<string, number> {
    return Object.fromEntries([...this.rs.values()].map((r) => [r.hash, r.spec]));
  }
}

export interface Driven {
  status: RolloutStatus;
  last: Decision;
  log: string[];
  ticks: number;
}

/** Drives the engine against the simulator until it says done, a step passes `stopAt`, or maxTicks. */
export function drive(
  sim: SimCluster,
  templateHash: string,
  status: RolloutStatus = initialStatus(),
  opts: { maxTicks?: number; until?: (d: Decision, s: SimCluster) => boolean; stepsHash?: string } = {},
): Driven {
  const log: string[] = [];
  let current = status;
  let last: Decision | undefined;
  for (let tick = 1; tick <= (opts.maxTicks ?? 2000); tick++) {
    last = decideCanary({
      rollout: sim.rollout,
      templateHash,
      podTemplate: {},
      stepsHash: opts.stepsHash ?? 'steps',
      status: current,
      observed: sim.observe(),
      now: new Date(sim.now),
    });
    sim.apply(last.actions);
    log.push(...last.log);
    current = last.status;
    const endpoints = sim.stableEndpoints();
    if (endpoints > 0 || sim.minStableEndpoints !== Infinity) {
      sim.minStableEndpoints = Math.min(sim.minStableEndpoints, endpoints);
    }
    if (last.done || opts.until?.(last, sim) === true) return { status: current, last, log, ticks: tick };
    sim.now += last.actions.length > 0 ? 0 : Math.max(1, Math.min(last.requeueAfterMs, 250));
  }
  if (!last) throw new Error('no tick');
  return { status: current, last, log, ticks: opts.maxTicks ?? 2000 };
}
