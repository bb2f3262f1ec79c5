/**
 * Several Rollouts in one run (issue #12 part 3): cart and payments in parallel, checkout after
 * both (the `rollout-pilot.dev/after` annotation). Each has its own Lease, state, comment and check
 * run; the `results` output sums them up; a failing one fails the job and holds back checkout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startGitHubApi, type GitHubApi } from '../support/github-api/index.ts';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import {
  actionIn,
  canaryManifests,
  replicaSets,
  serviceHash,
  storedStatus,
  writeManifests,
} from '../support/rollout.ts';

const TOKEN = 'ghs_test_token_0123456789';
const PROGRESS = { progressDeadlineSeconds: 8, progressDeadlineAbort: true };

/**
 * The three services at a version; `crashing` names the one whose pods crash-loop; `cartPause`
 * holds cart at its pause that long (so that another Rollout's failure finds it still running).
 */
function shop(version: number, crashing?: string, cartPause = '1s'): unknown[] {
  const service = (name: string, after?: string) => {
    const docs = canaryManifests({
      name,
      image: `example/${name}:${version}`,
      steps: [{ setWeight: 40 }, { pause: { duration: name === 'cart' ? cartPause : '1s' } }],
      spec: PROGRESS,
      ...(crashing === name ? { podAnnotations: { 'rollout-pilot.dev/pod-behaviour': 'crashloop' } } : {}),
    });
    const rollout = docs[0] as { metadata: Record<string, unknown> };
    if (after !== undefined) rollout.metadata.annotations = { 'rollout-pilot.dev/after': after };
    return docs;
  };
  return [...service('cart'), ...service('payments'), ...service('checkout', 'cart, payments')];
}

async function githubEnv(api: GitHubApi, sha: string): Promise<Record<string, string>> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rp-event-')), 'event.json');
  await writeFile(file, '{}');
  return {
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: sha,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: file,
    GITHUB_RUN_ID: String(2000 + Math.floor(Math.random() * 1000)),
    GITHUB_RUN_ATTEMPT: '1',
  };
}

interface Result {
  rollout: string;
  started: boolean;
  phase: string;
  aborted: boolean;
  message: string;
  stableRevision?: number;
  canaryRevision?: number;
  commentUrl?: string;
  checkRunUrl?: string;
}

const byName = (json: string | undefined): Map<string, Result> =>
  new Map((JSON.parse(json ?? '[]') as Result[]).map((r) => [r.rollout, r]));

/** Where the line `[name] <text>` first appears in the log; -1 when it does not. */
const lineAt = (log: string, name: string, text: RegExp): number =>
  log.split('\n').findIndex((l) => l.includes(`[${name}]`) && text.test(l));

