import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkCondition,
  conditionWarnings,
  describeConditionError,
  evaluate,
  evaluateCondition,
  EXPR_LIMITS,
  ExprError,
  ExprEvalError,
  ExprSyntaxError,
  MAX_STEPS,
  parseExpression,
} from '../../../src/analysis/expr/index.ts';

interface ValueRow {
  name: string;
  src: string;
  env?: Record<string, unknown>;
  want: unknown;
}

interface ErrorRow {
  name: string;
  src: string;
  env?: Record<string, unknown>;
  error: RegExp;
}

function valueRows(title: string, rows: ValueRow[]): void {
  describe(title, () => {
    for (const row of rows) {
      test(row.name, () => {
        assert.deepEqual(evaluate(row.src, row.env ?? {}), row.want, row.src);
      });
    }
  });
}

function errorRows(title: string, rows: ErrorRow[]): void {
  describe(title, () => {
    for (const row of rows) {
      test(row.name, () => {
        assert.throws(
          () => evaluate(row.src, row.env ?? {}),
          (e: unknown) => {
            assert.ok(e instanceof ExprEvalError, `${row.src}: expected ExprEvalError, got ${String(e)}`);
            assert.match(e.message, row.error);
            return true;
          },
        );
      });
    }
  });
}

valueRows('literals', [
  { name: 'an int', src: '42', want: 42 },
  { name: 'an int is of type int', src: 'type(42)', want: 'int' },
  { name: 'a float', src: '0.5', want: 0.5 },
  { name: 'a float without a leading zero', src: '.5', want: 0.5 },
  { name: 'a float is of type float', src: 'type(0.5)', want: 'float' },
  { name: 'underscores in numbers', src: '1_000_000', want: 1000000 },
  { name: 'an exponent makes a float', src: '1e3', want: 1000 },
  { name: 'an exponent literal is a float', src: 'type(1e3)', want: 'float' },
  { name: 'a negative exponent', src: '25e-2', want: 0.25 },
  { name: 'hexadecimal', src: '0x2A', want: 42 },
  { name: 'octal', src: '0o52', want: 42 },
  { name: 'binary', src: '0b101010', want: 42 },
  { name: 'a double-quoted string', src: '"hello"', want: 'hello' },
  { name: 'a single-quoted string', src: "'hello'", want: 'hello' },
  { name: 'escapes', src: '"a\\tb\\nc\\\\d\\"e"', want: 'a\tb\nc\\d"e' },
  { name: 'an escaped single quote', src: "'it\\'s'", want: "it's" },
  { name: 'unicode escapes', src: '"caf\\u00e9 \\U0001F600"', want: 'café 😀' },
  { name: 'hex and octal escapes', src: '"\\x41\\101"', want: 'AA' },
  { name: 'a raw string in backticks', src: '`a\\nb`', want: 'a\\nb' },
  { name: 'true', src: 'true', want: true },
  { name: 'false', src: 'false', want: false },
  { name: 'nil', src: 'nil', want: null },
  { name: 'an array', src: '[1, 2.5, "x", nil, [true]]', want: [1, 2.5, 'x', null, [true]] },
  { name: 'a trailing comma in an array', src: '[1, 2,]', want: [1, 2] },
  { name: 'an empty array', src: '[]', want: [] },
  { name: 'a map with name keys', src: '{a: 1, b: "x"}', want: { a: 1, b: 'x' } },
  { name: 'a map with string and number keys', src: '{"x.y": 1, 2: 3}', want: { 'x.y': 1, '2': 3 } },
  { name: 'a map with a computed key', src: '{("a" + "b"): 1}', want: { ab: 1 } },
  { name: 'an empty map', src: '{}', want: {} },
  { name: 'comments are ignored', src: '1 /* one */ + // plus\n 2', want: 3 },
]);

valueRows('member access', [
  { name: 'a.b', src: 'a.b', env: { a: { b: 1 } }, want: 1 },
  { name: 'a nested field', src: 'a.b.c', env: { a: { b: { c: 'deep' } } }, want: 'deep' },
  { name: 'a missing field is nil', src: 'a.missing', env: { a: { b: 1 } }, want: null },
  { name: 'a field by index', src: "a['x.y']", env: { a: { 'x.y': 5 } }, want: 5 },
  { name: 'an element', src: 'a[0]', env: { a: [10, 20, 30] }, want: 10 },
  { name: 'a negative index counts from the end', src: 'a[-1]', env: { a: [10, 20, 30] }, want: 30 },
  { name: 'a float index is truncated', src: 'a[1.9]', env: { a: [10, 20, 30] }, want: 20 },
  {
    name: 'a hole in an array is nil',
    src: 'a[1]',
    env: { a: Object.assign([1], { 2: 3 }) },
    want: null,
  },
  { name: 'a character of a string', src: '"héllo"[1]', want: 'é' },
  {
    name: 'a field name that is an operator word',
    src: 'a.in + a.not',
    env: { a: { in: 1, not: 2 } },
    want: 3,
  },
  { name: '?. on nil is nil', src: 'a?.b', env: { a: null }, want: null },
  { name: '?. makes the whole chain nil', src: 'a?.b.c[0]', env: { a: null }, want: null },
  { name: '?. on a value reads the field', src: 'a?.b', env: { a: { b: 2 } }, want: 2 },
  { name: '?.[ ] on nil is nil', src: 'a?.[0]', env: { a: null }, want: null },
  { name: 'a slice', src: 'a[1:3]', env: { a: [1, 2, 3, 4, 5] }, want: [2, 3] },
  { name: 'a slice without a start', src: 'a[:2]', env: { a: [1, 2, 3, 4, 5] }, want: [1, 2] },
  { name: 'a slice without an end', src: 'a[3:]', env: { a: [1, 2, 3, 4, 5] }, want: [4, 5] },
  { name: 'a whole slice', src: 'a[:]', env: { a: [1, 2, 3] }, want: [1, 2, 3] },
  { name: 'a slice with a negative end', src: 'a[1:-1]', env: { a: [1, 2, 3, 4, 5] }, want: [2, 3, 4] },
  { name: 'a slice past the end is clamped', src: 'a[2:10]', env: { a: [1, 2, 3] }, want: [3] },
  { name: 'a reversed slice is empty', src: 'a[2:1]', env: { a: [1, 2, 3] }, want: [] },
  { name: 'a slice of a string', src: '"rollout"[0:4]', want: 'roll' },
  { name: 'an undefined value is nil', src: 'a', env: { a: undefined }, want: null },
]);

