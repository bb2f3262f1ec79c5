import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImages } from '../../../src/config/inputs.ts';

test('image overrides: one image per container; a repeated container is refused clearly', () => {
  assert.deepEqual(
    [...parseImages('app=r/app:1\nsidecar=r/s:2')],
    [
      ['app', 'r/app:1'],
      ['sidecar', 'r/s:2'],
    ],
  );
  const table: [string, RegExp][] = [
    ['app=r/app:1\napp=r/app:2', /container "app" is given twice \(app=r\/app:1 and app=r\/app:2\)/],
    ['app=r/app:1\n app = r/app:1', /container "app" is given twice/],
    ['*=r/x:1\n*=r/y:1', /container "\*" is given twice/],
  ];
  for (const [text, want] of table) assert.throws(() => parseImages(text), want, text);
});
