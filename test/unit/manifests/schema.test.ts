import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  anything,
  arrayOf,
  bool,
  checkSchema,
  closestMatch,
  editDistance,
  int,
  intOrString,
  mapOf,
  object,
  oneOfValues,
  str,
  stringMap,
  type SchemaIssue,
} from '../../../src/manifests/schema.ts';

const step = object(
  {
    setWeight: int({ min: 0 }),
    pause: object({ duration: intOrString() }),
  },
  { exactlyOneOf: [['setWeight', 'pause']] },
);

const schema = object(
  {
    name: str(),
    replicas: int({ min: 0, max: 10 }),
    paused: bool(),
    mode: oneOfValues('Stable', 'Latest'),
    labels: stringMap(),
    steps: arrayOf(step),
    routes: mapOf(object({ exact: str(), regex: str() }, { atMostOneOf: [['exact', 'regex']] })),
    free: anything(),
    pod: object({ image: str() }, { required: ['image'], open: true }),
    version: str((v) => (/^v\d+$/.test(v) ? undefined : `must look like v1, not ${JSON.stringify(v)}`)),
  },
  { required: ['name'] },
);

const check = (value: unknown): SchemaIssue[] => checkSchema(value, schema);

describe('checkSchema()', () => {
  const rows: { rule: string; value: unknown; issues: [path: string, includes: string][] }[] = [
    {
      rule: 'a valid object has no issues',
      value: { name: 'a', steps: [{ setWeight: 5 }, { pause: {} }] },
      issues: [],
    },
    {
      rule: 'unknown field: names it, suggests the closest field and lists the allowed ones',
      value: { name: 'a', steps: [{ setWieght: 5 }] },
      issues: [
        [
          'steps[0].setWieght',
          'unknown field "setWieght" (did you mean setWeight?); allowed here: setWeight, pause',
        ],
      ],
    },
    {
      rule: 'unknown field far from every known one: no suggestion, allowed fields listed',
      value: { name: 'a', colour: 'blue' },
      issues: [['colour', 'unknown field "colour"; allowed here: name, replicas']],
    },
    {
      rule: 'a misspelt key does not also report the one-of group as empty',
      value: { name: 'a', steps: [{ pasue: {} }] },
      issues: [['steps[0].pasue', 'did you mean pause?']],
    },
    { rule: 'missing required field', value: {}, issues: [['', 'missing required field "name"']] },
    {
      rule: 'a required field written empty (null) counts as missing',
      value: { name: null },
      issues: [['', 'missing required field "name" (it is empty)']],
    },
    {
      rule: 'string expected, number found: suggests quoting',
      value: { name: 5 },
      issues: [['name', 'must be a string, not the number 5 (quote it: "5")']],
    },
    {
      rule: 'integer expected, quoted number found: suggests removing quotes',
      value: { name: 'a', replicas: '3' },
      issues: [['replicas', 'must be an integer, not the string "3" (remove the quotes)']],
    },
    {
      rule: 'integer expected, fraction found',
      value: { name: 'a', replicas: 1.5 },
      issues: [['replicas', 'must be an integer, not the number 1.5']],
    },
    {
      rule: 'integer bounds',
      value: { name: 'a', replicas: 11 },
      issues: [['replicas', 'must be between 0 and 10, not 11']],
    },
    {
      rule: 'integer lower bound only',
      value: { name: 'a', steps: [{ setWeight: -1 }] },
      issues: [['steps[0].setWeight', 'must be zero or more, not -1']],
    },
    {
      rule: 'boolean',
      value: { name: 'a', paused: 'yes' },
      issues: [['paused', 'must be true or false, not the string "yes"']],
    },
    {
      rule: 'enum: lists the allowed values and suggests the closest',
      value: { name: 'a', mode: 'latest' },
      issues: [['mode', 'must be one of Stable, Latest, not the string "latest" (did you mean Latest?)']],
    },
    {
      rule: 'map of strings: every value must be a string',
      value: { name: 'a', labels: { ok: 'x', bad: true } },
      issues: [['labels.bad', 'must be a string, not the boolean true (quote it: "true")']],
    },
    {
      rule: 'list expected',
      value: { name: 'a', steps: { setWeight: 1 } },
      issues: [['steps', 'must be a list, not a mapping']],
    },
    {
      rule: 'mapping expected',
      value: { name: 'a', pod: 'nginx' },
      issues: [['pod', 'must be a mapping, not the string "nginx"']],
    },
    {
      rule: 'exactly one of: none set',
      value: { name: 'a', steps: [{}] },
      issues: [['steps[0]', 'must set exactly one of setWeight, pause; found none']],
    },
    {
      rule: 'exactly one of: two set',
      value: { name: 'a', steps: [{ setWeight: 1, pause: {} }] },
      issues: [['steps[0]', 'found setWeight and pause together']],
    },
    {
      rule: 'exactly one of: a key written empty (null) gets a hint',
      value: { name: 'a', steps: [{ pause: null }] },
      issues: [['steps[0]', 'found none (pause is empty: write `pause: {}` for an empty object)']],
    },
    {
      rule: 'at most one of',
      value: { name: 'a', routes: { r1: { exact: 'a', regex: 'b' } } },
      issues: [['routes.r1', 'may set only one of exact, regex; found exact and regex together']],
    },
    {
      rule: 'open object: unknown fields are accepted, known ones still checked',
      value: { name: 'a', pod: { image: 3, command: ['sh'] } },
      issues: [['pod.image', 'must be a string']],
    },
    { rule: 'anything accepts any value', value: { name: 'a', free: [{ x: [1, null] }] }, issues: [] },
    {
      rule: 'a custom check on a string reports its own message',
      value: { name: 'a', version: 'one' },
      issues: [['version', 'must look like v1, not "one"']],
    },
    {
      rule: 'intOrString accepts both and rejects the rest',
      value: { name: 'a', steps: [{ pause: { duration: 1.5 } }] },
      issues: [['steps[0].pause.duration', 'must be an integer or a string, not the number 1.5']],
    },
    { rule: 'the root must be a mapping', value: [1], issues: [['', 'must be a mapping, not a list']] },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const issues = check(row.value);
      assert.equal(issues.length, row.issues.length, JSON.stringify(issues, null, 1));
      row.issues.forEach(([path, includes], i) => {
        assert.equal(issues[i]?.path, path);
        assert.ok(
          issues[i]?.message.includes(includes),
          `${issues[i]?.message ?? ''} should include ${includes}`,
        );
      });
    });
  }

  test('paths start from the given base path', () => {
    assert.deepEqual(checkSchema({ x: 1 }, object({}), 'spec.template'), [
      { path: 'spec.template.x', message: 'unknown field "x"; no fields are allowed here' },
    ]);
  });
});

describe('closestMatch() and editDistance()', () => {
  const rows: { rule: string; word: string; candidates: string[]; expected: string | undefined }[] = [
    {
      rule: 'swapped letters are one edit',
      word: 'setWieght',
      candidates: ['setWeight', 'pause'],
      expected: 'setWeight',
    },
    {
      rule: 'case differences count as a match',
      word: 'canaryservice',
      candidates: ['canaryService', 'stableService'],
      expected: 'canaryService',
    },
    { rule: 'a dropped letter', word: 'replica', candidates: ['replicas', 'paused'], expected: 'replicas' },
    { rule: 'nothing close enough', word: 'colour', candidates: ['name', 'replicas'], expected: undefined },
    { rule: 'short words allow one edit only', word: 'ab', candidates: ['xy'], expected: undefined },
    { rule: 'the word itself is no suggestion', word: 'name', candidates: ['name'], expected: undefined },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      assert.equal(closestMatch(row.word, row.candidates), row.expected);
    });
  }
  test('editDistance counts a swap as one edit and is symmetric', () => {
    assert.equal(editDistance('abcd', 'abdc'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('sitting', 'kitten'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });
});