errorRows('member access errors', [
  {
    name: 'an index out of range',
    src: 'a[3]',
    env: { a: [1, 2, 3] },
    error: /^index out of range: 3 \(array length is 3\)$/,
  },
  {
    name: 'a negative index out of range',
    src: 'a[-4]',
    env: { a: [1, 2, 3] },
    error: /index out of range: -4/,
  },
  {
    name: 'indexing an empty array',
    src: 'result[0]',
    env: { result: [] },
    error: /index out of range: 0 \(array length is 0\)/,
  },
  { name: 'a field of nil', src: 'a.b', env: { a: null }, error: /^cannot fetch "b" from <nil>$/ },
  { name: 'a field of a number', src: 'a.b', env: { a: 1.5 }, error: /cannot fetch "b" from float64/ },
  {
    name: 'a field of an array',
    src: 'a.length',
    env: { a: [1] },
    error: /cannot fetch "length" from \[\]interface \{\}/,
  },
  { name: 'a map indexed by a number', src: 'a[0]', env: { a: { b: 1 } }, error: /a key must be a string/ },
  { name: 'slicing nil', src: 'a[1:]', env: { a: null }, error: /cannot slice <nil>/ },
  { name: 'slicing a map', src: 'a[1:]', env: { a: {} }, error: /cannot slice map/ },
  { name: 'an unknown name', src: 'missing', error: /^unknown name missing$/ },
]);

valueRows('unary operators', [
  { name: 'minus an int', src: '-5', want: -5 },
  { name: 'minus stays an int', src: 'type(-5)', want: 'int' },
  { name: 'minus a float', src: '-a', env: { a: 1.5 }, want: -1.5 },
  { name: 'plus', src: '+3', want: 3 },
  { name: 'not', src: 'not true', want: false },
  { name: '!', src: '!false', want: true },
  { name: 'double negation', src: '!!true', want: true },
]);

errorRows('unary errors', [
  { name: 'not of a number', src: 'not 1', error: /invalid operation: not int/ },
  { name: 'minus a string', src: '-"a"', error: /invalid operation: - string/ },
  { name: 'not of nil', src: '!a', env: { a: null }, error: /invalid operation: not <nil>/ },
]);

valueRows('arithmetic', [
  { name: 'int + int', src: '1 + 2', want: 3 },
  { name: 'int + int is an int', src: 'type(1 + 2)', want: 'int' },
  { name: 'int + float is a float', src: 'type(1 + 2.0)', want: 'float' },
  { name: 'a result number is a float', src: 'type(result)', env: { result: 3 }, want: 'float' },
  { name: 'a bigint in the environment is an int', src: 'type(n)', env: { n: 3n }, want: 'int' },
  { name: 'subtraction', src: '10 - 2.5', want: 7.5 },
  { name: 'multiplication', src: '6 * 7', want: 42 },
  { name: 'division of ints gives a float', src: '7 / 2', want: 3.5 },
  { name: 'division is always a float', src: 'type(4 / 2)', want: 'float' },
  { name: 'division by zero is +Inf', src: '1 / 0', want: Infinity },
  { name: 'zero over zero is NaN', src: 'isNaN(0 / 0)', want: true },
  { name: 'modulo of ints', src: '7 % 3', want: 1 },
  { name: 'modulo keeps the sign of the dividend', src: '-7 % 3', want: -1 },
  { name: 'power', src: '2 ** 10', want: 1024 },
  { name: 'power is a float', src: 'type(2 ** 2)', want: 'float' },
  { name: '^ is power', src: '2 ^ 3', want: 8 },
  { name: 'Go: 1 to any power is 1', src: '1 ** (0 / 0)', want: 1 },
  { name: 'int overflow wraps as int64', src: '9223372036854775807 + 1', want: -9223372036854775808 },
  { name: 'string concatenation', src: '"roll" + "out"', want: 'rollout' },
  { name: 'float arithmetic', src: '0.1 + 0.2 > 0.3', want: true },
]);

errorRows('arithmetic errors', [
  {
    name: 'modulo of floats',
    src: '5.5 % 2',
    error: /^invalid operation: % \(mismatched types float64 and int\)$/,
  },
  {
    name: 'modulo of a result number (float64)',
    src: 'result % 2',
    env: { result: 4 },
    error: /mismatched types float64 and int/,
  },
  { name: 'modulo by zero', src: '1 % 0', error: /^integer divide by zero$/ },
  {
    name: 'string + number',
    src: '"a" + 1',
    error: /^invalid operation: \+ \(mismatched types string and int\)$/,
  },
  { name: 'nil + number', src: 'a + 1', env: { a: null }, error: /mismatched types <nil> and int/ },
  {
    name: 'array + array',
    src: '[1] + [2]',
    error: /mismatched types \[\]interface \{\} and \[\]interface \{\}/,
  },
  { name: 'bool * number', src: 'true * 2', error: /mismatched types bool and int/ },
]);

valueRows('comparison', [
  { name: '==', src: '1 == 1', want: true },
  { name: 'int == float', src: '1 == 1.0', want: true },
  { name: '!=', src: '1 != 2', want: true },
  { name: '<', src: '1 < 2', want: true },
  { name: '<=', src: '2 <= 2', want: true },
  { name: '>', src: '3 > 2.5', want: true },
  { name: '>=', src: '2 >= 3', want: false },
  { name: 'int compared with a float result', src: 'result > 1', env: { result: 1.5 }, want: true },
  { name: 'strings compare by character', src: '"abc" < "abd"', want: true },
  { name: 'strings ==', src: '"a" == "a"', want: true },
  { name: 'different types are not equal', src: '1 == "1"', want: false },
  { name: 'a bool is not a string', src: 'true == "true"', want: false },
  { name: 'nil == nil', src: 'nil == nil', want: true },
  { name: 'a missing field == nil', src: 'a.x == nil', env: { a: {} }, want: true },
  { name: 'arrays compare element by element', src: '[1, 2] == [1, 2.0]', want: true },
  { name: 'maps compare by keys and values', src: '{a: 1} == {a: 1}', want: true },
  { name: 'maps with different values differ', src: '{a: 1} == {a: 2}', want: false },
  { name: 'NaN is not equal to itself', src: 'x == x', env: { x: NaN }, want: false },
  { name: 'NaN is not below anything', src: 'x < 1', env: { x: NaN }, want: false },
  { name: 'NaN is not above anything', src: 'x >= 1', env: { x: NaN }, want: false },
  { name: '+Inf is above everything', src: 'x > 1e300', env: { x: Infinity }, want: true },
  { name: 'chained comparison', src: '1 < 2 < 3', want: true },
  { name: 'chained comparison, each pair', src: '3 > 2 > 1', want: true },
  { name: 'chained comparison that fails', src: '1 < 3 < 2', want: false },
]);

errorRows('comparison errors', [
  {
    name: 'string < int',
    src: '"a" < 1',
    error: /^invalid operation: < \(mismatched types string and int\)$/,
  },
  {
    name: 'nil < float (the Datadog message)',
    src: 'result < 0.05',
    env: { result: null },
    error: /^invalid operation: < \(mismatched types <nil> and float64\)$/,
  },
  {
    name: 'array >= float',
    src: 'result >= 0.95',
    env: { result: [0.9] },
    error: /mismatched types \[\]interface \{\} and float64/,
  },
  { name: 'bool > bool', src: 'true > false', error: /mismatched types bool and bool/ },
]);

