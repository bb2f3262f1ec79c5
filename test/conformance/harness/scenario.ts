import type { TestContext } from 'node:test';
import type { ActionRun } from '../../support/action.ts';
import { ArgoSide, type ArgoCommand } from './argo.ts';
import { assertSettlePoint, FIELDS, type KnownFieldDifference, type SettlePoint } from './compare.ts';
import { freshNamespace, roleKubeconfig, type ClusterName } from './kube.ts';
import { PilotSide } from './pilot.ts';
import { routerObjects, trafficRouting, type RouterSetup } from './routers.ts';
import { settleArgo, settlePilot } from './settle.ts';

export type Op =
  { do: 'deploy'; image: string; podAnnotations?: Record<string, string> } | { do: ArgoCommand };

/** A difference from Argo that is documented in docs/compatibility.md, asserted as it is. */
export interface KnownDifference extends KnownFieldDifference<SettlePoint> {
  /** Index of the op after which it shows. */
  after: number;
}

export interface Scenario {
  name: string;
  replicas: number;
  steps: unknown[];
  /** Extra fields of `spec.strategy.canary` (maxSurge, maxUnavailable...). */
  canary?: Record<string, unknown>;
  /** Extra fields of `spec` (minReadySeconds, progressDeadlineSeconds...). */
  spec?: Record<string, unknown>;
  /** The pod template comes from a Deployment (`workloadRef`) instead of the Rollout. */
  workloadRef?: { scaleDown?: string };
  ops: Op[];
  known?: KnownDifference[];
  /** A traffic router, with the objects it routes through. */
  router?: RouterSetup;
}

const NAME = 'app';

/** The manifests of a scenario: the Rollout and its two Services (and the workloadRef's Deployment). */
export function manifests(
  sc: Scenario,
  image: string,
  podAnnotations: Record<string, string> = {},
): { docs: unknown[]; deployment: unknown } {
  const labels = { app: NAME };
  const template = {
    metadata: { labels, annotations: podAnnotations },
    spec: { containers: [{ name: NAME, image }] },
  };
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: NAME },
    spec: {
      replicas: sc.replicas,
      selector: { matchLabels: labels },
      ...(sc.workloadRef
        ? { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME, ...sc.workloadRef } }
        : { template }),
      ...sc.spec,
      strategy: {
        canary: {
          stableService: `${NAME}-stable`,
          canaryService: `${NAME}-canary`,
          steps: sc.steps,
          ...(sc.router === undefined ? {} : { trafficRouting: trafficRouting(sc.router, NAME) }),
          ...sc.canary,
        },
      },
    },
  };
  const services = ['stable', 'canary'].map((role) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${NAME}-${role}` },
    spec: { selector: labels, ports: [{ port: 80 }] },
  }));
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME },
    spec: { replicas: sc.replicas, selector: { matchLabels: labels }, template },
  };
  const routed = sc.router === undefined ? [] : routerObjects(sc.router, NAME);
  return { docs: [rollout, ...services, ...routed], deployment };
}

async function argoOp(argo: ArgoSide, sc: Scenario, op: Op, first: boolean): Promise<void> {
  switch (op.do) {
    case 'deploy': {
      const m = manifests(sc, op.image, op.podAnnotations);
      if (first) await argo.create(sc.workloadRef ? [m.deployment, ...m.docs] : m.docs);
      else if (sc.workloadRef) await argo.setDeploymentImage(NAME, op.image);
      else await argo.setTemplate(op.image, op.podAnnotations ?? {});
      return;
    }
    default:
      return argo.command(op.do);
  }
}

async function pilotOp(pilot: PilotSide, sc: Scenario, op: Op, first: boolean): Promise<ActionRun> {
  if (op.do !== 'deploy') return pilot.command(op.do);
  if (sc.workloadRef) {
    const m = manifests(sc, op.image);
    if (first) await pilot.createObjects([m.deployment]);
    else await pilot.setDeploymentImage(NAME, op.image);
    return pilot.deploy(m.docs, undefined);
  }
  // The manifest keeps its first image; the `image` input sets the revision's, as in a workflow.
  const first0 = sc.ops[0]?.do === 'deploy' ? sc.ops[0].image : op.image;
  return pilot.deploy(manifests(sc, first0, op.podAnnotations).docs, { container: NAME, image: op.image });
}

export interface ScenarioResult {
  comparisons: number;
  points: { op: Op; argo: SettlePoint; pilot: SettlePoint }[];
}

/**
 * Runs `sc` through Argo's controller (on the Argo cluster) and through rollout-pilot (on
 * `pilotCluster`) side by side, op by op, and compares every settle point.
 */
export async function runScenario(
  t: TestContext,
  sc: Scenario,
  pilotCluster: ClusterName = 'main',
): Promise<ScenarioResult> {
  const argoNs = await freshNamespace(t, 'argo', 'argo');
  const pilotNs = await freshNamespace(t, pilotCluster, pilotCluster === 'argo' ? 'rp-on-argo' : 'rp');
  const kubeconfig = await roleKubeconfig(pilotCluster, pilotNs);
  const argo = new ArgoSide(argoNs, NAME, sc.router);
  const pilot = new PilotSide(
    pilotCluster,
    pilotNs,
    NAME,
    kubeconfig,
    {
      stableService: `${NAME}-stable`,
      canaryService: `${NAME}-canary`,
    },
    sc.router,
  );
  const result: ScenarioResult = { comparisons: 0, points: [] };
  let revision = 0;
  let prevArgo: SettlePoint | undefined;
  for (const [i, op] of sc.ops.entries()) {
    if (op.do === 'deploy' || op.do === 'undo') revision++;
    const [a, p] = await Promise.all([
      argoOp(argo, sc, op, i === 0).then(() => settleArgo(argo, sc.steps, revision, prevArgo)),
      pilotOp(pilot, sc, op, i === 0).then(async (run) => ({
        run,
        point: await settlePilot(pilot, revision, run),
      })),
    ]);
    prevArgo = a;
    const known = (sc.known ?? []).filter((k) => k.after === i);
    const where = `${sc.name}: after op ${i + 1} (${op.do}${op.do === 'deploy' ? ` ${op.image}` : ''})`;
    assertSettlePoint(t, where, FIELDS, { argo: a, pilot: p.point, run: p.run }, known);
    result.comparisons++;
    result.points.push({ op, argo: a, pilot: p.point });
  }
  return result;
}
