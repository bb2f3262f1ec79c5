import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bucket } from '../../../scripts/demo/shares.ts';
import { escapeXml, svgChart, wrapEvents } from '../../../scripts/demo/svg-chart.ts';
import { block, textChart } from '../../../scripts/demo/text-chart.ts';

const bucket = (start: number, shares: number[], errorShare = 0, total = 10): Bucket => ({
  start,
  total,
  shares,
  errorShare,
});

test('block: none is a dot, any share shows at least the lowest block, 100% the full one', () => {
  assert.equal(block(0), '·');
  assert.equal(block(0.001), '▁');
  assert.equal(block(0.125), '▁');
  assert.equal(block(0.2), '▂');
  assert.equal(block(0.5), '▄');
  assert.equal(block(1), '█');
  assert.equal(block(Number.NaN), '·');
});

test('textChart: a row per revision and for failures, blank where no request was sent, lettered events', () => {
  const list = [
    bucket(0, [1, 0]),
    bucket(1000, [0.8, 0.2], 0.1),
    bucket(2000, [0, 0], 0, 0),
    bucket(3000, [0, 1]),
  ];
  const lines = textChart(
    list,
    [{ name: 'v1' }, { name: 'v2' }],
    [
      { t: 1200, label: 'v2 20%' },
      { t: 1900, label: 'pause' },
      { t: 3500, label: 'all to v2' },
    ],
    1000,
  );
  assert.match(lines[0] ?? '', /one column = 1 s/);
  assert.equal(lines[1], '  v1      █▇ ·');
  assert.equal(lines[2], '  v2      ·▂ █');
  assert.equal(lines[3], '  failed  ·▁ ·');
  // Two events in the same column: the second moves right.
  assert.equal(lines[4], '  events   abc');
  assert.deepEqual(lines.slice(5), [
    '          a 0:01 v2 20%',
    '          b 0:02 pause',
    '          c 0:04 all to v2',
  ]);
});

test('svgChart: well-formed, one band per revision that has traffic, the failure line, escaped labels', () => {
  const svg = svgChart({
    title: 'demo <ns> & "quotes"',
    buckets: [bucket(0, [1, 0]), bucket(1000, [0.5, 0.5], 0.25), bucket(2000, [0, 0], 0, 0)],
    series: [{ name: 'v1' }, { name: 'v2 <canary>' }],
    marks: [{ t: 1000, label: 'v2 50%' }],
    width: 1000,
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal((svg.match(/<polygon /g) ?? []).length, 2);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 1);
  assert.ok(svg.includes('demo &lt;ns&gt; &amp; &quot;quotes&quot;'));
  assert.ok(svg.includes('v2 &lt;canary&gt;'));
  assert.ok(
    !/<[^>]*<[^/]/.test(svg.replace(/\n/g, ' ').replace(/>\s*</g, '><')),
    'no tag opens inside another',
  );
  // v1 takes all of the first bucket: its band starts at the top (y 40 = 100%) over 0..1 s (x 60..353.3).
  assert.match(svg, /<polygon points="60,40 353.3,40 353.3,170 /);
});

test('escapeXml and wrapEvents', () => {
  assert.equal(escapeXml(`a<b>&'"`), 'a&lt;b&gt;&amp;&apos;&quot;');
  assert.deepEqual(wrapEvents(['a 1', 'b 2', 'c 3'], 9), ['a 1   b 2', 'c 3']);
  assert.deepEqual(wrapEvents([], 8), []);
});
