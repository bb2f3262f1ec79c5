// Summarises a .heapsnapshot: self size by constructor (node type + name), and the retained size
// of the largest dominators grouped by constructor. Usage: node heap-summary.mjs FILE [top]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[3] ?? 40);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const nf = meta.node_fields;
const nfc = nf.length;
const ef = meta.edge_fields;
const efc = ef.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const N = snap.nodes.length / nfc;
const iType = nf.indexOf('type');
const iName = nf.indexOf('name');
const iSize = nf.indexOf('self_size');
const iEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type');
const eName = ef.indexOf('name_or_index');
const eTo = ef.indexOf('to_node');
const nodes = snap.nodes;
const edges = snap.edges;
const strings = snap.strings;
const label = (i) => {
  const t = nodeTypes[nodes[i * nfc + iType]];
  const name = strings[nodes[i * nfc + iName]];
  if (t === 'object' || t === 'closure' || t === 'native') return `${t}:${name.slice(0, 60)}`;
  if (t === 'string' || t === 'concatenated string' || t === 'sliced string') return 'string';
  return `${t}:${t === 'hidden' || t === 'array' || t === 'code' ? name.slice(0, 40) : ''}`;
};
// Self sizes by label.
const self = new Map();
let total = 0;
for (let i = 0; i < N; i++) {
  const s = nodes[i * nfc + iSize];
  total += s;
  const l = label(i);
  const e = self.get(l) ?? [0, 0];
  e[0] += s;
  e[1]++;
  self.set(l, e);
}
const mb = (b) => (b / 1048576).toFixed(1);
console.log(`total self size ${mb(total)} MB in ${N} nodes`);
console.log('\n== self size by constructor');
for (const [l, [s, c]] of [...self].sort((a, b) => b[1][0] - a[1][0]).slice(0, top))
  console.log(`${mb(s).padStart(8)} MB ${String(c).padStart(9)}  ${l}`);

// Dominator tree (Cooper-Harvey-Kennedy on the reversed postorder), ignoring weak edges.
const firstEdge = new Uint32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += nodes[i * nfc + iEdges] * efc;
  firstEdge[i + 1] = e;
}
const weak = edgeTypes.indexOf('weak');
const shortcut = edgeTypes.indexOf('shortcut');
const succ = (i, f) => {
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += efc) {
    const t = edges[e + eType];
    if (t === weak) continue;
    if (i === 0 && t === shortcut) continue;
    f(edges[e + eTo] / nfc);
  }
};
// Iterative DFS postorder from root 0.
const post = new Int32Array(N).fill(-1);
const order = [];
const visited = new Uint8Array(N);
const stack = [0];
const iter = [];
visited[0] = 1;
const kids = (i) => {
  const k = [];
  succ(i, (j) => k.push(j));
  return k;
};
iter.push([0, kids(0), 0]);
while (iter.length) {
  const top_ = iter[iter.length - 1];
  if (top_[2] < top_[1].length) {
    const j = top_[1][top_[2]++];
    if (!visited[j]) {
      visited[j] = 1;
      iter.push([j, kids(j), 0]);
    }
  } else {
    post[top_[0]] = order.length;
    order.push(top_[0]);
    iter.pop();
  }
}
void stack;
const preds = Array.from({ length: N }, () => []);
for (let i = 0; i < N; i++) if (visited[i]) succ(i, (j) => visited[j] && preds[j].push(i));
const idom = new Int32Array(N).fill(-1);
idom[0] = 0;
const intersect = (a, b) => {
  while (a !== b) {
    while (post[a] < post[b]) a = idom[a];
    while (post[b] < post[a]) b = idom[b];
  }
  return a;
};
for (let changed = true; changed;) {
  changed = false;
  for (let k = order.length - 1; k >= 0; k--) {
    const b = order[k];
    if (b === 0) continue;
    let d = -1;
    for (const p of preds[b]) if (idom[p] !== -1) d = d === -1 ? p : intersect(p, d);
    if (d !== -1 && idom[b] !== d) {
      idom[b] = d;
      changed = true;
    }
  }
}
const retained = new Float64Array(N);
for (let k = 0; k < order.length; k++) {
  const i = order[k];
  retained[i] += nodes[i * nfc + iSize];
  if (i !== 0) retained[idom[i]] += retained[i];
}
// Nodes directly under "synthetic" roots are uninteresting; report the biggest non-root objects
// whose dominator is a synthetic/root-ish node or a different constructor (their own subtrees).
console.log('\n== largest retained sizes (single objects)');
const idx = [...order].filter((i) => i !== 0).sort((a, b) => retained[b] - retained[a]);
let shown = 0;
for (const i of idx) {
  if (shown >= top) break;
  const t = nodeTypes[nodes[i * nfc + iType]];
  if (t === 'synthetic') continue;
  shown++;
  const d = idom[i];
  console.log(`${mb(retained[i]).padStart(8)} MB  ${label(i)}  #${i}  (dominated by ${label(d)} #${d})`);
}
// A path of edge names from the root for the chosen nodes: RP_PATH=id1,id2
for (const id of (process.env.RP_PATH ?? '').split(',').filter(Boolean).map(Number)) {
  const chain = [];
  for (let i = id; i !== 0 && chain.length < 30; i = idom[i]) chain.push(`${label(i)}(${mb(retained[i])})`);
  console.log(`\npath of #${id}: ${chain.reverse().join(' <- ')}`);
}
// Children of a node by retained size: RP_KIDS=id
for (const id of (process.env.RP_KIDS ?? '').split(',').filter(Boolean).map(Number)) {
  console.log(`\nedges of #${id} ${label(id)}:`);
  const rows = [];
  for (let e = firstEdge[id]; e < firstEdge[id + 1]; e += efc) {
    const j = edges[e + eTo] / nfc;
    const t = edgeTypes[edges[e + eType]];
    const n = t === 'element' || t === 'hidden' ? edges[e + eName] : strings[edges[e + eName]];
    rows.push([retained[j], `${t}:${n} -> ${label(j)} #${j}${idom[j] === id ? '' : ' (shared)'}`]);
  }
  for (const [r, s] of rows.sort((a, b) => b[0] - a[0]).slice(0, 25))
    console.log(`${mb(r).padStart(8)} MB  ${s}`);
}
// Retained size by constructor: each object counted unless an object of the same constructor
// dominates it (so a tree of N nested Objects is counted once, at its top).
const byCtor = new Map();
for (const i of order) {
  if (i === 0) continue;
  const l = label(i);
  let nested = false;
  for (let d = idom[i], hops = 0; d !== 0 && hops < 50; d = idom[d], hops++) {
    if (label(d) === l) {
      nested = true;
      break;
    }
  }
  if (nested) continue;
  const e = byCtor.get(l) ?? [0, 0];
  e[0] += retained[i];
  e[1]++;
  byCtor.set(l, e);
}
console.log('\n== retained size by constructor (outermost of each)');
for (const [l, [s, c]] of [...byCtor].sort((a, b) => b[1][0] - a[1][0]).slice(0, top))
  console.log(`${mb(s).padStart(8)} MB ${String(c).padStart(9)}  ${l}`);
