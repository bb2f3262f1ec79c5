/**
 * Seed 2 (shared/reference/seed-examples.md) end to end on the local cluster: a standalone
 * Experiment with two templates and two `job` analyses whose exit codes the test sets (kwok ends a
 * job's pod with the `rollout-pilot.dev/exit-code` annotation). One analysis always exits 0, the
 * other 1: the Experiment ends Failed, exit code 1, both ReplicaSets had their pods while it ran
 * and are at 0 at the end. Then one whose analyses both pass for a `duration`: Successful, exit 0.
 * Then a run handed over at max-runtime that the next run resumes by name.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { startGitHubApi } from '../support/github-api/index.ts';
import { githubEnv } from '../support/github-env.ts';
import { actionIn, writeManifests } from '../support/rollout.ts';
import { seed2Object } from '../support/seed2-experiment.ts';

const experiment = (name: string, spec: Record<string, unknown> = {}): unknown => seed2Object(name, spec);

/** Seed 2's AnalysisTemplate with a job that exits with `exitCode` (kwok reads the annotation). */
function jobTemplate(name: string, exitCode: number): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      metrics: [
        {
          name,
          interval: '5s',
          failureLimit: 1,
          provider: {
            job: {
              spec: {
                backoffLimit: 0,
                template: {
                  metadata: {
                    annotations: {
                      'rollout-pilot.dev/exit-code': String(exitCode),
                      'rollout-pilot.dev/run-duration': '1s',
                    },
                  },
                  spec: {
                    restartPolicy: 'Never',
                    containers: [
                      { name: 'sleep', image: 'alpine:3.8', command: ['sh', '-c'], args: ['exit'] },
                    ],
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

interface Seen {
  spec: number;
  available: number;
}

/** Polls the experiment's ReplicaSets while `body` runs: the most available pods each one had. */
async function watchReplicaSets<T>(
  namespace: string,
  name: string,
  body: () => Promise<T>,
): Promise<{ result: T; max: Map<string, number>; last: Map<string, Seen> }> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const max = new Map<string, number>();
  const last = new Map<string, Seen>();
  const look = async (): Promise<void> => {
    const list = await apps.listNamespacedReplicaSet({
      namespace,
      labelSelector: `rollout-pilot.dev/experiment=${name}`,
    });
    for (const rs of list.items) {
      const rsName = rs.metadata?.name ?? '';
      const available = rs.status?.availableReplicas ?? 0;
      max.set(rsName, Math.max(max.get(rsName) ?? 0, available));
      last.set(rsName, { spec: rs.spec?.replicas ?? 0, available });
    }
  };
  let done = false;
  const poll = (async () => {
    while (!done) {
      await look();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    const result = await body();
    return { result, max, last };
  } finally {
    done = true;
    await poll;
    await look();
  }
}

async function setup(t: TestContext, docs: unknown[], env: Record<string, string> = {}) {
  const { namespace, kubeconfig } = await namespaceWithRole(t, 'exp-driver');
  const repo = await writeManifests(docs, 'experiment.yaml');
  const run = (inputs: Record<string, string>) => actionIn(repo, namespace, inputs, { kubeconfig, env });
  return { namespace, run };
}

const REPO = 'acme/shop';
const SHA = 'c'.repeat(40);

test('seed 2 with a failing job analysis: Failed, exit 1, both ReplicaSets had pods, then 0; the pull request shows it', async (t) => {
  const api = await startGitHubApi({ repos: [REPO] });
  t.after(() => api.close());
  const pr = api.addPullRequest({ number: 7, headSha: SHA, merged: true, title: 'seed 2' });
  const { namespace, run } = await setup(
    t,
    [experiment('seed2'), jobTemplate('pass', 0), jobTemplate('random-fail', 1)],
    await githubEnv(api, REPO, SHA),
  );
  const { result, max, last } = await watchReplicaSets(namespace, 'seed2', () =>
    run({ manifests: 'experiment.yaml', 'max-runtime': '3m', 'github-token': 'ghs_test_token_0123456789' }),
  );
  assert.equal(result.exitCode, 1, result.stdout);
  assert.equal(result.outputs.phase, 'Failed', result.stdout);
  assert.match(result.outputs.message ?? '', /random-fail/);
  assert.deepEqual([...max.entries()].sort(), [
    ['seed2-orange', 1],
    ['seed2-purple', 1],
  ]);
  for (const [rs, seen] of last) assert.deepEqual([rs, seen.spec], [rs, 0]);
  const analysis = JSON.parse(result.outputs.analysis ?? '[]') as {
    id: string;
    kind: string;
    phase: string;
  }[];
  assert.deepEqual(analysis.map((a) => [a.kind, a.id, a.phase]).sort(), [
    ['Experiment', 'seed2-pass', 'Successful'],
    ['Experiment', 'seed2-random', 'Failed'],
  ]);

  // One comment, updated in place while it ran, and a check run that failed, both naming the
  // templates, the analyses and the verdict.
  const comments = api.commentsOn('acme', 'shop', pr.number);
  assert.equal(comments.length, 1, comments.join('\n---\n'));
  const comment = comments[0] ?? '';
  assert.match(comment, /Experiment `seed2`/);
  assert.match(comment, /Failed/);
  for (const word of ['purple', 'orange', 'random-fail', 'pass']) assert.ok(comment.includes(word), word);
  assert.ok(result.outputs['comment-url']?.includes('#issuecomment-'), result.outputs['comment-url']);
  const checks = api.checkRuns(SHA);
  assert.equal(checks.length, 1);
  assert.equal(checks[0]?.status, 'completed');
  assert.equal(checks[0]?.conclusion, 'failure');
  assert.match(checks[0]?.name ?? '', /seed2/);

  const status = await run({ command: 'status', rollout: 'seed2' });
  assert.equal(status.outputs.phase, 'Failed', status.stdout);
  assert.equal(status.exitCode, 1);
});

test('both analyses pass for a duration: Successful, exit 0', async (t) => {
  const { namespace, run } = await setup(t, [
    experiment('passing', { duration: '15s' }),
    jobTemplate('pass', 0),
    jobTemplate('random-fail', 0),
  ]);
  const { result, max, last } = await watchReplicaSets(namespace, 'passing', () =>
    run({ manifests: 'experiment.yaml', 'max-runtime': '3m' }),
  );
  assert.equal(result.exitCode, 0, result.stdout);
  assert.equal(result.outputs.phase, 'Successful', result.stdout);
  assert.equal(max.get('passing-purple'), 1);
  assert.equal(max.get('passing-orange'), 1);
  for (const seen of last.values()) assert.equal(seen.spec, 0);
});

test('handed over at max-runtime, resumed by name, then aborted: Successful (terminate), exit 0', async (t) => {
  const { run } = await setup(t, [
    // No duration and passing analyses: it runs until terminated.
    experiment('long'),
    jobTemplate('pass', 0),
    jobTemplate('random-fail', 0),
  ]);
  const first = await run({ manifests: 'experiment.yaml', 'max-runtime': '12s' });
  assert.equal(first.exitCode, 0, first.stdout);
  assert.equal(first.outputs.phase, 'Running', first.stdout);
  assert.match(first.outputs.message ?? '', /handed over at max-runtime/);
  const aborted = await run({ command: 'abort', rollout: 'long', 'max-runtime': '2m' });
  assert.equal(aborted.exitCode, 0, aborted.stdout);
  assert.equal(aborted.outputs.phase, 'Successful', aborted.stdout);
});
