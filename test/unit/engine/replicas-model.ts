/**
 * An independent model of the canary target counts, for property tests of src/engine/replicas.ts.
 *
 * It shares no code with the implementation and reaches the answer differently: exact integer
 * (rational) arithmetic instead of float64, and a brute-force search over every
 * (canary, total) pair instead of a short ordered list of candidates. A pair is admissible when
 * the written rules allow it; among admissible pairs the one nearest the weight wins, ties going
 * to the smaller total and then to the larger canary count (Argo's candidate order).
 */

export type ModelIntOrPercent = number | string;

/** maxSurge/maxUnavailable resolved with exact integer arithmetic ("25%" defaults). */
export function modelLimits(
  maxSurge: ModelIntOrPercent | undefined,
  maxUnavailable: ModelIntOrPercent | undefined,
  replicas: number,
): { maxSurge: number; maxUnavailable: number; minAvailable: number; maxTotal: number } {
  const resolve = (value: ModelIntOrPercent, roundUp: boolean): number => {
    if (typeof value === 'number') return value;
    const match = /^(\d+)%$/.exec(value);
    if (match?.[1] === undefined) throw new Error(`model only handles plain percentages: ${value}`);
    const numerator = Number(match[1]) * replicas;
    const quotient = Math.floor(numerator / 100);
    return roundUp && numerator % 100 !== 0 ? quotient + 1 : quotient;
  };
  const surge = resolve(maxSurge ?? '25%', true);
  let unavailable = resolve(maxUnavailable ?? '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  if (replicas === 0) unavailable = 0;
  unavailable = Math.min(unavailable, replicas);
  return {
    maxSurge: surge,
    maxUnavailable: unavailable,
    minAvailable: replicas - unavailable,
    maxTotal: replicas + surge,
  };
}

/** |canary/total − weight/maxWeight| scaled by maxWeight, kept as an exact fraction num/den. */
interface Fraction {
  num: number;
  den: number;
}

function lessThan(a: Fraction, b: Fraction): boolean {
  return a.num * b.den < b.num * a.den;
}

function equal(a: Fraction, b: Fraction): boolean {
  return a.num * b.den === b.num * a.den;
}

/** Target canary/stable counts for a weight, by exhaustive search with exact arithmetic. */
export function modelTargetCounts(
  replicas: number,
  weight: number,
  maxWeight: number,
  maxSurge: number,
): { canary: number; stable: number } {
  if (replicas === 0) return { canary: 0, stable: 0 };

  const product = replicas * weight;
  const down = Math.floor(product / maxWeight);
  const up = product % maxWeight === 0 ? down : down + 1;
  // total·weight/maxWeight has fractional part exactly one half.
  const halfway = (total: number): boolean => (2 * total * weight) % (2 * maxWeight) === maxWeight;
  const zeroAllowed = weight === 0 || weight === maxWeight || (replicas === 1 && maxSurge === 0);

  const totals = maxSurge > 0 ? [replicas, replicas + 1] : [replicas];
  let best: { canary: number; total: number; distance: Fraction } | null = null;
  for (const total of totals) {
    for (let canary = total; canary >= 0; canary--) {
      const asUp = canary === up && (total > replicas || up < replicas || zeroAllowed);
      const asDown = canary === down && !halfway(total) && (down !== 0 || zeroAllowed);
      if (!asUp && !asDown) continue;
      const distance = { num: Math.abs(canary * maxWeight - weight * total), den: total };
      // Visiting totals ascending and canary counts descending, only a strictly nearer pair
      // replaces the incumbent: that is the tie-break.
      if (best === null || lessThan(distance, best.distance)) {
        best = { canary, total, distance };
      } else if (equal(distance, best.distance)) {
        continue;
      }
    }
  }
  if (best === null) return { canary: 0, stable: replicas };
  return { canary: best.canary, stable: best.total - best.canary };
}
