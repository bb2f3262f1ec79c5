import type { Logger } from '../util/logger.ts';
import { LEASE_SECONDS, matrixSibling, sameJob } from '../controller/lease-keeper.ts';
import { systemClock, type ClusterPort, type LeaseInfo, type SubjectKind } from '../controller/ports.ts';
import { ConfigurationError } from '../util/errors.ts';

/**
 * Takes the driver lease. When another run holds it, waits to see whether that run is alive (it
 * renews every few seconds) or gone (a cancelled job, whose lease lapses): a live driver is left to
 * drive; a dead one's rollout is taken over, so a cancelled run never leaves a rollout undriven.
 */
export async function takeLease(
  cluster: Pick<ClusterPort, 'acquireLease'>,
  namespace: string,
  name: string,
  identity: string,
  log: Logger,
  kind: SubjectKind = 'Rollout',
): Promise<LeaseInfo | undefined> {
  const acquire = (): Promise<LeaseInfo | undefined> =>
    cluster.acquireLease(namespace, name, identity, LEASE_SECONDS, (h) => sameJob(identity, h), kind);
  const first = await acquire();
  if (first === undefined) return undefined;
  if (matrixSibling(identity, first.holder)) {
    throw new ConfigurationError(
      `two runs of the same job drive ${name}: ${first.holder} holds its lease and this run is ${identity}. They share the run id, job and attempt (legs of a matrix?): drive each rollout from one leg only`,
    );
  }
  log.info(`the lease of ${name} is held by ${first.holder}: checking that it is still driving`);
  const until = first.renewedAt.getTime() + first.durationSeconds * 1000 + 1000;
  while (systemClock.now().getTime() < until) {
    await systemClock.sleep(1000);
    const now = await acquire();
    if (now === undefined) {
      log.info(`${first.holder} stopped renewing its lease: taking over`);
      return undefined;
    }
    if (now.holder !== first.holder || now.renewedAt.getTime() !== first.renewedAt.getTime()) return now;
  }
  return acquire();
}
