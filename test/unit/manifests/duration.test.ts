import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasPlaceholder, parseGoDuration, pauseDurationSeconds } from '../../../src/manifests/duration.ts';

describe('parseGoDuration(): Go time.ParseDuration, in seconds', () => {
  const rows: { rule: string; text: string; seconds: number | undefined }[] = [
    { rule: 'seconds', text: '10s', seconds: 10 },
    { rule: 'minutes', text: '5m', seconds: 300 },
    { rule: 'hours', text: '1h', seconds: 3600 },
    { rule: 'several units add up', text: '1h30m15s', seconds: 5415 },
    { rule: 'fractions', text: '1.5h', seconds: 5400 },
    { rule: 'a leading dot', text: '.5s', seconds: 0.5 },
    { rule: 'milliseconds', text: '300ms', seconds: 0.3 },
    { rule: 'microseconds (us and µs)', text: '2us', seconds: 2e-6 },
    { rule: 'micro sign', text: '2\u00b5s', seconds: 2e-6 },
    { rule: 'nanoseconds', text: '5ns', seconds: 5e-9 },
    { rule: 'a sign', text: '-5s', seconds: -5 },
    { rule: 'a lone zero needs no unit', text: '0', seconds: 0 },
    { rule: 'other numbers need a unit', text: '30', seconds: undefined },
    { rule: 'unknown unit', text: '5d', seconds: undefined },
    { rule: 'spaces are not allowed', text: '5 m', seconds: undefined },
    { rule: 'words are not durations', text: '5 minutes', seconds: undefined },
    { rule: 'empty', text: '', seconds: undefined },
    { rule: 'a dot alone', text: '.s', seconds: undefined },
    { rule: 'a unit without a number', text: 'h', seconds: undefined },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      const got = parseGoDuration(row.text);
      if (row.seconds === undefined) assert.equal(got, undefined);
      else
        assert.ok(got !== undefined && Math.abs(got - row.seconds) < 1e-12, `${row.text} → ${String(got)}`);
    });
  }
});

describe('pauseDurationSeconds(): a pause step duration as Argo reads it', () => {
  const rows: { rule: string; value: number | string; seconds: number | undefined }[] = [
    { rule: 'an integer is seconds', value: 30, seconds: 30 },
    { rule: 'a numeric string is seconds', value: '45', seconds: 45 },
    { rule: 'a Go duration string', value: '5m', seconds: 300 },
    { rule: 'fractions of a second are truncated', value: '1500ms', seconds: 1 },
    { rule: 'zero is allowed', value: 0, seconds: 0 },
    { rule: 'negative values come back negative (the validator rejects them)', value: '-10s', seconds: -10 },
    { rule: 'a number with a fraction is not an int', value: 1.5, seconds: undefined },
    { rule: 'garbage', value: 'soon', seconds: undefined },
    { rule: 'beyond int32', value: '9999999999', seconds: undefined },
  ];
  for (const row of rows) {
    test(row.rule, () => {
      assert.equal(pauseDurationSeconds(row.value), row.seconds);
    });
  }
});

test('hasPlaceholder() spots {{...}} placeholders', () => {
  assert.equal(hasPlaceholder('{{args.interval}}'), true);
  assert.equal(hasPlaceholder('5m'), false);
});
