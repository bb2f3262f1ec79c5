// Preloaded into a profiled process (`node --import ./mem-sampler.mjs`): samples
// process.memoryUsage() every 200 ms into $RP_MEM_OUT (one JSON line each), and writes a heap
// snapshot into $RP_SNAP_DIR the first time heapUsed passes each of $RP_SNAP_AT_MB (comma list),
// and one $RP_SNAP_AT_S seconds after the start.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

const out = process.env.RP_MEM_OUT;
const dir = process.env.RP_SNAP_DIR;
const marks = (process.env.RP_SNAP_AT_MB ?? '')
  .split(',')
  .filter((x) => x !== '')
  .map(Number)
  .sort((a, b) => a - b);
const atSeconds = Number(process.env.RP_SNAP_AT_S ?? 0);
let timed = atSeconds > 0;
const t0 = Date.now();
const timer = setInterval(() => {
  const m = process.memoryUsage();
  if (out) appendFileSync(out, `${JSON.stringify({ t: Date.now() - t0, ...m })}\n`);
  const mb = m.heapUsed / 1048576;
  if (dir && timed && Date.now() - t0 >= atSeconds * 1000) {
    timed = false;
    const file = v8.writeHeapSnapshot(path.join(dir, `at-${atSeconds}s.heapsnapshot`));
    if (out) appendFileSync(out, `${JSON.stringify({ t: Date.now() - t0, snapshot: file })}\n`);
  }
  if (dir && marks.length > 0 && mb >= (marks[0] ?? Infinity)) {
    const mark = marks.shift();
    const file = v8.writeHeapSnapshot(path.join(dir, `at-${mark}MB-${Date.now() - t0}ms.heapsnapshot`));
    if (out) appendFileSync(out, `${JSON.stringify({ t: Date.now() - t0, snapshot: file })}\n`);
  }
}, 200);
timer.unref();
