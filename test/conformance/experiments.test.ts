import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXPERIMENT_SCENARIOS } from './experiment-scenarios.ts';
import { NAME, runExperimentScenario } from './harness/experiment-run.ts';
import { suiteMetricServer, type MetricServer } from './harness/metric-server.ts';

// Experiments mostly wait (durations, deadlines, analysis intervals): several at a time.
const CONCURRENCY = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_CONCURRENCY ?? 3);
const only = process.env.ROLLOUT_PILOT_CONFORMANCE_ONLY;
let comparisons = 0;

const metrics = suiteMetricServer(() => {
  console.log(`conformance (experiments): ${comparisons} settle points compared`);
});

test('the experiment table holds at least 6 scenarios and covers what #11 asks', () => {
  assert.ok(EXPERIMENT_SCENARIOS.length >= 6, `${EXPERIMENT_SCENARIOS.length} scenarios`);
  const text = JSON.stringify(EXPERIMENT_SCENARIOS.map((sc) => sc.manifests(metricsStub, 'k')));
  for (const field of [
    'duration',
    'requiredForCompletion',
    'progressDeadlineSeconds',
    'service',
    'dryRun',
    '"job"',
  ])
    assert.ok(text.includes(field), field);
  assert.ok(EXPERIMENT_SCENARIOS.some((sc) => sc.ops.some((o) => o.at === 'final' && o.terminate === true)));
});

const metricsStub = {
  url: (key: string, which: string) => `http://127.0.0.1:1/${key}/${which}`,
} as MetricServer;

describe(
  'Experiments: rollout-pilot against Argo Rollouts v1.10.2, settle point by settle point',
  { concurrency: CONCURRENCY },
  () => {
    for (const sc of EXPERIMENT_SCENARIOS) {
      if (only !== undefined && !sc.name.includes(only)) continue;
      test(sc.name, async (t) => {
        const r = await runExperimentScenario(t, sc, metrics());
        assert.equal(r.points.length, sc.ops.length);
        const last = r.points.at(-1);
        // Every template's ReplicaSet had its pods, and ends at 0 (on each side compared).
        assert.ok(last !== undefined && /^(Successful|Failed|Error|Inconclusive)$/.test(last.argo.phase));
        const names = last.argo.replicaSets.split('; ').map((l) => l.split(' ')[0] ?? '');
        assert.deepEqual(r.argo.timeline.hadPods(NAME), names.sort(), 'every ReplicaSet had its pods (Argo)');
        if (r.pilot !== undefined)
          assert.deepEqual(
            r.pilot.timeline.hadPods(NAME),
            names,
            'every ReplicaSet had its pods (rollout-pilot)',
          );
        if (r.pilot !== undefined) comparisons += r.points.length;
      });
    }
  },
);
