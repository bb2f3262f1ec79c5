// Self and total time by function of a .cpuprofile. Usage: node cpu-summary.mjs FILE [top] [filter]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 40);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const d = prof.timeDeltas[i + 1] ?? 0;
  dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + d);
}
const key = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^.*\/(dist|node_modules|src)\//, '$1/');
  return `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
};
const self = new Map();
const totalT = new Map();
let all = 0;
for (const [id, t] of dt) {
  all += t;
  const n = byId.get(id);
  self.set(key(n), (self.get(key(n)) ?? 0) + t);
  // Total: every distinct function on the stack once.
  const seen = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const k = key(byId.get(x));
    if (seen.has(k)) continue;
    seen.add(k);
    totalT.set(k, (totalT.get(k) ?? 0) + t);
  }
}
const ms = (us) => (us / 1000).toFixed(0).padStart(8);
console.log(`sampled ${ms(all)} ms`);
console.log('== self');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(t)} ms ${((100 * t) / all).toFixed(1).padStart(5)}%  ${k}`);
console.log('== total');
for (const [k, t] of [...totalT].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(t)} ms ${((100 * t) / all).toFixed(1).padStart(5)}%  ${k}`);
