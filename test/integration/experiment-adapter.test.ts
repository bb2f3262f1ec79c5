/**
 * The Kubernetes adapter's experiment side (ExperimentClusterPort) on the local cluster: real
 * kube-apiserver, controller-manager (ReplicaSet controller, garbage collector) and kwok pods,
 * driven through a ServiceAccount bound to exactly docs/rbac.yaml's Role.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { AppsV1Api, CoreV1Api, type V1ReplicaSet } from '@kubernetes/client-node';
import { KubeCluster, loadKubeConfig } from '../../src/adapters/k8s/cluster.ts';
import type { ExperimentOwner } from '../../src/controller/experiment-ports.ts';
import { podTemplateHash } from '../../src/engine/hash.ts';
import type { Experiment } from '../../src/manifests/experiment.ts';
import { adminKubeConfig, eventually, namespaceWithRole } from '../support/cluster.ts';
import { twoTemplateExperiment } from '../support/experiment-manifest.ts';

interface Setup {
  namespace: string;
  cluster: KubeCluster;
  apps: AppsV1Api;
  core: CoreV1Api;
}

async function setup(t: TestContext): Promise<Setup> {
  const { namespace, kubeconfig } = await namespaceWithRole(t, 'exp-adapter');
  const cluster = new KubeCluster(loadKubeConfig(kubeconfig, {}));
  t.after(() => {
    cluster.stopWatching();
  });
  const admin = adminKubeConfig();
  return { namespace, cluster, apps: admin.makeApiClient(AppsV1Api), core: admin.makeApiClient(CoreV1Api) };
}

/** The owner's state ConfigMap, as the driver writes it before anything else. */
async function ownerConfigMap(s: Setup, name: string): Promise<string> {
  const cm = await s.core.createNamespacedConfigMap({
    namespace: s.namespace,
    body: { metadata: { name }, data: {} },
  });
  return cm.metadata?.uid ?? '';
}

function readRs(s: Setup, name: string): Promise<V1ReplicaSet> {
  return s.apps.readNamespacedReplicaSet({ name, namespace: s.namespace });
}

const ports = [{ containerPort: 8080, name: 'http' }];

function standalone(s: Setup, name: string): ExperimentOwner {
  return { kind: 'experiment', namespace: s.namespace, name };
}

async function observeAvailable(
  s: Setup,
  owner: ExperimentOwner,
  e: Experiment,
  template: string,
  count: number,
): Promise<void> {
  await eventually(
    `${template} with ${count} available pods`,
    async () => {
      const seen = await s.cluster.observeExperiment(owner, e);
      const rs = seen.replicaSets[template];
      return rs?.availableReplicas === count && rs.replicas === count ? rs : undefined;
    },
    60_000,
    250,
  );
}

