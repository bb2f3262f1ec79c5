import type { TestContext } from 'node:test';
import type { ActionRun } from '../../support/action.ts';
import { ArgoSide } from './argo.ts';
import {
  BLUEGREEN_FIELDS,
  SERVICES,
  settleArgoBlueGreen,
  settlePilotBlueGreen,
  type BlueGreenPoint,
} from './bluegreen-observe.ts';
import { assertSettlePoint, type KnownFieldDifference } from './compare.ts';
import { freshNamespace, roleKubeconfig } from './kube.ts';
import type { MetricServer, Verdicts } from './metric-server.ts';
import { PilotSide } from './pilot.ts';
import type { Op } from './scenario.ts';

/**
 * An op, and what the promotion metrics answer from just before it on. `argoUndoes`: Argo's
 * controller undoes the command at once, so its settle point may equal the previous one.
 */
export type BlueGreenOp = Op & { verdicts?: Verdicts; argoUndoes?: boolean };

/** A difference from Argo that docs/compatibility.md documents, asserted as it is. */
export interface KnownBlueGreenDifference extends KnownFieldDifference<BlueGreenPoint> {
  /** Index of the op after which it shows. */
  after: number;
}

export interface BlueGreenScenario {
  name: string;
  replicas: number;
  /** Fields of `spec.strategy.blueGreen` besides the two Services. */
  blueGreen?: Record<string, unknown>;
  /** Pre- and/or post-promotion analysis: one `web` metric each, answered by the test. */
  analysis?: { pre?: boolean; post?: boolean };
  ops: BlueGreenOp[];
  known?: KnownBlueGreenDifference[];
}

const NAME = 'app';

function template(metrics: MetricServer, key: string, which: 'pre' | 'post'): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: `${which}-promotion` },
    spec: {
      metrics: [
        {
          name: 'verdict',
          count: 1,
          successCondition: 'result == true',
          provider: { web: { url: metrics.url(key, which), jsonPath: '{$.ok}' } },
        },
      ],
    },
  };
}

/** The manifests: the AnalysisTemplates, the Rollout and its active and preview Services. */
export function blueGreenManifests(
  sc: BlueGreenScenario,
  image: string,
  metrics: MetricServer,
  key: string,
): unknown[] {
  const labels = { app: NAME };
  const analysis = (which: 'pre' | 'post'): Record<string, unknown> =>
    sc.analysis?.[which] === true
      ? { [`${which}PromotionAnalysis`]: { templates: [{ templateName: `${which}-promotion` }] } }
      : {};
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: NAME },
    spec: {
      replicas: sc.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: NAME, image }] } },
      strategy: {
        blueGreen: {
          activeService: SERVICES.active,
          previewService: SERVICES.preview,
          ...analysis('pre'),
          ...analysis('post'),
          ...sc.blueGreen,
        },
      },
    },
  };
  const services = [SERVICES.active, SERVICES.preview].map((name) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: labels, ports: [{ port: 80 }] },
  }));
  const templates = (['pre', 'post'] as const)
    .filter((w) => sc.analysis?.[w] === true)
    .map((w) => template(metrics, key, w));
  return [...templates, rollout, ...services];
}

export interface BlueGreenResult {
  comparisons: number;
  points: { op: BlueGreenOp; argo: BlueGreenPoint; pilot: BlueGreenPoint }[];
}

async function argoOp(argo: ArgoSide, docs: unknown[], op: BlueGreenOp, first: boolean): Promise<void> {
  if (op.do !== 'deploy') return argo.command(op.do);
  return first ? argo.create(docs) : argo.setTemplate(op.image, {});
}

/**
 * Runs `sc` through Argo's controller and through rollout-pilot side by side, op by op, and
 * compares every settle point field by field (a side-by-side table on a mismatch).
 */
export async function runBlueGreenScenario(
  t: TestContext,
  sc: BlueGreenScenario,
  metrics: MetricServer,
): Promise<BlueGreenResult> {
  const argoNs = await freshNamespace(t, 'argo', 'argo-bg');
  const pilotNs = await freshNamespace(t, 'main', 'rp-bg');
  const kubeconfig = await roleKubeconfig('main', pilotNs);
  const argo = new ArgoSide(argoNs, NAME);
  const pilot = new PilotSide('main', pilotNs, NAME, kubeconfig, {});
  const key = argoNs;
  metrics.set(key, {});
  const first = sc.ops[0]?.do === 'deploy' ? sc.ops[0].image : '';
  const result: BlueGreenResult = { comparisons: 0, points: [] };
  let revision = 0;
  let prevArgo: BlueGreenPoint | undefined;
  for (const [i, op] of sc.ops.entries()) {
    if (op.verdicts !== undefined) metrics.set(key, op.verdicts);
    if (op.do === 'deploy' || op.do === 'undo') revision++;
    const pilotRun = (): Promise<ActionRun> =>
      op.do === 'deploy'
        ? pilot.deploy(blueGreenManifests(sc, first, metrics, key), { container: NAME, image: op.image })
        : pilot.command(op.do);
    const deployed = op.do === 'deploy' ? op.image : first;
    const [a, p] = await Promise.all([
      argoOp(argo, blueGreenManifests(sc, deployed, metrics, key), op, i === 0).then(() =>
        settleArgoBlueGreen(argo, revision, op.argoUndoes === true ? undefined : prevArgo),
      ),
      pilotRun().then(async (run) => ({ run, point: await settlePilotBlueGreen(pilot, revision, run) })),
    ]);
    prevArgo = a;
    const known = (sc.known ?? []).filter((k) => k.after === i);
    const where = `${sc.name}: after op ${i + 1} (${op.do}${op.do === 'deploy' ? ` ${op.image}` : ''})`;
    assertSettlePoint(t, where, BLUEGREEN_FIELDS, { argo: a, pilot: p.point, run: p.run }, known);
    result.comparisons++;
    result.points.push({ op, argo: a, pilot: p.point });
  }
  return result;
}
