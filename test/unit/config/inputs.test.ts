import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { Inputs, Outputs, parseDuration, parseInputs } from '../../../src/config/inputs.ts';

const actionYml = parse(readFileSync(path.join(import.meta.dirname, '../../../action.yml'), 'utf8')) as {
  inputs: Record<string, { description?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string };
};

test('action.yml declares exactly the inputs and outputs the code reads and writes, each documented', () => {
  assert.deepEqual(Object.keys(actionYml.inputs).sort(), Object.values(Inputs).sort());
  assert.deepEqual(Object.keys(actionYml.outputs).sort(), Object.values(Outputs).sort());
  for (const [name, spec] of [...Object.entries(actionYml.inputs), ...Object.entries(actionYml.outputs)]) {
    assert.ok((spec.description ?? '').length > 10, `${name} has a description`);
  }
  assert.equal(actionYml.runs.using, 'node24');
  assert.equal(actionYml.runs.main, 'dist/index.js');
});

const from = (values: Record<string, string>) => (name: string) => values[name] ?? '';

test('defaults: run, abort on failure, comment and check run on', () => {
  const c = parseInputs(from({}));
  assert.equal(c.command, 'run');
  assert.equal(c.onFailure, 'abort');
  assert.equal(c.comment, true);
  assert.equal(c.checkRun, true);
  assert.ok(c.maxRuntimeMs < 6 * 3600_000, 'default max-runtime is below the 6-hour job limit');
});

test('manifests and image are newline-separated lists', () => {
  const c = parseInputs(
    from({ manifests: 'a.yaml\n\n  deploy/*.yaml  \n# note', image: 'app=reg/app:2\n*=reg/all:3' }),
  );
  assert.deepEqual(c.manifests, ['a.yaml', 'deploy/*.yaml']);
  assert.deepEqual(
    [...c.images],
    [
      ['app', 'reg/app:2'],
      ['*', 'reg/all:3'],
    ],
  );
});

const bad: [string, Record<string, string>, RegExp][] = [
  ['unknown command', { command: 'deploy' }, /command: "deploy" is not one of run, promote/],
  ['on-failure value', { 'on-failure': 'rollback' }, /on-failure: "rollback" is not abort or revert-pr/],
  ['pr-number not a number', { 'pr-number': '12a' }, /pr-number: "12a"/],
  ['image without =', { image: 'reg/app:2' }, /image: "reg\/app:2" is not container=image/],
  ['boolean', { comment: 'maybe' }, /comment: "maybe" is not a boolean/],
  ['max-runtime', { 'max-runtime': 'soon' }, /max-runtime: "soon" is not a duration/],
  ['newrelic-region', { 'newrelic-region': 'apac' }, /newrelic-region: "apac" is not us or eu/],
];
for (const [name, values, message] of bad) {
  test(`rejects a bad input: ${name}`, () => {
    assert.throws(() => parseInputs(from(values)), message);
  });
}

test('durations', () => {
  assert.equal(parseDuration('90', 'x'), 90_000);
  assert.equal(parseDuration('1h30m', 'x'), 5_400_000);
  assert.equal(parseDuration('250ms', 'x'), 250);
  assert.throws(() => parseDuration('5 minutes', 'x'));
});
