import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runScenario } from './harness/scenario.ts';
import { ROUTER_SCENARIOS } from './router-scenarios.ts';

// Router scenarios mostly wait (settle holds, scale-down delays): five at a time keeps the suite short.
const CONCURRENCY = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_CONCURRENCY ?? 5);
const only = process.env.ROLLOUT_PILOT_CONFORMANCE_ONLY;
let comparisons = 0;

test('the router tables hold at least 20 scenarios, NGINX and Istio (host and subset level)', () => {
  assert.ok(ROUTER_SCENARIOS.length >= 20, `${ROUTER_SCENARIOS.length} scenarios`);
  const kinds = new Set(ROUTER_SCENARIOS.map((sc) => sc.router?.kind));
  assert.deepEqual([...kinds].sort(), ['istio-host', 'istio-subset', 'nginx']);
});

describe(
  'traffic routers: rollout-pilot against Argo Rollouts v1.10.2, router objects compared at every settle point',
  { concurrency: CONCURRENCY },
  () => {
    for (const sc of ROUTER_SCENARIOS) {
      if (only !== undefined && !sc.name.includes(only)) continue;
      test(sc.name, async (t) => {
        const r = await runScenario(t, sc);
        assert.equal(r.comparisons, sc.ops.length);
        assert.ok(r.points.every((p) => p.argo.router !== undefined && p.pilot.router !== undefined));
        comparisons += r.comparisons;
      });
    }
  },
);

after(() => {
  console.log(`conformance (traffic routers): ${comparisons} settle points compared`);
});