valueRows('logical operators', [
  { name: 'and', src: 'true and false', want: false },
  { name: '&&', src: 'true && true', want: true },
  { name: 'or', src: 'false or true', want: true },
  { name: '||', src: 'false || false', want: false },
  { name: 'and short-circuits', src: 'false and a.b', env: { a: null }, want: false },
  { name: 'or short-circuits', src: 'true or a.b', env: { a: null }, want: true },
  { name: 'not with and', src: 'not false and true', want: true },
]);

errorRows('logical errors', [
  {
    name: 'and with a number',
    src: '1 and true',
    error: /invalid operation: && \(mismatched types int and bool\)/,
  },
  {
    name: 'or with nil on the right',
    src: 'false or a',
    env: { a: null },
    error: /invalid operation: \|\| \(mismatched types bool and <nil>\)/,
  },
]);

valueRows('membership and string operators', [
  { name: 'in an array', src: '2 in [1, 2, 3]', want: true },
  { name: 'in compares numbers by value', src: '2 in result', env: { result: [1.0, 2.0] }, want: true },
  { name: 'not in', src: '4 not in [1, 2, 3]', want: true },
  { name: 'in a map looks at keys', src: '"a" in {a: nil}', want: true },
  { name: 'not in a map', src: '"b" not in {a: 1}', want: true },
  { name: 'in nil is false', src: '1 in a', env: { a: null }, want: false },
  { name: 'matches', src: '"rollout-7" matches "^rollout-[0-9]+$"', want: true },
  { name: 'not matches', src: '"abc" not matches "^b"', want: true },
  { name: 'matches with a leading flag', src: '"ABC" matches "(?i)^abc$"', want: true },
  { name: 'matches with RE2 escapes', src: '"a-b" matches "a\\\\-b"', want: true },
  { name: 'matches with a named group', src: '"v12" matches "v(?P<n>\\\\d+)"', want: true },
  { name: 'contains', src: '"rollout" contains "out"', want: true },
  { name: 'not contains', src: '"rollout" not contains "in"', want: true },
  { name: 'startsWith', src: '"rollout" startsWith "roll"', want: true },
  { name: 'endsWith', src: '"rollout" endsWith "out"', want: true },
  { name: 'not startsWith', src: '"rollout" not startsWith "out"', want: true },
]);

errorRows('membership errors', [
  { name: 'in a string', src: '"a" in "abc"', error: /operator "in" not defined on string/ },
  { name: 'a number key in a map', src: '1 in {a: 1}', error: /cannot use int as a key/ },
  {
    name: 'contains on a number',
    src: '1 contains "a"',
    error: /invalid operation: contains \(mismatched types int and string\)/,
  },
  { name: 'matches with a bad pattern', src: '"a" matches "("', error: /invalid regular expression/ },
  { name: 'matches with a backreference', src: '"aa" matches "(a)\\\\1"', error: /backreferences/ },
  { name: 'matches with a lookahead', src: '"a" matches "a(?=b)"', error: /lookahead/ },
]);

valueRows('nil coalescing and the ternary operator', [
  { name: '?? on nil', src: 'a ?? 1', env: { a: null }, want: 1 },
  { name: '?? on a value', src: 'a ?? 1', env: { a: 2 }, want: 2 },
  { name: '?? keeps false', src: 'a ?? true', env: { a: false }, want: false },
  { name: '?? with a missing field', src: 'a.x ?? "none"', env: { a: {} }, want: 'none' },
  { name: '?? chains', src: 'a ?? b ?? 3', env: { a: null, b: null }, want: 3 },
  { name: 'the ternary', src: 'true ? 1 : 2', want: 1 },
  { name: 'the ternary, else branch', src: '1 > 2 ? "a" : "b"', want: 'b' },
  { name: 'a nested ternary', src: 'false ? 1 : true ? 2 : 3', want: 2 },
  { name: 'the ternary only evaluates one branch', src: 'true ? 1 : a.b', env: { a: null }, want: 1 },
  { name: 'the short ternary a ?: b keeps a true a', src: 'a ?: false', env: { a: true }, want: true },
  { name: 'the short ternary a ?: b gives b for a false a', src: 'a ?: 5', env: { a: false }, want: 5 },
  { name: 'ranges', src: '1..3', want: [1, 2, 3] },
  { name: 'an empty range', src: '3..1', want: [] },
  { name: 'in a range', src: '2 in 1..3', want: true },
]);

errorRows('ternary errors', [
  { name: 'a non-bool condition', src: '1 ? 2 : 3', error: /the condition of \?: must be a bool, got int/ },
]);

valueRows('precedence and associativity', [
  { name: '* before +', src: '1 + 2 * 3', want: 7 },
  { name: 'parentheses', src: '(1 + 2) * 3', want: 9 },
  { name: '- is left-associative', src: '10 - 2 - 3', want: 5 },
  { name: '/ is left-associative', src: '8 / 4 / 2', want: 1 },
  { name: '* and % share a level', src: '2 * 3 % 4', want: 2 },
  { name: '** is right-associative', src: '2 ** 3 ** 2', want: 512 },
  { name: 'unary minus binds looser than **', src: '-2 ** 2', want: -4 },
  { name: 'arithmetic before comparison', src: '1 + 1 == 2', want: true },
  { name: 'comparison before and', src: '1 < 2 and 2 < 3', want: true },
  { name: 'and before or', src: 'true or false and false', want: true },
  { name: 'and before or (left)', src: 'false and true or true', want: true },
  { name: 'not binds tighter than ==', src: 'not true == false', want: true },
  { name: 'not binds looser than arithmetic operands', src: 'not (1 > 2)', want: true },
  { name: '.. binds looser than +', src: '1..1 + 2', want: [1, 2, 3] },
  { name: '?? in parentheses before a comparison', src: '(a ?? 0) < 5', env: { a: null }, want: true },
  { name: 'the pipe binds loosest', src: '1 + 2 | string()', want: '3' },
  { name: 'in binds like comparison', src: '1 + 1 in [2]', want: true },
]);

