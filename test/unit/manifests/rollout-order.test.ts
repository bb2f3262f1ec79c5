/**
 * The `rollout-pilot.dev/after` annotation at lint time: every name is another Rollout of the same
 * manifests and the order has no cycle; each problem at the file and line of the annotation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { findCycle, orderFromDocs, parseAfter } from '../../../src/manifests/rollout-order.ts';
import { parseManifestText } from '../../../src/manifests/parse.ts';
import { baseRollout, lintText, show } from './helpers.ts';

const KEY = 'rollout-pilot.dev/after';

function named(name: string, after?: string): Record<string, unknown> {
  const r = baseRollout();
  r.metadata = after === undefined ? { name } : { name, annotations: { [KEY]: after } };
  return r;
}

function yamlOf(...docs: unknown[]): { text: string; lineOf: (needle: string) => number } {
  const text = docs.map((d) => stringify(d)).join('---\n');
  const lines = text.split('\n');
  return { text, lineOf: (needle) => lines.findIndex((l) => l.includes(needle)) + 1 };
}

const orderProblems = (text: string) => lintText(text, 'apps.yaml').filter((d) => d.message.includes(KEY));

test('parseAfter splits on commas and spaces and drops repeats', () => {
  assert.deepEqual(parseAfter(' a, b  c,,a '), ['a', 'b', 'c']);
  assert.deepEqual(parseAfter(''), []);
});

test('a valid order lints clean and reads back per Rollout', () => {
  const { text } = yamlOf(named('a'), named('b'), named('c', 'a, b'));
  assert.equal(show(orderProblems(text)), '');
  const order = orderFromDocs(parseManifestText('x.yaml', text).docs);
  assert.deepEqual(
    [...order],
    [
      ['a', []],
      ['b', []],
      ['c', ['a', 'b']],
    ],
  );
});

test('an unknown name is reported at the annotation line, with the names that exist', () => {
  const { text, lineOf } = yamlOf(named('a'), named('c', 'a, nope'));
  const ds = orderProblems(text);
  assert.equal(ds.length, 1, show(ds));
  const d = ds[0];
  assert.ok(d);
  assert.equal(d.file, 'apps.yaml');
  assert.equal(d.line, lineOf(`${KEY}: a, nope`));
  assert.match(d.message, /no Rollout named "nope" in the manifests \(found a, c\)/);
});

test('a Rollout that waits for itself is reported', () => {
  const { text } = yamlOf(named('a', 'a'), named('b'));
  const ds = orderProblems(text);
  assert.equal(ds.length, 1, show(ds));
  assert.match(ds[0]?.message ?? '', /a cannot wait for itself/);
});

test('a cycle is reported once, naming the Rollouts along it, at the first one of it', () => {
  const { text, lineOf } = yamlOf(named('x'), named('a', 'c'), named('b', 'a'), named('c', 'b, x'));
  const ds = orderProblems(text);
  assert.equal(ds.length, 1, show(ds));
  assert.match(ds[0]?.message ?? '', /cycle \(a → c → b → a\)/);
  assert.equal(ds[0]?.line, lineOf(`${KEY}: c`));
});

test('findCycle finds none in a diamond and one in a loop', () => {
  const diamond = new Map([
    ['a', []],
    ['b', ['a']],
    ['c', ['a']],
    ['d', ['b', 'c']],
  ]);
  assert.equal(findCycle(diamond), undefined);
  assert.deepEqual(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', ['a']],
      ]),
    ),
    ['a', 'b', 'a'],
  );
});