describe('the experiment adapter on the local cluster', () => {
  test("create: Argo's name, marks, hash, selector and minReadySeconds; kwok pods become available", async (t) => {
    const s = await setup(t);
    const uid = await ownerConfigMap(s, 'rollout-pilot-experiment.exp');
    const owner = standalone(s, 'exp');
    const e = twoTemplateExperiment('exp', 'demo', { canary: { replicas: 2, minReadySeconds: 1 } });

    const before = await s.cluster.observeExperiment(owner, e);
    assert.deepEqual(before, {
      replicaSets: { baseline: undefined, canary: undefined },
      services: { baseline: false, canary: false },
      failures: {},
    });
    for (const [template, replicas] of [
      ['baseline', 1],
      ['canary', 2],
    ] as const) {
      await s.cluster.applyExperimentAction(owner, e, {
        kind: 'createExperimentReplicaSet',
        template,
        name: `exp-${template}`,
        replicas,
      });
    }
    const rs = await readRs(s, 'exp-canary');
    const hash = rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '';
    assert.notEqual(hash, '');
    assert.notEqual(hash, podTemplateHash(e.spec.templates[1]?.template), 'not the plain template hash');
    assert.notEqual(hash, (await readRs(s, 'exp-baseline')).metadata?.labels?.['rollouts-pod-template-hash']);
    assert.deepEqual(rs.metadata?.labels, {
      app: 'demo',
      role: 'canary',
      'rollouts-pod-template-hash': hash,
      'rollout-pilot.dev/experiment': 'exp',
    });
    assert.equal(rs.metadata?.annotations?.['experiment.argoproj.io/name'], 'exp');
    assert.equal(rs.metadata?.annotations?.['experiment.argoproj.io/template-name'], 'canary');
    assert.equal(rs.metadata?.annotations?.['rollout.argoproj.io/revision'], undefined, 'no revision');
    assert.deepEqual(rs.spec?.selector.matchLabels, {
      app: 'demo',
      role: 'canary',
      'rollouts-pod-template-hash': hash,
    });
    assert.equal(rs.spec?.replicas, 2);
    assert.equal(rs.spec?.minReadySeconds, 1);
    assert.deepEqual(rs.spec?.template?.metadata?.labels, rs.metadata?.labels);
    assert.deepEqual(
      rs.metadata?.ownerReferences?.map((o) => [o.apiVersion, o.kind, o.name, o.uid, o.controller]),
      [['v1', 'ConfigMap', 'rollout-pilot-experiment.exp', uid, true]],
    );

    await observeAvailable(s, owner, e, 'canary', 2);
    await observeAvailable(s, owner, e, 'baseline', 1);
    const seen = await s.cluster.observeExperiment(owner, e);
    assert.deepEqual(seen.replicaSets.canary, {
      name: 'exp-canary',
      hash,
      specReplicas: 2,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      scaleDownDeadline: undefined,
    });
    const pods = await s.core.listNamespacedPod({
      namespace: s.namespace,
      labelSelector: `rollouts-pod-template-hash=${hash}`,
    });
    assert.equal(pods.items.length, 2);

    // A create that finds its own ReplicaSet (a tick interrupted after the write) is no error.
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'createExperimentReplicaSet',
      template: 'canary',
      name: 'exp-canary',
      replicas: 2,
    });
  });

  test('scale to 0, and the scale-down deadline annotation set and removed', async (t) => {
    const s = await setup(t);
    await ownerConfigMap(s, 'rollout-pilot-experiment.sc');
    const owner = standalone(s, 'sc');
    const e = twoTemplateExperiment('sc', 'scale');
    const create = { kind: 'createExperimentReplicaSet', template: 'baseline', name: 'sc-baseline' } as const;
    await s.cluster.applyExperimentAction(owner, e, { ...create, replicas: 2 });
    await observeAvailable(s, owner, e, 'baseline', 2);

    const deadline = '2030-01-01T00:00:30Z';
    const mark = {
      kind: 'setExperimentScaleDownDeadline',
      template: 'baseline',
      name: 'sc-baseline',
    } as const;
    await s.cluster.applyExperimentAction(owner, e, { ...mark, deadline });
    let seen = await s.cluster.observeExperiment(owner, e);
    assert.equal(seen.replicaSets.baseline?.scaleDownDeadline, deadline);
    assert.equal((await readRs(s, 'sc-baseline')).metadata?.annotations?.['scale-down-deadline'], deadline);
    await s.cluster.applyExperimentAction(owner, e, { ...mark, deadline: undefined });
    seen = await s.cluster.observeExperiment(owner, e);
    assert.equal(seen.replicaSets.baseline?.scaleDownDeadline, undefined);
    assert.equal(
      'scale-down-deadline' in ((await readRs(s, 'sc-baseline')).metadata?.annotations ?? {}),
      false,
    );

    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'scaleExperimentReplicaSet',
      template: 'baseline',
      name: 'sc-baseline',
      replicas: 0,
    });
    await eventually(
      'no pods left',
      async () => {
        const rs = (await s.cluster.observeExperiment(owner, e)).replicaSets.baseline;
        return rs?.specReplicas === 0 && rs.replicas === 0 && rs.availableReplicas === 0 ? rs : undefined;
      },
      60_000,
      250,
    );
    // The ReplicaSet stays, at 0, as Argo's do until their Experiment is deleted.
    assert.equal((await readRs(s, 'sc-baseline')).spec?.replicas, 0);
  });

  test("the template Service: every label of the ReplicaSet as selector, the containers' ports; deleted when ours", async (t) => {
    const s = await setup(t);
    await ownerConfigMap(s, 'rollout-pilot-experiment.sv');
    const owner = standalone(s, 'sv');
    const e = twoTemplateExperiment('sv', 'svc', {
      baseline: { service: {}, ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090 }] },
      canary: { service: { name: 'sv-named' }, ports },
    });
    for (const template of ['baseline', 'canary']) {
      await s.cluster.applyExperimentAction(owner, e, {
        kind: 'createExperimentReplicaSet',
        template,
        name: `sv-${template}`,
        replicas: 1,
      });
    }
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'createExperimentService',
      template: 'baseline',
      name: 'sv-baseline',
    });
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'createExperimentService',
      template: 'canary',
      name: 'sv-named',
    });
    const rs = await readRs(s, 'sv-baseline');
    const svc = await s.core.readNamespacedService({ name: 'sv-baseline', namespace: s.namespace });
    assert.deepEqual(svc.spec?.selector, rs.metadata?.labels);
    assert.deepEqual(
      svc.spec?.ports?.map((p) => [p.name, p.protocol, p.port, p.targetPort]),
      [
        ['http', 'TCP', 8080, 8080],
        [undefined, 'TCP', 9090, 9090],
      ],
    );
    assert.equal(svc.metadata?.annotations?.['experiment.argoproj.io/template-name'], 'baseline');
    assert.equal(svc.metadata?.ownerReferences?.[0]?.name, 'rollout-pilot-experiment.sv');
    const named = await s.core.readNamespacedService({ name: 'sv-named', namespace: s.namespace });
    assert.equal(named.spec?.selector?.role, 'canary');
    assert.deepEqual((await s.cluster.observeExperiment(owner, e)).services, {
      baseline: true,
      canary: true,
    });

    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'deleteExperimentService',
      template: 'baseline',
    });
    await assert.rejects(s.core.readNamespacedService({ name: 'sv-baseline', namespace: s.namespace }));
    assert.deepEqual((await s.cluster.observeExperiment(owner, e)).services, {
      baseline: false,
      canary: true,
    });
    // Deleting again finds nothing: no error.
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'deleteExperimentService',
      template: 'baseline',
    });
  });

  test('a foreign Service of that name: the create fails with a clear message, and delete leaves it', async (t) => {
    const s = await setup(t);
    await ownerConfigMap(s, 'rollout-pilot-experiment.fx');
    const owner = standalone(s, 'fx');
    const e = twoTemplateExperiment('fx', 'foreign', { canary: { service: { name: 'web' }, ports } });
    await s.core.createNamespacedService({
      namespace: s.namespace,
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    });
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'createExperimentReplicaSet',
      template: 'canary',
      name: 'fx-canary',
      replicas: 1,
    });
    await assert.rejects(
      s.cluster.applyExperimentAction(owner, e, {
        kind: 'createExperimentService',
        template: 'canary',
        name: 'web',
      }),
      { message: "Service web already exists and does not belong to template 'canary' of experiment fx" },
    );
    assert.equal((await s.cluster.observeExperiment(owner, e)).services.canary, false);
    await s.cluster.applyExperimentAction(owner, e, { kind: 'deleteExperimentService', template: 'canary' });
    const web = await s.core.readNamespacedService({ name: 'web', namespace: s.namespace });
    assert.deepEqual(web.spec?.selector, { app: 'web' }, 'the foreign Service is untouched');
  });

  test("a step experiment: owned by the rollout's state, seen by the rollout's observe; deleteExperiment; GC", async (t) => {
    const s = await setup(t);
    const uid = await ownerConfigMap(s, 'rollout-pilot.demo');
    const owner: ExperimentOwner = { kind: 'rollout', namespace: s.namespace, rollout: 'demo' };
    const e = twoTemplateExperiment('demo-abc-2-1', 'demo', { canary: { service: {}, ports } });
    for (const template of ['baseline', 'canary']) {
      await s.cluster.applyExperimentAction(owner, e, {
        kind: 'createExperimentReplicaSet',
        template,
        name: `demo-abc-2-1-${template}`,
        replicas: 1,
      });
    }
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'createExperimentService',
      template: 'canary',
      name: 'demo-abc-2-1-canary',
    });
    const rs = await readRs(s, 'demo-abc-2-1-canary');
    assert.equal(rs.metadata?.labels?.['rollout-pilot.dev/rollout'], 'demo');
    assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, uid);
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'demo', namespace: s.namespace },
      spec: { selector: { matchLabels: { app: 'demo' } } },
    };
    const seen = await s.cluster.observe(rollout, []);
    assert.deepEqual(
      seen.replicaSets.map((r) => [r.name, r.experiment, r.experimentTemplate, r.revision]).sort(),
      [
        ['demo-abc-2-1-baseline', 'demo-abc-2-1', 'baseline', 0],
        ['demo-abc-2-1-canary', 'demo-abc-2-1', 'canary', 0],
      ],
    );
    // Another experiment of the same rollout is not this one's.
    const other = twoTemplateExperiment('demo-abc-2-3', 'demo');
    assert.deepEqual((await s.cluster.observeExperiment(owner, other)).replicaSets, {
      baseline: undefined,
      canary: undefined,
    });

    await s.cluster.deleteExperiment(owner, 'demo-abc-2-1');
    await eventually('the experiment objects gone', async () => {
      const o = await s.cluster.observeExperiment(owner, e);
      return o.replicaSets.canary === undefined && o.replicaSets.baseline === undefined && !o.services.canary
        ? o
        : undefined;
    });

    // Owned by the state ConfigMap: the garbage collector removes the ReplicaSet with it.
    await s.cluster.applyExperimentAction(owner, e, {
      kind: 'createExperimentReplicaSet',
      template: 'canary',
      name: 'demo-abc-2-1-canary',
      replicas: 1,
    });
    await s.core.deleteNamespacedConfigMap({ name: 'rollout-pilot.demo', namespace: s.namespace });
    await eventually(
      'the garbage collector deletes the ReplicaSet',
      async () => {
        const list = await s.apps.listNamespacedReplicaSet({ namespace: s.namespace });
        return list.items.length === 0 ? true : undefined;
      },
      60_000,
      500,
    );
  });

  test("without the owner's state ConfigMap nothing is created, and the error says why", async (t) => {
    const s = await setup(t);
    const e = twoTemplateExperiment('none', 'none');
    await assert.rejects(
      s.cluster.applyExperimentAction(standalone(s, 'none'), e, {
        kind: 'createExperimentReplicaSet',
        template: 'canary',
        name: 'none-canary',
        replicas: 1,
      }),
      { message: /state ConfigMap rollout-pilot-experiment.none .*does not exist/ },
    );
  });

  test("a standalone experiment's wait wakes on a change of its ReplicaSets", async (t) => {
    const s = await setup(t);
    await ownerConfigMap(s, 'rollout-pilot-experiment.wk');
    const owner = standalone(s, 'wk');
    const e = twoTemplateExperiment('wk', 'wake');
    // The first wait starts the watches (their initial events are no news).
    await s.cluster.waitForExperimentChange(owner, 200);
    const started = Date.now();
    const waiting = s.cluster.waitForExperimentChange(owner, 20_000);
    await s.apps.createNamespacedReplicaSet({
      namespace: s.namespace,
      body: {
        metadata: { name: 'wk-other', labels: { 'rollout-pilot.dev/experiment': 'wk' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { x: 'y' } },
          template: { metadata: { labels: { x: 'y' } }, spec: { containers: [{ name: 'a', image: 'a' }] } },
        },
      },
    });
    await waiting;
    assert.ok(Date.now() - started < 10_000, 'woken by the event, not the timeout');
    assert.equal((await s.cluster.observeExperiment(owner, e)).replicaSets.baseline, undefined);
  });
});