valueRows('predicates', [
  { name: 'all with braces', src: 'all(result, {# < 0.5})', env: { result: [0.1, 0.4] }, want: true },
  { name: 'all without braces', src: 'all(result, # < 0.5)', env: { result: [0.1, 0.6] }, want: false },
  { name: 'all of an empty array', src: 'all([], # > 1)', want: true },
  { name: 'any', src: 'any(result, # > 0.5)', env: { result: [0.1, 0.6] }, want: true },
  { name: 'any of an empty array', src: 'any([], # > 1)', want: false },
  { name: 'none', src: 'none(result, # > 0.5)', env: { result: [0.1, 0.2] }, want: true },
  { name: 'one', src: 'one(result, # > 0.5)', env: { result: [0.1, 0.6, 0.2] }, want: true },
  { name: 'one is false for two', src: 'one(result, # > 0.5)', env: { result: [0.7, 0.6] }, want: false },
  { name: 'filter', src: 'filter(1..6, # % 2 == 0)', want: [2, 4, 6] },
  { name: 'map', src: 'map([1, 2, 3], # * 10)', want: [10, 20, 30] },
  { name: 'count with a predicate', src: 'count(result, # > 1)', env: { result: [0.5, 1.5, 2.5] }, want: 2 },
  { name: 'count of bools', src: 'count([true, false, true])', want: 2 },
  { name: 'sum of ints', src: 'sum([1, 2, 3])', want: 6 },
  { name: 'sum of ints is an int', src: 'type(sum([1, 2]))', want: 'int' },
  { name: 'sum of floats', src: 'sum(result)', env: { result: [0.5, 0.25] }, want: 0.75 },
  { name: 'sum of an empty array', src: 'sum([])', want: 0 },
  { name: 'sum with a predicate', src: 'sum(result, #.n)', env: { result: [{ n: 1 }, { n: 2 }] }, want: 3 },
  {
    name: '.field is #.field',
    src: 'filter(result, .ok)',
    env: { result: [{ ok: true }, { ok: false }] },
    want: [{ ok: true }],
  },
  { name: '#.field', src: 'map(result, #.v)', env: { result: [{ v: 1 }, { v: 2 }] }, want: [1, 2] },
  { name: '#index', src: 'map(["a", "b"], #index)', want: [0, 1] },
  { name: 'nested predicates see their own #', src: 'all([[1, 2], [3]], all(#, # > 0))', want: true },
  {
    name: 'an outer value inside a nested predicate',
    src: 'map([1, 2], len(filter([1, 2, 3], # > 1)))',
    want: [2, 2],
  },
  { name: 'find', src: 'find([1, 2, 3, 4], # > 2)', want: 3 },
  { name: 'find with no match is nil', src: 'find([1, 2], # > 5)', want: null },
  { name: 'findIndex', src: 'findIndex([1, 2, 3, 4], # > 2)', want: 2 },
  { name: 'findLast', src: 'findLast([1, 2, 3, 4], # > 2)', want: 4 },
  { name: 'findLastIndex', src: 'findLastIndex([1, 2, 3, 4], # > 2)', want: 3 },
  { name: 'findIndex with no match is -1', src: 'findIndex([1], # > 5)', want: -1 },
  { name: 'reduce', src: 'reduce(1..4, #acc + #)', want: 10 },
  { name: 'reduce with an initial value', src: 'reduce([1, 2], #acc + #, 10)', want: 13 },
  {
    name: 'the pipe gives the first argument',
    src: 'result | all(# > 0)',
    env: { result: [1.0, 2.0] },
    want: true,
  },
  { name: 'the pipe to a plain function', src: 'result | len()', env: { result: [1.0, 2.0] }, want: 2 },
]);

errorRows('predicate errors', [
  {
    name: 'a predicate that is not a bool',
    src: 'all([1], # + 1)',
    error: /the predicate of all\(\) must give a bool, got int/,
  },
  {
    name: 'a predicate over nil',
    src: 'all(result, # > 1)',
    env: { result: null },
    error: /all\(\) needs an array, got <nil>/,
  },
  {
    name: 'a predicate over a map',
    src: 'any(result, # > 1)',
    env: { result: { a: 1 } },
    error: /any\(\) needs an array, got map/,
  },
  { name: 'count of non-bools', src: 'count([1])', error: /needs a bool, got int/ },
  { name: 'sum of strings', src: 'sum(["a"])', error: /invalid argument for sum \(type string\)/ },
]);

valueRows('builtins', [
  { name: 'len of an array', src: 'len([1, 2, 3])', want: 3 },
  { name: 'len of a map', src: 'len({a: 1, b: 2})', want: 2 },
  { name: 'len of a string counts characters', src: 'len("héllo")', want: 5 },
  { name: 'abs of an int', src: 'abs(-3)', want: 3 },
  { name: 'abs of a float', src: 'abs(-2.5)', want: 2.5 },
  { name: 'ceil', src: 'ceil(1.2)', want: 2 },
  { name: 'ceil gives a float', src: 'type(ceil(1))', want: 'float' },
  { name: 'floor', src: 'floor(-1.2)', want: -2 },
  { name: 'round half away from zero', src: '[round(2.5), round(-2.5), round(2.4)]', want: [3, -3, 2] },
  { name: 'int of a float truncates', src: 'int(-2.7)', want: -2 },
  { name: 'int of a string', src: 'int("42")', want: 42 },
  { name: 'float of an int', src: 'type(float(1))', want: 'float' },
  { name: 'float of a string', src: 'float("1.5e2")', want: 150 },
  { name: 'string of an int', src: 'string(123)', want: '123' },
  { name: 'string of a float as Go prints it', src: 'string(0.1)', want: '0.1' },
  { name: 'string of a large float uses an exponent', src: 'string(1000000.0)', want: '1e+06' },
  { name: 'string of a float below 1e6', src: 'string(123456.0)', want: '123456' },
  { name: 'string of a tiny float', src: 'string(0.00001)', want: '1e-05' },
  { name: 'string of a float with digits', src: 'string(1234567.5)', want: '1.2345675e+06' },
  { name: 'string of NaN and Inf', src: 'string([0 / 0, 1 / 0, -1 / 0])', want: '[NaN +Inf -Inf]' },
  {
    name: 'string of a map sorts keys',
    src: 'string({b: 1, a: [true, nil]})',
    want: 'map[a:[true <nil>] b:1]',
  },
  { name: 'lower', src: 'lower("AbC")', want: 'abc' },
  { name: 'upper', src: 'upper("AbC")', want: 'ABC' },
  { name: 'trim', src: 'trim("  hi \\n")', want: 'hi' },
  { name: 'trim with a set of characters', src: 'trim("__hi__", "_")', want: 'hi' },
  { name: 'trimPrefix', src: 'trimPrefix("HelloWorld", "Hello")', want: 'World' },
  { name: 'trimSuffix', src: 'trimSuffix("HelloWorld", "World")', want: 'Hello' },
  { name: 'hasPrefix', src: 'hasPrefix("HelloWorld", "Hello")', want: true },
  { name: 'hasSuffix', src: 'hasSuffix("HelloWorld", "Hello")', want: false },
  { name: 'split', src: 'split("a,b,c", ",")', want: ['a', 'b', 'c'] },
  { name: 'split with a limit', src: 'split("a,b,c", ",", 2)', want: ['a', 'b,c'] },
  { name: 'split into characters', src: 'split("abc", "")', want: ['a', 'b', 'c'] },
  { name: 'replace', src: 'replace("a-b-c", "-", "+")', want: 'a+b+c' },
  { name: 'join', src: 'join(["a", "b"], ",")', want: 'a,b' },
  { name: 'join without a separator', src: 'join(["a", "b"])', want: 'ab' },
  { name: 'first', src: 'first([1, 2, 3])', want: 1 },
  { name: 'first of an empty array is nil', src: 'first([])', want: null },
  { name: 'last', src: 'last([1, 2, 3])', want: 3 },
  { name: 'last of nil is nil', src: 'last(a)', env: { a: null }, want: null },
  { name: 'get from an array', src: 'get([1, 2, 3], 1)', want: 2 },
  { name: 'get out of range is nil', src: 'get([1, 2, 3], 5)', want: null },
  { name: 'get from a map', src: 'get({a: 1}, "a")', want: 1 },
  { name: 'keys', src: 'keys({a: 1, b: 2})', want: ['a', 'b'] },
  { name: 'values', src: 'values({a: 1, b: 2})', want: [1, 2] },
  {
    name: 'type of each kind',
    src: 'map([nil, true, 1, 1.5, "s", [], {}], type(#))',
    want: ['nil', 'bool', 'int', 'float', 'string', 'array', 'map'],
  },
  { name: 'max of numbers', src: 'max(1, 5.5, 3)', want: 5.5 },
  { name: 'max of an array', src: 'max(result)', env: { result: [0.1, 0.7, 0.3] }, want: 0.7 },
  { name: 'max keeps the type', src: 'type(max(1, 2))', want: 'int' },
  { name: 'max of an empty array is nil', src: 'max([])', want: null },
  { name: 'min of numbers', src: 'min(4, 2, 8)', want: 2 },
  { name: 'min of nested arrays', src: 'min([3, [1, 2]])', want: 1 },
  { name: 'mean', src: 'mean([1, 2, 3, 4])', want: 2.5 },
  { name: 'mean of nothing is 0', src: 'mean([])', want: 0 },
  { name: 'median of an odd count', src: 'median([3, 1, 2])', want: 2 },
  { name: 'median of an even count', src: 'median([4, 1, 3, 2])', want: 2.5 },
  { name: 'take', src: 'take([1, 2, 3], 2)', want: [1, 2] },
  { name: 'reverse', src: 'reverse([1, 2, 3])', want: [3, 2, 1] },
  { name: 'sort', src: 'sort([3, 1.5, 2])', want: [1.5, 2, 3] },
  { name: 'sort descending', src: 'sort(["b", "c", "a"], "desc")', want: ['c', 'b', 'a'] },
]);

