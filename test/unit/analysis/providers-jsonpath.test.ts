// Kubernetes JSONPath as web metrics use it (k8s.io/client-go/util/jsonpath semantics).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findResults, firstResult, parseJsonPath } from '../../../src/analysis/providers/jsonpath.ts';
import { ProviderError } from '../../../src/analysis/providers/types.ts';

const doc = {
  data: { ok: true, 'success.rate': 0.97, 'my-key': 'v' },
  items: [
    { name: 'a', value: 1 },
    { name: 'b', value: 2 },
    { name: 'c', value: 3 },
  ],
  empty: [],
};

const results = (template: string, data: unknown = doc) => findResults(parseJsonPath(template), data);
const first = (template: string, data: unknown = doc) => firstResult(parseJsonPath(template), data)?.value;

describe('JSONPath subset', () => {
  it('root, fields, quoted fields', () => {
    assert.deepEqual(first('{$}'), doc);
    assert.deepEqual(first(''), doc);
    assert.equal(first('{$.data.ok}'), true);
    assert.equal(first('{.data.ok}'), true);
    assert.equal(first("{$.data['success.rate']}"), 0.97);
    assert.equal(first('{$["data"]["my-key"]}'), 'v');
    assert.equal(first('{$.data.my-key}'), 'v');
  });

  it('indexes (negative from the end), wildcards, slices and unions', () => {
    assert.equal(first('{$.items[0].name}'), 'a');
    assert.equal(first('{$.items[-1].value}'), 3);
    assert.deepEqual(results('{$.items[*].value}'), [[1, 2, 3]]);
    assert.deepEqual(results('{$.items[1:].name}'), [['b', 'c']]);
    assert.deepEqual(results('{$.items[-2:].name}'), [['b', 'c']]);
    assert.deepEqual(results('{$.items[::2].name}'), [['a', 'c']]);
    assert.deepEqual(results('{$.items[0,2].name}'), [['a', 'c']]);
    assert.deepEqual(results("{$.data['ok','my-key']}"), [[true, 'v']]);
    assert.deepEqual(results('{$.data.*}'), [[true, 0.97, 'v']]);
  });

  it('the first value wins, as Argo takes it', () => {
    assert.equal(first('{$.items[*].value}'), 1);
    assert.equal(first('{$.empty[*]}{$.data.ok}'), true);
    assert.equal(first('{$.empty[*]}'), undefined);
  });

  it('text outside braces is literal output, as in kubectl', () => {
    assert.deepEqual(results('ok={$.data.ok}'), [['ok='], [true]]);
    assert.equal(first('$.data.ok'), '$.data.ok');
  });

  it('missing fields and indexes are errors, with the library wording', () => {
    assert.throws(() => first('{$.data.nope}'), /nope is not found/);
    assert.throws(() => first('{$.items[5]}'), /array index out of bounds: index 5, length 3/);
    assert.throws(() => first('{$.empty[0]}'), /array index out of bounds: index 0, length 0/);
    assert.throws(() => first('{$.data[0]}'), /is not array or slice/);
  });

  it('says what it does not support', () => {
    const unsupported = (t: string, what: RegExp) => {
      assert.throws(
        () => parseJsonPath(t),
        (e: unknown) =>
          e instanceof ProviderError && /is not supported/.test(e.message) && what.test(e.message),
      );
    };
    unsupported('{$..name}', /recursive descent/);
    unsupported('{$.items[?(@.value > 1)].name}', /filter/);
    unsupported('{range .items[*]}{.name}{end}', /range\/end/);
    unsupported('{@.x}', /@/);
    assert.throws(() => parseJsonPath('{$.data'), /unclosed \{/);
    assert.throws(() => parseJsonPath('{$.items[}'), /unterminated \[/);
  });
});
