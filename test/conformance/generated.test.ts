import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { generate } from './generated.ts';
import { runScenario } from './harness/scenario.ts';

const SEED = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_SEED ?? 20261205);
const COUNT = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_GENERATED ?? 6);

const CONCURRENCY = Number(process.env.ROLLOUT_PILOT_CONFORMANCE_CONCURRENCY ?? 3);
let comparisons = 0;

describe(`a generated table (seed ${SEED})`, { concurrency: CONCURRENCY }, () => {
  for (const sc of generate(SEED, COUNT)) {
    test(sc.name, async (t) => {
      const r = await runScenario(t, sc);
      assert.equal(r.comparisons, sc.ops.length);
      comparisons += r.comparisons;
    });
  }
});

after(() => {
  console.log(`conformance (generated, seed ${SEED}): ${comparisons} settle points compared`);
});
