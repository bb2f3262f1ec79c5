/** The plan of a run that drives several Rollouts: who starts, who never will, who is aborted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  mergeOrders,
  nextMoves,
  parseOrderInput,
  type Ending,
  type ScheduleState,
} from '../../../src/controller/rollout-schedule.ts';

const order = new Map<string, string[]>([
  ['a', []],
  ['b', []],
  ['c', ['a', 'b']],
]);

function state(over: Partial<ScheduleState> & { endings?: Record<string, Ending> } = {}): ScheduleState {
  const ended = new Map(
    Object.entries(over.endings ?? {}).map(([k, ending]) => [
      k,
      { ending, phase: ending === 'healthy' ? 'Healthy' : ending === 'failed' ? 'Degraded' : 'Paused' },
    ]),
  );
  return {
    order,
    running: new Set(),
    ended,
    skipped: new Set(),
    aborting: new Set(),
    whenOneFails: 'continue',
    ...over,
  };
}

test('at first the Rollouts without an order start together; the ordered one waits', () => {
  assert.deepEqual(nextMoves(state()), { start: ['a', 'b'], skip: [], abort: [] });
});

test('the ordered Rollout waits until every one it names is Healthy', () => {
  const one = nextMoves(state({ running: new Set(['b']), endings: { a: 'healthy' } }));
  assert.deepEqual(one, { start: [], skip: [], abort: [] });
  const both = nextMoves(state({ endings: { a: 'healthy', b: 'healthy' } }));
  assert.deepEqual(both.start, ['c']);
});

test('continue: a failure skips only the Rollouts that wait for it; the others go on', () => {
  const m = nextMoves(state({ running: new Set(['b']), endings: { a: 'failed' } }));
  assert.deepEqual(m.abort, []);
  assert.deepEqual(m.start, []);
  assert.deepEqual(m.skip, [{ rollout: 'c', reason: 'not started: it waits for a is Degraded' }]);
});

test('a Rollout stopped short of Healthy (paused for a person) holds back the ones after it', () => {
  const m = nextMoves(state({ endings: { a: 'stopped', b: 'healthy' } }));
  assert.deepEqual(m.skip, [{ rollout: 'c', reason: 'not started: it waits for a is Paused' }]);
});

test('abort-others: a failure aborts the running ones once and starts nothing more', () => {
  const s = state({ whenOneFails: 'abort-others', running: new Set(['b']), endings: { a: 'failed' } });
  const m = nextMoves(s);
  assert.deepEqual(m.abort, [{ rollout: 'b', reason: 'a failed (when-one-fails: abort-others)' }]);
  assert.deepEqual(m.skip, [
    { rollout: 'c', reason: 'not started: a failed (when-one-fails: abort-others)' },
  ]);
  const again = nextMoves({ ...s, aborting: new Set(['b']), skipped: new Set(['c']) });
  assert.deepEqual(again, { start: [], skip: [], abort: [] });
});

test('a skipped Rollout holds back the ones that wait for it', () => {
  const chain = new Map<string, string[]>([
    ['a', []],
    ['b', ['a']],
    ['c', ['b']],
  ]);
  const m = nextMoves(state({ order: chain, skipped: new Set(['b']), endings: { a: 'failed' } }));
  assert.deepEqual(m.skip, [{ rollout: 'c', reason: 'not started: it waits for b did not start' }]);
});

test('the order input reads "c after a, b" lines and is merged with the annotations', () => {
  const parsed = parseOrderInput('# deploy c last\nc after a, b\n\nb after a', ['a', 'b', 'c']);
  assert.ok('order' in parsed);
  const merged = mergeOrders(['a', 'b', 'c'], new Map([['c', ['b']]]), parsed.order);
  assert.deepEqual(
    [...merged],
    [
      ['a', []],
      ['b', ['a']],
      ['c', ['b', 'a']],
    ],
  );
});

test('the order input names what it does not understand', () => {
  assert.deepEqual(parseOrderInput('c before a', ['a', 'c']), {
    problem: 'input order: "c before a" does not read "ROLLOUT after A, B"',
  });
  assert.deepEqual(parseOrderInput('c after z', ['a', 'c']), {
    problem: 'input order: no Rollout named "z" in the manifests (found a, c)',
  });
  assert.deepEqual(parseOrderInput('c after c', ['a', 'c']), {
    problem: 'input order: c cannot wait for itself',
  });
});
