import type { Op, Scenario } from './harness/scenario.ts';

/** mulberry32: a small seeded generator, so a failing table can be run again as it was. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REPLICAS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 25];
const BUDGETS: (number | string)[] = [0, 1, 2, 3, '0%', '10%', '25%', '33%', '50%'];

function pick<T>(rnd: () => number, from: readonly T[]): T {
  const v = from[Math.floor(rnd() * from.length)];
  if (v === undefined) throw new Error('empty choice');
  return v;
}

const isZero = (v: number | string): boolean => v === 0 || v === '0%';

export function generate(seed: number, count: number): Scenario[] {
  const rnd = random(seed);
  const out: Scenario[] = [];
  for (let i = 0; i < count; i++) {
    const replicas = pick(rnd, REPLICAS);
    const maxSurge = pick(rnd, BUDGETS);
    let maxUnavailable = pick(rnd, BUDGETS);
    // Argo rejects both at zero: nothing could move.
    if (isZero(maxSurge) && isZero(maxUnavailable)) maxUnavailable = 1;
    const weights: number[] = [];
    let w = 0;
    const rungs = 2 + Math.floor(rnd() * 2);
    for (let r = 0; r < rungs; r++) {
      w = Math.min(99, w + 1 + Math.floor(rnd() * (90 / rungs)));
      weights.push(w);
    }
    const steps = weights.flatMap((x) => [{ setWeight: x }, { pause: {} }]);
    const ops: Op[] = [
      { do: 'deploy', image: 'example/app:1' },
      { do: 'deploy', image: 'example/app:2' },
    ];
    const abortAt = rnd() < 0.4 ? Math.floor(rnd() * rungs) : -1;
    for (let r = 0; r < rungs; r++) {
      if (r === abortAt) ops.push({ do: 'abort' }, { do: 'retry' });
      ops.push({ do: 'promote' });
    }
    out.push({
      name: `seed ${seed} #${i + 1}: ${replicas} replicas, maxSurge ${maxSurge}, maxUnavailable ${maxUnavailable}, weights ${weights.join('/')}${abortAt >= 0 ? `, abort+retry at pause ${abortAt + 1}` : ''}`,
      replicas,
      steps,
      canary: { maxSurge, maxUnavailable },
      ops,
    });
  }
  return out;
}