test('three Rollouts in one run: two in parallel, one after them; a failing one fails the job and holds back the one after it', async (t) => {
  const api = await startGitHubApi({ repos: ['acme/shop'] });
  t.after(() => api.close());
  const v1pr = api.addPullRequest({ number: 21, headSha: 'e'.repeat(40), merged: true, title: 'shop v1' });
  const v2pr = api.addPullRequest({ number: 22, headSha: 'f'.repeat(40), merged: true, title: 'shop v2' });
  const { namespace, kubeconfig } = await namespaceWithRole(t, 'multi');
  const run = async (docs: unknown[], sha: string) =>
    actionIn(
      await writeManifests(docs),
      namespace,
      { manifests: 'rollout.yaml', 'github-token': TOKEN },
      { kubeconfig, env: await githubEnv(api, sha) },
    );

  const first = await run(shop(1), v1pr.headSha);
  const log1 = first.stdout;
  assert.equal(first.exitCode, 0, log1 + first.stderr);
  assert.equal(first.outputs.phase, 'Healthy');
  const r1 = byName(first.outputs.results);
  assert.deepEqual([...r1.keys()], ['cart', 'payments', 'checkout']);
  for (const r of r1.values()) assert.equal(r.phase, 'Healthy', r.message);
  // cart and payments both started before either was done; checkout only once both were Healthy.
  const started = (name: string) => lineAt(log1, name, /driving /);
  const healthy = (name: string) => lineAt(log1, name, /: Healthy/);
  assert.ok(started('cart') >= 0 && started('payments') >= 0, log1);
  assert.ok(started('payments') < healthy('cart') || started('cart') < healthy('payments'), log1);
  assert.ok(started('checkout') > Math.max(healthy('cart'), healthy('payments')), log1);
  for (const name of ['cart', 'payments', 'checkout']) {
    const sets = await replicaSets(namespace, name);
    assert.deepEqual(
      sets.map((rs) => [rs.image, rs.available]),
      [[`example/${name}:1`, 5]],
    );
  }
  // One comment per Rollout, each marked with its name; one check run per Rollout, named after it.
  const comments1 = api.commentsOn('acme', 'shop', 21);
  assert.equal(comments1.length, 3);
  for (const name of ['cart', 'payments', 'checkout']) {
    assert.equal(comments1.filter((c) => c.includes(`rollout-pilot:${namespace}/${name} -->`)).length, 1);
  }
  assert.deepEqual(
    api
      .checkRuns(v1pr.headSha)
      .map((c) => [c.name, c.conclusion])
      .sort(),
    [
      [`rollout-pilot ${namespace}/cart`, 'success'],
      [`rollout-pilot ${namespace}/checkout`, 'success'],
      [`rollout-pilot ${namespace}/payments`, 'success'],
    ],
  );

  // v2: payments' pods crash-loop and its progress deadline aborts it; cart goes on to Healthy
  // (when-one-fails: continue); checkout waits for payments, so it does not start.
  const second = await run(shop(2, 'payments'), v2pr.headSha);
  assert.equal(second.exitCode, 1, second.stdout + second.stderr);
  assert.equal(second.outputs.phase, 'Degraded');
  assert.equal(second.outputs.aborted, 'true');
  const r2 = byName(second.outputs.results);
  assert.equal(r2.get('cart')?.phase, 'Healthy');
  assert.equal(r2.get('cart')?.stableRevision, 2);
  assert.equal(r2.get('payments')?.phase, 'Degraded');
  assert.equal(r2.get('payments')?.aborted, true);
  assert.match(r2.get('payments')?.message ?? '', /timed out progressing|aborted/);
  assert.equal(r2.get('checkout')?.started, false);
  assert.equal(r2.get('checkout')?.phase, 'Healthy', 'checkout stays Healthy on v1');
  assert.match(r2.get('checkout')?.message ?? '', /not started: it waits for payments is Degraded/);
  assert.match(second.outputs.message ?? '', /checkout: Healthy - not started/);

  // The cluster, per Rollout: cart on v2, payments back on v1, checkout untouched on v1.
  const cart = await replicaSets(namespace, 'cart');
  assert.equal(cart.find((rs) => rs.image === 'example/cart:2')?.available, 5);
  assert.equal(
    await serviceHash(namespace, 'cart-stable'),
    cart.find((rs) => rs.image === 'example/cart:2')?.hash,
  );
  const payments = await replicaSets(namespace, 'payments');
  assert.equal(payments.find((rs) => rs.image === 'example/payments:1')?.available, 5);
  assert.equal(payments.find((rs) => rs.image === 'example/payments:2')?.spec, 0);
  assert.equal(
    await serviceHash(namespace, 'payments-stable'),
    payments.find((rs) => rs.image === 'example/payments:1')?.hash,
  );
  const checkout = await replicaSets(namespace, 'checkout');
  assert.deepEqual(
    checkout.map((rs) => [rs.image, rs.available]),
    [['example/checkout:1', 5]],
  );
  assert.equal((await storedStatus(namespace, 'payments'))?.abort, true);
  assert.equal((await storedStatus(namespace, 'checkout'))?.phase, 'Healthy');
  // Every Lease was given back (one per Rollout, named after it).
  const leases = await adminKubeConfig().makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace });
  assert.deepEqual(leases.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity ?? '']).sort(), [
    ['rollout-pilot.cart', ''],
    ['rollout-pilot.checkout', ''],
    ['rollout-pilot.payments', ''],
  ]);

  // The pull request of v2: cart's and payments' comments and check runs; nothing for checkout.
  const comments2 = api.commentsOn('acme', 'shop', 22);
  assert.equal(comments2.length, 2, comments2.join('\n----\n'));
  const paymentsComment = comments2.find((c) => c.includes(`rollout-pilot:${namespace}/payments -->`));
  assert.match(paymentsComment ?? '', /Degraded|aborted/i);
  assert.match(comments2.find((c) => c.includes(`/cart -->`)) ?? '', /Healthy/);
  assert.deepEqual(
    api
      .checkRuns(v2pr.headSha)
      .map((c) => [c.name, c.conclusion])
      .sort(),
    [
      [`rollout-pilot ${namespace}/cart`, 'success'],
      [`rollout-pilot ${namespace}/payments`, 'failure'],
    ],
  );
  assert.equal(
    r2.get('payments')?.commentUrl,
    api.comments('acme', 'shop', 22).find((c) => c.body === paymentsComment)?.htmlUrl,
  );
  assert.match(second.summary, /3 Rollouts/);

  // The CLI's `get` without a name shows every Rollout of the namespace (as `get --watch` does).
  const cli = spawnSync(
    process.execPath,
    [
      path.resolve(import.meta.dirname, '../../src/cli.ts'),
      'get',
      '--namespace',
      namespace,
      '--kubeconfig',
      kubeconfig,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(cli.status, 1, 'payments is Degraded');
  for (const name of ['cart', 'payments', 'checkout'])
    assert.match(cli.stdout, new RegExp(`\\b${name}\\b`), cli.stdout + cli.stderr);
  assert.match(cli.stdout, /Degraded/);
});

