import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { generate } from './generated.ts';
import { runScenario } from './harness/scenario.ts';
import { SCENARIOS } from './scenarios.ts';

const CONCURRENCY = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_CONCURRENCY ?? 3);
let comparisons = 0;

test('the tables compare at least 40 settle points, each one field by field', () => {
  const handWritten = SCENARIOS.reduce((n, sc) => n + sc.ops.length, 0);
  const generated = generate(20261205, 6).reduce((n, sc) => n + sc.ops.length, 0);
  assert.ok(handWritten >= 40, `${handWritten} hand-written settle points`);
  assert.ok(handWritten + generated >= 80, `${handWritten + generated} settle points in all`);
});

describe(
  'rollout-pilot against Argo Rollouts v1.10.2, settle point by settle point',
  { concurrency: CONCURRENCY },
  () => {
    for (const sc of SCENARIOS) {
      test(sc.name, async (t) => {
        const r = await runScenario(t, sc);
        assert.equal(r.comparisons, sc.ops.length);
        comparisons += r.comparisons;
      });
    }
    test('rollout-pilot behaves the same on a cluster with Argo’s CRDs and controller', async (t) => {
      const sc = SCENARIOS[0];
      assert.ok(sc);
      const r = await runScenario(
        t,
        { ...sc, name: `${sc.name} (rollout-pilot on the Argo cluster)` },
        'argo',
      );
      assert.equal(r.comparisons, sc.ops.length);
      comparisons += r.comparisons;
    });
  },
);

after(() => {
  console.log(`conformance (hand-written): ${comparisons} settle points compared`);
});
