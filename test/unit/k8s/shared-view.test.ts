import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamespaceInformers } from '../../../src/adapters/k8s/namespace-cache.ts';
import { ROLLOUT_LABEL, stateName } from '../../../src/adapters/k8s/names.ts';
import { SharedInformer } from '../../../src/adapters/k8s/shared-informer.ts';
import { EXPECTATION_TTL_MS, SharedView } from '../../../src/adapters/k8s/shared-view.ts';
import { FakeListWatch, settle } from '../../support/fake-list-watch.ts';

interface Namespace {
  replicaSets: FakeListWatch;
  states: FakeListWatch;
  services: FakeListWatch;
  pods: FakeListWatch;
  informers: NamespaceInformers;
}

async function namespace(): Promise<Namespace> {
  const replicaSets = new FakeListWatch();
  const states = new FakeListWatch();
  const services = new FakeListWatch();
  const pods = new FakeListWatch();
  // The fake's objects carry the metadata the view reads; the rest of the kinds' fields it never does.
  const informers = {
    replicaSets: new SharedInformer(replicaSets),
    states: new SharedInformer(states),
    services: new SharedInformer(services),
    pods: new SharedInformer(pods),
  } as unknown as NamespaceInformers;
  await Promise.all([
    informers.replicaSets.start(),
    informers.states.start(),
    informers.services.start(),
    informers.pods.start(),
  ]);
  return { replicaSets, states, services, pods, informers };
}

const of = (rollout: string): Record<string, string> => ({ [ROLLOUT_LABEL]: rollout });

/**
 * Waits as a driver does, and says whether it woke well before the timeout (a timer may fire a
 * millisecond or two before `ms` by another clock: libuv compares with its cached loop time).
 */
async function woke(view: SharedView, rollout: string, ms: number, during: () => void): Promise<boolean> {
  const started = performance.now();
  const waiting = view.waitForChange(rollout, ms);
  during();
  await waiting;
  return performance.now() - started < ms - 50;
}

test('fifty drivers wake on their own rollout only, from one watch per kind', async () => {
  const ns = await namespace();
  const views = Array.from({ length: 50 }, () => new SharedView(ns.informers, () => undefined));
  // Each driver waits once first, so the view knows its rollout (as the driver loop does).
  await Promise.all(views.map((v, i) => v.waitForChange(`r${i}`, 1)));
  const started = Date.now();
  const waits = views.map((v, i) => v.waitForChange(`r${i}`, 400).then(() => Date.now() - started));
  ns.replicaSets.put('r7-abc', of('r7'));
  const times = await Promise.all(waits);
  assert.ok((times[7] ?? 1000) < 300, `r7 woke after ${times[7]} ms`);
  assert.ok(times.filter((t) => t >= 380).length === 49, 'the other 49 slept to their timeout');
  assert.equal(ns.replicaSets.watches, 1);
  assert.equal(ns.states.watches, 1);
  for (const v of views) v.stop();
});

test("the driver's own state write does not wake it; another writer's does", async () => {
  const ns = await namespace();
  let lastWritten: string | undefined;
  const view = new SharedView(ns.informers, () => lastWritten);
  await view.waitForChange('app', 1);
  assert.equal(
    await woke(view, 'app', 300, () => {
      lastWritten = ns.states.put(stateName('app'), of('app')).metadata.resourceVersion;
    }),
    false,
  );
  assert.equal(
    await woke(view, 'app', 300, () => {
      ns.states.put(stateName('app'), of('app'), { requests: 'abort' });
    }),
    true,
  );
  view.stop();
});

/** A view of a fresh namespace on a clock the test moves (`advance`). */
async function clockedView(): Promise<{ ns: Namespace; view: SharedView; advance: (ms: number) => void }> {
  const ns = await namespace();
  let clock = 0;
  const view = new SharedView(
    ns.informers,
    () => undefined,
    () => clock,
  );
  return { ns, view, advance: (ms) => (clock += ms) };
}

test("read-your-writes: a write's answer is shown until the watch shows it or a later version", async () => {
  const { ns, view, advance } = await clockedView();
  const name = stateName('app');
  const replace = { verb: 'replace', kind: 'ConfigMap', namespace: 'ns', name } as const;
  const first = ns.states.put(name, of('app'), { step: '1' });
  await settle();
  assert.equal(view.state('app')?.data?.step, '1');
  // The driver writes step 2; the answer comes back before the watch event does.
  const version = String(Number(first.metadata.resourceVersion) + 1);
  view.written(replace, {
    metadata: { name, resourceVersion: version, labels: of('app') },
    data: { step: '2' },
  });
  assert.equal(view.state('app')?.data?.step, '2', 'the answer, not the older cached copy');
  // The watch shows that version (here from the fake, with its own data): the cache is used again.
  const shown = ns.states.put(name, of('app'), { step: '3' });
  assert.equal(shown.metadata.resourceVersion, version, 'the fake numbers versions one by one');
  await settle();
  assert.equal(view.state('app')?.data?.step, '3');
  // An answer older than what the watch already delivered is no news.
  view.written(replace, { metadata: { name, resourceVersion: first.metadata.resourceVersion }, data: {} });
  assert.equal(view.state('app')?.data?.step, '3');
  // An answer without a version: read from the API server until the TTL.
  view.written(replace, {});
  assert.equal(view.state('app'), undefined);
  advance(EXPECTATION_TTL_MS);
  assert.equal(view.state('app')?.data?.step, '3');
  view.stop();
});

