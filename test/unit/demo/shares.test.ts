import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bucketWidthFor,
  buckets,
  describeShares,
  revisionOfPod,
  sharesBetween,
  type Sample,
} from '../../../scripts/demo/shares.ts';

const s = (t: number, revision: string, status = 200): Sample => ({ t, revision, status });

test('revisionOfPod takes the ReplicaSet hash out of a pod name, and nothing from a stranger', () => {
  assert.equal(revisionOfPod('shop', 'shop-5c8d9f7b6-x2k4q'), '5c8d9f7b6');
  assert.equal(revisionOfPod('my-shop', 'my-shop-abc12-zz9yx'), 'abc12');
  assert.equal(revisionOfPod('shop', 'cart-5c8d9f7b6-x2k4q'), '');
  assert.equal(revisionOfPod('shop', 'shop-x2k4q'), '');
});

test('sharesBetween counts the span [from, to) only, with 5xx per revision, in the order given', () => {
  const samples = [s(0, 'a'), s(10, 'b', 500), s(20, 'a'), s(30, 'a', 503), s(40, '', 502), s(50, 'b')];
  const span = sharesBetween(samples, 10, 50, ['a', 'b']);
  assert.equal(span.total, 4);
  assert.equal(span.errors, 3);
  assert.deepEqual(
    span.revisions.map((r) => [r.revision, r.count, r.errors, r.share]),
    [
      ['a', 2, 1, 0.5],
      ['b', 1, 1, 0.25],
      ['', 1, 1, 0.25],
    ],
  );
  assert.deepEqual(sharesBetween(samples, 100, 200), { total: 0, errors: 0, revisions: [] });
});

test('buckets give each revision its share per bucket, the 5xx share, and a short last bucket', () => {
  const samples = [s(0, 'a'), s(500, 'a'), s(900, 'b', 500), s(1000, 'b'), s(1500, 'b'), s(2100, 'a')];
  const list = buckets(samples, ['a', 'b'], 1000, 2500);
  assert.equal(list.length, 3);
  assert.deepEqual(list[0], { start: 0, total: 3, shares: [2 / 3, 1 / 3], errorShare: 1 / 3 });
  assert.deepEqual(list[1], { start: 1000, total: 2, shares: [0, 1], errorShare: 0 });
  assert.deepEqual(list[2], { start: 2000, total: 1, shares: [1, 0], errorShare: 0 });
  assert.throws(() => buckets(samples, ['a'], 0, 10), /positive/);
});

test('bucketWidthFor keeps the columns at most the limit, in whole seconds', () => {
  assert.equal(bucketWidthFor(60_000, 72), 1000);
  assert.equal(bucketWidthFor(150_000, 72), 3000);
  assert.ok(150_000 / bucketWidthFor(150_000, 72) <= 72);
});

test('describeShares names revisions, shows their 5xx and the span total', () => {
  const span = sharesBetween([s(0, 'a'), s(1, 'a'), s(2, 'a'), s(3, 'b', 500)], 0, 10, ['a', 'b']);
  const name = (r: string): string => (r === 'a' ? 'v1' : 'v2');
  assert.equal(describeShares(span, name), 'v1 75.0% · v2 25.0% (1 failed)  (n=4, failed 25.0%)');
  assert.equal(describeShares(sharesBetween([], 0, 1), name), 'no requests');
  assert.match(describeShares(sharesBetween([s(0, '', 502)], 0, 1), name), /^no pod 100\.0% \(1 failed\)/);
});

test('a request with no answer (status 0) counts as failed, as a 5xx does; a 4xx does not', () => {
  const span = sharesBetween([s(0, '', 0), s(1, 'a', 404), s(2, 'a', 503)], 0, 10);
  assert.equal(span.errors, 2);
  assert.equal(buckets([s(0, '', 0), s(1, 'a')], ['a'], 1000, 1000)[0]?.errorShare, 0.5);
});