errorRows('builtin errors', [
  { name: 'len of a number', src: 'len(1)', error: /^invalid argument for len \(type int\)$/ },
  {
    name: 'len of nil',
    src: 'len(result)',
    env: { result: null },
    error: /invalid argument for len \(type <nil>\)/,
  },
  { name: 'abs of a string', src: 'abs("a")', error: /invalid argument for abs \(type string\)/ },
  { name: 'int of a bad string', src: 'int("1.5")', error: /invalid operation: int\("1.5"\)/ },
  { name: 'int of NaN', src: 'int(0 / 0)', error: /cannot convert NaN/ },
  { name: 'float of a bad string', src: 'float("x")', error: /invalid operation: float\("x"\)/ },
  { name: 'upper of a number', src: 'upper(1)', error: /invalid argument for upper \(type int\)/ },
  { name: 'join of numbers', src: 'join([1, 2])', error: /invalid argument for join \(type int\)/ },
  { name: 'keys of an array', src: 'keys([1])', error: /invalid argument for keys/ },
  { name: 'max of a string', src: 'max("a", 1)', error: /invalid argument for max \(type string\)/ },
  { name: 'sort of mixed values', src: 'sort([1, "a"])', error: /numbers or of strings/ },
  { name: 'too few arguments', src: 'len()', error: /not enough arguments to call len\(\)/ },
  { name: 'too many arguments', src: 'upper("a", "b")', error: /too many arguments to call upper\(\)/ },
  { name: 'an unknown function', src: 'frobnicate(1)', error: /^unknown function frobnicate\(\)$/ },
  { name: 'now() reads the clock', src: 'now()', error: /now\(\) is not supported: it reads the clock/ },
  { name: 'duration()', src: 'duration("5m")', error: /duration\(\) is not supported/ },
  { name: 'date()', src: 'date("2024-01-01")', error: /date\(\) is not supported/ },
  {
    name: 'a method call',
    src: 'result.Sub(1)',
    env: { result: 1 },
    error: /method calls are not supported: \.Sub\(\)/,
  },
  {
    name: 'calling a value',
    src: 'result()',
    env: { result: 1 },
    error: /result is a value, not a function/,
  },
]);

valueRows("Argo Rollouts' helpers", [
  { name: 'asInt of a string', src: 'asInt("42")', want: 42 },
  { name: 'asInt of a float truncates', src: 'asInt(result)', env: { result: 3.9 }, want: 3 },
  { name: 'asInt gives an int', src: 'type(asInt("1"))', want: 'int' },
  { name: 'asInt then modulo', src: 'asInt(result) % 2 == 1', env: { result: 7 }, want: true },
  { name: 'asFloat of a string', src: 'asFloat("0.95")', want: 0.95 },
  { name: 'asFloat of "NaN"', src: 'isNaN(asFloat("NaN"))', want: true },
  { name: 'asFloat of "+Inf"', src: 'isInf(asFloat("+Inf"))', want: true },
  { name: 'asFloat of a hex float', src: 'asFloat("0x1.8p1")', want: 3 },
  { name: 'asFloat of an int', src: 'type(asFloat(1))', want: 'float' },
  { name: 'isNaN of NaN', src: 'isNaN(result)', env: { result: NaN }, want: true },
  { name: 'isNaN of a number', src: 'isNaN(result)', env: { result: 1 }, want: false },
  { name: 'isInf of +Inf', src: 'isInf(result)', env: { result: Infinity }, want: true },
  { name: 'isInf of -Inf', src: 'isInf(result)', env: { result: -Infinity }, want: true },
  { name: 'isNil of nil', src: 'isNil(result)', env: { result: null }, want: true },
  { name: 'isNil of an empty array is false', src: 'isNil(result)', env: { result: [] }, want: false },
  { name: 'isNil of NaN is false', src: 'isNil(result)', env: { result: NaN }, want: false },
  { name: 'isNil looks at result, not at its argument', src: 'isNil(nil)', env: { result: 1 }, want: false },
  { name: 'default of nil is the fallback', src: 'default(result, 0)', env: { result: null }, want: 0 },
  {
    name: 'default of an empty array is the empty array',
    src: 'default(result, 0)',
    env: { result: [] },
    want: [],
  },
  { name: 'default of NaN is NaN', src: 'isNaN(default(result, 0))', env: { result: NaN }, want: true },
  { name: 'default of a value is the value', src: 'default(result, 0)', env: { result: 0.3 }, want: 0.3 },
  {
    name: 'default returns result whatever its first argument',
    src: 'default(result.x, 0)',
    env: { result: { x: null } },
    want: { x: null },
  },
]);