test("a ReplicaSet write shows in the rollout's list at once: patched, created, deleted", async () => {
  const { ns, view, advance } = await clockedView();
  const stable = ns.replicaSets.put('app-1', of('app'));
  ns.replicaSets.put('other-1', of('other'));
  await settle();
  const next = (n: number): string => String(Number(stable.metadata.resourceVersion) + n);
  const call = (verb: 'patch' | 'create' | 'delete', name: string) =>
    ({ verb, kind: 'ReplicaSet', namespace: 'ns', name }) as const;
  view.written(call('patch', 'app-1'), {
    metadata: { name: 'app-1', resourceVersion: next(10), labels: of('app') },
    spec: { replicas: 4 },
  });
  view.written(call('create', 'app-2'), {
    metadata: { name: 'app-2', resourceVersion: next(11), labels: of('app') },
    spec: { replicas: 1 },
  });
  assert.deepEqual(
    view.replicaSets('app')?.map((rs) => [rs.metadata?.name, rs.spec?.replicas]),
    [
      ['app-1', 4],
      ['app-2', 1],
    ],
  );
  assert.deepEqual(
    view.replicaSets('other')?.map((rs) => rs.metadata?.name),
    ['other-1'],
    "another rollout's list has none of them",
  );
  view.written(call('delete', 'app-1'), {});
  assert.deepEqual(
    view.replicaSets('app')?.map((rs) => rs.metadata?.name),
    ['app-2'],
  );
  // A write whose answer is no object: the list comes from the API server until the TTL.
  view.written(call('patch', 'app-2'), { metadata: { resourceVersion: next(12) } });
  assert.equal(view.replicaSets('app'), undefined);
  advance(EXPECTATION_TTL_MS);
  assert.deepEqual(
    view.replicaSets('app')?.map((rs) => rs.metadata?.name),
    ['app-1'],
    'expired: the cache as the watch has it',
  );
  view.stop();
});

test('a delete is shown once the watch says DELETED; a write of the answer already cached is shown', async () => {
  const ns = await namespace();
  const view = new SharedView(
    ns.informers,
    () => undefined,
    () => 0,
  );
  const rs = ns.replicaSets.put('app-1', of('app'));
  await settle();
  // The watch was faster than the answer: nothing to wait for.
  view.written({ verb: 'create', kind: 'ReplicaSet', namespace: 'ns', name: 'app-1' }, rs);
  assert.equal(view.replicaSets('app')?.length, 1);
  view.written({ verb: 'delete', kind: 'ReplicaSet', namespace: 'ns', name: 'app-1' }, {});
  assert.deepEqual(view.replicaSets('app'), [], 'deleted at once');
  ns.replicaSets.remove('app-1');
  await settle();
  assert.deepEqual(view.replicaSets('app'), []);
  view.stop();
});

test('Services come from the cache: null for one that does not exist', async () => {
  const ns = await namespace();
  ns.services.put('app-stable');
  await settle();
  const view = new SharedView(ns.informers, () => undefined);
  assert.equal(view.service('app-stable')?.metadata?.name, 'app-stable');
  assert.equal(view.service('app-canary'), null);
  ns.informers.services.stop();
  assert.equal(view.service('app-stable'), undefined, 'a stopped cache sends the driver to the API server');
  view.stop();
});

test("a rollout's pods come from the cache, its own only, kept current by the watch", async () => {
  const ns = await namespace();
  ns.pods.put('a-1-x', of('a'));
  ns.pods.put('b-1-y', of('b'));
  await settle();
  const view = new SharedView(ns.informers, () => undefined);
  assert.deepEqual(
    view.pods('a')?.map((p) => p.metadata?.name),
    ['a-1-x'],
  );
  ns.pods.remove('a-1-x');
  ns.pods.put('a-1-z', of('a'));
  await settle();
  assert.deepEqual(
    view.pods('a')?.map((p) => p.metadata?.name),
    ['a-1-z'],
  );
  assert.equal(ns.pods.lists, 1);
  view.stop();
});
