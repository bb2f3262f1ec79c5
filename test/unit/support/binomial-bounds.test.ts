import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binomialBounds } from '../../support/traffic.ts';

test('binomialBounds: the textbook interval for 1000 draws at 10 %, and for a fair coin', () => {
  // Binomial(1000, 0.1): P(X < 57) and P(X > 149) are each under 5e-7.
  assert.deepEqual(binomialBounds(1000, 0.1, 1e-6), { lo: 57, hi: 149 });
  const coin = binomialBounds(400, 0.5, 1e-6);
  assert.equal(coin.lo + coin.hi, 400, 'symmetric');
});

test('binomialBounds: thousands of draws, where (1 - p)^n underflows, still give an interval around n·p', () => {
  for (const [n, p] of [
    [5000, 0.3],
    [20_000, 0.1],
  ] as const) {
    const { lo, hi } = binomialBounds(n, p, 1e-6);
    const sd = Math.sqrt(n * p * (1 - p));
    // About ±4.9 standard deviations at alpha 1e-6.
    assert.ok(Math.abs(n * p - lo - 4.9 * sd) < 0.5 * sd, `${n}, ${p}: lo ${lo}`);
    assert.ok(Math.abs(hi - n * p - 4.9 * sd) < 0.5 * sd, `${n}, ${p}: hi ${hi}`);
  }
});