errorRows("Argo helpers' errors", [
  {
    name: 'asInt of a bad string (Go message)',
    src: 'asInt("abc")',
    error: /^strconv\.ParseInt: parsing "abc": invalid syntax$/,
  },
  {
    name: 'asInt of a float string',
    src: 'asInt("1.5")',
    error: /strconv\.ParseInt: parsing "1.5": invalid syntax/,
  },
  { name: 'asInt out of range', src: 'asInt("9223372036854775808")', error: /value out of range/ },
  {
    name: 'asInt of nil',
    src: 'asInt(result)',
    env: { result: null },
    error: /^asInt\(\) not supported on <nil> <nil>$/,
  },
  { name: 'asInt of a bool', src: 'asInt(true)', error: /asInt\(\) not supported on bool true/ },
  {
    name: 'asFloat of a bad string',
    src: 'asFloat("1,5")',
    error: /^strconv\.ParseFloat: parsing "1,5": invalid syntax$/,
  },
  {
    name: 'asFloat out of range',
    src: 'asFloat("1e400")',
    error: /strconv\.ParseFloat: parsing "1e400": value out of range/,
  },
  {
    name: 'asFloat of an array',
    src: 'asFloat(result)',
    env: { result: [1] },
    error: /asFloat\(\) not supported on \[\]interface \{\} \[1\]/,
  },
  {
    name: 'isNaN of nil',
    src: 'isNaN(result)',
    env: { result: null },
    error: /isNaN\(\) needs a number, got <nil>/,
  },
  {
    name: 'isNaN of an array',
    src: 'isNaN(result)',
    env: { result: [NaN] },
    error: /isNaN\(\) needs a number/,
  },
  {
    name: 'default needs two arguments',
    src: 'default(result)',
    env: { result: 1 },
    error: /not enough arguments to call default\(\)/,
  },
  {
    name: 'the argument of isNil is still evaluated',
    src: 'isNil(result.x)',
    env: { result: null },
    error: /cannot fetch "x" from <nil>/,
  },
]);

describe('evaluateCondition()', () => {
  const rows: { name: string; src: string; result: unknown; want: boolean | RegExp }[] = [
    { name: 'a true condition', src: 'result > 1', result: 2, want: true },
    { name: 'a false condition', src: 'result > 1', result: 0.5, want: false },
    {
      name: 'a number is not a condition',
      src: 'result * 2',
      result: 2,
      want: /^expected bool, but got float64$/,
    },
    { name: 'nil is not a condition', src: 'result', result: null, want: /^expected bool, but got <nil>$/ },
    {
      name: 'a string is not a condition',
      src: '"true"',
      result: null,
      want: /^expected bool, but got string$/,
    },
    {
      name: 'unknown names fail even when not reached',
      src: 'true || results > 1',
      result: 1,
      want: /unknown name results \(did you mean result\?\)/,
    },
    { name: 'only result is known', src: 'x > 1', result: 1, want: /^unknown name x$/ },
    {
      name: 'a type error is an error',
      src: 'result > "a"',
      result: 1,
      want: /mismatched types float64 and string/,
    },
    {
      name: 'and / or / not',
      src: 'not (result < 1) and (result < 5 or result > 10)',
      result: 3,
      want: true,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      if (typeof row.want === 'boolean') assert.equal(evaluateCondition(row.src, row.result), row.want);
      else {
        const re = row.want;
        assert.throws(
          () => evaluateCondition(row.src, row.result),
          (e: unknown) => e instanceof ExprEvalError && re.test(e.message),
        );
      }
    });
  }
  test('a syntax error is an ExprSyntaxError (and an ExprError)', () => {
    assert.throws(
      () => evaluateCondition('result >', 1),
      (e: unknown) => e instanceof ExprSyntaxError && e instanceof ExprError,
    );
  });
  test('the same source evaluates against different results', () => {
    assert.deepEqual(
      [0.1, 0.5, 0.9].map((r) => evaluateCondition('result >= 0.5', r)),
      [false, true, true],
    );
  });
});

describe('syntax errors name the position and what was expected', () => {
  const rows: {
    name: string;
    src: string;
    position: number;
    line: number;
    column: number;
    reason: RegExp;
  }[] = [
    {
      name: 'a missing operand',
      src: 'result >',
      position: 8,
      line: 1,
      column: 9,
      reason: /^unexpected end of expression; expected a value$/,
    },
    {
      name: 'an unclosed parenthesis',
      src: '(result > 1',
      position: 11,
      line: 1,
      column: 12,
      reason: /expected "\)"/,
    },
    {
      name: 'an unclosed bracket',
      src: 'result[0',
      position: 8,
      line: 1,
      column: 9,
      reason: /expected "\]"/,
    },
    {
      name: 'two values in a row',
      src: 'result 1',
      position: 7,
      line: 1,
      column: 8,
      reason: /^unexpected "1"; expected an operator or the end of the expression$/,
    },
    {
      name: 'an unterminated string',
      src: 'result == "abc',
      position: 10,
      line: 1,
      column: 11,
      reason: /string literal not terminated/,
    },
    {
      name: 'a bad character',
      src: 'result @ 1',
      position: 7,
      line: 1,
      column: 8,
      reason: /unrecognized character "@"/,
    },
    {
      name: 'a bad number',
      src: 'result > 1abc',
      position: 9,
      line: 1,
      column: 10,
      reason: /bad number syntax: "1a"/,
    },
    {
      name: 'a bad escape',
      src: '"\\q"',
      position: 1,
      line: 1,
      column: 2,
      reason: /invalid escape sequence/,
    },
    {
      name: 'a missing ternary branch',
      src: 'true ? 1',
      position: 8,
      line: 1,
      column: 9,
      reason: /expected ":" of the ternary operator/,
    },
    {
      name: '# outside a predicate',
      src: '# > 1',
      position: 0,
      line: 1,
      column: 1,
      reason: /cannot use # outside a predicate/,
    },
    {
      name: '.field outside a predicate',
      src: '.x > 1',
      position: 0,
      line: 1,
      column: 1,
      reason: /cannot use \.field outside a predicate/,
    },
    {
      name: 'an unknown predicate variable',
      src: 'all(result, #foo > 1)',
      position: 12,
      line: 1,
      column: 13,
      reason: /unknown predicate variable #foo/,
    },
    {
      name: 'a predicate function without its predicate',
      src: 'all(result)',
      position: 10,
      line: 1,
      column: 11,
      reason: /all\(\) expects at least 2 arguments/,
    },
    {
      name: '?? mixed with another operator',
      src: 'a ?? b + 1',
      position: 7,
      line: 1,
      column: 8,
      reason: /operator "\+" and \?\? cannot be mixed/,
    },
    {
      name: 'not before a value',
      src: 'a not b',
      position: 2,
      line: 1,
      column: 3,
      reason: /unexpected "not"/,
    },
    {
      name: 'let is not supported',
      src: 'let x = 1; x',
      position: 0,
      line: 1,
      column: 1,
      reason: /variables \(let\) are not supported/,
    },
    {
      name: 'if is not supported',
      src: 'if true { 1 } else { 2 }',
      position: 0,
      line: 1,
      column: 1,
      reason: /if\/else is not supported/,
    },
    {
      name: 'an integer literal that is too large',
      src: '9223372036854775808',
      position: 0,
      line: 1,
      column: 1,
      reason: /integer literal 9223372036854775808 is too large/,
    },
    {
      name: 'a field name is required after a dot',
      src: 'result.1',
      position: 6,
      line: 1,
      column: 7,
      reason: /expected an operator or the end/,
    },
    {
      name: 'a single = instead of ==',
      src: 'result = 1',
      position: 7,
      line: 1,
      column: 8,
      reason: /^unexpected "="; use == to compare$/,
    },
    {
      name: 'an empty expression',
      src: '   ',
      position: 0,
      line: 1,
      column: 1,
      reason: /^empty expression$/,
    },
    {
      name: 'an unclosed comment',
      src: '1 /* x',
      position: 2,
      line: 1,
      column: 3,
      reason: /unclosed comment/,
    },
    {
      name: 'a bad map key',
      src: '{[1]: 2}',
      position: 1,
      line: 1,
      column: 2,
      reason: /a map key is a name, a string, a number or a parenthesised expression/,
    },
    {
      name: '?? followed by a comparison needs parentheses',
      src: 'a ?? 0 < 5',
      position: 7,
      line: 1,
      column: 8,
      reason: /operator "<" and \?\? cannot be mixed/,
    },
    {
      name: 'a position on a later line',
      src: 'result > 1 &&\n  result <',
      position: 24,
      line: 2,
      column: 11,
      reason: /unexpected end of expression/,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.throws(
        () => parseExpression(row.src),
        (e: unknown) => {
          assert.ok(e instanceof ExprSyntaxError, `${row.src}: ${String(e)}`);
          assert.match(e.reason, row.reason);
          assert.deepEqual([e.position, e.line, e.column], [row.position, row.line, row.column], e.message);
          assert.equal(e.message, `${e.reason} (at line ${row.line}, column ${row.column})`);
          return true;
        },
      );
    });
  }
});

