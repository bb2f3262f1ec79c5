import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ApiException, BatchV1Api, CoreV1Api, type V1Job } from '@kubernetes/client-node';
import {
  ANALYSIS_JOB_LABEL,
  analysisJobName,
  JOB_NAME_KEY,
  labelValue,
  METRIC_ANNOTATION,
  METRIC_LABEL,
} from '../../src/analysis/providers/job-naming.ts';
import { JobProvider, type JobProviderOptions } from '../../src/analysis/providers/job.ts';
import { ProviderError, type MeasureContext } from '../../src/analysis/providers/types.ts';
import { adminKubeConfig, eventually, testNamespace } from '../support/cluster.ts';

function ctx(signal: AbortSignal = new AbortController().signal): MeasureContext {
  return { signal, now: new Date(), secrets: new Set() };
}

/** A job metric's provider block: one container finishing with `exitCode` after `runDuration`. */
function jobBlock(
  exitCode = 0,
  runDuration = '1s',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: { labels: { team: 'checks' }, annotations: { note: 'smoke' } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: {
          annotations: {
            'rollout-pilot.dev/exit-code': String(exitCode),
            'rollout-pilot.dev/run-duration': runDuration,
          },
        },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'example/check:1' }] },
      },
      ...extra,
    },
  };
}

async function setup(t: TestContext, options: Partial<JobProviderOptions> = {}) {
  const namespace = await testNamespace(t, 'job');
  const kc = adminKubeConfig();
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const provider = (more: Partial<JobProviderOptions> = {}): JobProvider =>
    new JobProvider({ kubeConfig: kc, namespace, pollIntervalMs: 100, ...options, ...more });
  const readJob = async (name: string): Promise<V1Job | undefined> => {
    try {
      return await batch.readNamespacedJob({ name, namespace });
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw e;
    }
  };
  const analysisJobs = async (): Promise<V1Job[]> =>
    (await batch.listNamespacedJob({ namespace, labelSelector: `${ANALYSIS_JOB_LABEL}=true` })).items;
  return { namespace, batch, core, provider, readJob, analysisJobs };
}

test('a Job that exits 0 is Successful, labelled as an analysis job, and deleted afterwards', async (t) => {
  const { provider, readJob } = await setup(t);
  const name = analysisJobName('0b5e3c7a-run', 'smoke', 1);
  const p = provider();
  const measuring = p.measure(jobBlock(0), { ...ctx(), measurement: { jobName: name, metricName: 'smoke' } });

  const job = await eventually('the Job', () => readJob(name));
  assert.equal(job.metadata?.labels?.[ANALYSIS_JOB_LABEL], 'true');
  assert.equal(job.metadata?.labels?.[METRIC_LABEL], 'smoke');
  assert.equal(job.metadata?.labels?.['team'], 'checks', "the block's labels are kept");
  assert.equal(job.metadata?.annotations?.['note'], 'smoke', "the block's annotations are kept");
  assert.equal(job.metadata?.annotations?.[METRIC_ANNOTATION], 'smoke');
  assert.equal(job.spec?.backoffLimit, 0, 'the spec is passed as written');

  const r = await measuring;
  assert.equal(r.forcedPhase, 'Successful');
  assert.equal(r.value, 0);
  assert.equal(r.display, '0');
  assert.equal(r.query, `job ${name}`);
  assert.equal(r.message, undefined);
  assert.deepEqual(r.metadata, { [JOB_NAME_KEY]: name });
  const after = await readJob(name);
  assert.ok(after === undefined || after.metadata?.deletionTimestamp !== undefined, 'the Job is deleted');
});

