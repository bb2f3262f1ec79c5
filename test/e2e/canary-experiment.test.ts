/**
 * The `experiment` canary step on the local cluster (issue #11, "Done when", second line): a canary
 * whose experiment step (baseline from the stable, canary from the canary, an analysis through a
 * `web` metric the test answers) passes goes on to Healthy with the experiment's ReplicaSets gone;
 * one whose analysis fails aborts the rollout, back on the stable, with the experiment named in the
 * stored record and Argo's abort message.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, canaryManifests, replicaSets, serviceHash, writeManifests } from '../support/rollout.ts';

/** The metric's answer by the path the analysis asks for (`/<verdict>/<baseline hash>/<canary hash>`). */
let server: http.Server;
let url = '';
const asked: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: (req.url ?? '').startsWith('/pass/') ? 1 : 0 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
});

function template(verdict: 'pass' | 'fail'): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'compare' },
    spec: {
      args: [{ name: 'baseline' }, { name: 'canary' }],
      metrics: [
        {
          name: 'ok',
          interval: '2s',
          count: 2,
          successCondition: 'result == 1',
          provider: {
            web: { url: `${url}/${verdict}/{{args.baseline}}/{{args.canary}}`, jsonPath: '{$.ok}' },
          },
        },
      ],
    },
  };
}

const STEPS = [
  { setWeight: 20 },
  {
    experiment: {
      scaleDownDelaySeconds: 2,
      templates: [
        { name: 'baseline', specRef: 'stable' },
        { name: 'canary', specRef: 'canary' },
      ],
      analyses: [
        {
          name: 'compare',
          templateName: 'compare',
          // Required: the experiment ends when the run does. With a duration instead, a loaded machine
          // can end the templates first, and Argo then stops copying the run's phase (still Running).
          requiredForCompletion: true,
          args: [
            { name: 'baseline', value: '{{templates.baseline.podTemplateHash}}' },
            { name: 'canary', value: '{{templates.canary.podTemplateHash}}' },
          ],
        },
      ],
    },
  },
  { setWeight: 60 },
  { pause: { duration: '1s' } },
];

interface StoredExperiment {
  name: string;
  podHash: string;
  revision: string;
  status: { phase?: string; message?: string; analysisRuns: { name: string; phase: string }[] };
}

async function stored(
  namespace: string,
): Promise<{ status: Record<string, unknown>; experiments: StoredExperiment[] }> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const cm = await core.readNamespacedConfigMap({ name: 'rollout-pilot.web', namespace });
  return {
    status: JSON.parse(cm.data?.['status.json'] ?? '{}') as Record<string, unknown>,
    experiments: JSON.parse(cm.data?.['experiments.json'] ?? '[]') as StoredExperiment[],
  };
}

/** The experiment ReplicaSets left in the namespace: name, replicas. */
async function experimentReplicaSets(namespace: string): Promise<[string, number][]> {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const list = await apps.listNamespacedReplicaSet({ namespace });
  return list.items
    .filter((rs) => rs.metadata?.annotations?.['experiment.argoproj.io/name'] !== undefined)
    .map((rs) => [rs.metadata?.name ?? '', rs.spec?.replicas ?? 0]);
}

async function deployed(t: Parameters<typeof namespaceWithRole>[0], verdict: 'pass' | 'fail') {
  const { namespace, kubeconfig } = await namespaceWithRole(t, 'exp-step');
  const repo = await writeManifests([...canaryManifests({ steps: STEPS }), template(verdict)]);
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  const v1 = (await replicaSets(namespace))[0]?.hash ?? '';
  const run = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  const v2 = (await replicaSets(namespace)).find((rs) => rs.image === 'example/web:2')?.hash ?? '';
  return { namespace, run, v1, v2 };
}

test('a passing experiment step: the canary goes on to Healthy and the experiment’s ReplicaSets are gone', async (t) => {
  const { namespace, run, v1, v2 } = await deployed(t, 'pass');
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(run.outputs.phase, 'Healthy');
  const state = await stored(namespace);
  assert.equal(state.status.currentPodHash, v2, 'the stored state is revision 2’s');
  assert.equal(state.status.stableRS, v2);
  const record = state.experiments.find((r) => r.podHash === v2);
  assert.equal(record?.name, `web-${v2}-2-1`);
  assert.equal(record?.status.phase, 'Successful');
  assert.deepEqual(
    record?.status.analysisRuns.map((r) => [r.name, r.phase]),
    [['compare', 'Successful']],
  );
  // The analysis ran against the experiment's own pods: their hashes are neither the stable's nor the canary's.
  const mine = asked.filter((u) => u.startsWith('/pass/'));
  assert.ok(mine.length >= 2, `measured twice: ${mine.join(', ')}`);
  for (const u of mine) {
    const [, , baseline, canary] = u.split('/');
    assert.ok(
      baseline && canary && baseline !== canary && ![v1, v2].includes(baseline) && ![v1, v2].includes(canary),
      u,
    );
  }
  assert.deepEqual(await experimentReplicaSets(namespace), [], 'the experiment’s ReplicaSets are gone');
  assert.match(run.stdout, new RegExp(`Created Experiment 'web-${v2}-2-1'`));
  const sets = await replicaSets(namespace);
  assert.deepEqual(
    sets.filter((rs) => rs.revision > 0).map((rs) => [rs.image, rs.spec]),
    [
      ['example/web:1', 0],
      ['example/web:2', 5],
    ],
  );
});

test('a failing experiment step aborts the rollout: back on the stable, Argo’s message, the experiment named', async (t) => {
  const { namespace, run, v1, v2 } = await deployed(t, 'fail');
  assert.equal(run.exitCode, 1, run.stdout + run.stderr);
  assert.equal(run.outputs.aborted, 'true');
  assert.match(run.outputs.message ?? '', /RolloutAborted: .*Experiment analysis phase is error\/failed/);
  const state = await stored(namespace);
  assert.equal(state.status.currentPodHash, v2, 'the stored state is revision 2’s');
  assert.equal(state.status.abort, true);
  const record = state.experiments.find((r) => r.podHash === v2);
  assert.equal(record?.name, `web-${v2}-2-1`);
  assert.equal(record?.status.phase, 'Failed');
  assert.match(run.stdout, new RegExp(`experiment web-${v2}-2-1 is Failed: aborting`));
  const sets = await replicaSets(namespace);
  assert.deepEqual(
    sets.filter((rs) => rs.revision > 0).map((rs) => [rs.image, rs.spec]),
    [
      ['example/web:1', 5],
      ['example/web:2', 0],
    ],
  );
  assert.equal(await serviceHash(namespace, 'web-canary'), v1);
  assert.deepEqual(await experimentReplicaSets(namespace), [], 'the experiment’s ReplicaSets are gone');
});
