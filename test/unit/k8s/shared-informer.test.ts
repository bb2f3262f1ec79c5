import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedInformer } from '../../../src/adapters/k8s/shared-informer.ts';
import { FakeListWatch, settle, type FakeObject } from '../../support/fake-list-watch.ts';

const names = (objs: readonly FakeObject[]): string[] => objs.map((o) => o.metadata.name).sort();

test('lists once, then keeps the cache current from the watch', async () => {
  const source = new FakeListWatch();
  source.put('a-1', { app: 'a' });
  source.put('b-1', { app: 'b' });
  const informer = new SharedInformer(source);
  await informer.start();
  assert.equal(informer.synced, true);
  assert.deepEqual(names(informer.withLabel('app', 'a')), ['a-1']);
  source.put('a-2', { app: 'a' });
  source.put('a-1', { app: 'a' }, { step: '2' });
  source.remove('b-1');
  await settle();
  assert.deepEqual(names(informer.withLabel('app', 'a')), ['a-1', 'a-2']);
  assert.equal(informer.get('a-1')?.data?.step, '2');
  assert.equal(informer.get('b-1'), undefined);
  assert.equal(source.lists, 1);
  assert.equal(source.watches, 1);
  informer.stop();
  assert.equal(source.openWatches, 0);
});

test('many subscribers share one list and one watch; each hears every change in order', async () => {
  const source = new FakeListWatch();
  const informer = new SharedInformer(source);
  const heard: string[][] = [[], [], []];
  for (const h of heard) informer.subscribe({ event: (type, o) => h.push(`${type} ${o.metadata.name}`) });
  await Promise.all([informer.start(), informer.start(), informer.start()]);
  source.put('x');
  source.put('x');
  source.remove('x');
  await settle();
  for (const h of heard) assert.deepEqual(h, ['ADDED x', 'MODIFIED x', 'DELETED x']);
  assert.equal(source.lists, 1);
  assert.equal(source.watches, 1);
  informer.stop();
});

test('a watch the server ends resumes from the last version, without a new list', async () => {
  const source = new FakeListWatch();
  const informer = new SharedInformer(source);
  await informer.start();
  source.put('a');
  await settle();
  source.endWatches();
  await settle();
  // Changed while no watch ran: the resumed watch replays it.
  source.put('b');
  await settle();
  assert.equal(source.lists, 1);
  assert.equal(source.watches, 2);
  assert.notEqual(informer.get('b'), undefined);
  informer.stop();
});

test('410 Gone: lists anew, drops what was deleted meanwhile, and tells subscribers of the resync', async () => {
  const source = new FakeListWatch();
  source.put('old');
  const informer = new SharedInformer(source);
  const deleted: string[] = [];
  const resyncs: number[] = [];
  informer.subscribe({
    event: (type, o) => {
      if (type === 'DELETED') deleted.push(o.metadata.name);
    },
    resync: (at) => resyncs.push(at),
  });
  await informer.start();
  assert.notEqual(informer.get('old'), undefined);
  // While no watch runs the object goes and the events are compacted away.
  source.endWatches();
  source.remove('old');
  source.put('new');
  source.compact();
  // The resumed watch starts from a compacted version: ERROR 410, then a new list after a backoff.
  await settle(700);
  assert.equal(informer.get('old'), undefined);
  assert.notEqual(informer.get('new'), undefined);
  assert.deepEqual(deleted, ['old']);
  assert.equal(informer.synced, true);
  assert.equal(source.lists, 2);
  assert.equal(resyncs.length, 2);
  informer.stop();
});

test('a failed list is retried after a backoff; the cache is not synced meanwhile', async () => {
  const source = new FakeListWatch();
  source.put('a');
  source.failLists = 1;
  const informer = new SharedInformer(source);
  await informer.start();
  assert.equal(informer.synced, false);
  await settle(700);
  assert.equal(informer.synced, true);
  assert.notEqual(informer.get('a'), undefined);
  assert.equal(source.lists, 2);
  informer.stop();
});