test('when-one-fails: abort-others aborts the Rollouts still running and starts none after the failure', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t, 'multi-abort');
  const run = async (docs: unknown[], inputs: Record<string, string> = {}) =>
    actionIn(await writeManifests(docs), namespace, { manifests: 'rollout.yaml', ...inputs }, { kubeconfig });
  const first = await run(shop(1));
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  const v1 = new Map<string, string | undefined>();
  for (const name of ['cart', 'payments']) {
    v1.set(name, (await replicaSets(namespace, name)).find((rs) => rs.image === `example/${name}:1`)?.hash);
  }

  // v2: payments crash-loops and times out; cart sits at a 120 s pause meanwhile and is aborted.
  const started = Date.now();
  const second = await run(shop(2, 'payments', '120s'), { 'when-one-fails': 'abort-others' });
  const log = second.stdout + second.stderr;
  assert.equal(second.exitCode, 1, log);
  assert.ok(Date.now() - started < 90_000, "the run did not wait out cart's pause");
  const r = byName(second.outputs.results);
  assert.equal(r.get('payments')?.phase, 'Degraded', log);
  assert.equal(r.get('cart')?.started, true);
  assert.equal(r.get('cart')?.phase, 'Degraded', log);
  assert.equal(r.get('cart')?.aborted, true);
  assert.match(log, /aborting cart: /);
  assert.equal(r.get('checkout')?.started, false);
  assert.equal(r.get('checkout')?.phase, 'Healthy', 'checkout stays Healthy on v1');
  // Both aborted Rollouts are back on v1: all its pods available, the stable Service on it.
  for (const name of ['cart', 'payments']) {
    const sets = await replicaSets(namespace, name);
    assert.equal(sets.find((rs) => rs.image === `example/${name}:1`)?.available, 5, name);
    assert.equal(await serviceHash(namespace, `${name}-stable`), v1.get(name), name);
    assert.equal((await storedStatus(namespace, name))?.abort, true, name);
  }
});
