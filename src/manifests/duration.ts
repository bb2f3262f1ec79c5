/**
 * Durations as Argo Rollouts reads them. Argo uses Go's `time.ParseDuration` for duration strings
 * (metric `interval`, experiment `duration`, ...) and, for a pause step, also accepts a bare number of
 * seconds (`RolloutPause.DurationSeconds` in types.go). Pure.
 */

const UNIT_SECONDS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-9],
  ['us', 1e-6],
  ['\u00b5s', 1e-6], // micro sign
  ['\u03bcs', 1e-6], // Greek small mu
  ['ms', 1e-3],
  ['s', 1],
  ['m', 60],
  ['h', 3600],
]);

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/**
 * Parses a Go duration string ("300ms", "1.5h", "2h45m", "-5s", "0") into seconds; undefined when Go
 * would reject it. Every number needs a unit, except a lone "0".
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) return undefined;
    const whole = m[1] ?? '';
    const frac = m[2];
    const unitText = m[3] ?? '';
    if (whole === '' && (frac === undefined || frac === '')) return undefined; // "." or no digits at all
    const factor = UNIT_SECONDS.get(unitText);
    if (factor === undefined) return undefined;
    total += Number(`${whole === '' ? '0' : whole}.${frac ?? ''}0`) * factor;
    s = s.slice(whole.length + (frac === undefined ? 0 : frac.length + 1) + unitText.length);
  }
  return sign * total;
}

/**
 * A pause step's `duration` in whole seconds, as Argo computes it: an integer is seconds; a string is
 * seconds when it is a plain integer ("30"), otherwise a Go duration ("10s", "5m", "1h") truncated to
 * whole seconds. Undefined when Argo cannot read it; negative results are returned as they are (the
 * caller rejects them, as Argo does).
 */
export function pauseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (/^[+-]?\d+$/.test(value)) {
    const n = Number(value);
    return n >= INT32_MIN && n <= INT32_MAX ? n : undefined;
  }
  const seconds = parseGoDuration(value);
  if (seconds === undefined) return undefined;
  const whole = Math.trunc(seconds);
  return whole >= INT32_MIN && whole <= INT32_MAX ? whole : undefined;
}

/** Whether a string still holds a template placeholder (`{{args.x}}`) that is resolved later. */
export function hasPlaceholder(text: string): boolean {
  return /\{\{.*?\}\}/.test(text);
}
