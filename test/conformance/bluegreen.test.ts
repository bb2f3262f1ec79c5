import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BLUEGREEN_SCENARIOS } from './bluegreen-scenarios.ts';
import { runBlueGreenScenario } from './harness/bluegreen.ts';
import { suiteMetricServer } from './harness/metric-server.ts';

// Blue-green scenarios mostly wait (settle holds, scale-down delays): five at a time.
const CONCURRENCY = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_CONCURRENCY ?? 5);
const only = process.env.ROLLOUT_PILOT_CONFORMANCE_ONLY;
let comparisons = 0;

const metrics = suiteMetricServer(() => {
  console.log(`conformance (blue-green): ${comparisons} settle points compared`);
});

test('the blue-green table holds at least 12 scenarios and 50 settle points, and covers what #14 asks', () => {
  const points = BLUEGREEN_SCENARIOS.reduce((n, sc) => n + sc.ops.length, 0);
  assert.ok(BLUEGREEN_SCENARIOS.length >= 12, `${BLUEGREEN_SCENARIOS.length} scenarios`);
  assert.ok(points >= 50, `${points} settle points`);
  const has = (pred: (sc: (typeof BLUEGREEN_SCENARIOS)[number]) => boolean): boolean =>
    BLUEGREEN_SCENARIOS.some(pred);
  const field = (sc: (typeof BLUEGREEN_SCENARIOS)[number], f: string): unknown => sc.blueGreen?.[f];
  assert.ok(has((sc) => field(sc, 'previewReplicaCount') !== undefined));
  assert.ok(has((sc) => field(sc, 'autoPromotionSeconds') !== undefined));
  assert.ok(has((sc) => field(sc, 'scaleDownDelayRevisionLimit') !== undefined));
  assert.ok(has((sc) => sc.analysis?.pre === true) && has((sc) => sc.analysis?.post === true));
  for (const op of ['abort', 'retry', 'undo', 'promote-full'])
    assert.ok(
      has((sc) => sc.ops.some((o) => o.do === op)),
      op,
    );
  assert.ok(has((sc) => sc.replicas === 1) && has((sc) => sc.replicas === 5));
});

describe(
  'blue-green: rollout-pilot against Argo Rollouts v1.10.2, settle point by settle point',
  { concurrency: CONCURRENCY },
  () => {
    for (const sc of BLUEGREEN_SCENARIOS) {
      if (only !== undefined && !sc.name.includes(only)) continue;
      test(sc.name, async (t) => {
        const r = await runBlueGreenScenario(t, sc, metrics());
        assert.equal(r.comparisons, sc.ops.length);
        if (sc.analysis !== undefined) {
          // Both sides measured the test's metric: the analysis really ran on each.
          assert.ok(r.points.some((p) => p.argo.analysis.length > 0 && p.pilot.analysis.length > 0));
        }
        comparisons += r.comparisons;
      });
    }
  },
);
