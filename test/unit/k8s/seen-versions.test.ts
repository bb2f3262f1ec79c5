import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenVersions } from '../../../src/adapters/k8s/seen-versions.ts';

const NOT_OLDER = 'NotOlderThan';

test('seen versions: the first list is consistent; later ones are not older than the newest seen', () => {
  const seen = new SeenVersions();
  assert.deepEqual(seen.listQuery('ReplicaSet', 'ns'), {});
  seen.noteRead('ReplicaSet', 'ns', 'app=web', '100');
  assert.deepEqual(seen.listQuery('ReplicaSet', 'ns'), {
    resourceVersion: '100',
    resourceVersionMatch: NOT_OLDER,
  });
  // A write of the driver's own: the next list shows it.
  seen.noteWrite('ReplicaSet', 'ns', '120');
  assert.deepEqual(seen.listQuery('ReplicaSet', 'ns'), {
    resourceVersion: '120',
    resourceVersionMatch: NOT_OLDER,
  });
  // Another namespace and another kind know nothing yet.
  assert.deepEqual(seen.listQuery('ReplicaSet', 'other'), {});
  assert.deepEqual(seen.listQuery('Pod', 'ns'), {});
});

test('seen versions: an answer that came back late does not take the floor back', () => {
  const seen = new SeenVersions();
  seen.noteWrite('ReplicaSet', 'ns', '130');
  // A list sent before the write, answered after it.
  seen.noteRead('ReplicaSet', 'ns', 'app=web', '125');
  assert.equal(seen.listQuery('ReplicaSet', 'ns').resourceVersion, '130');
  // 9 < 10 as numbers, not as text.
  const numbers = new SeenVersions();
  numbers.noteRead('Pod', 'ns', 'app=web', '10');
  numbers.noteRead('Pod', 'ns', 'app=web', '9');
  assert.equal(numbers.listQuery('Pod', 'ns').resourceVersion, '10');
});

test('seen versions: versions that are not numbers: the later answer wins', () => {
  const seen = new SeenVersions();
  seen.noteRead('ReplicaSet', 'ns', 'app=web', 'b');
  seen.noteRead('ReplicaSet', 'ns', 'app=web', 'a');
  assert.equal(seen.listQuery('ReplicaSet', 'ns').resourceVersion, 'a');
});

test('seen versions: a write answered without a version (a delete) makes the next list consistent', () => {
  const seen = new SeenVersions();
  seen.noteRead('ReplicaSet', 'ns', 'app=web', '100');
  seen.noteWrite('ReplicaSet', 'ns', undefined);
  assert.deepEqual(seen.listQuery('ReplicaSet', 'ns'), {});
  seen.noteWrite('ReplicaSet', 'ns', '140');
  assert.equal(seen.listQuery('ReplicaSet', 'ns').resourceVersion, '140');
});

test('seen versions: a watch starts where its own read was, not at a later write', () => {
  const seen = new SeenVersions();
  assert.equal(seen.watchFrom('ReplicaSet', 'ns', 'app=web'), undefined);
  seen.noteRead('ReplicaSet', 'ns', 'app=web', '100');
  // Others' changes between the list and this write must still reach the watch.
  seen.noteWrite('ReplicaSet', 'ns', '120');
  assert.equal(seen.watchFrom('ReplicaSet', 'ns', 'app=web'), '100');
  // By selector (or name): another rollout's list is not this one's.
  seen.noteRead('ReplicaSet', 'ns', 'app=api', '150');
  assert.equal(seen.watchFrom('ReplicaSet', 'ns', 'app=web'), '100');
  seen.noteRead('ConfigMap', 'ns', 'rollout-pilot.web', '90');
  assert.equal(seen.watchFrom('ConfigMap', 'ns', 'rollout-pilot.web'), '90');
  // A read without a version changes nothing.
  seen.noteRead('ConfigMap', 'ns', 'rollout-pilot.web', undefined);
  assert.equal(seen.watchFrom('ConfigMap', 'ns', 'rollout-pilot.web'), '90');
});