describe('checkCondition() for lint', () => {
  const rows: { name: string; src: string; want: RegExp | undefined }[] = [
    { name: 'a good condition', src: 'result[0] >= 0.95', want: undefined },
    {
      name: 'helpers and builtins are known',
      src: 'isNaN(result) || default(result, 0) < 1 || len(filter(result, # > 1)) > 0',
      want: undefined,
    },
    {
      name: 'a syntax error with its position',
      src: 'result >= ',
      want: /^unexpected end of expression; expected a value \(at line 1, column 11\)$/,
    },
    {
      name: 'an unknown name, with a suggestion',
      src: 'results[0] >= 0.95',
      want: /^unknown name results \(did you mean result\?\)$/,
    },
    { name: 'an unknown name', src: 'result > threshold', want: /^unknown name threshold$/ },
    { name: 'an unknown function', src: 'avg(result) > 1', want: /^unknown function avg\(\)$/ },
    { name: 'an unsupported function', src: 'now() > result', want: /now\(\) is not supported/ },
    {
      name: 'a wrong number of arguments',
      src: 'asFloat(result, 1) > 1',
      want: /too many arguments to call asFloat\(\)/,
    },
    { name: 'a method call', src: 'result.Seconds() > 1', want: /method calls are not supported/ },
    {
      name: 'an argument placeholder',
      src: 'result > {{ args.threshold }}',
      want: /contains the placeholder \{\{ args\.threshold \}\}, which must be resolved/,
    },
    {
      name: 'a nested repetition is fine: RE2 matches in linear time',
      src: 'result matches "(a+)+"',
      want: undefined,
    },
    {
      name: 'a literal regular expression Go cannot compile',
      src: 'result matches "(a)\\\\1"',
      want: /backreferences are not supported/,
    },
    {
      name: '#acc outside reduce',
      src: 'all(result, #acc > 1)',
      want: /#acc is only available inside reduce\(\)/,
    },
    { name: '#acc inside reduce', src: 'reduce(result, #acc + #) > 1', want: undefined },
    { name: '$env', src: '$env.result > 1', want: /\$env is not supported/ },
    { name: 'not every type error is found before running', src: 'result > "a"', want: undefined },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const got = checkCondition(row.src);
      if (row.want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '(no problem reported)', row.want);
    });
  }
});

describe('conditionWarnings()', () => {
  const rows: { name: string; src: string; count: number }[] = [
    { name: 'default(result, ...) is fine', src: 'default(result, 0) < 1', count: 0 },
    { name: 'default of a field looks at result', src: 'default(result.x, 0) < 1', count: 1 },
    { name: 'isNil of something else looks at result', src: 'isNil(result[0])', count: 1 },
    { name: 'an unparsable condition has no warnings', src: 'result >', count: 0 },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.equal(conditionWarnings(row.src).length, row.count);
    });
  }
});

describe('describeConditionError() as Argo words it', () => {
  const rows: { name: string; result: unknown; want: string }[] = [
    {
      name: 'an empty result',
      result: [],
      want: 'could not evaluate successCondition "result[0] > 1": metric result is nil or empty: no data returned from the metric provider',
    },
    {
      name: 'a nil result',
      result: null,
      want: 'could not evaluate successCondition "result[0] > 1": metric result is nil or empty: no data returned from the metric provider',
    },
    {
      name: 'any other result',
      result: 'x',
      want: 'could not evaluate successCondition "result[0] > 1": boom',
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.equal(
        describeConditionError('successCondition', 'result[0] > 1', row.result, new Error('boom')),
        row.want,
      );
    });
  }
});