test('a Job that exits 3 is Failed, with a message naming the Job and the exit code', async (t) => {
  const { provider, readJob } = await setup(t);
  const name = analysisJobName('0b5e3c7a-run', 'smoke', 2);
  const r = await provider().measureJob({ name, metric: 'smoke' }, jobBlock(3), ctx());
  assert.equal(r.forcedPhase, 'Failed');
  assert.equal(r.value, 3);
  assert.equal(r.display, '3');
  assert.match(r.message ?? '', new RegExp(`^job ${name.replace(/\./g, '\\.')} failed`));
  assert.match(r.message ?? '', /BackoffLimitExceeded/);
  assert.match(r.message ?? '', /container main of pod \S+ exited with code 3/);
  const after = await readJob(name);
  assert.ok(after === undefined || after.metadata?.deletionTimestamp !== undefined, 'the Job is deleted');
});

test('keepJobs keeps a finished Job; the owner is its controller ownerReference', async (t) => {
  const { namespace, core, provider, readJob } = await setup(t);
  const cm = await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'rollout-pilot.web' } },
  });
  const owner = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: 'rollout-pilot.web',
    uid: cm.metadata?.uid ?? '',
  };
  const name = analysisJobName('run', 'kept', 1);
  const r = await provider({
    keepJobs: true,
    owner,
    labels: { 'rollout-pilot.dev/rollout': 'web' },
  }).measureJob({ name, metric: 'kept' }, jobBlock(0, '0s'), ctx());
  assert.equal(r.forcedPhase, 'Successful');
  const job = await readJob(name);
  assert.ok(job, 'the Job is kept');
  assert.equal(job.metadata?.deletionTimestamp, undefined);
  assert.equal(job.metadata?.labels?.['rollout-pilot.dev/rollout'], 'web');
  assert.deepEqual(
    job.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
    [['ConfigMap', 'rollout-pilot.web', owner.uid, true]],
  );
  // Measuring the same name again (a driver restarted after the Job finished) reads the kept result.
  const again = await provider({ keepJobs: true, owner }).measureJob({ name }, jobBlock(3), ctx());
  assert.equal(again.forcedPhase, 'Successful');
  assert.equal((await readJob(name))?.metadata?.uid, job.metadata?.uid, 'no second Job');
});

test('measuring the same Job twice at once creates one Job and gives both callers its result', async (t) => {
  const { provider, analysisJobs } = await setup(t);
  const name = analysisJobName('run', 'twice', 1);
  const p = provider();
  const first = p.measureJob({ name, metric: 'twice' }, jobBlock(3, '2s'), ctx());
  const second = p.measureJob({ name, metric: 'twice' }, jobBlock(3, '2s'), ctx());
  const jobs = await eventually('the Job', async () => {
    const list = await analysisJobs();
    return list.length > 0 ? list : undefined;
  });
  assert.equal(jobs.length, 1);
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.forcedPhase, 'Failed');
  assert.deepEqual(b, a);
});

test('a restarted driver re-attaches to the Job the previous one started', async (t) => {
  const { provider, readJob, analysisJobs } = await setup(t);
  const name = analysisJobName('run', 'restart', 1);
  // The first driver creates the Job and then never comes back (its process died).
  const dead = provider({ sleep: () => new Promise<void>(() => undefined) });
  void dead.measureJob({ name, metric: 'restart' }, jobBlock(0, '2s'), ctx());
  const original = await eventually('the Job', () => readJob(name));

  const r = await provider({ keepJobs: true }).measureJob(
    { name, metric: 'restart' },
    jobBlock(0, '2s'),
    ctx(),
  );
  assert.equal(r.forcedPhase, 'Successful');
  const jobs = await analysisJobs();
  assert.deepEqual(
    jobs.map((j) => j.metadata?.uid),
    [original.metadata?.uid],
    'the same Job, not a second one',
  );
});

