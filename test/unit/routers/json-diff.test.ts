import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDiff, pointerToken } from '../../../src/adapters/routers/json-diff.ts';
import { applyJsonPatch } from '../../support/fake-router-objects.ts';

test('pointer tokens escape ~ and /', () => {
  assert.equal(pointerToken('a/b~c'), 'a~1b~0c');
});

test('jsonDiff touches only what differs, and its patch makes current equal desired', () => {
  const table: [unknown, unknown, number][] = [
    [{ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, 0],
    [{ a: 1 }, { a: 2 }, 1],
    [{ a: 1, 'x/y': 1 }, { a: 1 }, 1],
    [{ l: [1, 2, 3, 4] }, { l: [1, 9] }, 3],
    [{ l: [{ k: 1 }] }, { l: [{ k: 1 }, { k: 2 }, { k: 3 }] }, 2],
    [{ o: { p: 'x' } }, { o: [1] }, 1],
    [{ o: null }, { o: { p: 1 } }, 1],
  ];
  for (const [current, desired, count] of table) {
    const ops = jsonDiff('/spec', current, desired);
    assert.equal(ops.length, count, JSON.stringify({ current, desired, ops }));
    assert.deepEqual(applyJsonPatch({ spec: current }, ops), { spec: desired });
  }
});