describe('safety: nothing outside the data is reachable', () => {
  const rows: { name: string; src: string; env: Record<string, unknown>; want: unknown }[] = [
    { name: 'constructor of a map is nil', src: 'result.constructor', env: { result: { a: 1 } }, want: null },
    { name: '__proto__ of a map is nil', src: "result['__proto__']", env: { result: { a: 1 } }, want: null },
    { name: 'prototype of a map is nil', src: 'result.prototype', env: { result: {} }, want: null },
    { name: 'toString of a map is nil', src: 'result.toString', env: { result: {} }, want: null },
    { name: 'constructor of a map literal is nil', src: '{}.constructor', env: {}, want: null },
    { name: 'hasOwnProperty of a map literal is nil', src: '{a: 1}.hasOwnProperty', env: {}, want: null },
    { name: 'an own "__proto__" key is plain data', src: "{__proto__: 1}['__proto__']", env: {}, want: 1 },
    {
      name: 'an own "constructor" key from JSON is plain data',
      src: 'result.constructor',
      env: { result: JSON.parse('{"constructor": 5}') as unknown },
      want: 5,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(evaluate(row.src, row.env), row.want);
    });
  }
  const refused: { name: string; src: string; env: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'constructor of a string',
      src: '"".constructor',
      env: {},
      error: /cannot fetch "constructor" from string/,
    },
    {
      name: 'constructor of a number',
      src: 'result.constructor',
      env: { result: 1 },
      error: /cannot fetch "constructor" from float64/,
    },
    {
      name: 'length of an array',
      src: 'result.length',
      env: { result: [1] },
      error: /cannot fetch "length"/,
    },
    {
      name: '__proto__ of an array',
      src: "result['__proto__']",
      env: { result: [1] },
      error: /cannot fetch "__proto__"/,
    },
    {
      name: 'constructor of a function value',
      src: 'f.constructor',
      env: { f: () => 1 },
      error: /cannot fetch "constructor" from func/,
    },
    {
      name: 'a class instance is not a map',
      src: 'd.getTime',
      env: { d: new Date(0) },
      error: /cannot fetch "getTime" from unsupported value/,
    },
    { name: 'globalThis is not a name', src: 'globalThis', env: {}, error: /^unknown name globalThis$/ },
    {
      name: 'process is not a name',
      src: 'process.exit(1)',
      env: {},
      error: /method calls are not supported/,
    },
    { name: 'process is not a name (field)', src: 'process.env', env: {}, error: /^unknown name process$/ },
    { name: 'constructor is not a name', src: 'constructor', env: {}, error: /^unknown name constructor$/ },
    { name: 'an inherited name is not a name', src: 'toString', env: {}, error: /^unknown name toString$/ },
    {
      name: 'Function is not a function',
      src: 'Function("return 1")',
      env: {},
      error: /^unknown function Function\(\)$/,
    },
    { name: 'eval is not a function', src: 'eval("1")', env: {}, error: /^unknown function eval\(\)$/ },
    {
      name: 'constructor is not a function',
      src: 'constructor()',
      env: {},
      error: /^unknown function constructor\(\)$/,
    },
    {
      name: 'a function in the environment cannot be called',
      src: 'f()',
      env: { f: () => 1 },
      error: /f is a value, not a function/,
    },
    {
      name: 'a method of a value cannot be called',
      src: 'result.toUpperCase()',
      env: { result: 'a' },
      error: /method calls are not supported/,
    },
  ];
  for (const row of refused) {
    test(row.name, () => {
      assert.throws(
        () => evaluate(row.src, row.env),
        (e: unknown) => e instanceof ExprEvalError && row.error.test(e.message),
      );
    });
  }
  test('a getter is never run', () => {
    let ran = false;
    const result = Object.defineProperty({}, 'x', {
      get: () => {
        ran = true;
        return 1;
      },
      enumerable: true,
    });
    assert.equal(evaluate('result.x', { result }), null);
    assert.equal(ran, false);
  });
  test('a map literal cannot pollute Object.prototype', () => {
    const out = evaluate('{__proto__: {polluted: true}, constructor: {prototype: {polluted: true}}}', {});
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });
});

describe('safety: size and work are bounded', () => {
  const deepParens = `${'('.repeat(EXPR_LIMITS.maxNesting + 1)}1${')'.repeat(EXPR_LIMITS.maxNesting + 1)}`;
  const deepArrays = `${'['.repeat(200)}${']'.repeat(200)}`;
  const manyNots = `${'!'.repeat(200)}true`;
  const longSum = Array.from({ length: 600 }, () => '1').join(' + ');
  const longChain = `result${'.a'.repeat(1200)}`;
  const syntaxRows: { name: string; src: string; reason: RegExp }[] = [
    {
      name: 'deeply nested parentheses',
      src: deepParens,
      reason: /^expression is nested too deeply \(more than 64 levels\)$/,
    },
    { name: 'deeply nested arrays', src: deepArrays, reason: /nested too deeply/ },
    { name: 'a long run of negations', src: manyNots, reason: /nested too deeply/ },
    {
      name: 'a right-associative power tower',
      src: Array.from({ length: 100 }, () => '2').join(' ** '),
      reason: /nested too deeply/,
    },
    { name: 'too many nodes', src: longSum, reason: /^expression is too large \(more than 1000 nodes\)$/ },
    { name: 'a long member chain', src: longChain, reason: /too large/ },
    {
      name: 'a source that is too long',
      src: `result > ${'1'.repeat(EXPR_LIMITS.maxSourceLength)}`,
      reason: /^expression is too long \(\d+ characters; the limit is 10000\)$/,
    },
  ];
  for (const row of syntaxRows) {
    test(row.name, () => {
      assert.throws(
        () => parseExpression(row.src),
        (e: unknown) => e instanceof ExprSyntaxError && row.reason.test(e.reason),
      );
    });
  }
  const evalRows: { name: string; src: string; env?: Record<string, unknown>; error: RegExp }[] = [
    {
      name: 'a predicate inside a predicate over large ranges',
      src: 'len(map(1..2000, map(1..2000, #))) > 0',
      error: /^evaluation is too expensive \(more than 1000000 steps\)$/,
    },
    { name: 'a huge range', src: 'len(1..100000000000) > 0', error: /too expensive/ },
    {
      name: 'a string that grows too long',
      src: 'len(join(map(1..20, result), "")) > 0',
      env: { result: 'x'.repeat(100_000) },
      error: /string too long/,
    },
  ];
  for (const row of evalRows) {
    test(row.name, () => {
      assert.throws(
        () => evaluate(row.src, row.env ?? {}),
        (e: unknown) => e instanceof ExprEvalError && row.error.test(e.message),
      );
    });
  }
  test('a pattern that backtracks exponentially in JavaScript finishes at once (RE2, linear time)', () => {
    const input = `${'a'.repeat(40)}!`;
    for (const pattern of ['(a+)+$', '^(a+)+$', '(a|aa)+$', '^(\\w*)*$']) {
      const started = performance.now();
      assert.equal(evaluate(`result matches ${JSON.stringify(pattern)}`, { result: input }), false);
      assert.ok(performance.now() - started < 1000, `${pattern} took too long`);
    }
    assert.equal(evaluate('result matches "^(a+)+!$"', { result: input }), true);
  });
  test('the limits are exported', () => {
    assert.deepEqual(
      { ...EXPR_LIMITS, MAX_STEPS },
      { maxSourceLength: 10_000, maxNesting: 64, maxNodes: 1_000, MAX_STEPS: 1_000_000 },
    );
  });
  test('a large but reasonable evaluation is fine', () => {
    assert.equal(
      evaluate('len(filter(result, # > 0.5))', {
        result: Array.from({ length: 10_000 }, (_, i) => i / 10_000),
      }),
      5_000 - 1,
    );
  });
  test('deeply nested data is refused, not a crash', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 500; i++) deep = [deep];
    assert.throws(
      () => evaluate('result == result', { result: deep }),
      (e: unknown) => e instanceof ExprEvalError && /nested too deeply/.test(e.message),
    );
  });
});