test('a Job of the same name that is not an analysis job is not adopted', async (t) => {
  const { namespace, batch, provider } = await setup(t);
  const name = 'someone-elses-job';
  const block = jobBlock(0, '1h');
  await batch.createNamespacedJob({
    namespace,
    body: { metadata: { name }, spec: block['spec'] as V1Job['spec'] },
  });
  await assert.rejects(provider().measureJob({ name }, block, ctx()), (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.match(e.message, /already exists and is not this analysis' job/);
    assert.equal(e.query, `job ${name}`);
    return true;
  });
});

test('aborting the measurement rejects with the reason and deletes the Job', async (t) => {
  const { provider, readJob } = await setup(t);
  const name = analysisJobName('run', 'abort', 1);
  const ac = new AbortController();
  const measuring = provider().measureJob({ name }, jobBlock(0, '1h'), ctx(ac.signal));
  await eventually('the Job', () => readJob(name));
  const reason = new Error('run terminated');
  ac.abort(reason);
  await assert.rejects(measuring, (e: unknown) => e === reason);
  const after = await readJob(name);
  assert.ok(after === undefined || after.metadata?.deletionTimestamp !== undefined, 'the Job is deleted');
});

test('a pod that cannot pull its image makes the measurement Inconclusive and the Job is deleted', async (t) => {
  const { namespace, core, provider, readJob } = await setup(t);
  const name = analysisJobName('run', 'pull', 1);
  const measuring = provider().measureJob({ name }, jobBlock(0, '1h'), ctx());
  const pod = await eventually('a running pod', async () => {
    const list = await core.listNamespacedPod({
      namespace,
      labelSelector: `batch.kubernetes.io/job-name=${name}`,
    });
    return list.items.find((p) => p.status?.phase === 'Running');
  });
  await core.replaceNamespacedPodStatus({
    name: pod.metadata?.name ?? '',
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: pod.metadata,
      spec: pod.spec,
      status: {
        phase: pod.status?.phase,
        conditions: pod.status?.conditions,
        containerStatuses: [
          {
            name: 'main',
            image: 'example/check:1',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "example/check:1"' },
            },
          },
        ],
      },
    },
  });
  const r = await measuring;
  assert.equal(r.forcedPhase, 'Inconclusive');
  assert.match(r.message ?? '', /container main of pod \S+ cannot start: ImagePullBackOff/);
  const after = await readJob(name);
  assert.ok(after === undefined || after.metadata?.deletionTimestamp !== undefined, 'the Job is deleted');
});

test('bad input is a ProviderError before anything is created', async (t) => {
  const { provider, analysisJobs } = await setup(t);
  const p = provider();
  await assert.rejects(
    p.measure(jobBlock(), ctx()),
    /needs the Job's name in the context's measurement\.jobName/,
  );
  await assert.rejects(p.measureJob({ name: 'Bad_Name' }, jobBlock(), ctx()), /job name "Bad_Name" must be/);
  await assert.rejects(p.measureJob({ name: 'x' }, { metadata: {} }, ctx()), /job.spec is required/);
  await assert.rejects(
    p.measureJob({ name: 'y' }, { spec: { template: { spec: { containers: [] } } } }, ctx()),
    (e: unknown) => e instanceof ProviderError && /creating job y: /.test(e.message) && e.query === 'job y',
  );
  assert.deepEqual(await analysisJobs(), []);
});

test('analysisJobName keeps Argo names and shortens long ones to valid, distinct Job names', () => {
  const uid = '7d3c9a52-1f0e-4c8e-9a51-3b7f2d6e4a10';
  assert.equal(analysisJobName(uid, 'error-rate', 3), `${uid}.error-rate.3`);
  const long1 = analysisJobName(uid, 'a-very-long-metric-name-that-does-not-fit', 1);
  const long2 = analysisJobName(uid, 'a-very-long-metric-name-that-does-not-fit-either', 1);
  for (const n of [long1, long2, analysisJobName(uid, 'Weird_Name!!', 12)]) {
    assert.ok(n.length <= 63, n);
    assert.match(n, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  }
  assert.notEqual(long1, long2);
  assert.equal(analysisJobName(uid, 'Weird_Name!!', 12), `${uid}.weird-name.12`);
  assert.equal(labelValue('p99 latency (ms)'), 'p99-latency-ms');
});
