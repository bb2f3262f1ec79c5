/**
 * A metric that answers far more than a ConfigMap holds (issue "Hardened", item 4): a `web` metric
 * answering 2.7 MB once must not wedge the rollout. The body is refused at the provider's cap (an
 * Error measurement naming the metric and the size), no log line carries it, the state stays under
 * 1 MiB, the analysis goes on, and a later run resumes from the state. A metric URL built from an arg
 * that is only known at run time is refused when it reaches a link-local metadata address.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { MAX_LOG_LINE_CHARS } from '../../src/util/logger.ts';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, canaryManifests, writeManifests } from '../support/rollout.ts';

const BIG = 2_700_000;
let server: http.Server;
let url = '';
let requests = 0;

before(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.setHeader('content-type', 'application/json');
    // The first answer is 2.7 MB of JSON on one line; the next ones are small and healthy.
    if (requests === 1) res.end(JSON.stringify({ value: 1, padding: 'p'.repeat(BIG) }));
    else res.end(JSON.stringify({ value: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metric`;
});
after(() => {
  server.close();
});

function webTemplate(metric: Record<string, unknown>): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'big' },
    spec: { args: [{ name: 'host', value: 'unused' }], metrics: [{ name: 'big', ...metric }] },
  };
}

const STEPS = [{ setWeight: 50 }, { pause: { duration: '1s' } }, { setWeight: 100 }];
const analysis = (args: { name: string; value: string }[] = []) => ({
  analysis: { templates: [{ templateName: 'big' }], ...(args.length > 0 ? { args } : {}) },
});

async function stateBytes(namespace: string): Promise<number> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const cm = await core.readNamespacedConfigMap({ name: 'rollout-pilot.web', namespace });
  return Object.entries(cm.data ?? {}).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
}

interface Output {
  phase: string;
  metrics: { measurements: { phase: string; value?: string; message?: string }[] }[];
}

test('a 2.7 MB web metric answer is an Error measurement; the rollout goes on, and resumes', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const docs = [
    // A step analysis: the step waits until both successful measurements are in.
    ...canaryManifests({ steps: [STEPS[0], analysis(), STEPS[2]] }),
    webTemplate({
      interval: '1s',
      count: 2,
      successCondition: 'result == 1',
      provider: { web: { url, jsonPath: '{$.value}' } },
    }),
  ];
  const repo = await writeManifests(docs);
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);
  requests = 0;
  const run = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.outputs.phase, 'Healthy');
  const longest = Math.max(...`${run.stdout}\n${run.stderr}`.split('\n').map((l) => l.length));
  assert.ok(longest <= MAX_LOG_LINE_CHARS + 64, `longest log line: ${longest} chars`);
  assert.ok(!run.stdout.includes('p'.repeat(1000)), 'the body is not in the log');
  const out = JSON.parse(run.outputs.analysis ?? '[]') as Output[];
  const measurements = out[0]?.metrics[0]?.measurements ?? [];
  assert.equal(measurements[0]?.phase, 'Error', JSON.stringify(measurements).slice(0, 2000));
  assert.match(
    measurements[0]?.message ?? '',
    /^metric "big": GET http:\/\/127\.0\.0\.1:\d+\/metric: response body is 2\.7 MB \(\d+ bytes\), over the 1 MiB a metric response may have/,
  );
  assert.deepEqual(
    measurements.slice(1).map((m) => m.phase),
    ['Successful', 'Successful'],
  );
  const bytes = await stateBytes(namespace);
  assert.ok(bytes < 1024 * 1024, `state ConfigMap: ${bytes} bytes`);

  // A later run resumes from the stored state (no manifests): nothing to do, no crash.
  const resumed = await actionIn(repo, namespace, { rollout: 'web' }, { kubeconfig });
  assert.equal(resumed.exitCode, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.equal(resumed.outputs.phase, 'Healthy');
});

test('a metric URL that only at run time reaches a metadata address is refused, as an Error', async (t) => {
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const docs = [
    ...canaryManifests({ steps: STEPS, canary: analysis([{ name: 'host', value: '169.254.169.254' }]) }),
    webTemplate({
      consecutiveErrorLimit: 0,
      successCondition: 'result == 1',
      provider: { web: { url: 'http://{{args.host}}/latest/meta-data/', timeoutSeconds: 2 } },
    }),
  ];
  const repo = await writeManifests(docs);
  const first = await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(first.exitCode, 0, first.stdout);
  const run = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(run.exitCode, 1, run.stdout);
  assert.equal(run.outputs.aborted, 'true');
  const out = JSON.parse(run.outputs.analysis ?? '[]') as Output[];
  const m = out[0]?.metrics[0]?.measurements[0];
  assert.equal(m?.phase, 'Error');
  assert.match(m?.message ?? '', /refused: .*169\.254\.169\.254.*allow-metadata-addresses: true/);
});
